package backups

import (
	"errors"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/stacktop/stacktop/ui/internal/fixture"
	"github.com/stacktop/stacktop/ui/view"
)

func testCtx(w, h int) view.Context { return fixture.Context(w, h) }

// entries are backups of two databases in every verification state, out
// of order, one with a hostile file name.
func entries() []Entry {
	now := fixture.Now()
	return []Entry{
		{File: "main-app-20261120T020000Z.dump", Database: "app", Size: 1_342_177_280, Taken: now.Add(-36*time.Hour - 30*time.Minute), Verified: Verified, Detail: "sha256 9f86d081884c"},
		{File: "main-app-20261121T020000Z.dump", Database: "app", Size: 1_350_565_888, Taken: now.Add(-12*time.Hour - 30*time.Minute), Verified: Verified, Detail: "sha256 2c26b46b68ff"},
		{File: "main-billing-20261121T030000Z.dump", Database: "billing", Size: 52_428_800, Taken: now.Add(-11*time.Hour - 30*time.Minute), Verified: Failed, Detail: "pg_restore --list: input file is too short"},
		{File: ".main-app-20261121T142900Z.dump.partial", Database: "app", Size: 402_653_184, Taken: now.Add(-65 * time.Second), Verified: Partial, Detail: "being written, or left by a killed backup"},
		{File: "main-app-20261121T140000Z\x1b[31m.dump", Database: "app", Size: 1_351_000_000, Taken: now.Add(-25 * time.Minute), Verified: Unverified, Detail: "no checksum sidecar"},
	}
}

// TestGolden records the backup list. Regenerate with
// `go test ./ui/backups -update`; read the files before committing.
func TestGolden(t *testing.T) {
	t.Run("list_120x30", func(t *testing.T) {
		m := New("Backups — pg:main")
		m.SetEntries(entries(), nil)
		golden.RequireEqual(t, []byte(m.View(testCtx(120, 30))))
	})
	t.Run("narrow_80x21", func(t *testing.T) {
		m := New("Backups — pg:main")
		m.SetEntries(entries(), nil)
		m.Update(tea.KeyMsg{Type: tea.KeyDown})
		golden.RequireEqual(t, []byte(m.View(testCtx(80, 21))))
	})
	t.Run("listing_80x21", func(t *testing.T) {
		golden.RequireEqual(t, []byte(New("Backups — pg:main").View(testCtx(80, 21))))
	})
	t.Run("empty_80x21", func(t *testing.T) {
		m := New("Backups — pg:main")
		m.SetEntries(nil, nil)
		golden.RequireEqual(t, []byte(m.View(testCtx(80, 21))))
	})
	t.Run("error_80x21", func(t *testing.T) {
		m := New("Backups — pg:main")
		m.SetEntries(nil, errors.New("list /var/backups: permission denied — check backup_dir in the config"))
		golden.RequireEqual(t, []byte(m.View(testCtx(80, 21))))
	})
}

func TestNewestFirstAndSanitized(t *testing.T) {
	m := New("Backups")
	m.SetEntries(entries(), nil)
	out := m.View(testCtx(160, 30))
	if strings.Contains(out, "\x1b") {
		t.Error("an escape sequence from a file name reached the screen")
	}
	first, last := strings.Index(out, "T140000Z"), strings.Index(out, "T020000Z")
	if first < 0 || last < 0 || first > strings.Index(out, "20261120T020000Z") {
		t.Errorf("backups are not newest first:\n%s", out)
	}
	for _, want := range []string{"! failed", "~ unknown", "partial", "25m00s", "1.3 GiB"} {
		if !strings.Contains(out, want) {
			t.Errorf("list lacks %q:\n%s", want, out)
		}
	}
	if !m.Update(tea.KeyMsg{Type: tea.KeyEsc}) {
		t.Error("esc did not close the list")
	}
}
