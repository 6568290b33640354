package docker

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/stacktop/stacktop/actions"
	dockeract "github.com/stacktop/stacktop/actions/docker"
	ds "github.com/stacktop/stacktop/collectors/docker"
	"github.com/stacktop/stacktop/ui/view"
)

// ActionKeys act on the selected container through the root's action flow
// (confirmation, the Runner, the audit log). Capitals, so a slip on a
// navigation key never asks to change a container. Each is enabled only
// when it fits the container's state and Options.Allowed says the Runner
// would let it run (not under read-only).
type ActionKeys struct {
	Start, Stop, Restart, Pause, Unpause, Kill, Remove, SaveLogs, Shell key.Binding
}

func newActionKeys() ActionKeys {
	b := func(k, desc string) key.Binding { return key.NewBinding(key.WithKeys(k), key.WithHelp(k, desc)) }
	return ActionKeys{
		Start: b("U", "start"), Stop: b("S", "stop"), Restart: b("R", "restart"),
		Pause: b("P", "pause"), Unpause: b("P", "unpause"), Kill: b("K", "kill"),
		Remove: b("D", "remove"), SaveLogs: b("L", "save logs"), Shell: b("E", "shell"),
	}
}

// all pairs each binding with its action kind.
func (k *ActionKeys) all() []struct {
	b    *key.Binding
	kind string
} {
	return []struct {
		b    *key.Binding
		kind string
	}{
		{&k.Start, dockeract.StartID}, {&k.Stop, dockeract.StopID}, {&k.Restart, dockeract.RestartID},
		{&k.Pause, dockeract.PauseID}, {&k.Unpause, dockeract.UnpauseID}, {&k.Kill, dockeract.KillID},
		{&k.Remove, dockeract.RemoveID}, {&k.SaveLogs, dockeract.LogsID}, {&k.Shell, dockeract.ShellID},
	}
}

// fits reports whether kind makes sense for a container in state.
func fits(kind, state string) bool {
	running := state == "running"
	switch kind {
	case dockeract.StartID:
		return state == "exited" || state == "created" || state == "dead"
	case dockeract.StopID, dockeract.PauseID, dockeract.KillID, dockeract.ShellID:
		return running
	case dockeract.RestartID:
		return running || state == "exited"
	case dockeract.UnpauseID:
		return state == "paused"
	}
	return true // remove, save logs
}

// selectedContainer is the container under the cursor and its action
// target, or nil.
func (t *Tab) selectedContainer() (*ds.Container, actions.Target) {
	h := t.host()
	if h == nil || t.list.Sel < 0 || t.list.Sel >= len(t.rows) || t.rows[t.list.Sel].c == nil {
		return nil, actions.Target{}
	}
	c := t.rows[t.list.Sel].c
	return c, dockeract.ContainerTarget(h.id.Name, *c)
}

// enableActions switches the action keys for the selection (list mode only).
func (t *Tab) enableActions() {
	c, target := t.selectedContainer()
	for _, a := range t.keys.Actions.all() {
		a.b.SetEnabled(c != nil && t.mode() == modeList && fits(a.kind, c.State) && t.opts.Allowed.Can(a.kind, target))
	}
}

// actionKey asks the root to run the action of an action key; ok is false
// for other keys.
func (t *Tab) actionKey(msg tea.KeyMsg) (tea.Cmd, bool) {
	c, target := t.selectedContainer()
	for _, a := range t.keys.Actions.all() {
		if !key.Matches(msg, *a.b) || c == nil {
			continue
		}
		var p actions.Params
		if a.kind == dockeract.RemoveID && c.Running() {
			p = actions.Params{"force": "true"} // the typed name confirms killing it too
		}
		return view.Request(a.kind, target, p), true
	}
	return nil, false
}
