package plan

import (
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/x/ansi"

	pga "github.com/stacktop/stacktop/actions/postgres"
	"github.com/stacktop/stacktop/ui/format"
	"github.com/stacktop/stacktop/ui/redact"
	"github.com/stacktop/stacktop/ui/sanitize"
	"github.com/stacktop/stacktop/ui/theme"
	"github.com/stacktop/stacktop/ui/view"
	"github.com/stacktop/stacktop/ui/widgets"
)

// maxQueryLines caps the query shown above the plan; the saved text has it all.
const maxQueryLines = 3

// Columns of an analyzed plan.
const (
	colMark = iota
	colSelf
	colTotal
	colRows
	colEst
	colOff
	colLoops
	colBuffers
	colNode
	numCols
)

var analyzedCols = []widgets.Column{
	{Title: "", Width: 1},
	{Title: "SELF", Width: 9, Right: true},
	{Title: "TOTAL", Width: 9, Right: true},
	{Title: "ROWS", Width: 7, Right: true},
	{Title: "EST", Width: 7, Right: true},
	{Title: "OFF BY", Width: 11},
	{Title: "LOOPS", Width: 6, Right: true, Drop: 1},
	{Title: "BUFFERS", Width: 22, Drop: 2},
	{Title: "NODE", Width: 40, Flex: true},
}

// A plain EXPLAIN has costs and estimates only.
var plainCols = []widgets.Column{
	{Title: "", Width: 1},
	{Title: "COST", Width: 20, Right: true},
	{Title: "EST ROWS", Width: 9, Right: true},
	{Title: "NODE", Width: 30, Flex: true},
}

// View draws the plan in ctx.Width × ctx.Height: a title line, the
// scrolled query, findings and tree, and a status line.
func (m *Model) View(ctx view.Context) string {
	st := ctx.Styles
	w, h := ctx.Width, max(ctx.Height, 3)
	if m.plan == nil || m.plan.Root == nil {
		return st.Bad.Render("! the plan is empty")
	}
	if m.help && m.helpView != nil {
		return m.helpOverlay(st, w, h)
	}
	if m.wrappedWidth != w || m.wrapped == nil {
		m.wrapped = m.header(st, w)
		m.wrappedWidth = w
	}
	m.page = h - 2
	m.offset = min(m.offset, m.maxOffset())

	cols := analyzedCols
	if !m.plan.Analyzed {
		cols = plainCols
	}
	widths := widgets.Layout(cols, w)

	var b strings.Builder
	b.Grow(w * h * 2)
	b.WriteString(m.titleLine(st))
	total := len(m.wrapped) + 1 + len(m.rows)
	shown := m.page
	if m.offset > len(m.wrapped) {
		// Scrolled past the column header: keep it on top.
		b.WriteByte('\n')
		b.WriteString(st.TableHeader.Render(widgets.Header(cols, widths)))
		shown--
	}
	for i := m.offset; i < m.offset+shown; i++ {
		b.WriteByte('\n')
		switch {
		case i < len(m.wrapped):
			b.WriteString(m.wrapped[i])
		case i == len(m.wrapped):
			b.WriteString(st.TableHeader.Render(widgets.Header(cols, widths)))
		case i < total:
			b.WriteString(m.rowLine(st, cols, widths, m.rows[i-len(m.wrapped)-1]))
		}
	}
	b.WriteByte('\n')
	b.WriteString(m.statusLine(st, min(m.offset+shown, total), total, w))
	return b.String()
}

// helpOverlay lists the plan view's keys, as the dashboard's ? does for a
// tab.
func (m *Model) helpOverlay(st *theme.Styles, w, h int) string {
	m.helpView.Styles = help.Styles{
		Ellipsis: st.HelpSep, ShortKey: st.HelpKey, ShortDesc: st.HelpDesc, ShortSeparator: st.HelpSep,
		FullKey: st.HelpKey, FullDesc: st.HelpDesc, FullSeparator: st.HelpSep,
	}
	body := m.helpView.FullHelpView(m.keys.FullHelp()) + "\n\n" + st.Muted.Render("? or esc closes this")
	return widgets.Dialog(st, "Keys — plan", body, w, h)
}

func (m *Model) titleLine(st *theme.Styles) string {
	p := m.plan
	title := m.opts.Title
	if title == "" {
		title = "EXPLAIN"
	}
	s := st.Title.Render(sanitize.Line(title)) + "  " + st.Muted.Render(strconv.Itoa(p.Nodes)+" nodes")
	switch {
	case p.Analyzed:
		s += st.Muted.Render("  planning ") + msStr(p.PlanningMS) + st.Muted.Render("  execution ") + msStr(p.ExecutionMS)
	case p.Generic:
		s += st.Muted.Render("  generic plan (no values for $n)")
	}
	return s
}

