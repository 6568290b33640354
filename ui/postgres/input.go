package postgres

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/stacktop/stacktop/ui/widgets"
)

func (t *Tab) handleKey(msg tea.KeyMsg) tea.Cmd {
	if t.editing() {
		return t.editFilter(msg)
	}
	if v, ok := t.viewKey(msg); ok {
		t.chosen = true
		t.show(v)
		return nil
	}
	if cmd, ok := t.actionKey(msg); ok {
		return cmd
	}
	k, vk := t.keys, t.sub(t.view).keyMap()
	if t.sub(t.view).update(msg, &t.d) {
		t.reorder()
		return nil
	}
	switch {
	case key.Matches(msg, k.NextTarget):
		t.switchTarget(1)
	case key.Matches(msg, k.PrevTarget):
		t.switchTarget(-1)
	case key.Matches(msg, k.Pause):
		t.togglePause()
	case key.Matches(msg, vk.Filter):
		if p := t.prompt(); p != nil {
			return p.Focus()
		}
	case key.Matches(msg, vk.Detail):
		t.detail = !t.detail
		t.place()
	case key.Matches(msg, vk.Open):
		t.openSelected()
	case key.Matches(msg, vk.Clear):
		switch p := t.prompt(); {
		case p != nil && p.Value() != "":
			p.SetValue("")
			t.reorder()
		case t.detail && (t.view == Activity || t.view == Locks):
			t.detail = false
			t.place()
		case t.drilled:
			t.drill = t.view
			t.show(Servers)
		default:
			t.detail = false
			t.place()
		}
	default:
		t.navigate(msg)
	}
	return nil
}

// show switches to sub-view v; back on the servers view, esc has nowhere
// further to go.
func (t *Tab) show(v SubView) {
	t.view = v
	if v == Servers {
		t.drilled = false
	}
	t.place()
}

// openSelected shows the target selected in the servers view in the
// sub-view last opened from there (activity at first); esc comes back.
func (t *Tab) openSelected() {
	r := t.srv.selected()
	if r == nil {
		return
	}
	t.chosen = true
	t.showTarget(r.idx)
	t.drilled = true
	t.show(t.drill)
}

// showTarget makes order[i] the shown target. The cursors of its lists
// start from the top, since a PID means nothing on another server; a
// pause ends: the other target is shown as it is now.
func (t *Tab) showTarget(i int) {
	if i == t.cur && !t.paused {
		return
	}
	if i != t.cur {
		t.cur = i
		t.resetCursors()
	}
	t.paused = false
	t.rebuild()
}

// viewKey maps a sub-view key (v a l d r m t S, ← →) to the view it opens.
func (t *Tab) viewKey(msg tea.KeyMsg) (SubView, bool) {
	k := t.keys
	direct := []key.Binding{k.Servers, k.Activity, k.Locks, k.Databases, k.Replication, k.Maintenance, k.Tables, k.Statements}
	for v, b := range direct {
		if key.Matches(msg, b) {
			return SubView(v), true
		}
	}
	switch {
	case key.Matches(msg, k.NextView):
		return (t.view + 1) % numViews, true
	case key.Matches(msg, k.PrevView):
		return (t.view + numViews - 1) % numViews, true
	}
	return 0, false
}

// navigate moves the current view's selection.
func (t *Tab) navigate(msg tea.KeyMsg) {
	k := t.keys
	m := t.listOf(t.view)
	if m == nil {
		return
	}
	sel := m.cursor().Sel
	page := max(t.layout().listRows(t.view), 1)
	switch {
	case key.Matches(msg, k.Up):
		t.pick(sel - 1)
	case key.Matches(msg, k.Down):
		t.pick(sel + 1)
	case key.Matches(msg, k.PageUp):
		t.pick(sel - page)
	case key.Matches(msg, k.PageDown):
		t.pick(sel + page)
	case key.Matches(msg, k.Top):
		// Back to the top row, which then follows the order (the longest
		// query when sorted by age) rather than a PID.
		m.cursor().Picked = false
		t.moveTo(t.view, 0)
		t.buildDetail()
	case key.Matches(msg, k.Bottom):
		t.pick(t.listLen(t.view) - 1)
	}
}

// editFilter feeds a key to the prompt and re-filters as the user types.
func (t *Tab) editFilter(msg tea.KeyMsg) tea.Cmd {
	vk := t.sub(t.view).keyMap()
	changed, cmd := widgets.EditFilter(t.prompt(), msg, vk.Accept, vk.Clear)
	if changed {
		t.reorder()
	}
	return cmd
}

// switchTarget shows the next (+1) or previous (-1) target. The sub-view,
// filter and sorts stay; the cursors start from the top, since a PID means
// nothing on another server. A pause ends: the other target is shown as it
// is now.
func (t *Tab) switchTarget(step int) {
	if len(t.order) < 2 {
		return
	}
	t.cur = (t.cur + step + len(t.order)) % len(t.order)
	t.resetCursors()
	t.paused = false
	t.rebuild()
}

// resetCursors puts every list of a target back on its top row: a PID
// means nothing on another server. The servers view keeps its selection.
func (t *Tab) resetCursors() {
	for v := SubView(0); v < numViews; v++ {
		if m := t.listOf(v); m != nil && v != Servers {
			*m.cursor() = cursor{}
		}
	}
}
