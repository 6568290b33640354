// Package plan is the plan view: an EXPLAIN result (actions/postgres.Plan)
// as a scrollable tree with each node's own and total time, hot nodes
// highlighted, estimated against actual rows with large misestimates
// flagged, loops and buffers, and the findings in plain language above it.
// The plan can be saved as text and JSON with a key: the view asks the
// root for actions/postgres.SavePlanID, which the Runner runs and audits.
//
// Rendering is lazy: the tree is flattened once into rows (no formatting),
// and View formats only the rows on screen, so a 500-node plan draws as
// fast as a 5-node one.
package plan

import (
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/stacktop/stacktop/actions"
	pga "github.com/stacktop/stacktop/actions/postgres"
	"github.com/stacktop/stacktop/ui/view"
)

// Options configure the view.
type Options struct {
	// Title heads the view ("EXPLAIN ANALYZE on pg:main").
	Title string
	// Redact masks literals in the query, the conditions and the findings.
	Redact bool
	// Target is the server the plan came from: the save key's target.
	Target actions.Target
	// CanSave offers the save key: the root found SavePlanID registered
	// and allowed (view.Allowed).
	CanSave bool
	// SaveBase is the file name (without extension) to save under; the
	// action picks plan-SOURCE-TIME when empty.
	SaveBase string
}

// KeyMap is the plan view's keys.
type KeyMap struct {
	Up, Down, PageUp, PageDown, Top, Bottom, Save, Help, Close key.Binding
}

// ShortHelp implements help.KeyMap.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Down, k.Up, k.PageDown, k.Save, k.Help, k.Close}
}

// FullHelp implements help.KeyMap.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom}, {k.Save, k.Help, k.Close}}
}

func newKeyMap(canSave bool) KeyMap {
	k := KeyMap{
		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		PageUp:   key.NewBinding(key.WithKeys("pgup", "ctrl+b"), key.WithHelp("pgup", "page up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown", "ctrl+f", " "), key.WithHelp("pgdn", "page down")),
		Top:      key.NewBinding(key.WithKeys("g", "home"), key.WithHelp("g", "top")),
		Bottom:   key.NewBinding(key.WithKeys("G", "end"), key.WithHelp("G", "bottom")),
		Save:     key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "save text+json")),
		Help:     key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Close:    key.NewBinding(key.WithKeys("esc", "q"), key.WithHelp("esc", "close")),
	}
	k.Save.SetEnabled(canSave)
	return k
}

// row is one line of the tree: a node, or one of its details under it.
type row struct {
	node   *pga.Node
	prefix string      // tree drawing before the label ("│  ├─ ")
	detail *pga.Detail // set for a detail line
}

// Model is an open plan view.
type Model struct {
	plan *pga.Plan
	opts Options
	keys KeyMap
	rows []row

	offset int // first scrolled line (findings and tree together)
	page   int // scrolled lines shown at the last View
	// saved is the outcome of the last save, shown at the bottom.
	saved    string
	savedBad bool
	saving   bool
	// help shows the keys over the plan (?); helpView is made at the
	// first ?, as most plans are read without it.
	help     bool
	helpView *help.Model

	// wrapped caches the header lines (query, findings) for one width.
	wrapped      []string
	wrappedWidth int
}

// New returns a view of p.
func New(p *pga.Plan, opts Options) *Model {
	m := &Model{plan: p, opts: opts, keys: newKeyMap(opts.CanSave), page: 1}
	if p != nil && p.Root != nil {
		m.rows = make([]row, 0, 2*max(p.Nodes, 1))
		m.flatten(p.Root, "", "")
	}
	return m
}

// flatten walks the tree once, recording each node's tree prefix (lead)
// and the prefix its children continue from (childLead), with each of the
// node's details on a line of its own under its label.
func (m *Model) flatten(n *pga.Node, lead, childLead string) {
	m.rows = append(m.rows, row{node: n, prefix: lead})
	if details := n.Details(); len(details) > 0 {
		bar := childLead + "   "
		if len(n.Children) > 0 {
			bar = childLead + "│  "
		}
		for i := range details {
			m.rows = append(m.rows, row{node: n, prefix: bar, detail: &details[i]})
		}
	}
	for i, c := range n.Children {
		if i == len(n.Children)-1 {
			m.flatten(c, childLead+"└─ ", childLead+"   ")
		} else {
			m.flatten(c, childLead+"├─ ", childLead+"│  ")
		}
	}
}

// KeyMap returns the view's keys for the help bar.
func (m *Model) KeyMap() help.KeyMap { return m.keys }

// Update handles keys; closed is true when the user closed the view. The
// save key returns a view.Request for SavePlanID: the root runs it through
// the Runner and reports back with Saved.
func (m *Model) Update(msg tea.Msg) (closed bool, cmd tea.Cmd) {
	if msg, ok := msg.(tea.KeyMsg); ok {
		return m.handleKey(msg)
	}
	return false, nil
}

// Saved shows how the save ended: the two files, or why not.
func (m *Model) Saved(out pga.SavedPlan, err error) {
	m.saving = false
	if err != nil {
		m.saved, m.savedBad = err.Error(), true
		return
	}
	m.saved, m.savedBad = "saved "+out.Text+" and "+out.JSON, false
}

func (m *Model) handleKey(msg tea.KeyMsg) (bool, tea.Cmd) {
	if m.help {
		// The keys overlay: ? or esc closes it, not the plan.
		if key.Matches(msg, m.keys.Help, m.keys.Close) {
			m.help = false
		}
		return false, nil
	}
	switch {
	case key.Matches(msg, m.keys.Help):
		if m.helpView == nil {
			h := help.New()
			m.helpView = &h
		}
		m.help = true
	case key.Matches(msg, m.keys.Close):
		return true, nil
	case key.Matches(msg, m.keys.Up):
		m.scroll(-1)
	case key.Matches(msg, m.keys.Down):
		m.scroll(1)
	case key.Matches(msg, m.keys.PageUp):
		m.scroll(-m.page)
	case key.Matches(msg, m.keys.PageDown):
		m.scroll(m.page)
	case key.Matches(msg, m.keys.Top):
		m.offset = 0
	case key.Matches(msg, m.keys.Bottom):
		m.offset = m.maxOffset()
	case key.Matches(msg, m.keys.Save) && !m.saving && m.plan != nil:
		m.saving, m.saved, m.savedBad = true, "saving…", false
		return false, view.Request(pga.SavePlanID, m.opts.Target, pga.SavePlanParams(m.plan, m.opts.SaveBase))
	}
	return false, nil
}

func (m *Model) scroll(d int) {
	m.offset = min(max(m.offset+d, 0), m.maxOffset())
}

// maxOffset puts the last row on the last line; past the header, the
// sticky column header takes one line of the page.
func (m *Model) maxOffset() int {
	total := len(m.wrapped) + 1 + len(m.rows)
	if total <= m.page {
		return 0
	}
	return total - m.page + 1
}
