package fleet

import (
	"fmt"
	"io"
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	fs "github.com/stacktop/stacktop/collectors/fleet"
	"github.com/stacktop/stacktop/ui/internal/fixture"
	"github.com/stacktop/stacktop/ui/theme"
)

// bigFleet is the fixture's fleet of 500 hosts with 60 PostgreSQL servers
// and 20 containers in each top list.
func bigFleet() *fs.Snapshot {
	s := fixture.Fleet(fixture.Now(), 500)
	for i := range 57 {
		p := s.Postgres[0]
		p.Name, p.Instance = fmt.Sprintf("app-%03d.prod", i+1), fmt.Sprintf("app-%03d.prod:9187", i+1)
		s.Postgres = append(s.Postgres, p)
	}
	for i := range 16 {
		c := s.TopCPU[1]
		c.Name, c.Host = fmt.Sprintf("worker-%02d", i), fmt.Sprintf("app-%03d.prod", i+1)
		s.TopCPU = append(s.TopCPU, c)
		s.TopMemory = append(s.TopMemory, c)
	}
	return s
}

// benchHarness is the Fleet tab at 200x60 in full colour (the costliest
// profile) showing bigFleet, with the sparklines of the rows on screen.
func benchHarness(b *testing.B) *harness {
	h := newHarness(b, 200, 60, 500)
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.TrueColor)
	h.ctx.Styles = theme.Default().Styles(r)
	s := bigFleet()
	h.src[fixture.ProdFleet].snap = s
	h.send(fixture.FleetUpdate(s))
	if n := len(h.tab.hosts.rows); n != 500 {
		b.Fatalf("%d hosts", n)
	}
	return h
}

// BenchmarkFleetRender500 renders the Fleet tab at 200x60 with 500 hosts
// (and 60 PostgreSQL servers, 40 container rows): each sub-view and a
// host's detail. Target: <= 5 ms per View.
func BenchmarkFleetRender500(b *testing.B) {
	for _, c := range []struct {
		name string
		keys []string
	}{
		{"hosts", nil},
		{"hosts_filtered", []string{"/", "e", "n", "v", ":", "p", "r", "o", "d", "enter"}},
		{"postgres", []string{"v"}},
		{"containers", []string{"v", "v"}},
		{"detail", []string{"j", "enter"}},
	} {
		b.Run(c.name, func(b *testing.B) {
			h := benchHarness(b)
			h.press(c.keys...)
			b.ReportAllocs()
			for b.Loop() {
				_ = h.tab.View(h.ctx)
			}
		})
	}
}

// BenchmarkFleetUpdate500 is the cost of taking in one refresh of 500
// hosts: judging thresholds, filtering and sorting, placing the selection.
func BenchmarkFleetUpdate500(b *testing.B) {
	h := benchHarness(b)
	snaps := []*fs.Snapshot{bigFleet(), bigFleet()}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		h.tab.Update(fixture.FleetUpdate(snaps[i%2])) // distinct snapshots, so none is skipped
		i++
	}
}
