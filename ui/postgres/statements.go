package postgres

import (
	"cmp"
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

// StatementSort is an order of the statements view.
type StatementSort int

// The orders s cycles through in the statements view.
const (
	ByTotalTime StatementSort = iota
	ByMeanTime
	ByCalls
	ByRows
	ByBlocks
	statementSorts
)

// String names the order as the view's title shows it.
func (k StatementSort) String() string {
	return [...]string{"total time", "mean time", "calls", "rows", "shared blocks"}[k]
}

func (k StatementSort) column() string {
	return [...]string{"TOTAL", "MEAN", "CALLS", "ROWS", "BLOCKS"}[k]
}

// statementFields are the field names a statements filter term may name.
var statementFields = []string{"db", "user"}

// order is which way k sorts before I reverses it: the largest first.
func (k StatementSort) order() widgets.SortOrder { return widgets.Descending }

// orderStatements returns pointers to rows sorted by k (the largest first,
// or the other way round when reversed), ties by queryid.
func orderStatements(rows []pg.Statement, k StatementSort, reversed bool) []*pg.Statement {
	return sortedRefs(rows, reversed, func(a, b *pg.Statement) int {
		var c int
		switch k {
		case ByTotalTime:
			c = cmp.Compare(b.TotalTime, a.TotalTime)
		case ByMeanTime:
			c = cmp.Compare(b.MeanTime, a.MeanTime)
		case ByCalls:
			c = cmp.Compare(b.Calls, a.Calls)
		case ByRows:
			c = cmp.Compare(b.Rows, a.Rows)
		case ByBlocks:
			c = cmp.Compare(b.SharedBlks(), a.SharedBlks())
		}
		return cmp.Or(c, cmp.Compare(a.QueryID, b.QueryID), cmp.Compare(a.User, b.User), cmp.Compare(a.Database, b.Database))
	})
}

// statementMatches reports whether s, whose query is drawn as line, matches
// every term: "db:x" and "user:x" that field, other words the query line,
// the user or the database.
func statementMatches(s *pg.Statement, line string, terms []filterTerm) bool {
	for _, t := range terms {
		var ok bool
		switch t.field {
		case "db":
			ok = containsFold(sanitize.Line(s.Database), t.text)
		case "user":
			ok = containsFold(sanitize.Line(s.User), t.text)
		default:
			ok = containsFold(line, t.text) || containsFold(sanitize.Line(s.User), t.text) ||
				containsFold(sanitize.Line(s.Database), t.text)
		}
		if !ok {
			return false
		}
	}
	return true
}

func statementColumns(sortCol string, order widgets.SortOrder) []widgets.Column {
	cols := []widgets.Column{
		{Width: 1},
		{Title: "TOTAL", Width: 8, Right: true},
		{Title: "MEAN", Width: 8, Right: true},
		{Title: "CALLS", Width: 7, Right: true},
		{Title: "CALLS/s", Width: 7, Right: true, Drop: 2},
		{Title: "ROWS", Width: 7, Right: true, Drop: 3},
		{Title: "BLOCKS", Width: 7, Right: true, Drop: 4},
		{Title: "HIT%", Width: 6, Right: true, Drop: 1},
		{Title: "USER", Width: 10, Drop: 5},
		{Title: "DATABASE", Width: 10, Drop: 6},
		{Title: "QUERY", Width: 16, Flex: true},
	}
	return widgets.MarkSorted(cols, sortCol, order)
}

// statementsModel is the statements sub-view: pg_stat_statements sorted
// (s, I) and filtered (/) by query text, user or database.
type statementsModel struct {
	list
	keyed
	sort   StatementSort
	rev    bool // I: the order reversed
	filter textinput.Model
	stmts  []*pg.Statement
	text   []string // stmts' query lines, same order
}

func newStatementsModel(st *theme.Styles) *statementsModel {
	return &statementsModel{keyed: newKeyed(), filter: widgets.NewPrompt(st, "/", "text, or db:… user:…")}
}

func (m *statementsModel) prompt() *textinput.Model { return &m.filter }
func (m *statementsModel) listLen() int             { return len(m.stmts) }
func (m *statementsModel) listID(i int) int64       { return m.stmts[i].QueryID }
func (m *statementsModel) reverse()                 { m.rev = !m.rev }

func (m *statementsModel) update(msg tea.KeyMsg, d *derived) bool { return sortKeys(m, msg, d) }
func (m *statementsModel) derive(*derived)                        { m.stmts, m.text = nil, nil }

func (m *statementsModel) cycleSort(*derived) {
	m.sort = (m.sort + 1) % statementSorts
	m.rev = false
}

func (m *statementsModel) reorder(d *derived) {
	// The filter matches the query as drawn (redacted when asked), so it
	// never finds what the screen does not show.
	terms := parseFilter(m.filter.Value(), statementFields)
	m.stmts, m.text = nil, nil
	for _, st := range orderStatements(d.snap.Statements.Rows, m.sort, m.rev) {
		if line := queryLine(st.Query, d.opts.Redact); statementMatches(st, line, terms) {
			m.stmts, m.text = append(m.stmts, st), append(m.text, line)
		}
	}
}

// selected is the statement under the cursor, or nil.
func (m *statementsModel) selected() *pg.Statement {
	if c := m.cur; c.Sel >= 0 && c.Sel < len(m.stmts) {
		return m.stmts[c.Sel]
	}
	return nil
}

func (m *statementsModel) view(ctx view.Context, d *derived, l layout) []string {
	st := ctx.Styles
	ss := d.snap.Statements
	if !ss.Available {
		note := sanitize.Line(ss.Note)
		if note == "" {
			note = "pg_stat_statements is not available: add it to shared_preload_libraries, restart, then CREATE EXTENSION pg_stat_statements"
		}
		out := []string{" " + st.Title.Render("Statements")}
		for _, l := range wrap(note, ctx.Width-2, max(l.body-1, 1)) {
			out = append(out, " "+st.Warn.Render(l))
		}
		return out
	}
	title := " " + st.Title.Render("Statements") + " " + strconv.Itoa(len(ss.Rows)) + "   sort " + sortLabel(ctx, m.sort.String(), m.rev) +
		filterState(ctx, &m.filter, len(m.stmts)) +
		st.Muted.Render("   pg_stat_statements, read "+sinceText(ctx, ss.At)+" · times since the entry was created") +
		filterHint(ctx, &m.filter, "text, db: user:")
	cols := statementColumns(m.sort.column(), m.sort.order().Reversed(m.rev))
	widths := widgets.Layout(cols, ctx.Width)
	lines := []string{widgets.Truncate(title, ctx.Width), st.TableHeader.Render(widgets.Header(cols, widths))}
	rows := l.listRows(Statements)
	c := m.cur
	for i := c.Offset; i < min(c.Offset+rows, len(m.stmts)); i++ {
		lines = append(lines, statementRow(ctx, cols, widths, m.stmts[i], m.text[i], i == c.Sel))
	}
	switch {
	case len(m.stmts) == 0 && m.filter.Value() != "":
		lines = append(lines, noMatch(ctx, "statement", m.filter.Value()))
	case len(m.stmts) == 0:
		lines = append(lines, " "+st.Muted.Render("no statements recorded yet"))
	}
	return lines
}

func statementRow(ctx view.Context, cols []widgets.Column, widths []int, s *pg.Statement, query string, selected bool) string {
	hit := format.NA
	if all := s.SharedBlks(); all > 0 {
		hit = format.Percent(float64(s.SharedBlksHit) * 100 / float64(all))
	}
	sel := " "
	if selected {
		sel = ">"
	}
	rate := rateNum(s.CallsRate)
	if ctx.History {
		rate = "" // a rate of old data would read as live
	}
	cells := []string{sel, millis(s.TotalTime), millis(s.MeanTime), format.Count(float64(s.Calls)), rate,
		format.Count(float64(s.Rows)), format.Count(float64(s.SharedBlks())), hit,
		sanitize.Line(s.User), sanitize.Line(s.Database), query}
	row := widgets.Row(cols, widths, cells)
	if selected {
		return ctx.Styles.Selected.Render(row)
	}
	return row
}
