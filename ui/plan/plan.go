// Package plan is the plan view: an EXPLAIN result (actions/postgres.Plan)
// as a scrollable tree with each node's own and total time, hot nodes
// highlighted, estimated against actual rows with large misestimates
// flagged, loops and buffers, and the findings in plain language above it.
// The plan can be saved as text and JSON with a key.
//
// Rendering is lazy: the tree is flattened once into rows (no formatting),
// and View formats only the rows on screen, so a 500-node plan draws as
// fast as a 5-node one.
package plan

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	pga "github.com/stacktop/stacktop/actions/postgres"
)

// Options configure the view.
type Options struct {
	// Title heads the view ("EXPLAIN ANALYZE on pg:main").
	Title string
	// Redact masks literals in the query, the conditions and the findings.
	Redact bool
	// SaveDir is where the save key writes the plan; "" disables saving.
	SaveDir string
	// SaveBase is the file name (without extension) to save under;
	// "plan-<time>" when empty.
	SaveBase string
}

// KeyMap is the plan view's keys.
type KeyMap struct {
	Up, Down, PageUp, PageDown, Top, Bottom, Save, Close key.Binding
}

// ShortHelp implements help.KeyMap.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Down, k.Up, k.PageDown, k.Save, k.Close}
}

// FullHelp implements help.KeyMap.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom}, {k.Save, k.Close}}
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
		Close:    key.NewBinding(key.WithKeys("esc", "q"), key.WithHelp("esc", "close")),
	}
	k.Save.SetEnabled(canSave)
	return k
}

// row is one line of the tree: a node, or the condition line under it.
type row struct {
	node   *pga.Node
	prefix string // tree drawing before the label ("│  ├─ ")
	cond   string // set for a condition line
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

	// wrapped caches the header lines (query, findings) for one width.
	wrapped      []string
	wrappedWidth int
}

// New returns a view of p.
func New(p *pga.Plan, opts Options) *Model {
	m := &Model{plan: p, opts: opts, keys: newKeyMap(opts.SaveDir != ""), page: 1}
	if p != nil && p.Root != nil {
		m.rows = make([]row, 0, 2*max(p.Nodes, 1))
		m.flatten(p.Root, "", "")
	}
	return m
}

// flatten walks the tree once, recording each node's tree prefix (lead)
// and the prefix its children continue from (childLead), with the node's
// condition on a line of its own under its label.
func (m *Model) flatten(n *pga.Node, lead, childLead string) {
	m.rows = append(m.rows, row{node: n, prefix: lead})
	if c := condition(n); c != "" {
		bar := childLead + "   "
		if len(n.Children) > 0 {
			bar = childLead + "│  "
		}
		m.rows = append(m.rows, row{node: n, prefix: bar, cond: c})
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

// savedMsg reports a save's outcome.
type savedMsg struct {
	view     *Model
	text, js string
	err      error
}

// Update handles keys and the save's outcome; closed is true when the
// user closed the view. The save runs in the returned command.
func (m *Model) Update(msg tea.Msg) (closed bool, cmd tea.Cmd) {
	switch msg := msg.(type) {
	case savedMsg:
		if msg.view == m {
			m.saving = false
			if msg.err != nil {
				m.saved, m.savedBad = msg.err.Error(), true
			} else {
				m.saved, m.savedBad = "saved "+msg.text+" and "+msg.js, false
			}
		}
	case tea.KeyMsg:
		return m.handleKey(msg)
	}
	return false, nil
}

func (m *Model) handleKey(msg tea.KeyMsg) (bool, tea.Cmd) {
	switch {
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
		return false, m.save()
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

// save writes the plan in a command: it is file I/O.
func (m *Model) save() tea.Cmd {
	p, dir, base := m.plan, m.opts.SaveDir, m.opts.SaveBase
	return func() tea.Msg {
		if base == "" {
			base = "plan-" + time.Now().Format("20060102-150405")
		}
		text, js, err := p.Save(dir, base)
		return savedMsg{view: m, text: text, js: js, err: err}
	}
}

// condition is the node's most telling condition, as EXPLAIN names it.
func condition(n *pga.Node) string {
	switch {
	case n.IndexCond != "":
		return "index cond: " + n.IndexCond
	case n.HashCond != "":
		return "hash cond: " + n.HashCond
	case n.Filter != "" && n.RemovedByFilter > 0:
		return fmt.Sprintf("filter: %s (removed %s)", n.Filter, countStr(n.RemovedByFilter*max(n.Loops, 1)))
	case n.Filter != "":
		return "filter: " + n.Filter
	case n.JoinFilter != "":
		return "join filter: " + n.JoinFilter
	case len(n.SortKey) > 0:
		s := "sort key: " + strings.Join(n.SortKey, ", ")
		if n.SortMethod != "" {
			s += " (" + n.SortMethod + ", " + strings.ToLower(n.SortSpaceType) + ")"
		}
		return s
	}
	return ""
}
