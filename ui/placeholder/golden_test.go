package placeholder

import (
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/muesli/termenv"

	"github.com/stacktop/stacktop/collectors"
	"github.com/stacktop/stacktop/ui/view"
)

// TestGolden records the placeholder with one source in each state, at the
// smallest width. Regenerate with `go test ./ui/placeholder -update`.
func TestGolden(t *testing.T) {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	ctx := view.Context{Width: 80, Height: 21, Styles: themeStyles(r), Now: now}
	tab := New("Docker", collectors.KindDocker, "add a [[docker]] section to the config")
	id := func(n string) collectors.SourceID { return collectors.SourceID{Kind: collectors.KindDocker, Name: n} }
	for _, u := range []collectors.Update{
		{Source: id("local"), Implicit: true, PolledAt: now, Err: fmt.Errorf("dial unix /var/run/docker.sock: %w", collectors.ErrSourceAbsent)},
		{Source: id("build"), PolledAt: now, Err: errors.New(`docker "build": permission denied on /var/run/docker.sock — add your user to the docker group or run stacktop with sudo`)},
		{Source: id("edge"), PolledAt: now, Snapshot: snap{now.Add(-95 * time.Second)}, LastGood: now.Add(-95 * time.Second), Err: errors.New("context deadline exceeded")},
		{Source: id("prod"), PolledAt: now, Snapshot: snap{now}, LastGood: now},
		{Source: id("new")},
	} {
		tab.Update(u)
	}
	golden.RequireEqual(t, []byte(tab.View(ctx)))
}
