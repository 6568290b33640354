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
		t.view = v
		t.place()
		return nil
	}
	if cmd, ok := t.actionKey(msg); ok {
		return cmd
	}
	k := t.keys
	switch {
	case key.Matches(msg, k.NextTarget):
		t.switchTarget(1)
	case key.Matches(msg, k.PrevTarget):
		t.switchTarget(-1)
	case key.Matches(msg, k.Sort):
		t.cycleSort()
	case key.Matches(msg, k.Reverse):
		t.rev[t.view] = !t.rev[t.view]
		t.reorder()
	case key.Matches(msg, k.Idle):
		t.showIdle = !t.showIdle
		t.reorder()
	case key.Matches(msg, k.Pause):
		t.togglePause()
	case key.Matches(msg, k.Filter):
		return t.prompt().Focus()
	case key.Matches(msg, k.Detail):
		t.detail = !t.detail
		t.place()
	case key.Matches(msg, k.Clear):
		if filterable(t.view) && t.prompt().Value() != "" {
			t.prompt().SetValue("")
			t.reorder()
		} else {
			t.detail = false
			t.place()
		}
	default:
		t.navigate(msg)
	}
	return nil
}

// viewKey maps a sub-view key (a l d r m t S, ← →) to the view it opens.
func (t *Tab) viewKey(msg tea.KeyMsg) (SubView, bool) {
	k := t.keys
	direct := []key.Binding{k.Activity, k.Locks, k.Databases, k.Replication, k.Maintenance, k.Tables, k.Statements}
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
	sel := t.cursors[t.view].Sel
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
		t.cursors[t.view].Picked = false
		t.moveTo(t.view, 0)
		t.buildDetail()
	case key.Matches(msg, k.Bottom):
		t.pick(t.listLen(t.view) - 1)
	}
}

// editFilter feeds a key to the prompt and re-filters as the user types.
func (t *Tab) editFilter(msg tea.KeyMsg) tea.Cmd {
	changed, cmd := widgets.EditFilter(t.prompt(), msg, t.keys.Accept, t.keys.Clear)
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
	t.cursors = [numViews]cursor{}
	t.paused = false
	t.rebuild()
}

// cycleSort steps the current view's order, each new order in its own
// direction (I reverses it again).
func (t *Tab) cycleSort() {
	switch t.view {
	case Activity:
		t.actSort = (t.actSort + 1) % activitySorts
		if t.actSort == ByCPU && !t.d.onHost {
			t.actSort = (t.actSort + 1) % activitySorts
		}
	case Tables:
		t.tableSort = (t.tableSort + 1) % tableSorts
	case Statements:
		t.stmtSort = (t.stmtSort + 1) % statementSorts
	default:
		return
	}
	t.rev[t.view] = false
	t.reorder()
}
