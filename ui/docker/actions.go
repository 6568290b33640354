package docker

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/stacktop/stacktop/actions"
	dockeract "github.com/stacktop/stacktop/actions/docker"
	ds "github.com/stacktop/stacktop/collectors/docker"
	"github.com/stacktop/stacktop/ui/sanitize"
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
	h, c := t.list.selected()
	if c == nil {
		return nil, actions.Target{}
	}
	return c, dockeract.ContainerTarget(h.id.Name, *c)
}

// enableActions switches the action keys for the selection (list mode only).
func (t *Tab) enableActions() {
	c, target := t.selectedContainer()
	for _, a := range t.list.keys.Actions.all() {
		a.b.SetEnabled(c != nil && t.mode() == modeList && fits(a.kind, c.State) && t.opts.Allowed.Can(a.kind, target))
	}
}

// actionKey asks the root to run the action of an action key, or, for an
// action key that is disabled now, answers why; ok is false for other keys.
func (t *Tab) actionKey(msg tea.KeyMsg) (tea.Cmd, bool) {
	c, target := t.selectedContainer()
	all := t.list.keys.Actions.all()
	for _, a := range all {
		if !key.Matches(msg, *a.b) || c == nil {
			continue
		}
		var p actions.Params
		if a.kind == dockeract.RemoveID && c.Running() {
			p = actions.Params{"force": "true"} // the typed name confirms killing it too
		}
		req := view.ActionRequest{Kind: a.kind, Target: target, Params: p, Context: t.containerFacts(c),
			// A shell takes the terminal: what is typed next goes into
			// the container, so a slip on E must not open one.
			AskYes: a.kind == dockeract.ShellID}
		return func() tea.Msg { return req }, true
	}
	// P is pause or unpause: answer for the one that fits the state.
	var refused *struct {
		b    *key.Binding
		kind string
	}
	for i, a := range all {
		if view.Pressed(msg, *a.b) && (refused == nil || (c != nil && fits(a.kind, c.State))) {
			refused = &all[i]
		}
	}
	if refused == nil {
		return nil, false
	}
	return view.Refuse(*refused.b, refused.kind, target, t.whyNot(c, refused.kind)), true
}

// whyNot says why action kind cannot act on c (the selection) now; ""
// when only Allowed refused it (the root asks the Runner why).
func (t *Tab) whyNot(c *ds.Container, kind string) string {
	switch {
	case t.mode() != modeList:
		return "actions work from the list — esc closes the pane"
	case c == nil:
		return "nothing selected — move to a container (j/k)"
	case !fits(kind, c.State):
		return sanitize.Line(c.Name) + " is " + sanitize.Line(c.State)
	}
	return ""
}

// containerFacts is what a confirmation dialog shows about container c:
// its image, compose service and how long it has been up (or since when
// it is down), as of the snapshot the user sees.
func (t *Tab) containerFacts(c *ds.Container) []view.Fact {
	service := "– (not from compose)"
	if c.ComposeService != "" {
		service = sanitize.Line(c.ComposeService) + " (project " + sanitize.Line(c.ComposeProject) + ")"
	}
	status := sanitize.Line(c.State)
	if h, _ := t.list.selected(); h != nil && h.snap != nil {
		status += ", " + statusCell(view.Context{Now: h.snap.Taken}, c)
	}
	return []view.Fact{
		{Label: "image", Value: sanitize.Line(c.Image)},
		{Label: "service", Value: service},
		{Label: "status", Value: status},
	}
}
