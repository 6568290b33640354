package fleet

import (
	"math"
	"strconv"

	"github.com/charmbracelet/x/ansi"

	fs "github.com/stacktop/stacktop/collectors/fleet"
	"github.com/stacktop/stacktop/ui/format"
	"github.com/stacktop/stacktop/ui/sanitize"
	"github.com/stacktop/stacktop/ui/view"
	"github.com/stacktop/stacktop/ui/widgets"
)

// PostgreSQL table columns, in order.
const (
	pcMark = iota
	pcName
	pcUp
	pcStates
	pcUsed
	pcTPS
	pcHit
	pcDeadlocks
	pcLag
	pcLongest
	numPGCols
)

func pgColumns(sortBy PGSortKey) []widgets.Column {
	cols := []widgets.Column{
		{Title: "", Width: 2},
		{Title: "SERVER", Width: 14, Flex: true},
		{Title: "UP", Width: 4},
		{Title: "ACT/IDLE/ITX", Width: 12, Right: true, Drop: 3},
		{Title: "CONN/MAX", Width: 9, Right: true},
		{Title: "TPS", Width: 7, Right: true},
		{Title: "HIT%", Width: 6, Right: true, Drop: 2},
		{Title: "DLOCK/s", Width: 7, Right: true, Drop: 4},
		{Title: "LAG", Width: 7, Right: true},
		{Title: "LONGEST TX", Width: 11, Right: true, Drop: 1}, // room for the sort mark
	}
	if c := sortBy.column(); c != "" {
		order := widgets.Descending
		if sortBy == PGSortName {
			order = widgets.Ascending
		}
		widgets.MarkSorted(cols, c, order)
	}
	return cols
}

// pgName is a server's name, with the exporter's server label when it
// watches several.
func pgName(p *fs.PGServer) string {
	if p.Server != "" && p.Server != p.Instance {
		return sanitize.Line(p.Name + " " + p.Server)
	}
	return sanitize.Line(p.Name)
}

func (t *Tab) pgTable(ctx view.Context, s *sourceState, n int) []string {
	cols := pgColumns(t.pg.sortBy)
	widths := widgets.Layout(cols, ctx.Width)
	out := []string{ctx.Styles.TableHeader.Render(widgets.Header(cols, widths))}
	if len(t.pg.rows) == 0 {
		what := "PostgreSQL servers"
		if s.snap.Exporters.Postgres == 0 && t.filter.Value() == "" {
			return append(out, " "+ctx.Styles.Muted.Render("no postgres_exporter targets in this Prometheus (or postgres_job names another job)"))
		}
		return append(out, " "+ctx.Styles.Muted.Render(t.emptyText(s, what)))
	}
	hist := view.Historic(ctx, s.upd)
	cells := make([]string, numPGCols)
	off := t.pg.cur.Offset
	for i := off; i < min(off+n, len(t.pg.rows)); i++ {
		line := pgRowText(ctx, cols, widths, cells, t.pg.rows[i], hist, i == t.pg.cur.Sel)
		if i == t.pg.cur.Sel {
			line = ctx.Styles.Selected.Render(line)
		}
		out = append(out, line)
	}
	return out
}

