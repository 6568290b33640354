package ui

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/stacktop/stacktop/collectors"
	fs "github.com/stacktop/stacktop/collectors/fleet"
	"github.com/stacktop/stacktop/ui/fleet"
	"github.com/stacktop/stacktop/ui/internal/fixture"
	"github.com/stacktop/stacktop/ui/view"
)

// prometheusHub is a hub (never run) that lists a Prometheus source among
// its sources, as cmd/stacktop builds one from a [[prometheus]] entry.
func prometheusHub() *collectors.Hub {
	return collectors.NewHub(
		collectors.Source{ID: fixture.HostID()},
		collectors.Source{ID: fixture.FleetID(fixture.ProdFleet)},
	)
}

// fixtureFleet answers the Fleet tab's detail from the fixture, and a
// sparkline that climbs to the host's CPU now.
type fixtureFleet struct{ snap *fs.Snapshot }

func (f fixtureFleet) HostDetail(_ context.Context, instance string) (*fs.HostDetail, error) {
	return fixture.FleetDetail(f.snap, instance), nil
}

func (f fixtureFleet) Sparkline(_ context.Context, _ fs.SeriesKind, instance, _ string, span time.Duration) ([]fs.Point, error) {
	var pts []fs.Point
	for _, h := range f.snap.Hosts {
		if h.Instance != instance {
			continue
		}
		for i := range 8 {
			at := fixture.Now().Add(-span + time.Duration(i+1)*span/8 - time.Second)
			pts = append(pts, fs.Point{T: at, V: h.CPUBusyPercent.V * float64(i+1) / 8})
		}
	}
	return pts, nil
}

// newPromModel is newFleetModel with a Prometheus source configured and
// fed the fixture's 40-host fleet.
func newPromModel(t testing.TB, w, h int, opts Options) *model {
	t.Helper()
	opts.Hub = prometheusHub()
	opts.FleetSources = map[string]fleet.Source{fixture.ProdFleet: fixtureFleet{fixture.Fleet(fixture.Now(), 40)}}
	m := newFleetModel(t, w, h, opts)
	_, cmd := m.Update(hubMsg{fixture.FleetUpdate(fixture.Fleet(fixture.Now(), 40))})
	runCmd(m, cmd) // the sparklines of the rows on screen
	return m
}

// pressRun types s like keys, and runs the commands the keys return
// (the Fleet tab's detail request, a jump), handing back their messages.
func pressRun(m *model, s string) {
	for _, k := range splitKeys(s) {
		_, cmd := m.Update(k)
		runCmd(m, cmd)
	}
}

func runCmd(m *model, cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	switch msg := cmd().(type) {
	case nil:
	case tea.BatchMsg:
		for _, c := range msg {
			runCmd(m, c)
		}
	default:
		_, next := m.Update(msg)
		runCmd(m, next)
	}
}

// TestFleetTabOnlyWithPrometheus: tab 5 exists only when a Prometheus
// source is configured; then 5 shows it and the Overview has its box.
func TestFleetTabOnlyWithPrometheus(t *testing.T) {
	m := newFleetModel(t, 120, 40, Options{Hub: collectors.NewHub(collectors.Source{ID: fixture.HostID()})})
	if bar := lines(m.View())[1]; strings.Contains(bar, "Fleet") || len(m.tabs) != 4 {
		t.Fatalf("without a Prometheus source there is a Fleet tab: %q", bar)
	}
	keys(m, "5")
	if m.active != 0 {
		t.Errorf("5 switched to tab %d without a Fleet tab", m.active+1)
	}

	m = newPromModel(t, 120, 40, Options{})
	if bar := lines(m.View())[1]; !strings.Contains(bar, "5 Fleet") {
		t.Fatalf("with a Prometheus source the tab bar lacks 5 Fleet: %q", bar)
	}
	if f := m.View(); !strings.Contains(f, "╭ Fleet") && !strings.Contains(f, "Fleet ") {
		t.Errorf("the Overview has no Fleet box:\n%s", f)
	}
	if f := m.View(); !strings.Contains(f, "prod: 40 hosts · 1 down · 4 over") {
		t.Errorf("the Overview's Fleet box does not count the fleet:\n%s", f)
	}
	keys(m, "5")
	f := m.View()
	if !strings.Contains(f, "[5 Fleet]") || !strings.Contains(f, `Prometheus "prod"`) || !strings.Contains(f, "db-3.prod") {
		t.Errorf("5 does not show the fleet:\n%s", f)
	}

	// FleetSources alone (no hub in this test) also registers it.
	m = newModel(context.Background(), Options{FleetSources: map[string]fleet.Source{"prod": nil}, Now: fixture.Now}, asciiStyles(), nil)
	if len(m.tabs) != 5 || m.tabs[4].Title() != "Fleet" {
		t.Errorf("FleetSources did not register the Fleet tab: %d tabs", len(m.tabs))
	}
}

// TestFleetJumpToLiveTab: p on a fleet host that is a live [[postgres]]
// target focuses the Postgres tab on that target.
func TestFleetJumpToLiveTab(t *testing.T) {
	live := []fleet.LiveTarget{{Source: fixture.PostgresID(fixture.ReportsTarget), Instance: "db-1.prod:9100"}}
	m := newPromModel(t, 160, 48, Options{FleetLive: live})
	pressRun(m, "5/db-1<enter><enter>")
	if f := m.View(); !strings.Contains(f, `live: postgres "reports" (p)`) {
		t.Fatalf("db-1's detail does not offer its live target:\n%s", f)
	}
	pressRun(m, "p")
	if m.tabs[m.active].Title() != "Postgres" {
		t.Fatalf("p focused %s, want Postgres", m.tabs[m.active].Title())
	}
	if f := m.View(); !strings.Contains(f, "reports") {
		t.Errorf("the Postgres tab does not show reports:\n%s", f)
	}
}

// TestOverviewOpensFleetHost: a host line of the Overview's Fleet box
// (enter on it sends this jump) focuses tab 5 with that host's detail.
func TestOverviewOpensFleetHost(t *testing.T) {
	m := newPromModel(t, 120, 40, Options{})
	j := view.Jump{Source: fixture.FleetID(fixture.ProdFleet), What: view.JumpHost, Instance: "web-2.prod:9100"}
	_, cmd := m.Update(view.JumpMsg{Jump: j})
	runCmd(m, cmd)
	if m.tabs[m.active].Title() != "Fleet" {
		t.Fatalf("the jump focused %s", m.tabs[m.active].Title())
	}
	if f := m.View(); !strings.Contains(f, " web-2.prod up · web-2.prod:9100") || !strings.Contains(f, "CPU per core") {
		t.Errorf("web-2's detail is not open:\n%s", f)
	}
}

// TestFleetGolden records the whole frame with tab 5 and a host's detail
// at 80x24 and 160x48. Regenerate with
// `go test ./ui -run TestFleetGolden -update`; read every file.
func TestFleetGolden(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		for _, sc := range []struct{ name, keys string }{
			{"fleet", "5"},
			{"fleet_detail", "5j<enter>"},
			{"overview_with_fleet", "1"},
		} {
			name := sc.name + "_" + strconv.Itoa(size[0]) + "x" + strconv.Itoa(size[1])
			t.Run(name, func(t *testing.T) {
				m := newPromModel(t, size[0], size[1], Options{})
				pressRun(m, sc.keys)
				frame := m.View()
				checkFrame(t, frame, size[0], size[1])
				golden.RequireEqual(t, []byte(frame))
			})
		}
	}
}
