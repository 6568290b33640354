// Package host is the Host tab: per-core CPU bars, memory and swap,
// filesystems, disk and network rates, and the process table — sortable,
// filterable, scrollable, with the selected process's details. The selection
// follows the same PID across refreshes.
package host

import (
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/stacktop/stacktop/actions"
	hostact "github.com/stacktop/stacktop/actions/host"
	"github.com/stacktop/stacktop/collectors"
	hs "github.com/stacktop/stacktop/collectors/host"
	"github.com/stacktop/stacktop/ui/theme"
	"github.com/stacktop/stacktop/ui/view"
	"github.com/stacktop/stacktop/ui/widgets"
)

// Tab is the Host tab. Build it with New.
type Tab struct {
	upd  collectors.Update
	snap *hs.Snapshot // last good snapshot, nil before the first

	sortBy SortKey
	filter textinput.Model
	rows   []*hs.Process // snap's processes, filtered and sorted

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
	ti := widgets.NewPrompt(st, "/", "pid, user, name or command")
	t := &Tab{filter: ti, keys: newKeyMap(), opts: opts}
	t.enableKeys()
	return t
}

// Title implements view.Tab.
func (t *Tab) Title() string { return "Host" }

// Kinds implements view.Tab.
func (t *Tab) Kinds() []collectors.Kind { return []collectors.Kind{collectors.KindHost} }

// InputActive implements view.Tab: true while the filter prompt is open.
func (t *Tab) InputActive() bool { return t.filter.Focused() }

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
		t.upd = msg
		if s, ok := msg.Snapshot.(*hs.Snapshot); ok && s != t.snap {
			t.snap = s
			t.refresh()
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
	editing := t.filter.Focused()
	t.keys.enable(len(t.rows), editing, t.filter.Value() != "")
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
	}
	return nil
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
	t.rows = ordered(t.snap.Processes.List, t.sortBy, t.filter.Value())
	t.cur.Place(len(t.rows), t.pid, t.plan().tableRows)
}

// pid is row i's PID, the id the selection follows.
func (t *Tab) pid(i int) int32 { return t.rows[i].PID }

// pick moves the selection on the user's behalf: from now on it follows
// the selected process.
func (t *Tab) pick(i int) { t.cur.Pick(i, len(t.rows), t.pid, t.plan().tableRows) }

// moveTo selects row i (clamped) and scrolls it into view.
func (t *Tab) moveTo(i int) { t.cur.MoveTo(i, len(t.rows), t.pid, t.plan().tableRows) }

func (t *Tab) scrollIntoView() { t.cur.Scroll(len(t.rows), t.plan().tableRows) }
