package docker

import (
	"context"
	"math"
	"strconv"
	"time"

	"github.com/charmbracelet/bubbles/key"
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
	*env
	keys DetailKeys
	eng  Engine // the container's engine, nil when this view has none

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

// fetch asks the engine for the pane's container, off the UI goroutine
// and under the call timeout.
func (d *detailPane) fetch() tea.Cmd {
	eng := d.eng
	if eng == nil {
		d.unavailable = true
		return nil
	}
	d.gen, d.loading = d.next(), true
	if d.live != nil {
		d.sig = signature(d.live)
	}
	gen, id, reveal, timeout, parent := d.gen, d.id, d.reveal, d.opts.CallTimeout, d.opts.Context
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(parent, timeout)
		defer cancel()
		det, err := eng.Inspect(ctx, id, reveal)
		return detailMsg{gen: gen, d: det, err: err}
	}
}

// got takes an inspect answer unless the pane moved on meanwhile.
func (d *detailPane) got(msg detailMsg) {
	if msg.gen != d.gen {
		return
	}
	d.loading, d.err = false, msg.err
	if msg.err == nil {
		det := msg.d
		d.d = &det
	}
}

// enableKeys is a no-op: the pane's keys depend only on --redact, set
// when it opens. It is here so every sub-view answers the router alike.
func (d *detailPane) enableKeys() {}

// sees points the pane at its container in s and rebuilds the sparkline
// histories from the collector's samples.
func (d *detailPane) sees(s *ds.Snapshot) {
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

// Update handles a key in the detail pane, paneRows high: it scrolls, or
// asks the router for the reveal, the logs pane or to close.
func (d *detailPane) Update(msg tea.KeyMsg, paneRows int) intent {
	k := d.keys
	page := max(paneRows-1, 1)
	switch {
	case key.Matches(msg, k.Up):
		d.scroll--
	case key.Matches(msg, k.Down):
		d.scroll++
	case key.Matches(msg, k.PageUp):
		d.scroll -= page
	case key.Matches(msg, k.PageDown):
		d.scroll += page
	case key.Matches(msg, k.Top):
		d.scroll = 0
	case key.Matches(msg, k.Bottom):
		d.scroll = 1 << 30 // clamped when drawn
	case key.Matches(msg, k.Reveal):
		return wantReveal
	case key.Matches(msg, k.Logs):
		return wantLogs
	case key.Matches(msg, k.Close):
		return wantClose
	}
	d.scroll = max(d.scroll, 0)
	return stay
}
