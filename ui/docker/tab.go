// Package docker is the Docker tab: the containers of every Docker engine
// in one list, grouped by engine, then by compose project (both foldable),
// sortable and filterable, with a detail pane (inspect data and CPU/memory
// sparklines) and a logs pane (follow, search, timestamps) for the
// selected container, each asked of the container's own engine. It also
// fills the Overview's Docker box (view.Summarizer).
//
// The sub-views are one type each in this package rather than packages of
// their own: they share the row model, the engine calls and the
// sanitizing helpers, and a package boundary would have meant exporting
// all of that for one consumer.
//
// The tab never does I/O in Update or View: inspect and logs are asked of
// an Engine in tea.Cmd functions, under a timeout, and come back as
// messages. Without an engine the panes say "detail unavailable".
package docker

import (
	"context"
	"time"

	"github.com/charmbracelet/bubbles/help"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/stacktop/stacktop/collectors"
	ds "github.com/stacktop/stacktop/collectors/docker"
	"github.com/stacktop/stacktop/ui/theme"
	"github.com/stacktop/stacktop/ui/view"
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

// env is what the router and its sub-views share: the options, the
// styles, and the counter that numbers pane requests so late answers are
// recognised.
type env struct {
	opts Options
	st   *theme.Styles
	seq  uint64
}

// next numbers a new pane request.
func (e *env) next() uint64 {
	e.seq++
	return e.seq
}

// hostState is everything known about one Docker host.
type hostState struct {
	id        collectors.SourceID
	upd       collectors.Update
	snap      *ds.Snapshot    // last good snapshot, nil before the first
	collapsed map[string]bool // folded compose projects
	folded    bool            // the engine's rows are hidden under its header
}

// paneKind is the pane under the list.
type paneKind int

const (
	paneNone paneKind = iota
	paneDetail
	paneLogs
)

// Tab is the Docker tab: a router between its sub-views, each a model
// with its own state, Update, View and keys — the container list
// (list.go), the detail pane (detail.go) and the logs pane (logs.go). The
// tab owns what they share: the hosts' snapshots from the hub, which pane
// is open, and the size. Build it with New.
type Tab struct {
	*env

	hosts []*hostState  // in the order the hub first reported them
	picks overviewPicks // what the Overview lists, chosen per snapshot, not per frame

	list   *listView
	pane   paneKind
	detail *detailPane
	logs   *logPane

	width, height int
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
	t := &Tab{env: &env{opts: opts, st: st}}
	t.list = newListView(st)
	t.enableKeys()
	return t
}

// Title implements view.Tab.
func (t *Tab) Title() string { return "Docker" }

// Kinds implements view.Tab.
func (t *Tab) Kinds() []collectors.Kind { return []collectors.Kind{collectors.KindDocker} }

// InputActive implements view.Tab: true while the filter or search prompt is open.
func (t *Tab) InputActive() bool {
	return t.list.filter.Focused() || (t.logs != nil && t.logs.query.Focused())
}

// KeyMap implements view.Tab: the keys of the sub-view in use.
func (t *Tab) KeyMap() help.KeyMap {
	switch t.mode() {
	case modeDetail:
		return t.detail.keys
	case modeLogs, modeSearch:
		return t.logs.keys
	}
	return t.list.keys
}

// SortKey is the current container order.
func (t *Tab) SortKey() SortKey { return t.list.sortBy }

// SelectedContainer names the container under the cursor, for actions:
// the Docker source's name, the container's full ID and its name. ok is
// false when the cursor is on a project row or the list is empty.
func (t *Tab) SelectedContainer() (source, id, name string, ok bool) {
	h, c := t.list.selected()
	if c == nil {
		return "", "", "", false
	}
	return h.id.Name, c.ID, c.Name, true
}

// hostNamed is the Docker host of that source name, nil when unknown.
func (t *Tab) hostNamed(name string) *hostState {
	for _, h := range t.hosts {
		if h.id.Name == name {
			return h
		}
	}
	return nil
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
		t.list.width = msg.Width
		t.list.filter.Width = max(msg.Width/3, 20)
		if t.logs != nil {
			t.logs.query.Width = max(msg.Width/3, 20)
		}
		t.refresh() // an engine's cause wraps to the width
	case tea.KeyMsg:
		cmd = t.handleKey(msg)
	case view.JumpMsg:
		cmd = t.open(msg.Jump)
	case detailMsg:
		if t.detail != nil {
			t.detail.got(msg)
		}
	case logOpenedMsg:
		cmd = t.gotLogStream(msg)
	case logWakeMsg:
		if t.logs != nil {
			cmd = t.logs.woke(msg, t.logRows(), t.width)
		}
	case logEarlierMsg:
		if t.logs != nil {
			cmd = t.logs.gotEarlier(msg, t.logRows())
		}
	}
	t.scrollIntoView() // a pane opening or closing changes the list's height
	t.enableKeys()
	return t, cmd
}

// takeUpdate records a poll of one host and rebuilds the list (its
// header and note say the host's state even without a new snapshot); a
// new snapshot also tells an open pane of that host whether its container
// is gone.
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
	fresh := s != nil && s != h.snap
	if fresh {
		h.snap = s
		t.picks = pickOverview(t.hosts)
	}
	t.refresh()
	if !fresh {
		return nil
	}
	return t.panesSeeSnapshot(h)
}

// refresh rebuilds the list from every host.
func (t *Tab) refresh() { t.list.refresh(t.hosts, t.layout().listRows) }

func (t *Tab) scrollIntoView() { t.list.scrollIntoView(t.layout().listRows) }

// enableKeys switches each sub-view's bindings on and off for its state.
func (t *Tab) enableKeys() {
	data := false
	for _, h := range t.hosts {
		data = data || h.snap != nil
	}
	t.list.enableKeys(data)
	if t.detail != nil {
		t.detail.enableKeys()
	}
	if t.logs != nil {
		t.logs.enableKeys()
	}
	t.enableActions()
}

// mode is what has the keyboard now.
func (t *Tab) mode() mode {
	switch {
	case t.list.filter.Focused():
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
