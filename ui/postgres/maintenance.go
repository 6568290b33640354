package postgres

import (
	"strconv"
	"time"

	"github.com/charmbracelet/lipgloss"

	pg "github.com/stacktop/stacktop/collectors/postgres"
	"github.com/stacktop/stacktop/ui/format"
	"github.com/stacktop/stacktop/ui/sanitize"
	"github.com/stacktop/stacktop/ui/view"
	"github.com/stacktop/stacktop/ui/widgets"
)

// maxMaintRows caps the rows each maintenance list keeps.
const maxMaintRows = 50

// maintenanceModel is the maintenance sub-view: vacuums running, long and
// idle transactions, the tables with the most dead tuples.
type maintenanceModel struct {
	keyed
	noKeys
	longXact []pg.Backend // transactions past LongQueryWarn
	idleTx   []pg.Backend
	dead     []pg.Table // most dead tuples
}

func (m *maintenanceModel) derive(d *derived) {
	s := d.snap
	m.longXact, m.idleTx, m.dead = nil, nil, nil
	if s == nil {
		return
	}
	m.longXact = capRows(s.LongTransactions(d.opts.Thresholds.LongQueryWarn))
	m.idleTx = capRows(s.IdleInTransaction())
	for _, tb := range s.TopDeadTuples(maxMaintRows) {
		if tb.DeadTuples > 0 {
			m.dead = append(m.dead, tb)
		}
	}
}

func (m *maintenanceModel) reorder(*derived) {}

func capRows(b []pg.Backend) []pg.Backend {
	if len(b) > maxMaintRows {
		return b[:maxMaintRows]
	}
	return b
}

func (mm *maintenanceModel) view(ctx view.Context, d *derived, l layout) []string {
	st := ctx.Styles
	s := d.snap
	m := s.Maintenance
	head := " " + st.Title.Render("Maintenance") + "  oldest xmin age " + thousands(m.OldestXminAge)
	if m.OldestXminHolder != "" {
		head += " held by " + sanitize.Line(m.OldestXminHolder)
	}
	secs := []section{vacuumSection(ctx, d), mm.longXactSection(ctx, d), mm.idleTxSection(ctx, d), mm.deadSection(ctx, d)}
	lines := []string{widgets.Truncate(head, ctx.Width)}
	return append(lines, shareSections(ctx, secs, l.body-1)...)
}

func vacuumSection(ctx view.Context, d *derived) section {
	st := ctx.Styles
	vs := d.snap.Maintenance.Vacuums
	return section{
		title: "Vacuums running", empty: "none",
		cols: []widgets.Column{{Width: 1}, {Title: "PID", Width: 7, Right: true}, {Title: "DATABASE", Width: 10, Drop: 2},
			{Title: "TABLE", Width: 20}, {Title: "KIND", Width: 10, Drop: 3}, {Title: "PHASE", Width: 20, Drop: 1},
			{Title: "PROGRESS", Width: 19}, {Title: "AGE", Width: 6, Right: true}},
		n: len(vs),
		cells: func(i int) []string {
			v := vs[i]
			kind := "manual"
			if v.Auto {
				kind = "autovacuum"
			}
			p := v.Progress() * 100
			return []string{" ", strconv.Itoa(v.PID), sanitize.Line(v.Database), sanitize.Line(v.Relation), kind,
				sanitize.Line(v.Phase), widgets.Bar(st, st.BarFull, 12, p) + " " + widgets.Cell(format.Percent(p), 6, true), age(v.Age)}
		},
	}
}

// sessionCells is a backend row of the maintenance lists; since is the age
// the list is about (the transaction's, or the time idle).
func (d *derived) sessionCells(b pg.Backend, first, second pg.Age) []string {
	r := d.byPID[b.PID]
	user, db, query := "", "", ""
	if r != nil {
		user, db, query = r.user, r.db, r.query
	}
	return []string{" ", strconv.Itoa(b.PID), user, db, age(first), age(second), query}
}

