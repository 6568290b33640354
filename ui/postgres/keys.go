package postgres

import (
	"github.com/charmbracelet/bubbles/key"
)

// KeyMap is the Postgres tab's own keys, the router's: sub-views, targets,
// moving in a list, pause, and the action keys; each sub-view adds its own
// (ViewKeys). Bindings that do nothing at the moment are disabled so help
// leaves them out.
//
// Sub-views: v servers (every target, one row each; enter opens one, esc
// comes back), a activity, l locks, d databases, r replication, m
// maintenance, t tables, S statements; ←/→ step through them. [ and ]
// switch target. space pauses the view (as pg_activity does, so it no
// longer pages down here). None of these collide with the root's keys
// (? tab shift+tab 1–4 q ctrl+c ctrl+r ! esc).
type KeyMap struct {
	Servers, Activity, Locks, Databases, Replication, Maintenance, Tables, Statements key.Binding
	NextView, PrevView                                                                key.Binding
	NextTarget, PrevTarget                                                            key.Binding

	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	Pause                                   key.Binding // space: freeze the view, or resume
	// Actions act on the selection (see actions.go).
	Actions ActionKeys
}

// ViewKeys are one sub-view's own keys: every model has its own and the
// tab enables in it what that sub-view offers (servers: sort, filter,
// open; activity: sort, idle, filter, details; locks: details; ...).
//
// s cycles the view's order and I reverses it (as htop's invert); i shows
// or hides idle sessions.
type ViewKeys struct {
	Sort    key.Binding
	Reverse key.Binding // I: the sort the other way round
	Idle    key.Binding // i: "running only" on and off (activity)
	Detail  key.Binding // enter: show or hide the selected session's details
	Open    key.Binding // enter: the servers view's target, in its own views
	Filter  key.Binding // start editing the filter
	Accept  key.Binding // enter: keep the filter, back to the table
	Clear   key.Binding // esc: clear the filter, close the detail pane, or back to servers
}

func bind(help, desc string, keys ...string) key.Binding {
	return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
}

func newViewKeys() ViewKeys {
	b := bind
	return ViewKeys{
		Sort:    b("s", "sort", "s"),
		Reverse: b("I", "reverse sort", "I"),
		Idle:    b("i", "show idle", "i"),
		Detail:  b("enter", "details", "enter"),
		Open:    b("enter", "open target", "enter"),
		Filter:  b("/", "filter", "/"),
		Accept:  b("enter", "apply filter", "enter"),
		Clear:   b("esc", "clear filter", "esc"),
	}
}

// ShortHelp implements help.KeyMap.
func (k ViewKeys) ShortHelp() []key.Binding {
	return []key.Binding{k.Filter, k.Accept, k.Clear, k.Detail, k.Open, k.Sort, k.Idle}
}

// FullHelp implements help.KeyMap.
func (k ViewKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Sort, k.Reverse, k.Idle, k.Filter, k.Accept, k.Clear, k.Detail, k.Open}}
}

func newKeyMap() KeyMap {
	b := bind
	return KeyMap{
		Servers:     b("v", "servers", "v"),
		Activity:    b("a", "activity", "a"),
		Locks:       b("l", "locks", "l"),
		Databases:   b("d", "databases", "d"),
		Replication: b("r", "replication", "r"),
		Maintenance: b("m", "maintenance", "m"),
		Tables:      b("t", "tables", "t"),
		Statements:  b("S", "statements", "S"),
		NextView:    b("→", "next view", "right"),
		PrevView:    b("←", "previous view", "left"),
		NextTarget:  b("]", "next target", "]"),
		PrevTarget:  b("[", "previous target", "["),
		Up:          b("↑/k", "up", "up", "k"),
		Down:        b("↓/j", "down", "down", "j"),
		PageUp:      b("pgup", "page up", "pgup", "ctrl+b"),
		PageDown:    b("pgdn", "page down", "pgdown", "ctrl+f"),
		Top:         b("g", "first", "g", "home"),
		Bottom:      b("G", "last", "G", "end"),
		Pause:       b("space", "pause", " "),
		Actions:     newActionKeys(),
	}
}

// tabHelp is what help shows: the shown sub-view's keys with the tab's,
// in the order help has always listed them.
type tabHelp struct {
	tab  KeyMap
	view ViewKeys
}

