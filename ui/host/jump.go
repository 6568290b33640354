package host

import (
	"github.com/stacktop/stacktop/collectors"
	"github.com/stacktop/stacktop/ui/view"
)

// Opens implements view.Opener: the Host tab shows processes.
func (t *Tab) Opens(j view.Jump) bool {
	return j.Source.Kind == collectors.KindHost && j.What == view.JumpProcess
}

// open selects the process j names, clearing a filter that hides it.
func (t *Tab) open(j view.Jump) {
	if t.selectPID(int32(j.PID)) || t.filter.Value() == "" {
		return
	}
	t.filter.SetValue("")
	t.refresh()
	t.selectPID(int32(j.PID))
}

// selectPID selects the row of pid, if it is listed; from then on the
// selection follows it.
func (t *Tab) selectPID(pid int32) bool {
	for i, p := range t.rows {
		if p.PID == pid {
			t.pick(i)
			return true
		}
	}
	return false
}
