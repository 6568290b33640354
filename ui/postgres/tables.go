package postgres

import (
	"cmp"
	"slices"
	"strconv"

	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	pg "github.com/stacktop/stacktop/collectors/postgres"
	"github.com/stacktop/stacktop/ui/format"
	"github.com/stacktop/stacktop/ui/sanitize"
	"github.com/stacktop/stacktop/ui/theme"
	"github.com/stacktop/stacktop/ui/view"
	"github.com/stacktop/stacktop/ui/widgets"
)

// TableSort is an order of the tables view.
type TableSort int

// The orders s cycles through in the tables view.
const (
	BySize TableSort = iota
	BySeqScans
	ByDeadTuples
	tableSorts
)

// String names the order as the view's title shows it.
func (k TableSort) String() string { return [...]string{"total size", "seq scans", "dead tuples"}[k] }

func (k TableSort) column() string { return [...]string{"TOTAL", "SEQ SCANS", "DEAD"}[k] }

// order is which way k sorts before I reverses it: the largest first.
func (k TableSort) order() widgets.SortOrder { return widgets.Descending }

// orderTables returns pointers to the tables whose name as drawn (schema
// first, outside public) contains every word of filter, sorted by k (the largest first, or the
// other way round when reversed), ties by name.
func orderTables(tables []pg.Table, k TableSort, reversed bool, filter string) []*pg.Table {
	all := sortedRefs(tables, reversed, func(a, b *pg.Table) int {
		var c int
		switch k {
		case BySize:
			c = cmp.Compare(b.TotalBytes, a.TotalBytes)
		case BySeqScans:
			c = cmp.Compare(b.SeqScans, a.SeqScans)
		case ByDeadTuples:
			c = cmp.Compare(b.DeadTuples, a.DeadTuples)
		}
		return cmp.Or(c, cmp.Compare(a.Schema, b.Schema), cmp.Compare(a.Name, b.Name))
	})
	terms := parseFilter(filter, nil)
	if len(terms) == 0 {
		return all
	}
	out := all[:0]
	for _, tb := range all {
		if matchesAll(tableName(tb.Schema, tb.Name), terms) {
			out = append(out, tb)
		}
	}
	return out
}

func tableColumns(sortCol string, order widgets.SortOrder) []widgets.Column {
	cols := []widgets.Column{
		{Width: 1},
		{Title: "TABLE", Width: 24},
		{Title: "TOTAL", Width: 9, Right: true},
		{Title: "HEAP", Width: 9, Right: true, Drop: 5},
		{Title: "INDEXES", Width: 9, Right: true, Drop: 3},
		{Title: "SEQ SCANS", Width: 9, Right: true},
		{Title: "IDX SCANS", Width: 9, Right: true},
		{Title: "IDX%", Width: 6, Right: true, Drop: 2},
		{Title: "LIVE", Width: 8, Right: true, Drop: 4},
		{Title: "DEAD", Width: 8, Right: true, Drop: 1},
	}
	return widgets.MarkSorted(cols, sortCol, order)
}

// tablesModel is the tables sub-view: tables sorted (s, I) and filtered by
// name (/), and the largest unused indexes.
type tablesModel struct {
	list
	keyed
	sort   TableSort
	rev    bool // I: the order reversed
	filter textinput.Model
	tables []*pg.Table // sorted by sort, filtered
	unused []*pg.Index // unused indexes, largest first
}

func newTablesModel(st *theme.Styles) *tablesModel {
	return &tablesModel{keyed: newKeyed(), filter: widgets.NewPrompt(st, "/", "table name")}
}

func (m *tablesModel) prompt() *textinput.Model { return &m.filter }
func (m *tablesModel) listLen() int             { return len(m.tables) }
func (m *tablesModel) listID(i int) int64       { return int64(i) }
func (m *tablesModel) reverse()                 { m.rev = !m.rev }

func (m *tablesModel) update(msg tea.KeyMsg, d *derived) bool { return sortKeys(m, msg, d) }

func (m *tablesModel) cycleSort(*derived) {
	m.sort = (m.sort + 1) % tableSorts
	m.rev = false
}

func (m *tablesModel) derive(d *derived) {
	s := d.snap
	m.unused, m.tables = nil, nil
	if s == nil {
		return
	}
	for i := range s.Indexes {
		if s.Indexes[i].Unused {
			m.unused = append(m.unused, &s.Indexes[i])
		}
	}
	slices.SortStableFunc(m.unused, func(a, b *pg.Index) int { return cmp.Compare(b.SizeBytes, a.SizeBytes) })
}

