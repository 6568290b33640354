package postgres

import (
	"github.com/stacktop/stacktop/collectors"
	"github.com/stacktop/stacktop/ui/view"
)

// Opens implements view.Opener: the Postgres tab shows its targets and
// their sessions.
func (t *Tab) Opens(j view.Jump) bool {
	if j.Source.Kind != collectors.KindPostgres {
		return false
	}
	_, ok := t.targets[j.Source.Name]
	return ok
}

// open shows what j names: its target, and for a session the activity view
// (a blocker: the lock tree) with that session selected and its detail
// pane open. A filter that hides the session is cleared, and idle sessions
// are shown if it is one. A pause ends: the Overview named what is there
// now.
func (t *Tab) open(j view.Jump) {
	if t.paused {
		t.paused = false
		t.rebuild()
	}
	for i, name := range t.order {
		if name == j.Source.Name && i != t.cur {
			t.cur = i
			t.resetCursors()
			t.rebuild()
		}
	}
	t.chosen = true
	switch j.What {
	case view.JumpBlocker:
		t.view = Locks
	case view.JumpBackend:
		t.view = Activity
	case view.JumpSource:
		// With several targets, a target's line opens its row of the
		// servers view; enter goes on into it.
		t.view = Activity
		if len(t.order) > 1 {
			t.show(Servers)
			t.selectTarget(j.Source.Name)
		}
		t.place()
		return
	}
	if !t.selectPID(j.PID) && t.view == Activity && t.act.filter.Value() != "" {
		t.act.filter.SetValue("")
		t.reorder()
	}
	if !t.selectPID(j.PID) && t.view == Activity && !t.act.showIdle {
		t.act.showIdle = true
		t.reorder()
		t.selectPID(j.PID)
	}
	t.detail = true
	t.place()
}

// selectTarget selects the servers view's row of target name.
func (t *Tab) selectTarget(name string) {
	for i, n := range t.order {
		if n != name {
			continue
		}
		for row := range t.srv.listLen() {
			if t.srv.listID(row) == int64(i) {
				t.srv.cur.Pick(row, t.srv.listLen(), t.srv.listID, t.layout().listRows(Servers))
			}
		}
	}
}

// selectPID selects the session pid in the current view, if it is listed.
func (t *Tab) selectPID(pid int) bool {
	m := t.listOf(t.view)
	if m == nil {
		return false
	}
	for i := range m.listLen() {
		if m.listID(i) == int64(pid) {
			t.pick(i)
			return true
		}
	}
	return false
}
