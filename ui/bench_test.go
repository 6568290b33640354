package ui

import (
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/stacktop/stacktop/ui/internal/fixture"
	"github.com/stacktop/stacktop/ui/overview"
	"github.com/stacktop/stacktop/ui/theme"
	"github.com/stacktop/stacktop/ui/view"
)

// benchModel is a 200x60 dashboard in full colour (the costliest profile)
// showing a 2,000-process host with a full sparkline history.
func benchModel(b *testing.B) *model {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.TrueColor)
	m := newModel(context.Background(), Options{Now: fixture.Now}, theme.Default().Styles(r), nil)
	send(m, tea.WindowSizeMsg{Width: 200, Height: 60})
	send(m, hubMsg(fixture.HostSeries(150, 20)))
	send(m, hubMsg{fixture.HostUpdate(fixture.Host(fixture.Now().Add(time.Second), 2000, 151))})
	send(m, hubMsg(otherSources(fixture.Now())))
	return m
}

// BenchmarkView renders each tab at 200x60 with 2,000 processes. Target:
// <= 2 ms per frame.
func BenchmarkView(b *testing.B) {
	m := benchModel(b)
	for _, tab := range []struct{ name, key string }{
		{"overview", "1"}, {"host", "2"}, {"postgres", "3"}, {"docker", "4"}, {"help", "?"},
	} {
		b.Run(tab.name, func(b *testing.B) {
			m.showHelp = false
			keys(m, tab.key)
			b.ReportAllocs()
			for b.Loop() {
				_ = m.View()
			}
		})
	}
}

// BenchmarkHostUpdate is the cost of taking in one 2,000-process poll:
// every tab's Update (the Host tab re-sorts, the Overview picks its top 5).
func BenchmarkHostUpdate(b *testing.B) {
	m := benchModel(b)
	keys(m, "2")
	snaps := []*hubMsg{}
	for i := range 4 {
		msg := hubMsg{fixture.HostUpdate(fixture.Host(fixture.Now().Add(time.Duration(i+2)*time.Second), 2000, i))}
		snaps = append(snaps, &msg)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		// Distinct snapshots so no tab can skip the work as a repeat.
		m.Update(*snaps[i%len(snaps)])
		i++
	}
}

// BenchmarkSessionsTick is one clock tick (a second) of n dashboards at
// 120x40 on the Overview in 256 colours, as the sessions of `stacktop
// serve` draw it: each takes the tick and draws its frame, sharing one
// frame cache (unshared: each its own, as before they shared). Only the
// host is watched, as in cmd/stacktop/bench/serve.sh. One op is the second for all n sessions; compare
// sessions=20 with sessions=1 (issue 11: serve's CPU at most 2x one local
// dashboard's, the hub's polling included, so the per-session part must
// be a small fraction of a frame).
func BenchmarkSessionsTick(b *testing.B) {
	for _, c := range []struct {
		n      int
		shared bool
	}{{1, true}, {20, true}, {20, false}} {
		name := fmt.Sprintf("sessions=%d", c.n)
		if !c.shared {
			name += ",unshared"
		}
		n := c.n
		b.Run(name, func(b *testing.B) {
			now := fixture.Now()
			clock := func() time.Time { return now }
			frames, hist := view.NewFrameCache(view.DefaultFrames), overview.NewHistory()
			// One hub: every session gets the same updates. Only the host
			// is watched, as in cmd/stacktop/bench/serve.sh.
			series := hubMsg(fixture.HostSeries(150, 300))
			models := make([]*model, n)
			for i := range models {
				r := lipgloss.NewRenderer(io.Discard)
				r.SetColorProfile(termenv.ANSI256)
				opts := Options{Now: clock, Frames: frames, HostHistory: hist}
				if !c.shared {
					opts.Frames, opts.HostHistory = nil, nil // each its own, as before serve shared them
				}
				m := newModel(context.Background(), opts, theme.Default().Styles(r), nil)
				send(m, tea.WindowSizeMsg{Width: 120, Height: 40})
				send(m, series)
				models[i] = m
			}
			b.ReportAllocs()
			for b.Loop() {
				now = now.Add(time.Second)
				for _, m := range models {
					m.Update(tickMsg(now))
					_ = m.View()
				}
			}
		})
	}
}
