package plan

import (
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/muesli/termenv"

	"github.com/stacktop/stacktop/ui/internal/keytest"
	"github.com/stacktop/stacktop/ui/theme"
)

// TestGolden records the plan view. Regenerate with
// `go test ./ui/plan -update`; read the files before committing.
func TestGolden(t *testing.T) {
	t.Run("analyzed_160x48", func(t *testing.T) {
		m := New(analyzedPlan(), Options{Title: "EXPLAIN ANALYZE on pg:main", SaveDir: t.TempDir()})
		golden.RequireEqual(t, []byte(m.View(testCtx(160, 48))))
	})
	t.Run("analyzed_redacted_100x30", func(t *testing.T) {
		m := New(analyzedPlan(), Options{Title: "EXPLAIN ANALYZE on pg:main", Redact: true})
		golden.RequireEqual(t, []byte(m.View(testCtx(100, 30))))
	})
	t.Run("plain_generic_80x21", func(t *testing.T) {
		m := New(plainPlan(), Options{Title: "EXPLAIN on pg:main"})
		golden.RequireEqual(t, []byte(m.View(testCtx(80, 21))))
	})
	t.Run("big_scrolled_160x48", func(t *testing.T) {
		m := New(bigPlan(500), Options{Title: "EXPLAIN ANALYZE on pg:main"})
		ctx := testCtx(160, 48)
		m.View(ctx)
		m.Update(keytest.Msg("pgdown"))
		m.Update(keytest.Msg("pgdown"))
		golden.RequireEqual(t, []byte(m.View(ctx)))
	})
}

// TestViewShowsWhatMatters checks the points a reader relies on, without
// depending on the exact layout: hot nodes marked, misestimates flagged,
// findings present, never-executed nodes named, and the frame's size.
func TestViewShowsWhatMatters(t *testing.T) {
	m := New(analyzedPlan(), Options{Title: "EXPLAIN ANALYZE on pg:main"})
	out := m.View(testCtx(160, 48))
	lines := strings.Split(out, "\n")
	if len(lines) != 48 {
		t.Errorf("%d lines, want 48", len(lines))
	}
	for i, l := range lines {
		if w := ansi.StringWidth(l); w > 160 {
			t.Errorf("line %d is %d cells wide", i+1, w)
		}
	}
	var seqLine, idxLine string
	for _, l := range lines {
		switch {
		case strings.Contains(l, "Seq Scan on public.orders o"):
			seqLine = l
		case strings.Contains(l, "Index Scan using customers_pkey"):
			idxLine = l
		}
	}
	if !strings.HasPrefix(seqLine, "!") || !strings.Contains(seqLine, "182.4 ms") {
		t.Errorf("the hot sequential scan is not marked hot with its self time: %q", seqLine)
	}
	if !strings.Contains(idxLine, "~100× more") || strings.HasPrefix(idxLine, "!") {
		t.Errorf("the 100× misestimate is not flagged (or the cheap node is marked hot): %q", idxLine)
	}
	for _, want := range []string{"Findings", "Sequential scan of orders", "Sort spilled", "never executed", "removed 99.5k", "hit 120 read 5400", "execution 241.3 ms"} {
		if !strings.Contains(out, want) {
			t.Errorf("view lacks %q", want)
		}
	}
}

func TestRedactMasksLiterals(t *testing.T) {
	m := New(analyzedPlan(), Options{Redact: true})
	out := m.View(testCtx(160, 48))
	for _, secret := range []string{"shipped", "= 42"} {
		if strings.Contains(out, secret) {
			t.Errorf("redacted plan view shows %q", secret)
		}
	}
	if !strings.Contains(out, "status = ?") {
		t.Errorf("redacted view should keep the query's shape with placeholders")
	}
}

func TestScrollAndClose(t *testing.T) {
	m := New(bigPlan(500), Options{})
	ctx := testCtx(160, 48)
	first := m.View(ctx)
	m.Update(keytest.Msg("G"))
	last := m.View(ctx)
	status := last[strings.LastIndex(last, "\n")+1:]
	if first == last || !regexp.MustCompile(`^lines [1-9][0-9]*–([0-9]+) of ([0-9]+)$`).MatchString(status) ||
		!strings.HasSuffix(status, "837 of 837") {
		t.Errorf("G did not scroll to the end: %q", status)
	}
	if !strings.Contains(last, "└─ Index Scan using users_pkey on users u") {
		t.Errorf("the last partition's inner scan is not at the bottom")
	}
	m.Update(keytest.Msg("g"))
	if m.View(ctx) != first {
		t.Error("g did not scroll back to the top")
	}
	if closed, _ := m.Update(keytest.Msg("esc")); !closed {
		t.Error("esc did not close the view")
	}
}

func TestSaveWritesTextAndJSON(t *testing.T) {
	dir := t.TempDir()
	m := New(analyzedPlan(), Options{SaveDir: dir, SaveBase: "plan-main"})
	_, cmd := m.Update(keytest.Msg("s"))
	if cmd == nil {
		t.Fatal("s returned no save command")
	}
	m.Update(cmd())
	out := m.View(testCtx(200, 30))
	if !strings.Contains(out, "saved "+filepath.Join(dir, "plan-main.txt")) {
		t.Errorf("status does not name the saved file:\n%s", out[strings.LastIndex(out, "\n")+1:])
	}
	text, err := os.ReadFile(filepath.Join(dir, "plan-main.txt"))
	if err != nil || !strings.Contains(string(text), "Seq Scan on public.orders o") {
		t.Errorf("saved text: %v %q", err, text)
	}
	// A second save under the same name must not overwrite: it says so.
	_, cmd = m.Update(keytest.Msg("s"))
	m.Update(cmd())
	if out := m.View(testCtx(200, 30)); !strings.Contains(out, "! save plan:") || !strings.Contains(out, "exists") {
		t.Errorf("second save did not report the existing file:\n%s", out[strings.LastIndex(out, "\n")+1:])
	}
}

func TestSaveDisabledWithoutDir(t *testing.T) {
	m := New(analyzedPlan(), Options{})
	if _, cmd := m.Update(keytest.Msg("s")); cmd != nil {
		t.Error("s saved without a save directory")
	}
}

// BenchmarkPlanView500 is the speed target: a 500-node plan opened and
// drawn at 160x48 in at most 5 ms (New plus the first View, the worst case:
// later frames reuse the wrapped header).
func BenchmarkPlanView500(b *testing.B) {
	p := bigPlan(500)
	for _, profile := range []termenv.Profile{termenv.Ascii, termenv.TrueColor} {
		ctx := testCtx(160, 48)
		r := lipgloss.NewRenderer(io.Discard)
		r.SetColorProfile(profile)
		ctx.Styles = theme.Default().Styles(r)
		name := map[termenv.Profile]string{termenv.Ascii: "ascii", termenv.TrueColor: "colour"}[profile]
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				m := New(p, Options{Title: "EXPLAIN ANALYZE"})
				m.offset = 200 // mid-tree, where prefixes are longest
				_ = m.View(ctx)
			}
		})
	}
}
