package fleet

import (
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/stacktop/stacktop/ui/sanitize"
	"github.com/stacktop/stacktop/ui/view"
	"github.com/stacktop/stacktop/ui/widgets"
)

// View implements view.Tab: the source line, its failure when the last
// poll failed, the strip of sub-views, the notes, then the table shown
// (or the host detail).
func (t *Tab) View(ctx view.Context) string {
	s := t.current()
	if s == nil {
		return " " + ctx.Styles.Muted.Render("waiting for the first answer from Prometheus…")
	}
	if t.detail != nil {
		return t.detailFrame(ctx)
	}
	lines := make([]string, 0, ctx.Height)
	lines = append(lines, t.sourceLine(ctx, s))
	if s.upd.Err != nil {
		lines = append(lines, errLines(ctx, s)...)
	}
	if s.snap == nil {
		if s.upd.Err == nil {
			lines = append(lines, " "+ctx.Styles.Muted.Render("waiting for the first answer from Prometheus "+strconv.Quote(s.id.Name)+"…"))
		}
		return strings.Join(lines, "\n")
	}
	lines = append(lines, t.strip(ctx, s))
	for _, n := range t.notes(s) {
		lines = append(lines, " "+ctx.Styles.Warn.Render(widgets.Truncate(sanitize.Line(n), ctx.Width-1)))
	}
	n := t.tableRows()
	var body []string
	switch t.view {
	case viewHosts:
		body = t.hostsTable(ctx, s, n)
	case viewPostgres:
		body = t.pgTable(ctx, s, n)
	default:
		body = t.containerTables(ctx, s, n)
	}
	if view.Historic(ctx, s.upd) {
		view.DimLines(ctx, body)
	}
	return strings.Join(append(lines, body...), "\n")
}

// chrome is how many lines stand above the table's header.
func (t *Tab) chrome() int {
	s := t.current()
	if s == nil {
		return 1
	}
	return 2 + len(t.notes(s)) + errHeight(s, t.width)
}

// tableRows is how many rows of the table are on screen.
func (t *Tab) tableRows() int { return max(t.height-t.chrome()-1, 1) }

// maxNotes is how many note lines a screen of height h spares.
func maxNotes(h int) int {
	if h < 30 {
		return 1
	}
	return 3
}

// notes are the partial-data remarks of the source's snapshot: a missing
// node_exporter, the collector's notes; as many as the height spares,
// the last saying how many more there are.
func (t *Tab) notes(s *sourceState) []string {
	if s.snap == nil {
		return nil
	}
	var all []string
	if ex := s.snap.Exporters; ex.Node == 0 && ex.Postgres+ex.CAdvisor > 0 { // none at all: the collector says so
		all = append(all, "no node_exporter targets found — is node_exporter scraped by this Prometheus, and does node_job name its job?")
	}
	all = append(all, s.snap.Notes...)
	limit := maxNotes(t.height)
	if len(all) > limit {
		rest := len(all) - limit + 1
		all = append(all[:limit-1:limit-1], all[limit-1]+" (and "+strconv.Itoa(rest-1)+" more: stacktop check)")
	}
	return all
}

// sourceLine names the source shown and its fleet in one line: which of
// several sources ([ and ] switch), the counts, then the address.
func (t *Tab) sourceLine(ctx view.Context, s *sourceState) string {
	st := ctx.Styles
	line := " " + st.Title.Render("Prometheus "+strconv.Quote(sanitize.Line(s.id.Name)))
	if len(t.sources) > 1 {
		line += st.Muted.Render(" " + strconv.Itoa(t.cur+1) + "/" + strconv.Itoa(len(t.sources)) + " [ ]")
	}
	if s.snap == nil {
		return line
	}
	if view.Historic(ctx, s.upd) {
		line += " · " + view.AsOf(ctx, s.upd)
	}
	line += " · " + strconv.Itoa(len(s.snap.Hosts)) + " hosts"
	if s.down > 0 {
		line += " · " + st.Bad.Render(strconv.Itoa(s.down)+" down")
	}
	if s.over > 0 {
		line += " · " + st.Bad.Render(strconv.Itoa(s.over)+" over threshold")
	}
	line += st.Muted.Render(" · " + sanitize.Line(s.snap.URL) + " · " + strconv.Itoa(s.snap.Queries) + " queries/refresh")
	return widgets.Truncate(line, ctx.Width)
}