func pgRowText(ctx view.Context, cols []widgets.Column, widths []int, cells []string, r pgRow, hist, selected bool) string {
	st, p, f := ctx.Styles, r.p, r.flags
	for i := range cells {
		cells[i] = ""
	}
	cells[pcMark] = markCell(ctx, selected, f.any())
	cells[pcName] = pgName(p)
	if !p.Up || (p.PGUp.Valid && p.PGUp.V == 0) {
		why := "postgres_exporter does not answer"
		if p.Up {
			why = "the exporter answers but cannot reach PostgreSQL (pg_up 0)"
		}
		if p.ScrapeError != "" {
			why = sanitize.Line(p.ScrapeError)
		}
		cells[pcUp] = st.Bad.Render("down")
		line := widgets.Row(cols[:pcStates], widths[:pcStates], cells[:pcStates])
		return line + " " + st.Bad.Render(widgets.Truncate(why, ctx.Width-ansi.StringWidth(line)-1))
	}
	cells[pcUp] = st.OK.Render("up")
	c := p.Connections
	if len(c) > 0 {
		cells[pcStates] = count(c["active"]) + "/" + count(c["idle"]) + "/" + count(c["idle in transaction"])
	} else {
		cells[pcStates] = st.Muted.Render(format.NA)
	}
	used := format.NA
	if p.ConnectionsUsed.Valid {
		used = count(p.ConnectionsUsed.V)
	}
	if p.MaxConnections.Valid {
		used += "/" + count(p.MaxConnections.V)
	}
	if f.conns {
		used = st.Bad.Render("!" + used)
	}
	cells[pcUsed] = used
	if !hist {
		cells[pcTPS] = figure(ctx, p.TPS, false, func(v float64) string { return format.Count(v) })
		cells[pcDeadlocks] = figure(ctx, p.DeadlocksPerSec, f.deadlocks, func(v float64) string { return format.Fixed(v, 2) })
	}
	cells[pcHit] = figure(ctx, p.CacheHitRatio, false, func(v float64) string { return format.Percent(v * 100) })
	cells[pcLag] = figure(ctx, p.ReplicationLagSeconds, f.lag, func(v float64) string { return format.Duration(secs(fs.Value{V: v})) })
	cells[pcLongest] = figure(ctx, p.LongestTransactionSeconds, f.long, func(v float64) string { return format.Duration(secs(fs.Value{V: v})) })
	return widgets.Row(cols, widths, cells)
}

func count(v float64) string { return strconv.Itoa(int(math.Round(v))) }

// containerColumns are a top list's columns, the list named in the first.
func containerColumns(title string) []widgets.Column {
	return []widgets.Column{
		{Title: title, Width: 14, Flex: true},
		{Title: "HOST", Width: 12, Flex: true},
		{Title: "IMAGE", Width: 14, Flex: true, Drop: 1},
		{Title: "CPU%", Width: 7, Right: true},
		{Title: "MEMORY", Width: 9, Right: true},
	}
}

// containerTables draws the fleet's top containers by CPU, then by memory,
// each list in half the rows.
func (t *Tab) containerTables(ctx view.Context, s *sourceState, n int) []string {
	st := ctx.Styles
	if s.snap.Exporters.CAdvisor == 0 && len(s.snap.TopCPU) == 0 {
		return []string{" " + st.Muted.Render("no cAdvisor targets in this Prometheus (or cadvisor_job names another job)")}
	}
	// A label term matches a container by its host's labels.
	var labels map[string]map[string]string
	if len(t.terms) > 0 {
		labels = make(map[string]map[string]string, len(s.snap.Hosts))
		for i := range s.snap.Hosts {
			labels[s.snap.Hosts[i].Name] = hostLabels(&s.snap.Hosts[i])
		}
	}
	var out []string
	per := max((n+1)/2-1, 1) // each list: its header and rows in half the lines
	for _, part := range []struct {
		title string
		list  []fs.Container
	}{{"TOP BY CPU", s.snap.TopCPU}, {"TOP BY MEMORY", s.snap.TopMemory}} {
		cols := containerColumns(part.title)
		widths := widgets.Layout(cols, ctx.Width-1)
		out = append(out, " "+st.TableHeader.Render(widgets.Header(cols, widths)))
		shown := 0
		for i := range part.list {
			c := &part.list[i]
			if len(t.terms) > 0 && !matches(t.terms, labels[c.Host], c.Host, c.Name, c.Image) {
				continue
			}
			if shown == per {
				break
			}
			shown++
			cells := []string{sanitize.Line(c.Name), sanitize.Line(c.Host), sanitize.Line(c.Image),
				figure(ctx, c.CPUPercent, false, pct), figure(ctx, c.MemoryBytes, false, rate)}
			out = append(out, " "+widgets.Row(cols, widths, cells))
		}
		if shown == 0 {
			out = append(out, "  "+st.Muted.Render(t.emptyText(s, "containers")))
		}
	}
	return out
}
