// Package docker is the Docker tab: every container of one or several
// Docker hosts, grouped under its compose project, sortable and
// filterable, with a detail pane (inspect data and CPU/memory sparklines)
// and a logs pane (follow, search, timestamps) for the selected container.
// It also fills the Overview's Docker box (view.Summarizer).
//
// The tab never does I/O in Update or View: inspect and logs are asked of
// an Engine in tea.Cmd functions, under a timeout, and come back as
// messages. Without an engine the panes say "detail unavailable".
package docker

import (
	"context"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/stacktop/stacktop/collectors"
	ds "github.com/stacktop/stacktop/collectors/docker"
	"github.com/stacktop/stacktop/ui/theme"
	"github.com/stacktop/stacktop/ui/view"
	"github.com/stacktop/stacktop/ui/widgets"
)

// Engine is what the panes ask of one Docker host, on demand. Wrap a
// *docker.Collector with FromCollector.
type Engine interface {
	// Inspect fetches a container's configuration; secret-looking env
	// values are masked unless reveal.
	Inspect(ctx context.Context, id string, reveal bool) (ds.Detail, error)
	// Logs starts reading a container's logs into a bounded buffer.
	Logs(ctx context.Context, id string, opts ds.LogOptions) (LogStream, error)
}

// LogStream is a container's log buffer as the logs pane reads it;
// *docker.LogTail implements it.
type LogStream interface {
	Lines() []ds.LogLine
	Updated() <-chan struct{}
	Done() <-chan struct{}
	Err() error
	Dropped() uint64
	TTY() bool
	Close()
}

// FromCollector adapts a Docker collector to Engine.
func FromCollector(c *ds.Collector) Engine { return collectorEngine{c} }

type collectorEngine struct{ c *ds.Collector }

func (e collectorEngine) Inspect(ctx context.Context, id string, reveal bool) (ds.Detail, error) {
	return e.c.Inspect(ctx, id, reveal)
}

func (e collectorEngine) Logs(ctx context.Context, id string, opts ds.LogOptions) (LogStream, error) {
	t, err := e.c.Logs(ctx, id, opts)
	if err != nil {
		return nil, err // not a typed nil inside the interface
	}
	return t, nil
}

// Defaults for zero Options fields.
const (
	DefaultLogLines    = 500
	DefaultCallTimeout = 10 * time.Second
)

// Options configure the tab. cmd/stacktop fills them from the config.
type Options struct {
	// Engines maps a Docker source's name (collectors.SourceID.Name) to its
	// engine for inspect and logs. A host without one shows "detail
	// unavailable" in the panes; the list works from the hub's snapshots.
	Engines map[string]Engine
	// Redact masks every environment value in the detail pane (--redact,
	// --demo), and the reveal key is disabled.
	Redact bool
	// LogLines is how many past lines the logs pane fetches (DefaultLogLines).
	LogLines int
	// CallTimeout bounds opening a detail or a log stream (DefaultCallTimeout).
	CallTimeout time.Duration
	// Allowed says whether an action may run on a container now; the
	// action keys are offered only when it says yes. Nil offers none.
	Allowed view.Allowed
	// Context is the program's: the inspect and log calls derive from it,
	// so quitting cancels them. context.Background when nil.
	Context context.Context
}

// hostState is everything known about one Docker host.
type hostState struct {
	id        collectors.SourceID
	upd       collectors.Update
	snap      *ds.Snapshot // last good snapshot, nil before the first
	collapsed map[string]bool
	selKey    string // the selected row's key while another host is shown
}

// paneKind is the pane under the list.
type paneKind int

const (
	paneNone paneKind = iota
	paneDetail
	paneLogs
)

// Tab is the Docker tab. Build it with New.
type Tab struct {
	opts Options
	st   *theme.Styles

	hosts []*hostState  // in the order the hub first reported them
	picks overviewPicks // what the Overview lists, chosen per snapshot, not per frame
	cur   int

	sortBy SortKey
	filter textinput.Model
	rows   []row // the current host's list, filtered, grouped and sorted
	// list is the selection; it always follows the selected row's key
	// (container or project) across refreshes.
	list widgets.Cursor[string]

	pane   paneKind
	detail *detailPane
	logs   *logPane
	gen    uint64 // numbers pane requests so late answers are recognised

	width, height int
	keys          KeyMap
}

// New returns the Docker tab; st styles the prompts.
func New(st *theme.Styles, opts Options) *Tab {
	if opts.LogLines <= 0 {
		opts.LogLines = DefaultLogLines
	}
	if opts.CallTimeout <= 0 {
		opts.CallTimeout = DefaultCallTimeout
	}
	if opts.Context == nil {
		opts.Context = context.Background()
	}
	t := &Tab{opts: opts, st: st, keys: newKeyMap(), list: widgets.Cursor[string]{Picked: true}}
	t.filter = widgets.NewPrompt(st, "/", "name, image, project or state")
	t.enableKeys()
	return t
}

// Title implements view.Tab.
func (t *Tab) Title() string { return "Docker" }

// Kinds implements view.Tab.
func (t *Tab) Kinds() []collectors.Kind { return []collectors.Kind{collectors.KindDocker} }