func (m *tablesModel) reorder(d *derived) {
	m.tables = orderTables(d.snap.Tables, m.sort, m.rev, m.filter.Value())
}

// selected is the table under the cursor, or nil.
func (m *tablesModel) selected() *pg.Table {
	if c := m.cur; c.Sel >= 0 && c.Sel < len(m.tables) {
		return m.tables[c.Sel]
	}
	return nil
}

func (m *tablesModel) view(ctx view.Context, d *derived, l layout) []string {
	st := ctx.Styles
	s := d.snap
	title := " " + st.Title.Render("Tables") + " " + strconv.Itoa(len(s.Tables)) + " of " + sanitize.Line(s.Server.Database) +
		"   sort " + sortLabel(ctx, m.sort.String(), m.rev) + filterState(ctx, &m.filter, len(m.tables)) +
		st.Muted.Render("   read "+sinceText(ctx, s.TablesAt)+" (slow cadence)") + filterHint(ctx, &m.filter, "name")
	cols := tableColumns(m.sort.column(), m.sort.order().Reversed(m.rev))
	widths := widgets.Layout(cols, ctx.Width)
	lines := []string{widgets.Truncate(title, ctx.Width), st.TableHeader.Render(widgets.Header(cols, widths))}
	rows := l.listRows(Tables)
	c := m.cur
	for i := c.Offset; i < min(c.Offset+rows, len(m.tables)); i++ {
		lines = append(lines, tableRow(ctx, cols, widths, m.tables[i], i == c.Sel))
	}
	switch {
	case len(m.tables) == 0 && m.filter.Value() != "":
		lines = append(lines, noMatch(ctx, "table", m.filter.Value()))
	case len(m.tables) == 0:
		lines = append(lines, " "+st.Muted.Render("no user tables read yet"))
	}
	lines = pad(lines, 2+rows)
	lines = append(lines, "")
	return append(lines, m.unusedLines(ctx, l.unused)...)
}

func tableRow(ctx view.Context, cols []widgets.Column, widths []int, tb *pg.Table, selected bool) string {
	idxPct := format.NA
	if all := tb.SeqScans + tb.IdxScans; all > 0 {
		idxPct = format.Percent(float64(tb.IdxScans) * 100 / float64(all))
	}
	sel := " "
	if selected {
		sel = ">"
	}
	cells := []string{sel, tableName(tb.Schema, tb.Name), format.Bytes(uint64(max(tb.TotalBytes, 0))),
		format.Bytes(uint64(max(tb.TableBytes, 0))), format.Bytes(uint64(max(tb.IndexBytes, 0))),
		format.Count(float64(tb.SeqScans)), format.Count(float64(tb.IdxScans)), idxPct,
		format.Count(float64(tb.LiveTuples)), format.Count(float64(tb.DeadTuples))}
	row := widgets.Row(cols, widths, cells)
	if selected {
		return ctx.Styles.Selected.Render(row)
	}
	return row
}

// unusedLines lists the largest unused indexes: never scanned since the
// stats reset, not backing a unique or primary key.
func (m *tablesModel) unusedLines(ctx view.Context, rows int) []string {
	st := ctx.Styles
	if len(m.unused) == 0 {
		return []string{" " + st.Title.Render("Unused indexes") + "  " + st.Muted.Render("none")}
	}
	var wasted int64
	for _, ix := range m.unused {
		wasted += ix.SizeBytes
	}
	cols := []widgets.Column{{Width: 1}, {Title: "INDEX", Width: 34}, {Title: "TABLE", Width: 24, Drop: 1},
		{Title: "SIZE", Width: 9, Right: true}, {Title: "SCANS", Width: 6, Right: true}}
	widths := widgets.Layout(cols, ctx.Width)
	title := " " + st.Title.Render("Unused indexes") + " " + strconv.Itoa(len(m.unused)) +
		st.Muted.Render("   "+format.Bytes(uint64(max(wasted, 0)))+" never scanned since the stats reset")
	lines := []string{widgets.Truncate(title, ctx.Width), st.TableHeader.Render(widgets.Header(cols, widths))}
	for i := 0; i < min(rows, len(m.unused)); i++ {
		ix := m.unused[i]
		lines = append(lines, widgets.Row(cols, widths, []string{" ", tableName(ix.Schema, ix.Name), tableName(ix.Schema, ix.Table),
			format.Bytes(uint64(max(ix.SizeBytes, 0))), strconv.FormatInt(ix.Scans, 10)}))
	}
	if rows < len(m.unused) && rows > 0 {
		lines[len(lines)-1] = " " + st.Muted.Render("… "+strconv.Itoa(len(m.unused)-rows+1)+" more")
	}
	return lines
}
