package postgres

import "github.com/stacktop/stacktop/ui/widgets"

// cursor is the selection and scroll position of one list view. Once the
// user moves it, it follows the selected row's id (a PID, a queryid) across
// polls; until then it stays on the top row, which follows the order.
type cursor = widgets.Cursor[int64]

// listLen is the number of rows of v's list; 0 for views without one.
func (t *Tab) listLen(v SubView) int {
	switch v {
	case Activity:
		return len(t.d.acts)
	case Locks:
		return len(t.d.locks)
	case Tables:
		return len(t.d.tables)
	case Statements:
		return len(t.d.stmts)
	}
	return 0
}

// listID is the id the cursor of v follows for row i.
func (t *Tab) listID(v SubView, i int) int64 {
	switch v {
	case Activity:
		return int64(t.d.acts[i].b.PID)
	case Locks:
		return int64(t.d.locks[i].node.PID)
	case Statements:
		return t.d.stmts[i].QueryID
	}
	return int64(i)
}

// place puts every cursor back on its row after the rows changed, keeps it
// visible, and refreshes the detail pane.
func (t *Tab) place() {
	for v := SubView(0); v < numViews; v++ {
		t.cursors[v].Place(t.listLen(v), t.idsOf(v), t.layout().listRows(v))
	}
	t.buildDetail()
}

// idsOf gives the ids of v's rows, for its cursor.
func (t *Tab) idsOf(v SubView) func(i int) int64 {
	return func(i int) int64 { return t.listID(v, i) }
}

// moveTo selects row i of v (clamped) and scrolls it into view.
func (t *Tab) moveTo(v SubView, i int) {
	t.cursors[v].MoveTo(i, t.listLen(v), t.idsOf(v), t.layout().listRows(v))
}

// pick moves the current view's selection on the user's behalf.
func (t *Tab) pick(i int) {
	t.cursors[t.view].Pick(i, t.listLen(t.view), t.idsOf(t.view), t.layout().listRows(t.view))
	t.buildDetail()
}
