// Package postgres is the Postgres tab: every target side by side in the
// servers view, and for each its sub-views — activity (sortable,
// filterable, with a detail pane), the lock-wait tree, per-database
// throughput with sparklines, replication, maintenance, tables and indexes,
// top statements; plus the Overview box ranking the worst problems of all
// targets.
//
// Everything shown is derived in Update (filter, sort, sanitizing, the join
// with the host's process table); View only lays out what fits.
package postgres

import (
	"github.com/charmbracelet/bubbles/help"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/stacktop/stacktop/collectors"
	hs "github.com/stacktop/stacktop/collectors/host"
	pg "github.com/stacktop/stacktop/collectors/postgres"
	"github.com/stacktop/stacktop/ui/theme"
	"github.com/stacktop/stacktop/ui/view"
)

// SubView is one of the tab's screens.
type SubView int

// The sub-views, in the order ← and → step through them.
const (
	Servers SubView = iota
	Activity
	Locks
	Databases
	Replication
	Maintenance
	Tables
	Statements
	numViews
)

// String names the sub-view as its tab label shows it.
func (v SubView) String() string {
	return [...]string{"servers", "activity", "locks", "databases", "replication", "maintenance", "tables", "statements"}[v]
}

// Tab is the Postgres tab: a router between its sub-views' models (see
// subview.go). Build it with New.
type Tab struct {
	opts    Options
	order   []string           // target names, in the order their first update came
	targets map[string]*target // by name
	cur     int                // index into order of the shown target

	view    SubView
	host    *hs.Snapshot
	pgProcs *postgresProcs // the host's postgres processes, for local targets
	hostOf  *hs.Snapshot   // the snapshot pgProcs was built from

	d derived // the shown target's sessions, rebuilt in Update

	// The sub-views' models, by SubView; the typed pointers reach the same.
	subs  [numViews]subModel
	srv   *serversModel
	act   *activityModel
	lk    *locksModel
	dbs   *databasesModel
	maint *maintenanceModel
	tbl   *tablesModel
	stmt  *statementsModel

	// paused (space) freezes t.d and the models: updates are recorded, not shown.
	paused bool
	detail bool // the session detail pane of activity and locks is open
	// chosen is set once the user picks a sub-view: until then the tab
	// opens on servers as soon as there is more than one target.
	chosen bool
	// drilled is set when enter opened a target from the servers view:
	// esc goes back there. drill is the sub-view enter opens.
	drilled bool
	drill   SubView

	width, height int
	keys          KeyMap
}

// New returns the Postgres tab; st styles the filter prompts.
func New(st *theme.Styles, opts Options) *Tab {
	opts.Thresholds = opts.Thresholds.WithDefaults()
	t := &Tab{opts: opts, targets: map[string]*target{}, keys: newKeyMap(), view: Activity, drill: Activity}
	t.srv = newServersModel(st, &t.order, t.targets, &t.opts)
	t.act, t.lk, t.dbs = newActivityModel(st), &locksModel{keyed: newKeyed()}, newDatabasesModel(st)
	t.maint, t.tbl, t.stmt = &maintenanceModel{keyed: newKeyed()}, newTablesModel(st), newStatementsModel(st)
	t.subs = [numViews]subModel{Servers: t.srv, Activity: t.act, Locks: t.lk, Databases: t.dbs, Replication: &replicationModel{keyed: newKeyed()},
		Maintenance: t.maint, Tables: t.tbl, Statements: t.stmt}
	t.enableKeys()
	return t
}

// Title implements view.Tab.
func (t *Tab) Title() string { return "Postgres" }

// Kinds implements view.Tab: Postgres targets, and the host for the CPU% and
// memory of local backends.
func (t *Tab) Kinds() []collectors.Kind {
	return []collectors.Kind{collectors.KindPostgres, collectors.KindHost}
}

// Needs implements view.Needer: of the host's process table, the tab shows
// the PostgreSQL server processes only (CPU% and memory of local backends).
func (t *Tab) Needs() collectors.Needs {
	return collectors.Needs{Processes: collectors.ProcessesPostgres}
}

// InputActive implements view.Tab: true while a filter prompt is open.
func (t *Tab) InputActive() bool { return t.editing() }

