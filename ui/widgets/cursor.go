package widgets

// Cursor is the selection and scroll offset of a list whose rows are
// rebuilt on every poll (re-sorted, re-filtered). It remembers the
// selected row's id (a PID, a queryid, a container), so that once the user
// has moved it (Picked) it follows that row rather than a position; until
// then it stays on the top row, which follows the order.
type Cursor[K comparable] struct {
	// Sel is the selected row, Offset the first row shown.
	Sel, Offset int
	// ID is the id of the selected row; it is kept while the list is
	// empty, so a filter that briefly matches nothing does not lose it.
	ID K
	// Picked says the user moved the selection: Place follows ID.
	Picked bool
}

// Place puts the cursor back after the rows changed: on the row whose id
// is ID when Picked and still there, otherwise at the same position
// (clamped). n is the number of rows, idAt(i) row i's id, view how many
// rows are shown.
func (c *Cursor[K]) Place(n int, idAt func(i int) K, view int) {
	if c.Picked {
		for i := range n {
			if idAt(i) == c.ID {
				c.Sel = i
				break
			}
		}
	}
	c.MoveTo(c.Sel, n, idAt, view)
}

// Pick moves the selection to row i on the user's behalf: from now on it
// follows the row.
func (c *Cursor[K]) Pick(i, n int, idAt func(i int) K, view int) {
	c.Picked = true
	c.MoveTo(i, n, idAt, view)
}

// MoveTo selects row i (clamped to the n rows), remembers its id and
// scrolls it into view.
func (c *Cursor[K]) MoveTo(i, n int, idAt func(i int) K, view int) {
	c.Sel = min(max(i, 0), max(n-1, 0))
	if n > 0 {
		c.ID = idAt(c.Sel)
	}
	c.Scroll(n, view)
}

// Scroll moves Offset the least that shows Sel in a window of view rows
// (at least one) over n rows, without blank rows past the end.
func (c *Cursor[K]) Scroll(n, view int) {
	view = max(view, 1)
	if c.Sel < c.Offset {
		c.Offset = c.Sel
	}
	if c.Sel >= c.Offset+view {
		c.Offset = c.Sel - view + 1
	}
	c.Offset = max(min(c.Offset, n-view), 0)
}