// ShortHelp implements help.KeyMap.
func (h tabHelp) ShortHelp() []key.Binding {
	k, a := h.tab, h.tab.Actions
	return append(h.view.ShortHelp(), k.Pause, k.NextView, k.NextTarget, a.Explain, a.Cancel, a.Vacuum)
}

// FullHelp implements help.KeyMap.
func (h tabHelp) FullHelp() [][]key.Binding {
	k, v := h.tab, h.view
	return [][]key.Binding{
		{k.Servers, k.Activity, k.Locks, k.Databases, k.Replication, k.Maintenance, k.Tables, k.Statements, k.NextView, k.PrevView},
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom},
		{v.Sort, v.Reverse, v.Idle, k.Pause, v.Filter, v.Accept, v.Clear, v.Detail, v.Open, k.NextTarget, k.PrevTarget},
		{k.Actions.Cancel, k.Actions.Terminate, k.Actions.Explain, k.Actions.ExplainAnalyze, k.Actions.Vacuum, k.Actions.Backup, k.Actions.Backups, k.Actions.Typed},
	}
}

// keyState is what decides which bindings are live.
type keyState struct {
	view       SubView
	rows       int  // rows of the current list (0 for views without one)
	editing    bool // the filter prompt is open
	filtered   bool // a filter is applied
	detail     bool // the detail pane is open
	targets    int
	data       bool // the shown target has a snapshot
	sortable   bool
	filterable bool // the view has a / filter
	hasDetail  bool // the view has a detail pane (activity, locks)
	paused     bool // space froze the view
	drilled    bool // enter opened this target from the servers view: esc goes back
	showIdle   bool // idle sessions are shown ("running only" off)
}

// enable switches bindings on and off for the tab's state.
func (k *KeyMap) enable(s keyState) {
	views := []*key.Binding{&k.Servers, &k.Activity, &k.Locks, &k.Databases, &k.Replication, &k.Maintenance,
		&k.Tables, &k.Statements, &k.NextView, &k.PrevView}
	for _, b := range views {
		b.SetEnabled(!s.editing)
	}
	for _, b := range []*key.Binding{&k.Up, &k.Down, &k.PageUp, &k.PageDown, &k.Top, &k.Bottom} {
		b.SetEnabled(s.rows > 0 && !s.editing)
	}
	k.NextTarget.SetEnabled(s.targets > 1 && !s.editing)
	k.PrevTarget.SetEnabled(s.targets > 1 && !s.editing)
	k.Pause.SetEnabled(s.data && !s.editing)
	if s.paused {
		k.Pause.SetHelp("space", "resume")
	} else {
		k.Pause.SetHelp("space", "pause")
	}
}

// enable switches the sub-view's bindings on and off for the tab's state.
func (k *ViewKeys) enable(s keyState) {
	k.Sort.SetEnabled(s.data && s.sortable && !s.editing)
	k.Reverse.SetEnabled(s.data && s.sortable && !s.editing)
	k.Idle.SetEnabled(s.data && s.view == Activity && !s.editing)
	if s.showIdle {
		k.Idle.SetHelp("i", "hide idle")
	} else {
		k.Idle.SetHelp("i", "show idle")
	}
	k.Filter.SetEnabled(s.data && s.filterable && !s.editing)
	k.Accept.SetEnabled(s.editing)
	k.Detail.SetEnabled(s.hasDetail && s.rows > 0 && !s.editing)
	if s.detail {
		k.Detail.SetHelp("enter", "hide details")
	} else {
		k.Detail.SetHelp("enter", "details")
	}
	k.Open.SetEnabled(s.view == Servers && s.rows > 0 && !s.editing)
	switch {
	case s.editing || (s.filtered && s.filterable):
		k.Clear.SetEnabled(true)
		k.Clear.SetHelp("esc", "clear filter")
	case s.detail && s.hasDetail:
		k.Clear.SetEnabled(true)
		k.Clear.SetHelp("esc", "hide details")
	case s.drilled && s.view != Servers:
		k.Clear.SetEnabled(true)
		k.Clear.SetHelp("esc", "back to servers")
	default:
		k.Clear.SetEnabled(false)
	}
}