// header is the query and the findings, wrapped to w.
func (m *Model) header(st *theme.Styles, w int) []string {
	q := strings.Join(strings.Fields(sanitize.Line(m.mask(m.plan.Query))), " ")
	lines := strings.Split(ansi.Wrap(q, max(w-2, 10), ""), "\n")
	if len(lines) > maxQueryLines {
		lines = lines[:maxQueryLines]
		lines[maxQueryLines-1] = widgets.Truncate(lines[maxQueryLines-1]+" "+widgets.Ellipsis+" ", w-2)
	}
	out := make([]string, 0, len(lines)+2*len(m.plan.Findings)+4)
	for _, l := range lines {
		out = append(out, "  "+l)
	}
	out = append(out, "")
	switch {
	case len(m.plan.Findings) > 0:
		out = append(out, st.Label.Render("Findings"))
		for _, f := range m.plan.Findings {
			text := sanitize.Line(m.findingText(f))
			wrapped := strings.Split(ansi.Wordwrap(text, max(w-4, 10), ""), "\n")
			for i, l := range wrapped {
				lead := "    "
				if i == 0 {
					lead = st.Warn.Render("  ! ")
				}
				out = append(out, lead+l)
			}
		}
	case m.plan.Analyzed:
		out = append(out, st.OK.Render("No findings: nothing in this plan stands out."))
	default:
		out = append(out, st.Muted.Render("Findings need EXPLAIN ANALYZE: a plan without timings shows estimates only."))
	}
	return append(out, "")
}

// findingText is the finding's sentence; under redaction the node's
// conditions it quotes are masked (the sentence itself is ours).
func (m *Model) findingText(f pga.Finding) string {
	if !m.opts.Redact || f.Node == nil {
		return f.Text
	}
	text := f.Text
	for _, expr := range []string{f.Node.Filter, f.Node.IndexCond, f.Node.HashCond, f.Node.JoinFilter} {
		if expr != "" {
			text = strings.ReplaceAll(text, expr, redact.SQL(expr))
		}
	}
	return text
}

func (m *Model) mask(sql string) string {
	if m.opts.Redact {
		return redact.SQL(sql)
	}
	return sql
}

func (m *Model) statusLine(st *theme.Styles, last, total, w int) string {
	pos := st.Muted.Render("lines " + strconv.Itoa(m.offset+1) + "–" + strconv.Itoa(last) + " of " + strconv.Itoa(total))
	switch {
	case m.saved == "":
		return pos
	case m.savedBad:
		return widgets.Truncate(pos+"  "+st.Bad.Render("! "+sanitize.Line(m.saved)), w)
	}
	return widgets.Truncate(pos+"  "+st.OK.Render(sanitize.Line(m.saved)), w)
}

// rowLine formats one tree row: a node's figures, or its condition.
func (m *Model) rowLine(st *theme.Styles, cols []widgets.Column, widths []int, r row) string {
	nodeCol := len(cols) - 1
	cells := make([]string, len(cols))
	if r.detail != nil {
		d := *r.detail
		if m.opts.Redact && d.Expr != "" {
			d.Expr = redact.SQL(d.Expr)
		}
		cells[nodeCol] = r.prefix + st.Muted.Render(sanitize.Line(d.String()))
		return widgets.Row(cols, widths, cells)
	}
	n := r.node
	label := sanitize.Line(n.Label())
	if !m.plan.Analyzed {
		cells[1] = format.Fixed(n.StartupCost, 2) + ".." + format.Fixed(n.TotalCost, 2)
		cells[2] = format.Count(n.EstRows)
		cells[nodeCol] = r.prefix + label
		return widgets.Row(cols, widths, cells)
	}
	cells[colMark] = " "
	switch {
	case n.Loops == 0:
		cells[colSelf] = st.Muted.Render("never")
		cells[colEst] = format.Count(n.EstRows)
		cells[colNode] = r.prefix + st.Muted.Render(label+" (never executed)")
		return widgets.Row(cols, widths, cells)
	case n.Hot:
		cells[colMark] = st.Bad.Render("!")
		cells[colSelf] = st.Bad.Render(msStr(n.SelfMS))
		label = st.Bad.Render(label)
	default:
		cells[colSelf] = msStr(n.SelfMS)
	}
	cells[colTotal] = msStr(n.TotalMS)
	cells[colRows] = format.Count(n.ActualRows)
	cells[colEst] = format.Count(n.EstRows)
	if n.Misestimate >= pga.MisestimateFlag {
		dir := " more"
		if n.EstRows > n.ActualRows {
			dir = " fewer"
		}
		cells[colOff] = st.Warn.Render("~" + format.Count(n.Misestimate) + "×" + dir)
	}
	cells[colLoops] = format.Count(n.Loops)
	cells[colBuffers] = buffers(n)
	cells[colNode] = r.prefix + label
	return widgets.Row(cols, widths, cells)
}

// buffers is "hit 1.2k read 30 temp 12": shared blocks found in and read
// into the cache, and temp blocks read and written (spills).
func buffers(n *pga.Node) string {
	if n.SharedHit+n.SharedRead+n.TempRead+n.TempWritten == 0 {
		return ""
	}
	var parts []string
	if n.SharedHit+n.SharedRead > 0 {
		parts = append(parts, "hit "+format.Count(float64(n.SharedHit)), "read "+format.Count(float64(n.SharedRead)))
	}
	if t := n.TempRead + n.TempWritten; t > 0 {
		parts = append(parts, "temp "+format.Count(float64(t)))
	}
	return strings.Join(parts, " ")
}

// msStr formats milliseconds: "0.012 ms", "12.3 ms", "1.23 s".
func msStr(v float64) string {
	switch {
	case v >= 1000:
		return strconv.FormatFloat(v/1000, 'f', 2, 64) + " s"
	case v < 1:
		return strconv.FormatFloat(v, 'f', 3, 64) + " ms"
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + " ms"
}