// errLines are the last poll's failure: the error (cause, then what to
// try) and when the hub tries again, wrapped over at most two lines so
// the hint survives a narrow screen.
func errLines(ctx view.Context, s *sourceState) []string {
	line := "! " + withoutSource(sanitize.Line(s.upd.Err.Error()), s.id.Name)
	if next := view.NextTry(ctx, s.upd); next != "" {
		line += " · " + next
	}
	return wrapText(ctx, line, ctx.Width-1, 2)
}

// withoutSource drops the `prometheus "prod": ` the collector puts first:
// the line above already names the source.
func withoutSource(msg, name string) string {
	return strings.TrimPrefix(msg, "prometheus "+strconv.Quote(name)+": ")
}

// wrapText cuts text into at most n lines of w cells at spaces, each
// indented by one and in the Bad style; the last is truncated.
func wrapText(ctx view.Context, text string, w, n int) []string {
	var out []string
	for text != "" && len(out) < n {
		line := text
		if len(out) < n-1 && ansi.StringWidth(text) > w {
			cut := ansi.Truncate(text, w, "")
			if i := strings.LastIndexByte(cut, ' '); i > w/2 {
				cut = cut[:i]
			}
			line = cut
		}
		text = strings.TrimLeft(text[len(line):], " ")
		out = append(out, " "+ctx.Styles.Bad.Render(widgets.Truncate(line, w)))
	}
	return out
}

// errHeight is how many lines errLines takes at width w.
func errHeight(s *sourceState, w int) int {
	if s.upd.Err == nil {
		return 0
	}
	// NextTry's text is at most 20 cells: count it in, so the table's
	// height does not move as the countdown shortens.
	if len("! "+withoutSource(s.upd.Err.Error(), s.id.Name))+20 > w-1 {
		return 2
	}
	return 1
}

// strip names the sub-views (the shown one in brackets) with their counts
// and problems, then the order and the filter.
func (t *Tab) strip(ctx view.Context, s *sourceState) string {
	st := ctx.Styles
	item := func(v subView, name string, n, bad int) string {
		text := name + " " + strconv.Itoa(n)
		if bad > 0 {
			text += " " + st.Bad.Render(strconv.Itoa(bad)+"!")
		}
		if v == t.view {
			return st.Selected.Render("[" + text + "]")
		}
		return " " + text + " "
	}
	line := item(viewHosts, "Hosts", len(s.snap.Hosts), s.down+s.over) + " " +
		item(viewPostgres, "PostgreSQL", len(s.snap.Postgres), s.pgBad) + " " +
		item(viewContainers, "Containers", s.ctAll, 0)
	// The filter first: what the user types must show. Then the order and
	// the hint, as far as they fit.
	line = strings.TrimRight(line, " ")
	switch {
	case t.filter.Focused():
		line += "  " + t.filter.View()
	case t.filter.Value() != "":
		line += "  " + st.Label.Render("filter ") + sanitize.Line(t.filter.Value()) + st.Muted.Render(" ("+strconv.Itoa(t.listLen())+" shown)")
	}
	var extras []string
	switch t.view {
	case viewHosts:
		extras = append(extras, " · sort "+t.hosts.sortBy.String())
	case viewPostgres:
		extras = append(extras, " · sort "+t.pg.sortBy.String())
	}
	for _, extra := range append(extras, " · v switches") {
		if ansi.StringWidth(line)+len(extra) <= ctx.Width {
			line += st.Muted.Render(extra)
		}
	}
	return widgets.Truncate(line, ctx.Width)
}
