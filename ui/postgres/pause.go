package postgres

import (
	"github.com/stacktop/stacktop/ui/format"
	"github.com/stacktop/stacktop/ui/view"
	"github.com/stacktop/stacktop/ui/widgets"
)

// histories are the TPS sparklines of a target: the server's total and
// each database's.
type histories struct {
	total *widgets.History
	dbs   map[string]*widgets.History
}

// clone copies h, so a paused view keeps drawing what it showed while the
// target's own histories go on growing.
func (h histories) clone() histories {
	out := histories{dbs: make(map[string]*widgets.History, len(h.dbs))}
	if h.total != nil {
		out.total = h.total.Clone()
	}
	for name, d := range h.dbs {
		out.dbs[name] = d.Clone()
	}
	return out
}

// togglePause freezes the tab's view on what it shows (space), or brings
// it back to the newest data. Updates keep being recorded while paused:
// histories, the targets' health and the Overview stay current.
func (t *Tab) togglePause() {
	t.paused = !t.paused
	if t.paused {
		t.d.hist = t.d.hist.clone()
		t.place()
		return
	}
	t.rebuild()
}

// pausedLine says the view is frozen, on data how old, and how to resume.
func (t *Tab) pausedLine(ctx view.Context) string {
	text := "paused · showing data from " + format.Age(ctx.Now, t.d.snap.Taken) + " ago · space to resume"
	return widgets.Truncate(" "+ctx.Styles.Warn.Render(text), ctx.Width)
}
