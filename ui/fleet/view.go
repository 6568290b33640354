package fleet

import (
	"strconv"
	"strings"

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
		lines = append(lines, errLine(ctx, s))
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
	n := 2 + len(t.notes(s))
	if s.upd.Err != nil {
		n++
	}
	return n
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
	if s.snap.Exporters.Node == 0 {
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
	line += " · " + strconv.Itoa(len(s.snap.Hosts)) + " hosts"
	if s.down > 0 {
		line += " · " + st.Bad.Render(strconv.Itoa(s.down)+" down")
	}
	if s.over > 0 {
		line += " · " + st.Bad.Render(strconv.Itoa(s.over)+" over threshold")
	}
	if view.Historic(ctx, s.upd) {
		line += " · " + view.AsOf(ctx, s.upd)
	}
	line += st.Muted.Render(" · " + sanitize.Line(s.snap.URL) + " · " + strconv.Itoa(s.snap.Queries) + " queries/refresh")
	return widgets.Truncate(line, ctx.Width)
}

// errLine is the last poll's failure: the error (cause, then what to
// try) and when the hub tries again.
func errLine(ctx view.Context, s *sourceState) string {
	line := "! " + sanitize.Line(s.upd.Err.Error())
	if next := view.NextTry(ctx, s.upd); next != "" {
		line += " · " + next
	}
	return " " + ctx.Styles.Bad.Render(widgets.Truncate(line, ctx.Width-1))
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
	line += st.Muted.Render("  v switches")
	if t.view == viewHosts {
		line += st.Muted.Render(" · sort " + t.hosts.sortBy.String())
	}
	switch {
	case t.filter.Focused():
		line += "  " + t.filter.View()
	case t.filter.Value() != "":
		line += "  " + st.Label.Render("filter ") + sanitize.Line(t.filter.Value()) + st.Muted.Render(" ("+strconv.Itoa(t.listLen())+" shown)")
	}
	return widgets.Truncate(line, ctx.Width)
}
