// Package fleet is the Fleet tab: every host, PostgreSQL server and
// container that one or more Prometheus servers scrape (node_exporter,
// postgres_exporter, cAdvisor), one table per sub-view — Hosts,
// PostgreSQL, Containers, switched with v — with the [thresholds] marking
// cells, problems first, sorting, filtering by name and label, and a
// host's detail on enter. It also fills the Overview's Fleet box.
//
// Layout: one sub-view at a time under a source line and a strip naming
// the three sub-views with their counts and problems, so a down
// PostgreSQL server shows in the strip while the Hosts table is open.
// That reads the same at 80x24 and at 160x48; the wide screen gets more
// columns and rows, not another arrangement.
//
// The tab never does I/O in Update or View: the host detail and the CPU
// sparklines of the rows on screen are asked of a Source in tea.Cmd
// functions under a timeout, and come back as messages.
package fleet

import (
	"context"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/stacktop/stacktop/collectors"
	fs "github.com/stacktop/stacktop/collectors/fleet"
	"github.com/stacktop/stacktop/ui/theme"
	"github.com/stacktop/stacktop/ui/view"
	"github.com/stacktop/stacktop/ui/widgets"
)

// Source is what the tab asks of one Prometheus source on demand; a
// *fleet.Collector implements it.
type Source interface {
	// HostDetail queries one host by its host label value.
	HostDetail(ctx context.Context, instance string) (*fs.HostDetail, error)
	// Sparkline is one series over the last span (cached by the collector).
	Sparkline(ctx context.Context, kind fs.SeriesKind, instance, sub string, span time.Duration) ([]fs.Point, error)
}

// LiveTarget is a [[postgres]] or [[docker]] source the dashboard watches
// live, with what ties it to a fleet host.
type LiveTarget struct {
	// Source is the live source; its Kind picks the tab a jump opens.
	Source collectors.SourceID
	// Instance is its prometheus_instance: a host label value, matched
	// as is or without its port.
	Instance string
	// Host is the host name the target is reached at (from its DSN or
	// Docker host), matched against a fleet host's name; "" when unknown.
	Host string
}

// PGThresholds decide what the PostgreSQL table flags; zero fields take
// the defaults of DefaultPGThresholds.
type PGThresholds struct {
	// ConnectionsPercent of max_connections in use.
	ConnectionsPercent float64
	// ReplicationLag of a standby.
	ReplicationLag time.Duration
	// LongTransaction is the age of the oldest open transaction.
	LongTransaction time.Duration
}

// DefaultPGThresholds match the Postgres tab's defaults.
func DefaultPGThresholds() PGThresholds {
	return PGThresholds{ConnectionsPercent: 90, ReplicationLag: 30 * time.Second, LongTransaction: 5 * time.Minute}
}

func (p PGThresholds) withDefaults() PGThresholds {
	d := DefaultPGThresholds()
	if p.ConnectionsPercent <= 0 {
		p.ConnectionsPercent = d.ConnectionsPercent
	}
	if p.ReplicationLag <= 0 {
		p.ReplicationLag = d.ReplicationLag
	}
	if p.LongTransaction <= 0 {
		p.LongTransaction = d.LongTransaction
	}
	return p
}

// Defaults of Options.
const (
	DefaultCallTimeout = 10 * time.Second
	// DefaultSparkSpan is how far back a row's CPU sparkline reaches.
	DefaultSparkSpan = 30 * time.Minute
)

// Options configure the tab. cmd/stacktop fills them from the config.
type Options struct {
	// Sources maps a Prometheus source's name to what answers the detail
	// and sparklines; a source without one shows the tables only.
	Sources map[string]Source
	// Live are the live targets a host's detail can jump to.
	Live []LiveTarget
	// Thresholds are the host thresholds ([thresholds]); they order the
	// hosts (problems first) before any frame is drawn, so the tab needs
	// them at construction. Zero fields take their defaults.
	Thresholds view.Thresholds
	// PG decide what the PostgreSQL table flags.
	PG PGThresholds
	// CallTimeout bounds a detail or sparkline request (DefaultCallTimeout).
	CallTimeout time.Duration
	// SparkSpan is the sparklines' span (DefaultSparkSpan).
	SparkSpan time.Duration
	// Context is the program's: requests derive from it, so quitting
	// cancels them. context.Background when nil.
	Context context.Context
}

// subView is which table the tab shows.
type subView int

const (
	viewHosts subView = iota
	viewPostgres
	viewContainers
	numViews
)

// sourceState is everything known about one Prometheus source.
type sourceState struct {
	id   collectors.SourceID
	upd  collectors.Update
	snap *fs.Snapshot // last good snapshot, nil before the first
	// worst are the hosts with problems, worst first, for the Overview box
	// and the strip; counted per snapshot, not per frame.
	worst        []problemHost
	down, over   int
	pgBad, ctAll int
	// shared are display names that several hosts have (exporters on one
	// machine under different ports): those rows show their instance.
	shared map[string]bool
}

// Tab is the Fleet tab: a router between the sub-views — the hosts table
// (hosts.go), the PostgreSQL table (pg.go), the containers lists
// (containers.go) and a host's detail (detail.go). It owns what they
// share: the sources' snapshots, the filter, which source is shown.
type Tab struct {
	opts Options
	st   *theme.Styles

	sources []*sourceState // in the order the hub first reported them
	cur     int            // the source shown

	view   subView
	filter textinput.Model
	terms  []term // the parsed filter

	hosts  hostList
	pg     pgList
	detail *detailView
	sparks sparkCache
	seq    uint64 // numbers detail requests, so late answers are recognised

	keys          KeyMap
	width, height int
	// focused: the tab is on screen, so its sparklines and an open detail
	// are worth asking Prometheus for (view.FocusMsg).
	focused bool
}

