package fleet

import (
	"context"
	"errors"
	"hash/fnv"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/stacktop/stacktop/collectors"
	fs "github.com/stacktop/stacktop/collectors/fleet"
	"github.com/stacktop/stacktop/ui/internal/fixture"
	"github.com/stacktop/stacktop/ui/internal/keytest"
	"github.com/stacktop/stacktop/ui/view"
)

func testCtx(w, h int) view.Context { return fixture.Context(w, h) }

// fixtureSource answers from the fixture: the detail of a host of the
// snapshot, and a deterministic CPU wave per host. It counts the calls,
// to show that only rows on screen are asked for.
type fixtureSource struct {
	snap *fs.Snapshot
	err  error // every call fails with it when set

	mu     sync.Mutex
	sparks []string // instances asked, in order
	detail int
}

func (f *fixtureSource) HostDetail(_ context.Context, instance string) (*fs.HostDetail, error) {
	f.mu.Lock()
	f.detail++
	f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	return fixture.FleetDetail(f.snap, instance), nil
}

func (f *fixtureSource) Sparkline(_ context.Context, kind fs.SeriesKind, instance, _ string, span time.Duration) ([]fs.Point, error) {
	f.mu.Lock()
	f.sparks = append(f.sparks, instance)
	f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	if kind != fs.SeriesCPUBusy {
		return nil, errors.New("unexpected series " + string(kind))
	}
	h := fnv.New32a()
	h.Write([]byte(instance))
	phase := float64(h.Sum32()%100) / 10
	level := 50.0
	for _, x := range f.snap.Hosts {
		if x.Instance == instance {
			level = x.CPUBusyPercent.V
		}
	}
	// The host's CPU now, with a swing of ±15 points over the span.
	end := fixture.Now()
	pts := make([]fs.Point, fs.SparklinePoints)
	for i := range pts {
		at := end.Add(-span + time.Duration(i+1)*span/time.Duration(len(pts)))
		pts[i] = fs.Point{T: at, V: min(max(level+15*math.Sin(phase+float64(i)/6), 0), 100)}
	}
	return pts, nil
}

func (f *fixtureSource) asked() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.sparks...)
}

// harness is a Fleet tab with its sources, driven as the root would:
// every command runs at once and its messages come back to the tab,
// except jumps, which are kept for the test.
type harness struct {
	t     testing.TB
	tab   *Tab
	ctx   view.Context
	src   map[string]*fixtureSource
	jumps []view.Jump
}

// newHarness is a w×h Fleet tab fed the production fleet of n hosts and
// the staging fleet, with live targets for db-1 and build.
func newHarness(t testing.TB, w, h, n int) *harness {
	ctx := testCtx(w, h)
	prod, staging := fixture.Fleet(fixture.Now(), n), fixture.Staging(fixture.Now())
	hs := &harness{t: t, ctx: ctx, src: map[string]*fixtureSource{
		fixture.ProdFleet: {snap: prod}, fixture.StagingFleet: {snap: staging},
	}}
	srcs := map[string]Source{}
	for k, v := range hs.src {
		srcs[k] = v
	}
	hs.tab = New(ctx.Styles, Options{Sources: srcs, Thresholds: ctx.Thresholds, Live: testLive()})
	hs.send(view.SizeMsg{Width: w, Height: h})
	hs.send(view.FocusMsg{Focused: true})
	hs.send(fixture.FleetUpdate(prod))
	hs.send(fixture.FleetUpdate(staging))
	return hs
}

func testLive() []LiveTarget {
	return []LiveTarget{
		{Source: collectors.SourceID{Kind: collectors.KindPostgres, Name: "main"}, Instance: "db-1.prod:9100"},
		{Source: collectors.SourceID{Kind: collectors.KindDocker, Name: "build"}, Host: "build.ci"},
		{Source: collectors.SourceID{Kind: collectors.KindPostgres, Name: "other"}, Instance: "elsewhere:9100"},
	}
}

// send delivers msg and runs what it returns.
func (h *harness) send(msg tea.Msg) {
	_, cmd := h.tab.Update(msg)
	h.run(cmd)
}

func (h *harness) run(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	switch m := cmd().(type) {
	case nil:
	case tea.BatchMsg:
		for _, c := range m {
			h.run(c)
		}
	case view.JumpMsg:
		h.jumps = append(h.jumps, m.Jump)
	default:
		h.send(m)
	}
}

func (h *harness) press(keys ...string) {
	for _, k := range keys {
		h.send(keytest.Msg(k))
	}
}

func (h *harness) frame() string { return h.tab.View(h.ctx) }

// rows are the hosts table's lines, after its header.
func rows(frame string) []string {
	ls := strings.Split(frame, "\n")
	for i, l := range ls {
		if strings.Contains(l, "NAME") && strings.Contains(l, "UP") {
			return ls[i+1:]
		}
	}
	return nil
}

// names are the NAME cells of the rows drawn.
func names(frame string) []string {
	var out []string
	for _, r := range rows(frame) {
		f := strings.Fields(strings.TrimLeft(r, "!> "))
		if len(f) > 0 {
			out = append(out, f[0])
		}
	}
	return out
}
