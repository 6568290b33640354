package fleet

import (
	"context"
	"errors"
	"math"
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	fs "github.com/stacktop/stacktop/collectors/fleet"
	"github.com/stacktop/stacktop/ui/widgets"
)

// sparkW is the CPU sparkline column's width: one cell per bucket of the span.
const sparkW = 8

// sparkParallel bounds the range queries one batch runs at once.
const sparkParallel = 4

var errNoSource = errors.New("no query access to this Prometheus source — the table is all there is")

// sparkKey names one host's CPU sparkline.
type sparkKey struct{ source, instance string }

// sparkCache holds the sparklines drawn, and what was asked for which
// snapshot, so each row on screen costs one request per refresh at most.
type sparkCache struct {
	lines  map[sparkKey]*widgets.History
	asked  map[sparkKey]time.Time // the snapshot time the last request was for
	failed error                  // the last batch's failure, for the strip
}

func newSparkCache() sparkCache {
	return sparkCache{lines: map[sparkKey]*widgets.History{}, asked: map[sparkKey]time.Time{}}
}

// sparkMsg is a batch of sparkline answers.
type sparkMsg struct {
	source string
	end    time.Time // the snapshot's time: the right edge of every line
	insts  []string
	points [][]fs.Point
	err    error
}

// wantSparks asks for the CPU sparklines of the host rows on screen that
// have none for the current snapshot. It returns nil when there is
// nothing to ask, no way to ask, or the tab is not seen (another tab is
// focused: nothing of it is on screen).
func (t *Tab) wantSparks() tea.Cmd {
	s := t.current()
	if s == nil || s.snap == nil || !t.focused || t.view != viewHosts || t.detail != nil || t.width < sparkMinWidth {
		return nil
	}
	src := t.opts.Sources[s.id.Name]
	if src == nil {
		return nil
	}
	var insts []string
	off, n := t.hosts.cur.Offset, t.tableRows()
	for i := off; i < min(off+n, len(t.hosts.rows)); i++ {
		h := t.hosts.rows[i].h
		k := sparkKey{s.id.Name, h.Instance}
		if !h.Up || !t.sparks.asked[k].Before(s.snap.Taken) {
			continue
		}
		t.sparks.asked[k] = s.snap.Taken
		insts = append(insts, h.Instance)
	}
	if len(insts) == 0 {
		return nil
	}
	return fetchSparks(t.opts.Context, src, s.id.Name, insts, s.snap.Taken, t.opts.SparkSpan, t.opts.CallTimeout)
}

// fetchSparks runs one batch of range queries, a few at a time.
func fetchSparks(parent context.Context, src Source, source string, insts []string, end time.Time, span, timeout time.Duration) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(parent, timeout)
		defer cancel()
		m := sparkMsg{source: source, end: end, insts: insts, points: make([][]fs.Point, len(insts))}
		errs := make([]error, len(insts))
		sem := make(chan struct{}, sparkParallel)
		var wg sync.WaitGroup
		for i, inst := range insts {
			wg.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				m.points[i], errs[i] = src.Sparkline(ctx, fs.SeriesCPUBusy, inst, "", span)
			})
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				m.err = err
				break
			}
		}
		return m
	}
}

// got files a batch: each host's points bucketed into sparkW cells
// ending at the snapshot's time. A failed host keeps its old line and is
// asked again with the next snapshot.
func (c *sparkCache) got(m sparkMsg, span time.Duration) {
	c.failed = m.err
	for i, inst := range m.insts {
		k := sparkKey{m.source, inst}
		if m.points[i] == nil && m.err != nil {
			delete(c.asked, k)
			continue
		}
		c.lines[k] = bucket(m.points[i], m.end, span, sparkW)
	}
}

// bucket averages points into n equal buckets of span ending at end (or
// at the last point, which the server evaluated after the snapshot); an
// empty bucket is a gap.
func bucket(pts []fs.Point, end time.Time, span time.Duration, n int) *widgets.History {
	if len(pts) > 0 && pts[len(pts)-1].T.After(end) {
		end = pts[len(pts)-1].T
	}
	sums, counts := make([]float64, n), make([]int, n)
	start := end.Add(-span)
	for _, p := range pts {
		if p.T.Before(start) || p.T.After(end) {
			continue
		}
		i := min(int(float64(p.T.Sub(start))/float64(span)*float64(n)), n-1)
		sums[i] += p.V
		counts[i]++
	}
	h := widgets.NewHistory(n)
	for i := range n {
		if counts[i] == 0 {
			h.Push(math.NaN())
			continue
		}
		h.Push(sums[i] / float64(counts[i]))
	}
	return h
}
