package postgres

import (
	"strconv"

	"github.com/charmbracelet/bubbles/textinput"

	"github.com/charmbracelet/x/ansi"

	"github.com/stacktop/stacktop/collectors"
	pg "github.com/stacktop/stacktop/collectors/postgres"
	"github.com/stacktop/stacktop/ui/format"
	"github.com/stacktop/stacktop/ui/sanitize"
	"github.com/stacktop/stacktop/ui/theme"
	"github.com/stacktop/stacktop/ui/view"
	"github.com/stacktop/stacktop/ui/widgets"
)

// Database table columns.
const (
	dbMark = iota
	dbName
	dbConns
	dbTPS
	dbCommits
	dbRollbacks
	dbFetched
	dbWritten
	dbHit
	dbTemp
	dbDeadlocks
	dbSize
	dbSpark
	dbCols
)

func databaseColumns() []widgets.Column {
	return []widgets.Column{
		{Width: 1},
		{Title: "DATABASE", Width: 14},
		{Title: "CONNS", Width: 5, Right: true, Drop: 6},
		{Title: "TPS", Width: 7, Right: true},
		{Title: "COMMIT/s", Width: 8, Right: true, Drop: 3},
		{Title: "ROLLBK/s", Width: 8, Right: true, Drop: 4},
		{Title: "FETCH/s", Width: 8, Right: true, Drop: 5},
		{Title: "WRITE/s", Width: 8, Right: true, Drop: 7},
		{Title: "HIT%", Width: 6, Right: true},
		{Title: "TEMP/s", Width: 10, Right: true, Drop: 2},
		{Title: "DEADLK", Width: 6, Right: true, Drop: 8},
		{Title: "SIZE", Width: 9, Right: true},
		{Title: "TPS HISTORY", Width: 11, Flex: true, Drop: 1},
	}
}

// databasesModel is the databases sub-view: throughput per database,
// filtered by name (/).
type databasesModel struct {
	keyed
	noKeys
	filter textinput.Model
	dbs    []*pg.Database // the databases matching the filter
}

func newDatabasesModel(st *theme.Styles) *databasesModel {
	return &databasesModel{keyed: newKeyed(), filter: widgets.NewPrompt(st, "/", "database name")}
}

func (m *databasesModel) prompt() *textinput.Model { return &m.filter }
func (m *databasesModel) derive(*derived)          { m.dbs = nil }
func (m *databasesModel) reorder(d *derived) {
	m.dbs = filterDatabases(d.snap.Databases, m.filter.Value())
}

func (m *databasesModel) view(ctx view.Context, d *derived, l layout) []string {
	st := ctx.Styles
	s := d.snap
	title := " " + st.Title.Render("Databases") + " " + strconv.Itoa(len(s.Databases)) + filterState(ctx, &m.filter, len(m.dbs)) +
		st.Muted.Render("   rates per second over the last poll · sizes read "+sinceText(ctx, s.DatabaseSizesAt)+
			" · DEADLK since stats reset") + filterHint(ctx, &m.filter, "name")
	cols := databaseColumns()
	widths := widgets.Layout(cols, ctx.Width)
	lines := []string{widgets.Truncate(title, ctx.Width), st.TableHeader.Render(widgets.Header(cols, widths))}
	room := max(l.body-3, 0) // title, header, total
	shown := min(len(m.dbs), room)
	for i := 0; i < shown; i++ {
		db := m.dbs[i]
		lines = append(lines, databaseRow(ctx, cols, widths, sanitize.Line(db.Name), db.Backends, db.Rates,
			db.Deadlocks, db.SizeBytes, db.SizeKnown, d.hist.dbs[db.Name]))
	}
	if len(m.dbs) == 0 && m.filter.Value() != "" && room > 0 {
		lines = append(lines, noMatch(ctx, "database", m.filter.Value()))
	}
	if hidden := len(m.dbs) - shown; hidden > 0 && shown > 0 {
		lines[len(lines)-1] = " " + st.Muted.Render("… "+strconv.Itoa(hidden+1)+" more databases")
	}
	size, known := totalSize(s.Databases)
	var deadlocks uint64
	conns := 0
	for _, db := range s.Databases {
		deadlocks += db.Deadlocks
		conns += db.Backends
	}
	total := databaseRow(ctx, cols, widths, "total", conns, s.Total, deadlocks, size, known, d.hist.total)
	return append(lines, st.Label.Render(total))
}

