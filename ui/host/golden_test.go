package host

import (
	"testing"

	"github.com/charmbracelet/x/exp/golden"

	hs "github.com/stacktop/stacktop/collectors/host"
	"github.com/stacktop/stacktop/ui/internal/fixture"
	"github.com/stacktop/stacktop/ui/view"
)

// TestGolden records Host tab states the root goldens do not reach.
// Regenerate with `go test ./ui/host -update`; read the files before committing.
func TestGolden(t *testing.T) {
	t.Run("filter_editing_80x21", func(t *testing.T) {
		tab, ctx := newTab(80, 21, 300)
		press(tab, "/", "p", "o", "s", "t")
		golden.RequireEqual(t, []byte(tab.View(ctx)))
	})
	t.Run("first_poll_100x30", func(t *testing.T) {
		ctx := testCtx(100, 30)
		tab := New(ctx.Styles, Options{})
		tab.Update(view.SizeMsg{Width: 100, Height: 30})
		s := fixture.Host(fixture.Now(), 40, 0)
		s.CPU.Valid = false
		for i := range s.Processes.List {
			s.Processes.List[i].CPUValid = false
		}
		tab.Update(fixture.HostUpdate(s))
		golden.RequireEqual(t, []byte(tab.View(ctx)))
	})
	t.Run("64_cores_120x30", func(t *testing.T) {
		ctx := testCtx(120, 30)
		tab := New(ctx.Styles, Options{})
		tab.Update(view.SizeMsg{Width: 120, Height: 30})
		s := fixture.Host(fixture.Now(), 40, 0)
		s.CPU.Cores = 64
		s.CPU.PerCore = make([]hs.CPUUsage, 64)
		for i := range s.CPU.PerCore {
			s.CPU.PerCore[i].Busy = float64(i * 100 / 63)
		}
		tab.Update(fixture.HostUpdate(s))
		golden.RequireEqual(t, []byte(tab.View(ctx)))
	})
	t.Run("selected_long_command_160x45", func(t *testing.T) {
		tab, ctx := newTab(160, 45, 300)
		press(tab, "/", "b", "i", "l", "l", "i", "n", "g", "enter")
		golden.RequireEqual(t, []byte(tab.View(ctx)))
	})
}
