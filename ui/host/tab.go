// Package host is the Host tab: per-core CPU bars, memory and swap,
// filesystems, disk and network rates, and the process table — sortable,
// filterable, scrollable, with the selected process's details. The selection
// follows the same PID across refreshes.
package host

import (
	"slices"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/stacktop/stacktop/actions"
	hostact "github.com/stacktop/stacktop/actions/host"
	"github.com/stacktop/stacktop/collectors"
	ds "github.com/stacktop/stacktop/collectors/docker"
	hs "github.com/stacktop/stacktop/collectors/host"
	"github.com/stacktop/stacktop/ui/theme"
	"github.com/stacktop/stacktop/ui/view"
	"github.com/stacktop/stacktop/ui/widgets"
)

// Tab is the Host tab. Build it with New.
type Tab struct {
	upd  collectors.Update
	snap *hs.Snapshot // last good snapshot, nil before the first
	// list is snap's processes with their figures held still while they
	// move less than the measure can tell (see steady); rows point into it.
	list   []hs.Process
	steady steady

	sortBy SortKey
	filter textinput.Model
	rows   []*hs.Process // snap's processes, filtered and sorted
	// tree shows rows as a process tree (t); prefix[i] is row i's glyphs
	// then, nil in the flat list.
	tree   bool
	prefix []string
	// users is the user chooser (u), open or not.
	users userChooser

	// engines holds the last snapshot of each Docker source, by name; the
	// CONTAINER column names a process's container from them. names maps
	// container IDs to names across them (IDs are unique across engines).
	engines map[string]*ds.Snapshot
	names   map[string]string
	// inContainer: some process runs in a container, so CONTAINER shows.
	inContainer bool
	// longestContainer is the CONTAINER column's width on a wide screen.
	longestContainer int

	// cur is the selection: once the user moves it, it follows the
	// selected PID across refreshes; until then it stays on the top row.
	cur widgets.Cursor[int32]

	width, height int
	keys          KeyMap
	opts          Options
}

// Options configure the Host tab.
type Options struct {
	// Allowed says whether an action may run on a process now; the TERM
	// and KILL keys are offered only when it says yes. Nil offers neither.
	Allowed view.Allowed
}

// New returns the Host tab; st styles the filter prompt.
func New(st *theme.Styles, opts Options) *Tab {
	ti := widgets.NewPrompt(st, "/", "text, or user:… container:…")
	t := &Tab{filter: ti, keys: newKeyMap(), opts: opts}
	t.enableKeys()
	return t
}

// Title implements view.Tab.
func (t *Tab) Title() string { return "Host" }

// Kinds implements view.Tab: the host, and Docker engines for the names of
// the containers processes run in.
func (t *Tab) Kinds() []collectors.Kind {
	return []collectors.Kind{collectors.KindHost, collectors.KindDocker}
}

// InputActive implements view.Tab: true while the filter prompt or the
// user chooser is open.
func (t *Tab) InputActive() bool { return t.filter.Focused() || t.users.open }

// Tree reports whether the processes show as a tree.
func (t *Tab) Tree() bool { return t.tree }

// KeyMap implements view.Tab.
func (t *Tab) KeyMap() help.KeyMap { return t.keys }

// SortKey is the current process order.
func (t *Tab) SortKey() SortKey { return t.sortBy }

// Selected returns the selected process, or nil when the table is empty.
func (t *Tab) Selected() *hs.Process {
	if t.cur.Sel < 0 || t.cur.Sel >= len(t.rows) {
		return nil
	}
	return t.rows[t.cur.Sel]
}

// Update implements view.Tab.
func (t *Tab) Update(msg tea.Msg) (view.Tab, tea.Cmd) {
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case collectors.Update:
		if msg.Source.Kind == collectors.KindHost {
			t.upd = msg
		}
		switch s := msg.Snapshot.(type) {
		case *hs.Snapshot:
			if s != t.snap {
				t.list = t.steady.hold(s, t.snap)
				t.snap = s
				t.refresh()
			}
		case *ds.Snapshot:
			t.engine(msg.Source.Name, s)
		}
	case view.SizeMsg:
		t.width, t.height = msg.Width, msg.Height
		t.filter.Width = max(msg.Width/3, 20)
		t.scrollIntoView()
	case tea.KeyMsg:
		cmd = t.handleKey(msg)
	case view.JumpMsg:
		t.open(msg.Jump)
	}
	t.enableKeys()
	return t, cmd
}

func (t *Tab) enableKeys() {
	editing := t.filter.Focused() || t.users.open
	t.keys.enable(len(t.rows), editing, t.filter.Value() != "")
	t.keys.enableChooser(t.users.open, t.snap != nil && !editing)
	target, ok := t.target()
	t.keys.enableActions(ok && t.opts.Allowed.Can(hostact.TermID, target),
		ok && t.opts.Allowed.Can(hostact.KillID, target), editing)
}

// target names the selected process for an action, pinned by its start
// time so a pid reused meanwhile is never signalled.
func (t *Tab) target() (actions.Target, bool) {
	p := t.Selected()
	if p == nil || p.StartTime.IsZero() {
		return actions.Target{}, false
	}
	return hostact.ProcessTarget(t.upd.Source.Name, p.PID, p.Name, p.StartTime), true
}