// KeyMap implements view.Tab: the tab's keys and the shown sub-view's.
func (t *Tab) KeyMap() help.KeyMap { return tabHelp{tab: t.keys, view: *t.sub(t.view).keyMap()} }

// SubView returns the shown sub-view.
func (t *Tab) SubView() SubView { return t.view }

// Target returns the shown target's name ("" when none is configured).
func (t *Tab) Target() string {
	if tg := t.current(); tg != nil {
		return tg.name
	}
	return ""
}

// SelectedBackend returns the session selected in the activity or locks
// view: its target, PID and raw query text (untrusted; for actions such as
// cancel or EXPLAIN, never for drawing). ok is false in other views or when
// nothing is selected.
func (t *Tab) SelectedBackend() (target string, pid int, query string, ok bool) {
	b := t.selectedBackend()
	if b == nil {
		return "", 0, "", false
	}
	return t.Target(), b.PID, b.Query, true
}

// SelectedStatement returns the statement selected in the statements view:
// its target, queryid and raw normalized text (untrusted).
func (t *Tab) SelectedStatement() (target string, queryID int64, query string, ok bool) {
	if t.view != Statements {
		return "", 0, "", false
	}
	s := t.stmt.selected()
	if s == nil {
		return "", 0, "", false
	}
	return t.Target(), s.QueryID, s.Query, true
}

// Update implements view.Tab.
func (t *Tab) Update(msg tea.Msg) (view.Tab, tea.Cmd) {
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case collectors.Update:
		t.receive(msg)
	case view.SizeMsg:
		t.width, t.height = msg.Width, msg.Height
		for _, m := range t.subs {
			if f, ok := m.(filterModel); ok {
				f.prompt().Width = max(msg.Width/3, 20)
			}
		}
		t.place()
	case tea.KeyMsg:
		cmd = t.handleKey(msg)
	case view.JumpMsg:
		t.open(msg.Jump)
	}
	t.enableKeys()
	return t, cmd
}

// receive records an update; the shown target's rows are rebuilt when its
// snapshot (or, for a local target, the host's) changed.
func (t *Tab) receive(u collectors.Update) {
	switch u.Source.Kind {
	case collectors.KindHost:
		if s, ok := u.Snapshot.(*hs.Snapshot); ok && s != t.host {
			t.host = s
			if tg := t.current(); tg != nil && tg.snap != nil && tg.snap.Local && !t.paused {
				t.rebuild()
			}
		}
	case collectors.KindPostgres:
		tg, ok := t.targets[u.Source.Name]
		if !ok {
			tg = newTarget(u.Source.Name)
			t.targets[tg.name] = tg
			t.order = append(t.order, tg.name)
		}
		changed := tg.record(u)
		if len(t.order) > 1 && !t.chosen && t.view != Servers {
			t.view = Servers
		}
		switch {
		case t.paused:
		case changed && tg == t.current():
			t.rebuild()
		default:
			// Another target's row changed (or its health did); its cursor
			// is put back when the servers view is next shown.
			t.srv.refresh()
			if t.view == Servers {
				t.place()
			}
		}
	}
}

func (t *Tab) current() *target {
	if t.cur < 0 || t.cur >= len(t.order) {
		return nil
	}
	return t.targets[t.order[t.cur]]
}

// snap is the shown target's last good snapshot, or nil.
func (t *Tab) snap() *pg.Snapshot {
	if tg := t.current(); tg != nil {
		return tg.snap
	}
	return nil
}

func (t *Tab) enableKeys() {
	rows := t.listLen(t.view)
	p := t.prompt()
	s := keyState{
		view: t.view, rows: rows, editing: t.editing(), filtered: p != nil && p.Value() != "",
		detail: t.detail, drilled: t.drilled, targets: len(t.order), data: t.d.snap != nil, paused: t.paused, showIdle: t.act.showIdle,
		sortable: t.sortable(t.view), filterable: t.filterable(t.view),
		hasDetail: t.view == Activity || t.view == Locks,
	}
	t.keys.enable(s)
	if t.view == Servers {
		s.data = len(t.order) > 0 // its rows are every target's
	}
	t.sub(t.view).keyMap().enable(s)
	t.enableActions()
}
