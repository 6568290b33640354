package postgres

import (
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/stacktop/stacktop/ui/view"
)

// The tab is a router over one model per sub-view (activity.go, locks.go,
// databases.go, replication.go, maintenance.go, tables.go, statements.go,
// servers.go). Each model owns its state (sort, filter, cursor, rows), its
// Update (derive, reorder, its own keys) and its View; the Tab owns what
// they share: the targets, the shown target's derived sessions (derived),
// the pause, the detail pane and the layout.
//
// They stay in this package rather than one package each (as gh-dash
// does): every model draws from the same session rows (actRow, byPID), the
// same filter, cursor and detail helpers, and the same Thresholds; separate
// packages would export all of that for no caller outside the tab.

// subModel is one sub-view's model.
type subModel interface {
	// keyMap is the sub-view's own keys (the tab enables them).
	keyMap() *ViewKeys
	// update handles the sub-view's own keys that change only its state
	// (sort, reverse, idle); it reports whether msg was one. The tab then
	// reorders.
	update(msg tea.KeyMsg, d *derived) bool
	// derive builds the model's rows from d's new snapshot; a nil one
	// (a target without data) clears them.
	derive(d *derived)
	// reorder applies the model's filter and sort to its rows again.
	reorder(d *derived)
	// view draws the sub-view in l.body lines.
	view(ctx view.Context, d *derived, l layout) []string
}

// listModel is a sub-view with a list the cursor moves in.
type listModel interface {
	subModel
	cursor() *cursor
	listLen() int
	// listID is the id the cursor follows for row i (a PID, a queryid).
	listID(i int) int64
}

// filterModel is a sub-view with a / filter. Each keeps its own: a word
// typed to find a session means nothing to the tables.
type filterModel interface {
	subModel
	prompt() *textinput.Model
}

// sortModel is a sub-view whose order s cycles and I reverses.
type sortModel interface {
	subModel
	cycleSort(d *derived)
	reverse()
}

// sub is the model of sub-view v.
func (t *Tab) sub(v SubView) subModel { return t.subs[v] }

// listOf is v's list model, or nil when v has no list.
func (t *Tab) listOf(v SubView) listModel {
	if m, ok := t.subs[v].(listModel); ok {
		return m
	}
	return nil
}

// filterable reports whether v's list has a / filter.
func (t *Tab) filterable(v SubView) bool {
	_, ok := t.subs[v].(filterModel)
	return ok
}

// sortable reports whether s and I reorder v.
func (t *Tab) sortable(v SubView) bool {
	_, ok := t.subs[v].(sortModel)
	return ok
}

// keyed gives a model its own keys.
type keyed struct{ keys ViewKeys }

func (k *keyed) keyMap() *ViewKeys { return &k.keys }

func newKeyed() keyed { return keyed{keys: newViewKeys()} }

// noKeys is update for a model without keys of its own to handle.
type noKeys struct{}

func (noKeys) update(tea.KeyMsg, *derived) bool { return false }

// sortKeys is update for a sortable model: s cycles its order, I reverses it.
func sortKeys(m sortModel, msg tea.KeyMsg, d *derived) bool {
	k := m.keyMap()
	switch {
	case key.Matches(msg, k.Sort):
		m.cycleSort(d)
	case key.Matches(msg, k.Reverse):
		m.reverse()
	default:
		return false
	}
	return true
}
