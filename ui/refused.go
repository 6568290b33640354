package ui

import (
	"errors"

	"github.com/stacktop/stacktop/actions"
	"github.com/stacktop/stacktop/ui/view"
)

// refusal is the status line answering a refused action key: the tab's
// reason when it gave one ("Restart: web is exited"), else the Runner's
// (read-only, by scope). Asking the Runner costs nothing and writes
// nothing: a key that was not offered is not an attempt, so it is not
// audited (a request that reaches the Runner is).
func (f *actionFlow) refusal(msg view.RefusedMsg) string {
	var kind actions.Kind
	found := false
	if f.opts.Registry != nil && msg.Kind != "" {
		kind, found = f.opts.Registry.Lookup(msg.Kind)
	}
	title := msg.What
	switch {
	case title != "":
	case kind.Title != "":
		title = kind.Title
	case msg.Kind != "":
		title = msg.Kind
	default:
		title = "that key"
	}
	switch {
	case msg.Why != "":
		return title + ": " + msg.Why
	case f.opts.Runner == nil || f.opts.Registry == nil:
		return title + ": actions are not available in this session"
	case msg.Kind == "":
		return title + ": not available now"
	case !found:
		return title + ": not available in this session"
	}
	var ro *actions.ReadOnlyError
	if err := f.opts.Runner.KindAllowed(kind, msg.Target); errors.As(err, &ro) {
		return readOnlyLine(title, ro)
	}
	return title + ": not available for " + msg.Target.Display()
}

// readOnlyLine says which read-only refused title, and how to lift it.
func readOnlyLine(title string, ro *actions.ReadOnlyError) string {
	switch ro.Scope {
	case actions.ScopeGlobal:
		return "read-only: " + title + " is refused (stacktop runs with --read-only, --demo or read_only in the config)"
	case actions.ScopeTarget:
		return "read-only: " + title + " is refused (" + string(ro.Target.Kind) + ":" + ro.Target.Source + " is read_only = true in the config)"
	}
	return "read-only: " + title + " is refused (switched on in this session — ctrl+r lifts it)"
}
