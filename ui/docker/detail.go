package docker

import (
	"context"
	"math"
	"strconv"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	ds "github.com/stacktop/stacktop/collectors/docker"
	"github.com/stacktop/stacktop/ui/widgets"
)

// sparkLen is how many samples the detail pane's sparklines keep: more than
// the collector's default history, so nothing is dropped.
const sparkLen = 120

// paneTarget is the container a pane shows.
type paneTarget struct {
	source   string // the Docker source's name
	id, name string
	removed  bool // the container is gone from the latest snapshot
}

// detailPane is the inspect pane's state.
type detailPane struct {
	paneTarget
	gen         uint64
	reveal      bool
	loading     bool
	unavailable bool // no engine for this host
	d           *ds.Detail
	err         error
	sig         string // the container's state when d was fetched
	scroll      int

	live     *ds.Container // the container in the latest snapshot
	cpu, mem *widgets.History
}

// detailMsg is an inspect's answer.
type detailMsg struct {
	gen uint64
	d   ds.Detail
	err error
}

// target is the container a new pane should show: the open pane's, else
// the selected one.
func (t *Tab) target() (paneTarget, bool) {
	switch {
	case t.pane == paneLogs && t.logs != nil:
		return paneTarget{source: t.logs.source, id: t.logs.id, name: t.logs.name, removed: t.logs.removed}, true
	case t.pane == paneDetail && t.detail != nil:
		return t.detail.paneTarget, true
	}
	src, id, name, ok := t.SelectedContainer()
	return paneTarget{source: src, id: id, name: name}, ok
}

// openDetail shows the detail pane for the target container, fetching the
// inspect data unless the pane already holds it (with the same reveal).
func (t *Tab) openDetail(reveal bool) tea.Cmd {
	tg, ok := t.target()
	if !ok {
		return nil
	}
	reveal = reveal && !t.opts.Redact
	t.pane = paneDetail
	if d := t.detail; d != nil && d.id == tg.id && d.source == tg.source && d.reveal == reveal && (d.d != nil || d.loading) {
		return nil
	}
	t.detail = &detailPane{paneTarget: tg, reveal: reveal}
	if h := t.host(); h != nil && h.snap != nil && h.id.Name == tg.source {
		t.detailSees(h.snap)
	}
	return t.fetchDetail()
}

// fetchDetail asks the engine for the detail pane's container, off the UI
// goroutine and under the call timeout.
func (t *Tab) fetchDetail() tea.Cmd {
	d := t.detail
	eng := t.opts.Engines[d.source]
	if eng == nil {
		d.unavailable = true
		return nil
	}
	t.gen++
	d.gen, d.loading = t.gen, true
	if d.live != nil {
		d.sig = signature(d.live)
	}
	gen, id, reveal, timeout, parent := d.gen, d.id, d.reveal, t.opts.CallTimeout, t.opts.Context
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(parent, timeout)
		defer cancel()
		det, err := eng.Inspect(ctx, id, reveal)
		return detailMsg{gen: gen, d: det, err: err}
	}
}

// gotDetail takes an inspect answer unless the pane moved on meanwhile.
func (t *Tab) gotDetail(msg detailMsg) {
	d := t.detail
	if d == nil || msg.gen != d.gen {
		return
	}
	d.loading, d.err = false, msg.err
	if msg.err == nil {
		det := msg.d
		d.d = &det
	}
}

// closePane closes the open pane and stops its log stream.
func (t *Tab) closePane() tea.Cmd {
	t.pane = paneNone
	t.detail = nil
	var cmd tea.Cmd
	if t.logs != nil {
		cmd = t.logs.close()
		t.logs = nil
	}
	t.scrollIntoView()
	return cmd
}

// panesSeeSnapshot tells the panes of the host shown about a new snapshot:
// whether their container is gone, its stats history, and (detail) whether
// its state changed enough to inspect it again.
func (t *Tab) panesSeeSnapshot(s *ds.Snapshot) tea.Cmd {
	src := t.host().id.Name
	var resume tea.Cmd
	if l := t.logs; l != nil && l.source == src {
		c, ok := s.Container(l.id)
		l.removed = !ok
		if ok {
			resume = t.resumeLogs(c, s.Taken)
		} else if next, found := l.successor(s); found {
			resume = t.followRecreated(next, s.Taken)
		}
	}
	d := t.detail
	if d == nil || d.source != src {
		return resume
	}
	t.detailSees(s)
	if d.live != nil && d.d != nil && !d.loading && signature(d.live) != d.sig {
		return tea.Batch(resume, t.fetchDetail())
	}
	return resume
}

// detailSees points the detail pane at its container in s and rebuilds
// the sparkline histories from the collector's samples.
func (t *Tab) detailSees(s *ds.Snapshot) {
	d := t.detail
	d.live = nil
	for i := range s.Containers {
		if s.Containers[i].ID == d.id {
			d.live = &s.Containers[i]
		}
	}
	d.removed = d.live == nil
	if d.live == nil {
		return
	}
	d.cpu, d.mem = widgets.NewHistory(sparkLen), widgets.NewHistory(sparkLen)
	for _, p := range d.live.History {
		cpu := math.NaN()
		if p.CPU.Valid {
			cpu = p.CPU.PerSec
		}
		d.cpu.Push(cpu)
		d.mem.Push(float64(p.MemUsed))
	}
}

// signature is the part of a container's state whose change makes the
// detail pane inspect again (new run, health result, restart).
func signature(c *ds.Container) string {
	return c.State + "|" + c.Health + "|" + strconv.Itoa(c.FailingStreak) + "|" +
		strconv.Itoa(c.RestartCount) + "|" + c.StartedAt.Format(time.RFC3339Nano)
}