// New returns the Fleet tab; st styles the filter prompt.
func New(st *theme.Styles, opts Options) *Tab {
	if opts.CallTimeout <= 0 {
		opts.CallTimeout = DefaultCallTimeout
	}
	if opts.SparkSpan <= 0 {
		opts.SparkSpan = DefaultSparkSpan
	}
	if opts.Context == nil {
		opts.Context = context.Background()
	}
	opts.Thresholds = opts.Thresholds.WithDefaults()
	opts.PG = opts.PG.withDefaults()
	t := &Tab{opts: opts, st: st, keys: newKeyMap(), sparks: newSparkCache()}
	t.filter = widgets.NewPrompt(st, "/", "name, or job:… env:… any label")
	t.enableKeys()
	return t
}

// Title implements view.Tab.
func (t *Tab) Title() string { return "Fleet" }

// Kinds implements view.Tab.
func (t *Tab) Kinds() []collectors.Kind { return []collectors.Kind{collectors.KindPrometheus} }

// InputActive implements view.Tab: true while the filter prompt is open.
func (t *Tab) InputActive() bool { return t.filter.Focused() }

// KeyMap implements view.Tab: the keys of the sub-view in use.
func (t *Tab) KeyMap() help.KeyMap {
	if t.detail != nil {
		return t.keys.detailKeys()
	}
	return t.keys
}

// current is the source shown, nil before any update.
func (t *Tab) current() *sourceState {
	if t.cur < 0 || t.cur >= len(t.sources) {
		return nil
	}
	return t.sources[t.cur]
}

// Update implements view.Tab.
func (t *Tab) Update(msg tea.Msg) (view.Tab, tea.Cmd) {
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case collectors.Update:
		if msg.Source.Kind == collectors.KindPrometheus {
			cmd = t.takeUpdate(msg)
		}
	case view.FocusMsg:
		t.focused = msg.Focused
		if t.focused {
			cmd = tea.Batch(t.wantSparks(), t.refreshDetail())
		}
	case view.SizeMsg:
		t.width, t.height = msg.Width, msg.Height
		t.filter.Width = max(msg.Width/3, 20)
		t.place()
		cmd = t.wantSparks()
	case tea.KeyMsg:
		cmd = t.handleKey(msg)
	case view.JumpMsg:
		cmd = t.open(msg.Jump)
	case detailMsg:
		if t.detail != nil {
			t.detail.got(msg)
		}
	case sparkMsg:
		t.sparks.got(msg, t.opts.SparkSpan)
	}
	t.enableKeys()
	return t, cmd
}

// takeUpdate records a poll of one source; a new snapshot re-sorts the
// tables and, while the tab is seen, asks for the sparklines on screen
// (and a fresh detail when one is open on that source).
func (t *Tab) takeUpdate(u collectors.Update) tea.Cmd {
	var s *sourceState
	for _, x := range t.sources {
		if x.id == u.Source {
			s = x
		}
	}
	if s == nil {
		s = &sourceState{id: u.Source}
		t.sources = append(t.sources, s)
	}
	s.upd = u
	snap, _ := u.Snapshot.(*fs.Snapshot)
	if snap == nil || snap == s.snap {
		return nil
	}
	s.snap = snap
	s.judge(t.opts.Thresholds, t.opts.PG)
	if s != t.current() {
		return nil
	}
	t.refresh()
	return tea.Batch(t.wantSparks(), t.refreshDetail())
}

// refreshDetail asks an open detail again, while the tab is seen and no
// request is in flight.
func (t *Tab) refreshDetail() tea.Cmd {
	if t.detail == nil || !t.focused || t.detail.loading {
		return nil
	}
	return t.loadDetail()
}

// refresh rebuilds the tables of the current source.
func (t *Tab) refresh() {
	s := t.current()
	if s == nil || s.snap == nil {
		t.hosts.rows, t.pg.rows = nil, nil
		return
	}
	t.hosts.rebuild(s.snap, t.terms, t.opts.Thresholds)
	t.pg.rebuild(s.snap, t.terms, t.opts.PG)
	t.place()
}

// place keeps each list's selection on screen after a change.
func (t *Tab) place() {
	t.hosts.place(t.tableRows())
	t.pg.place(t.tableRows())
}

func (t *Tab) enableKeys() {
	s := t.current()
	t.keys.enable(keyState{
		editing:  t.filter.Focused(),
		filtered: t.filter.Value() != "",
		rows:     t.listLen(),
		hostRow:  t.selectedHost() != nil,
		sources:  len(t.sources),
		data:     s != nil && s.snap != nil,
		live:     t.liveKinds(),
		detail:   t.detail != nil,
	})
}

// listLen is the number of rows of the table shown.
func (t *Tab) listLen() int {
	switch t.view {
	case viewHosts:
		return len(t.hosts.rows)
	case viewPostgres:
		return len(t.pg.rows)
	}
	return 0
}

var (
	_ view.Tab        = (*Tab)(nil)
	_ view.Summarizer = (*Tab)(nil)
	_ view.Launcher   = (*Tab)(nil)
	_ view.Opener     = (*Tab)(nil)
)
