package postgres

import (
	"fmt"
	"io"
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	pg "github.com/stacktop/stacktop/collectors/postgres"

	"github.com/stacktop/stacktop/ui/theme"
	"github.com/stacktop/stacktop/ui/view"
)

// benchTab is a 200x60 tab with 500 backends drawn in full colour (the
// costlier case: every style emits escape codes).
func benchTab(b *testing.B) (*Tab, view.Context) {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.ANSI256)
	ctx := view.Context{Width: 200, Height: 60, Styles: theme.Default().Styles(r), Now: now, Thresholds: view.DefaultThresholds()}
	tab := New(ctx.Styles, Options{})
	tab.Update(view.SizeMsg{Width: 200, Height: 60})
	s := primary(500)
	tab.Update(hostFor(s))
	tab.Update(update("main", s, nil))
	tab.Update(update("replica", standby(), nil))
	b.ReportAllocs()
	return tab, ctx
}

// BenchmarkView renders each sub-view at 200x60 with 500 backends; the
// target is 2 ms per frame.
func BenchmarkView(b *testing.B) {
	for _, v := range []struct {
		name string
		keys []string
	}{
		{"activity", []string{"a"}}, {"activity_detail", []string{"a", "/", "b", "l", "o", "b", "s", "enter", "enter"}},
		{"locks", []string{"l"}}, {"databases", []string{"d"}}, {"replication", []string{"r"}},
		{"maintenance", []string{"m"}}, {"tables", []string{"t"}}, {"statements", []string{"S"}},
	} {
		b.Run(v.name, func(b *testing.B) {
			tab, ctx := benchTab(b)
			press(tab, v.keys...)
			for b.Loop() {
				_ = tab.View(ctx)
			}
		})
	}
	b.Run("summary", func(b *testing.B) {
		tab, ctx := benchTab(b)
		for b.Loop() {
			_ = tab.Summary(ctx, 60, 11)
		}
	})
}

// BenchmarkUpdate is the work per poll: a new 500-backend snapshot rebuilt
// into rows (sanitize, join with the host, filter, sort).
func BenchmarkUpdate(b *testing.B) {
	tab, _ := benchTab(b)
	snaps := [2]*pg.Snapshot{primary(500), primary(500)}
	i := 0
	for b.Loop() {
		tab.Update(update("main", snaps[i%2], nil))
		i++
	}
}

// serversBench is a 200x60 tab in full colour with 20 targets, each a
// 200-backend primary with a full TPS history, two of them down; it shows
// the servers view. snaps are each target's snapshots to feed next.
func serversBench(b *testing.B) (*Tab, view.Context, [][2]*pg.Snapshot) {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.ANSI256)
	ctx := view.Context{Width: 200, Height: 60, Styles: theme.Default().Styles(r), Now: now, Thresholds: view.DefaultThresholds()}
	tab := New(ctx.Styles, Options{})
	tab.Update(view.SizeMsg{Width: 200, Height: 60})
	snaps := make([][2]*pg.Snapshot, 20)
	for i := range 20 {
		name := fmt.Sprintf("db-%02d", i+1)
		if i%10 == 9 {
			tab.Update(update(name, nil, errDown))
			continue
		}
		snaps[i] = [2]*pg.Snapshot{primary(200), primary(200)}
		for k := range historyLen {
			tab.Update(update(name, snaps[i][k%2], nil))
		}
	}
	press(tab, "v")
	return tab, ctx, snaps
}

// BenchmarkServersView renders the servers view of 20 targets (each a
// 200-backend primary with a full TPS history, two of them down) at
// 200x60 in full colour; the target is 2 ms per frame. The refresh is the
// work one target's poll adds to every update.
func BenchmarkServersView(b *testing.B) {
	tab, ctx, _ := serversBench(b)
	b.Run("view", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = tab.View(ctx)
		}
	})
	b.Run("refresh", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			tab.srv.refresh()
		}
	})
}

// BenchmarkServersIdleSecond is one second of watching 20 targets polled
// every 2 s on the servers view: ten updates, each a new snapshot of the
// next target (the shown one's rebuilt too), each followed by a frame, as
// the root renders after every message. ns/op over 1e9 is the share of a
// core the tab takes; "core-%" reports it.
func BenchmarkServersIdleSecond(b *testing.B) {
	tab, ctx, snaps := serversBench(b)
	var live []int // the targets that answer
	for i := range snaps {
		if snaps[i][0] != nil {
			live = append(live, i)
		}
	}
	b.ReportAllocs()
	poll := 0
	for b.Loop() {
		for range 10 {
			i := live[poll%len(live)]
			tab.Update(update(fmt.Sprintf("db-%02d", i+1), snaps[i][poll/len(live)%2], nil))
			_ = tab.View(ctx)
			poll++
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e7, "core-%")
}