func sessionColumns(first, second string) []widgets.Column {
	return []widgets.Column{{Width: 1}, {Title: "PID", Width: 7, Right: true}, {Title: "USER", Width: 10},
		{Title: "DATABASE", Width: 10, Drop: 1}, {Title: first, Width: 9, Right: true}, {Title: second, Width: 9, Right: true, Drop: 2},
		{Title: "QUERY", Width: 16, Flex: true}}
}

func (m *maintenanceModel) longXactSection(ctx view.Context, d *derived) section {
	bs := m.longXact
	crit := d.opts.Thresholds.LongQueryCrit
	return section{
		title: "Long transactions", note: "open for " + format.Duration(d.opts.Thresholds.LongQueryWarn) + " or more",
		empty: "none over " + format.Duration(d.opts.Thresholds.LongQueryWarn),
		cols:  sessionColumns("XACT AGE", "QUERY AGE"), n: len(bs),
		cells: func(i int) []string { return d.sessionCells(bs[i], bs[i].XactAge, bs[i].QueryAge) },
		style: func(i int) *lipgloss.Style {
			if bs[i].XactAge.D >= crit {
				return &ctx.Styles.Bad
			}
			return nil
		},
	}
}

func (m *maintenanceModel) idleTxSection(ctx view.Context, d *derived) section {
	bs := m.idleTx
	th := d.opts.Thresholds.IdleInTransaction
	return section{
		title: "Idle in transaction", note: "flagged after " + format.Duration(th), empty: "none",
		cols: sessionColumns("IDLE FOR", "XACT AGE"), n: len(bs),
		cells: func(i int) []string { return d.sessionCells(bs[i], bs[i].StateAge, bs[i].XactAge) },
		style: func(i int) *lipgloss.Style {
			if bs[i].StateAge.D >= th {
				return &ctx.Styles.Bad
			}
			return nil
		},
	}
}

func (m *maintenanceModel) deadSection(ctx view.Context, d *derived) section {
	ts := m.dead
	when := func(at time.Time) string { return agoOrNever(ctx, at) }
	return section{
		title: "Most dead tuples", note: "tables of " + sanitize.Line(d.snap.Server.Database) + ", read " + sinceText(ctx, d.snap.TablesAt),
		empty: "none (tables are read on the slow cadence)",
		cols: []widgets.Column{{Width: 1}, {Title: "TABLE", Width: 28}, {Title: "DEAD", Width: 9, Right: true},
			{Title: "LIVE", Width: 9, Right: true, Drop: 3}, {Title: "DEAD%", Width: 6, Right: true},
			{Title: "VACUUM", Width: 8, Right: true, Drop: 2}, {Title: "AUTOVAC", Width: 8, Right: true},
			{Title: "ANALYZE", Width: 8, Right: true, Drop: 1}, {Title: "AUTOANLZ", Width: 8, Right: true, Drop: 4}},
		n: len(ts),
		cells: func(i int) []string {
			tb := ts[i]
			pct := format.NA
			if all := tb.LiveTuples + tb.DeadTuples; all > 0 {
				pct = format.Percent(float64(tb.DeadTuples) * 100 / float64(all))
			}
			return []string{" ", tableName(tb.Schema, tb.Name), format.Count(float64(tb.DeadTuples)), format.Count(float64(tb.LiveTuples)),
				pct, when(tb.LastVacuum), when(tb.LastAutovacuum), when(tb.LastAnalyze), when(tb.LastAutoanalyze)}
		},
	}
}

// agoOrNever is how long ago at was, or "never".
func agoOrNever(ctx view.Context, at time.Time) string {
	if at.IsZero() {
		return "never"
	}
	return format.Duration(ctx.Now.Sub(at))
}

// tableName is schema.name, without the public schema.
func tableName(schema, name string) string {
	if schema == "public" || schema == "" {
		return sanitize.Line(name)
	}
	return sanitize.Line(schema) + "." + sanitize.Line(name)
}
