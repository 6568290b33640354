// Package backups is the backup list overlay: the existing backups of a
// Postgres target with their size, age and verification state, newest
// first. The listing itself is I/O and happens in the root's command; this
// package only holds and draws the result.
package backups

import (
	"sort"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/stacktop/stacktop/ui/format"
	"github.com/stacktop/stacktop/ui/sanitize"
	"github.com/stacktop/stacktop/ui/view"
	"github.com/stacktop/stacktop/ui/widgets"
)

// Verification is what is known of a backup file's soundness.
type Verification int

// The verification states, from best to worst.
const (
	// Verified: pg_restore --list read it and its sha256 matches the sidecar.
	Verified Verification = iota
	// Unverified: there is no record of a check (no sidecar, or an old file).
	Unverified
	// Failed: the check failed or the checksum does not match: do not
	// restore from it.
	Failed
	// Partial: being written now, or left by a backup that was killed.
	Partial
)

// Entry is one backup file as the list shows it.
type Entry struct {
	// File is the file's base name (TARGET-DB-TIMESTAMP.dump).
	File     string
	Database string
	Size     int64
	// Taken is when the backup was written.
	Taken    time.Time
	Verified Verification
	// Detail says why a backup is Failed or Unverified (one line), or
	// holds the start of its sha256 when Verified.
	Detail string
}

// KeyMap is the list's keys.
type KeyMap struct {
	Up, Down, Close key.Binding
}

// ShortHelp implements help.KeyMap.
func (k KeyMap) ShortHelp() []key.Binding { return []key.Binding{k.Down, k.Up, k.Close} }

// FullHelp implements help.KeyMap.
func (k KeyMap) FullHelp() [][]key.Binding { return [][]key.Binding{k.ShortHelp()} }

// Model is the open backup list.
type Model struct {
	title   string
	entries []Entry
	err     error
	loaded  bool
	sel     int
	offset  int
	keys    KeyMap
}

// New returns a list titled title ("Backups — pg:main") that shows
// "listing…" until SetEntries.
func New(title string) *Model {
	return &Model{title: title, keys: KeyMap{
		Up:    key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:  key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		Close: key.NewBinding(key.WithKeys("esc", "q"), key.WithHelp("esc", "close")),
	}}
}

// SetEntries shows the listing's result, newest first; err replaces the
// list with its one line.
func (m *Model) SetEntries(entries []Entry, err error) {
	m.entries = append([]Entry(nil), entries...)
	sort.SliceStable(m.entries, func(i, j int) bool { return m.entries[i].Taken.After(m.entries[j].Taken) })
	m.err, m.loaded = err, true
	m.sel, m.offset = 0, 0
}

// KeyMap returns the list's keys for the help bar.
func (m *Model) KeyMap() help.KeyMap { return m.keys }

// Update handles a key; closed is true when the user closed the list.
func (m *Model) Update(msg tea.KeyMsg) (closed bool) {
	switch {
	case key.Matches(msg, m.keys.Close):
		return true
	case key.Matches(msg, m.keys.Up):
		m.sel = max(m.sel-1, 0)
	case key.Matches(msg, m.keys.Down):
		m.sel = min(m.sel+1, max(len(m.entries)-1, 0))
	}
	return false
}

var columns = []widgets.Column{
	{Title: "", Width: 1},
	{Title: "DATABASE", Width: 10},
	{Title: "TAKEN", Width: 16},
	{Title: "AGE", Width: 6, Right: true},
	{Title: "SIZE", Width: 9, Right: true},
	{Title: "VERIFIED", Width: 10},
	{Title: "FILE", Width: 12, Flex: true, Drop: 1},
	{Title: "DETAIL", Width: 16, Flex: true, Drop: 2},
}

// View draws the list in a ctx.Width × ctx.Height dialog.
func (m *Model) View(ctx view.Context) string {
	st := ctx.Styles
	inner := max(ctx.Width-6, 20) // dialog border and padding
	var lines []string
	switch {
	case !m.loaded:
		lines = append(lines, st.Muted.Render("listing…"))
	case m.err != nil:
		lines = append(lines, st.Bad.Render("! "+sanitize.Line(m.err.Error())))
	case len(m.entries) == 0:
		lines = append(lines, st.Muted.Render("no backups yet — take one with the backup action"))
	default:
		lines = m.table(ctx, inner, max(ctx.Height-8, 1))
	}
	body := strings.Join(lines, "\n")
	return widgets.Dialog(st, sanitize.Line(m.title), body, ctx.Width, ctx.Height)
}

func (m *Model) table(ctx view.Context, width, rows int) []string {
	st := ctx.Styles
	rows-- // the column header
	// Scroll the selection into view here, where the height is known.
	m.offset = min(max(m.offset, m.sel-rows+1), m.sel)
	widths := widgets.Layout(columns, width)
	out := []string{st.TableHeader.Render(widgets.Header(columns, widths))}
	end := min(m.offset+rows, len(m.entries))
	for i := m.offset; i < end; i++ {
		e := m.entries[i]
		mark := " "
		if i == m.sel {
			mark = ">"
		}
		state := st.OK.Render("ok")
		switch e.Verified {
		case Unverified:
			state = st.Warn.Render("~ unknown")
		case Failed:
			state = st.Bad.Render("! failed")
		case Partial:
			state = st.Muted.Render("partial")
		}
		cells := []string{mark, sanitize.Line(e.Database), e.Taken.In(ctx.Now.Location()).Format("2006-01-02 15:04"),
			format.Age(ctx.Now, e.Taken), format.Bytes(uint64(max(e.Size, 0))), state,
			sanitize.Line(e.File), sanitize.Line(e.Detail)}
		row := widgets.Row(columns, widths, cells)
		if i == m.sel {
			row = st.Selected.Render(row)
		}
		out = append(out, row)
	}
	return out
}
