package postgres

import "github.com/stacktop/stacktop/ui/widgets"

// cursor is the selection and scroll position of one list view. Once the
// user moves it, it follows the selected row's id (a PID, a queryid) across
// polls; until then it stays on the top row, which follows the order.
type cursor = widgets.Cursor[int64]

// listLen is the number of rows of v's list; 0 for views without one.
func (t *Tab) listLen(v SubView) int {
	if m := t.listOf(v); m != nil {
		return m.listLen()
	}
	return 0
}

// place puts every cursor back on its row after the rows changed, keeps it
// visible, and refreshes the detail pane.
func (t *Tab) place() {
	l := t.layout()
	for v := SubView(0); v < numViews; v++ {
		if m := t.listOf(v); m != nil {
			m.cursor().Place(m.listLen(), m.listID, l.listRows(v))
		}
	}
	t.buildDetail()
}

// moveTo selects row i of v (clamped) and scrolls it into view.
func (t *Tab) moveTo(v SubView, i int) {
	if m := t.listOf(v); m != nil {
		m.cursor().MoveTo(i, m.listLen(), m.listID, t.layout().listRows(v))
	}
}

// pick moves the current view's selection on the user's behalf.
func (t *Tab) pick(i int) {
	if m := t.listOf(t.view); m != nil {
		m.cursor().Pick(i, m.listLen(), m.listID, t.layout().listRows(t.view))
	}
	t.buildDetail()
}

// list is the state every list model shares: its cursor.
type list struct{ cur cursor }

func (l *list) cursor() *cursor { return &l.cur }