// databaseRow renders one database (or the total). A deadlock in the last
// interval is flagged.
func databaseRow(ctx view.Context, cols []widgets.Column, widths []int, name string, conns int, r pg.Throughput,
	deadlocks uint64, size int64, sizeKnown bool, h *widgets.History) string {
	st := ctx.Styles
	var cells [dbCols]string
	cells[dbMark] = " "
	if r.Deadlocks.Valid && r.Deadlocks.PerSec > 0 {
		cells[dbMark] = st.Bad.Render("!")
	}
	cells[dbName] = name
	cells[dbConns] = strconv.Itoa(conns)
	cells[dbTPS] = rateNum(r.TPS)
	cells[dbCommits] = rateNum(r.Commits)
	cells[dbRollbacks] = rateNum(r.Rollbacks)
	cells[dbFetched] = rateNum(r.RowsFetched)
	cells[dbWritten] = rateNum(sumRates(r.RowsInserted, r.RowsUpdated, r.RowsDeleted))
	cells[dbHit] = format.NA
	if r.CacheHitRatio.Valid {
		cells[dbHit] = format.Percent(r.CacheHitRatio.Value * 100)
	}
	cells[dbTemp] = format.NA
	if r.TempBytes.Valid {
		cells[dbTemp] = format.BytesFloat(r.TempBytes.PerSec)
	}
	if ctx.History {
		cells[dbTPS], cells[dbCommits], cells[dbRollbacks], cells[dbFetched], cells[dbWritten], cells[dbTemp] = "", "", "", "", "", ""
	}
	cells[dbDeadlocks] = strconv.FormatUint(deadlocks, 10)
	cells[dbSize] = format.NA
	if sizeKnown {
		cells[dbSize] = format.Bytes(uint64(max(size, 0)))
	}
	if w := widths[dbSpark]; w > 0 && h != nil {
		cells[dbSpark] = tpsSpark(st, h, w)
	}
	return widgets.Row(cols, widths, cells[:])
}

// tpsSpark is a row's TPS history over its own range, from 0 to its peak
// ("≤ 45"), so a quiet database's line is not flat beside a busy one's;
// the peak is said when the cell has room for it.
func tpsSpark(st *theme.Styles, h *widgets.History, w int) string {
	note := widgets.ScaleLabel(widgets.ZeroToMax(h, w), format.Count)
	sw := w - ansi.StringWidth(note) - 1
	if note == "" || sw < 6 {
		return widgets.Sparkline(st, h, w, 0)
	}
	sc := widgets.ZeroToMax(h, sw)
	return widgets.SparklineIn(st, h, sw, sc) + " " + st.Muted.Render(widgets.Cell(widgets.ScaleLabel(sc, format.Count), w-sw-1, false))
}

// rateNum is a per-second count without the "/s" the column title carries.
func rateNum(r collectors.Rate) string {
	if !r.Valid {
		return format.NA
	}
	return format.Count(r.PerSec)
}

// sumRates adds rates; the sum is valid only when every part is (a partial
// sum would read as a drop).
func sumRates(rs ...collectors.Rate) collectors.Rate {
	out := collectors.Rate{Valid: true}
	for _, r := range rs {
		if !r.Valid {
			return collectors.Rate{}
		}
		out.PerSec += r.PerSec
	}
	return out
}

// totalSize sums the known database sizes; known is false when none is.
func totalSize(dbs []pg.Database) (size int64, known bool) {
	for _, db := range dbs {
		if db.SizeKnown {
			size += db.SizeBytes
			known = true
		}
	}
	return size, known
}
