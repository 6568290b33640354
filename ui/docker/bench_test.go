package docker

import (
	"testing"

	"github.com/stacktop/stacktop/ui/view"
)

// benchTab is a 200x60 Docker tab in full colour (the costliest profile)
// showing 150 containers.
func benchTab(b *testing.B) (*Tab, view.Context) {
	tab, _, _ := newTab(b, 200, 60, 139, Options{})
	ctx := testCtx(colourStyles(), 200, 60)
	tab.st = ctx.Styles
	if n := len(tab.hostNamed("local").snap.Containers); n != 150 {
		b.Fatalf("%d containers", n)
	}
	return tab, ctx
}

// BenchmarkView renders the list alone and with each pane at 200x60 with
// 150 containers. Target: <= 2 ms per frame.
func BenchmarkView(b *testing.B) {
	for _, c := range []struct {
		name string
		keys []string
	}{
		{"list", nil},
		{"detail", []string{"i"}},
		{"logs_search", []string{"l", "t", "/", "e", "r", "r", "o", "r", "enter"}},
	} {
		b.Run(c.name, func(b *testing.B) {
			tab, ctx := benchTab(b)
			press(tab, "G", "up", "up")
			press(tab, c.keys...)
			b.ReportAllocs()
			for b.Loop() {
				_ = tab.View(ctx)
			}
		})
	}
}

// BenchmarkUpdate is the cost of taking in one poll of 150 containers:
// filter, group and sort, and finding the selection again.
func BenchmarkUpdate(b *testing.B) {
	tab, _ := benchTab(b)
	press(tab, "s") // by CPU
	snaps := []any{ok("local", fleetSnapshot(139)), ok("local", fleetSnapshot(139))}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		tab.Update(snaps[i%2]) // distinct snapshots, so none is skipped as a repeat
		i++
	}
}