func (t *Tab) handleKey(msg tea.KeyMsg) tea.Cmd {
	if t.filter.Focused() {
		return t.editFilter(msg)
	}
	if t.users.open {
		t.chooseUser(msg)
		return nil
	}
	page := max(t.plan().tableRows, 1)
	switch {
	case key.Matches(msg, t.keys.Up):
		t.pick(t.cur.Sel - 1)
	case key.Matches(msg, t.keys.Down):
		t.pick(t.cur.Sel + 1)
	case key.Matches(msg, t.keys.PageUp):
		t.pick(t.cur.Sel - page)
	case key.Matches(msg, t.keys.PageDown):
		t.pick(t.cur.Sel + page)
	case key.Matches(msg, t.keys.Top):
		// Back to the top row, which then follows the order (the busiest
		// process when sorted by CPU) rather than a PID.
		t.cur.Picked = false
		t.moveTo(0)
	case key.Matches(msg, t.keys.Bottom):
		t.pick(len(t.rows) - 1)
	case key.Matches(msg, t.keys.Sort):
		t.sortBy = (t.sortBy + 1) % sortKeys
		t.refresh()
	case key.Matches(msg, t.keys.Tree):
		// The selected process stays selected in the other layout.
		t.cur.Picked = t.cur.Picked || t.Selected() != nil
		t.tree = !t.tree
		t.refresh()
	case key.Matches(msg, t.keys.User):
		t.users.openOn(t.snap.Processes.List, filterUser(t.filter.Value()))
	case key.Matches(msg, t.keys.Filter):
		return t.filter.Focus()
	case key.Matches(msg, t.keys.Clear):
		t.filter.SetValue("")
		t.refresh()
	case key.Matches(msg, t.keys.Term), key.Matches(msg, t.keys.Kill):
		// Bindings are enabled only with a target the Runner would allow.
		kind := hostact.TermID
		if key.Matches(msg, t.keys.Kill) {
			kind = hostact.KillID
		}
		if target, ok := t.target(); ok {
			return view.Request(kind, target, nil)
		}
	case view.Pressed(msg, t.keys.Term), view.Pressed(msg, t.keys.Kill):
		return t.refuse(msg)
	}
	return nil
}

// refuse answers a press of TERM or KILL while it is disabled: nothing
// selected, or (why left to the Runner) read-only.
func (t *Tab) refuse(msg tea.KeyMsg) tea.Cmd {
	b, kind := t.keys.Term, hostact.TermID
	if view.Pressed(msg, t.keys.Kill) {
		b, kind = t.keys.Kill, hostact.KillID
	}
	target, ok := t.target()
	why := ""
	switch {
	case t.Selected() == nil:
		why = "nothing selected — move to a process (j/k)"
	case !ok:
		why = "the process's start time is unknown, so a reused pid could be hit"
	}
	return view.Refuse(b, kind, target, why)
}

// editFilter feeds a key to the prompt and re-filters as the user types.
func (t *Tab) editFilter(msg tea.KeyMsg) tea.Cmd {
	changed, cmd := widgets.EditFilter(&t.filter, msg, t.keys.Accept, t.keys.Clear)
	if changed {
		t.refresh()
	}
	return cmd
}

// refresh rebuilds the rows from the snapshot. A selection the user picked
// goes back to the same PID, or stays at the same position when that process
// is gone; an unpicked selection stays on the top row.
func (t *Tab) refresh() {
	if t.snap == nil {
		return
	}
	t.rows = ordered(t.list, t.sortBy, t.filter.Value(), t.containerName)
	t.prefix = nil
	if t.tree {
		t.rows, t.prefix = treeOrder(t.rows)
	}
	t.inContainer = slices.ContainsFunc(t.snap.Processes.List, func(p hs.Process) bool { return p.Container != "" })
	t.measureContainers()
	t.cur.Place(len(t.rows), t.pid, t.plan().tableRows)
}

// engine records a Docker source's snapshot and re-reads container names.
func (t *Tab) engine(source string, s *ds.Snapshot) {
	if s == nil {
		return
	}
	if t.engines == nil {
		t.engines = make(map[string]*ds.Snapshot)
	}
	if t.engines[source] == s {
		return
	}
	t.engines[source] = s
	t.names = make(map[string]string, len(t.names))
	for _, e := range t.engines {
		for _, c := range e.Containers {
			t.names[c.ID] = c.Name
		}
	}
	// A filter may name a container that just got its name.
	if t.filter.Value() != "" {
		t.refresh()
	} else if t.snap != nil {
		t.measureContainers()
	}
}

// containerName is the name of the container with ID id as its engine
// reports it, or the short ID when no engine (or no local one) knows it.
func (t *Tab) containerName(id string) string {
	if n, ok := t.names[id]; ok && n != "" {
		return n
	}
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// pid is row i's PID, the id the selection follows.
func (t *Tab) pid(i int) int32 { return t.rows[i].PID }

// pick moves the selection on the user's behalf: from now on it follows
// the selected process.
func (t *Tab) pick(i int) { t.cur.Pick(i, len(t.rows), t.pid, t.plan().tableRows) }

// moveTo selects row i (clamped) and scrolls it into view.
func (t *Tab) moveTo(i int) { t.cur.MoveTo(i, len(t.rows), t.pid, t.plan().tableRows) }

func (t *Tab) scrollIntoView() { t.cur.Scroll(len(t.rows), t.plan().tableRows) }
