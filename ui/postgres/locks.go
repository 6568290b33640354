package postgres

import (
	"strconv"

	pg "github.com/stacktop/stacktop/collectors/postgres"
	"github.com/stacktop/stacktop/ui/format"
	"github.com/stacktop/stacktop/ui/view"
	"github.com/stacktop/stacktop/ui/widgets"
)

// lockRow is one node of the lock forest in drawing order, with its tree
// glyphs ("├─", "│ └─").
type lockRow struct {
	node   *pg.LockNode
	prefix string
	root   bool
}

// flattenLocks lists the forest depth first: each root blocker, then the
// sessions waiting on it, indented.
func flattenLocks(tree []pg.LockNode) []lockRow {
	var out []lockRow
	var walk func(ns []pg.LockNode, lead string)
	walk = func(ns []pg.LockNode, lead string) {
		for i := range ns {
			last := i == len(ns)-1
			glyph, cont := "├─", "│ "
			if last {
				glyph, cont = "└─", "  "
			}
			out = append(out, lockRow{node: &ns[i], prefix: lead + glyph})
			walk(ns[i].Blocking, lead+cont)
		}
	}
	for i := range tree {
		out = append(out, lockRow{node: &tree[i], root: true})
		walk(tree[i].Blocking, "")
	}
	return out
}

// waitingCount is how many distinct sessions wait in the forest.
func waitingCount(rows []lockRow) int {
	seen := map[int]bool{}
	for _, r := range rows {
		if !r.root {
			seen[r.node.PID] = true
		}
	}
	return len(seen)
}

// Lock tree columns.
const (
	lkSel = iota
	lkPID
	lkBlocks
	lkWait
	lkMode
	lkOn
	lkUser
	lkState
	lkQuery
	lkCols
)

func lockColumns() []widgets.Column {
	return []widgets.Column{
		{Width: 1},
		{Title: "PID", Width: 12},
		{Title: "BLOCKS", Width: 6, Right: true},
		{Title: "WAITED", Width: 7, Right: true},
		{Title: "MODE", Width: 15, Drop: 2},
		{Title: "ON", Width: 14, Drop: 1},
		{Title: "USER", Width: 10, Drop: 3},
		{Title: "STATE", Width: 10, Drop: 4},
		{Title: "QUERY", Width: 16, Flex: true},
	}
}

// locksModel is the locks sub-view: the lock-wait forest, flattened.
type locksModel struct {
	list
	keyed
	noKeys
	rows []lockRow
}

func (m *locksModel) listLen() int       { return len(m.rows) }
func (m *locksModel) listID(i int) int64 { return int64(m.rows[i].node.PID) }
func (m *locksModel) derive(d *derived) {
	m.rows = nil
	if d.snap != nil {
		m.rows = flattenLocks(d.snap.LockTree)
	}
}
func (m *locksModel) reorder(*derived) {}

// selected is the session under the cursor, or nil when none is (or it
// is gone from the activity).
func (m *locksModel) selected(d *derived) *pg.Backend {
	if c := m.cur; c.Sel >= 0 && c.Sel < len(m.rows) {
		if r := d.byPID[m.rows[c.Sel].node.PID]; r != nil {
			return r.b
		}
	}
	return nil
}

func (m *locksModel) view(ctx view.Context, d *derived, l layout) []string {
	st := ctx.Styles
	roots := 0
	for _, r := range m.rows {
		if r.root {
			roots++
		}
	}
	if len(m.rows) == 0 {
		return []string{" " + st.Title.Render("Lock waits"), " " + st.OK.Render("no lock waits")}
	}
	title := " " + st.Title.Render("Lock waits") + " " + strconv.Itoa(roots) + " root blocker" + plural(roots) +
		" · " + strconv.Itoa(waitingCount(m.rows)) + " sessions waiting" +
		st.Muted.Render("   BLOCKS: sessions behind it · WAITED: blocking or waiting for")
	cols := lockColumns()
	widths := widgets.Layout(cols, ctx.Width)
	lines := []string{widgets.Truncate(title, ctx.Width), st.TableHeader.Render(widgets.Header(cols, widths))}
	rows := l.listRows(Locks)
	c := m.cur
	for i := c.Offset; i < min(c.Offset+rows, len(m.rows)); i++ {
		lines = append(lines, lockLine(ctx, d, cols, widths, m.rows[i], i == c.Sel))
	}
	lines = pad(lines, 2+rows)
	if l.detail > 0 {
		lines = append(lines, d.detailView(ctx, l.detail)...)
	}
	return lines
}

// lockLine renders one node: a root blocker shows how many wait behind it
// and for how long; a waiting session its wait, lock mode and target.
func lockLine(ctx view.Context, d *derived, cols []widgets.Column, widths []int, r lockRow, selected bool) string {
	st := ctx.Styles
	n := r.node
	var cells [lkCols]string
	cells[lkSel] = " "
	if selected {
		cells[lkSel] = ">"
	}
	cells[lkPID] = r.prefix + strconv.Itoa(n.PID)
	if n.BlockedCount > 0 {
		cells[lkBlocks] = strconv.Itoa(n.BlockedCount)
	}
	if r.root {
		cells[lkWait] = format.Duration(n.LongestWait)
	} else {
		cells[lkWait] = age(n.Waiting)
	}
	if n.Lock != nil {
		// "AccessExclusive" for AccessExclusiveLock: the suffix is on every mode.
		cells[lkMode], cells[lkOn] = lockMode(n.Lock), lockTarget(n.Lock)
	}
	if a := d.byPID[n.PID]; a != nil {
		cells[lkUser], cells[lkState], cells[lkQuery] = a.user, a.state, a.query
	} else {
		cells[lkQuery] = "(session gone)"
	}
	if n.Cycle {
		cells[lkQuery] = "(cycle: already shown above — a deadlock is forming)"
	}
	if r.root && !selected {
		cells[lkPID] = st.Bad.Render(cells[lkPID])
		cells[lkBlocks] = st.Bad.Render(cells[lkBlocks])
	}
	row := widgets.Row(cols, widths, cells[:])
	if selected {
		return st.Selected.Render(row)
	}
	return row
}