// InputActive implements view.Tab: true while the filter or search prompt is open.
func (t *Tab) InputActive() bool {
	return t.filter.Focused() || (t.logs != nil && t.logs.query.Focused())
}

// KeyMap implements view.Tab: the keys of the sub-view in use.
func (t *Tab) KeyMap() help.KeyMap { return t.keys }

// SortKey is the current container order.
func (t *Tab) SortKey() SortKey { return t.sortBy }

// SelectedContainer names the container under the cursor, for actions:
// the Docker source's name, the container's full ID and its name. ok is
// false when the cursor is on a project row or the list is empty.
func (t *Tab) SelectedContainer() (source, id, name string, ok bool) {
	h := t.host()
	if h == nil || t.list.Sel < 0 || t.list.Sel >= len(t.rows) || t.rows[t.list.Sel].c == nil {
		return "", "", "", false
	}
	c := t.rows[t.list.Sel].c
	return h.id.Name, c.ID, c.Name, true
}

// host is the host shown, nil before any update.
func (t *Tab) host() *hostState {
	if t.cur < 0 || t.cur >= len(t.hosts) {
		return nil
	}
	return t.hosts[t.cur]
}

// Update implements view.Tab.
func (t *Tab) Update(msg tea.Msg) (view.Tab, tea.Cmd) {
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case collectors.Update:
		if msg.Source.Kind == collectors.KindDocker {
			cmd = t.takeUpdate(msg)
		}
	case view.SizeMsg:
		t.width, t.height = msg.Width, msg.Height
		t.filter.Width = max(msg.Width/3, 20)
		if t.logs != nil {
			t.logs.query.Width = max(msg.Width/3, 20)
		}
		t.scrollIntoView()
	case tea.KeyMsg:
		cmd = t.handleKey(msg)
	case view.JumpMsg:
		cmd = t.open(msg.Jump)
	case detailMsg:
		t.gotDetail(msg)
	case logOpenedMsg:
		cmd = t.gotLogStream(msg)
	case logWakeMsg:
		cmd = t.logsWoke(msg)
	case logEarlierMsg:
		cmd = t.gotEarlier(msg)
	}
	t.scrollIntoView() // a pane opening or closing changes the list's height
	t.enableKeys()
	return t, cmd
}

// takeUpdate records a poll of one host; a new snapshot of the host shown
// rebuilds the list and tells an open pane whether its container is gone.
func (t *Tab) takeUpdate(u collectors.Update) tea.Cmd {
	var h *hostState
	for _, x := range t.hosts {
		if x.id == u.Source {
			h = x
		}
	}
	if h == nil {
		h = &hostState{id: u.Source, collapsed: map[string]bool{}}
		t.hosts = append(t.hosts, h)
	}
	h.upd = u
	s, _ := u.Snapshot.(*ds.Snapshot)
	if s == nil || s == h.snap {
		return nil
	}
	h.snap = s
	t.picks = pickOverview(t.hosts)
	if h != t.host() {
		return nil
	}
	t.refresh()
	return t.panesSeeSnapshot(s)
}

// refresh rebuilds the rows of the host shown; the selection goes back to
// the same container (or project), or stays at the same position when that
// row is gone.
func (t *Tab) refresh() {
	h := t.host()
	if h == nil || h.snap == nil {
		t.rows = nil
		return
	}
	t.rows = buildRows(h.snap.Containers, t.sortBy, t.filter.Value(), h.collapsed)
	t.list.Place(len(t.rows), t.rowKey, t.layout().listRows)
}

// rowKey is row i's key, the id the selection follows.
func (t *Tab) rowKey(i int) string { return t.rows[i].key() }

// moveTo selects row i (clamped) and scrolls it into view.
func (t *Tab) moveTo(i int) { t.list.MoveTo(i, len(t.rows), t.rowKey, t.layout().listRows) }

func (t *Tab) scrollIntoView() { t.list.Scroll(len(t.rows), t.layout().listRows) }

// enableKeys switches bindings on and off for the tab's state.
func (t *Tab) enableKeys() {
	s := keyState{mode: t.mode(), rows: len(t.rows), hosts: len(t.hosts), filtered: t.filter.Value() != "", redact: t.opts.Redact}
	if h := t.host(); h != nil {
		s.data = h.snap != nil
	}
	if t.list.Sel < len(t.rows) {
		s.onGroup = t.rows[t.list.Sel].c == nil
		s.onContainer = !s.onGroup
	}
	if t.logs != nil {
		s.matches, s.logLines = len(t.logs.search.Matches), len(t.logs.lines)
	}
	t.keys.enable(s)
	t.enableActions()
}

// mode is what has the keyboard now.
func (t *Tab) mode() mode {
	switch {
	case t.filter.Focused():
		return modeFilter
	case t.pane == paneLogs && t.logs != nil && t.logs.query.Focused():
		return modeSearch
	case t.pane == paneLogs:
		return modeLogs
	case t.pane == paneDetail:
		return modeDetail
	}
	return modeList
}

var (
	_ view.Tab        = (*Tab)(nil)
	_ view.Summarizer = (*Tab)(nil)
)
