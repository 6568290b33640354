package postgres

// layout is how the tab's height is shared out. Update uses it to page and
// keep selections visible; View uses it to draw, so the two agree.
type layout struct {
	header int // targets, server, sub-view tabs, status lines
	body   int // lines for the sub-view
	detail int // lines of the detail pane (0 when closed)
	unused int // rows of the unused-index list in the tables view
}

func (t *Tab) layout() layout {
	l := layout{header: 3}
	for _, k := range t.statusKinds() {
		l.header++
		if k == statusDegraded {
			l.header += len(degradedLines(t.current(), t.width)) - 1
		}
	}
	l.body = max(t.height-l.header, 0)
	if t.detail && (t.view == Activity || t.view == Locks) && t.selectedBackendRaw() {
		l.detail = min(max(l.body/3, 6), max(l.body-4, 0))
	}
	if n := len(t.tbl.unused); n > 0 {
		l.unused = min(n, max((l.body-4)/3, 1))
	}
	return l
}

// listRows is how many rows of v's list fit.
func (l layout) listRows(v SubView) int {
	switch v {
	case Activity, Locks:
		return max(l.body-2-l.detail, 1)
	case Statements, Servers:
		return max(l.body-2, 1)
	case Tables:
		idx := 1 // "no unused indexes"
		if l.unused > 0 {
			idx = 2 + l.unused
		}
		return max(l.body-2-1-idx, 1)
	}
	return 0
}

// selectedBackendRaw reports whether the activity or locks view has a
// selected row, without the layout (which selectedBackend does not need).
func (t *Tab) selectedBackendRaw() bool {
	switch t.view {
	case Activity:
		return len(t.act.acts) > 0
	case Locks:
		return len(t.lk.rows) > 0
	}
	return false
}

// statusKind is a line shown under the sub-view tabs.
type statusKind int

const (
	statusPaused   statusKind = iota // space froze the view
	statusDegraded                   // the latest poll failed; last good data shown
	statusNotes                      // the snapshot's degradation notes
)

// statusKinds lists the status lines the shown target needs now.
func (t *Tab) statusKinds() []statusKind {
	tg := t.current()
	if tg == nil || tg.snap == nil {
		return nil
	}
	var out []statusKind
	if t.paused && t.d.snap != nil {
		out = append(out, statusPaused)
	}
	if tg.upd.Err != nil {
		out = append(out, statusDegraded)
	}
	if len(tg.snap.Notes) > 0 {
		out = append(out, statusNotes)
	}
	return out
}
