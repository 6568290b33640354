package fleet

import (
	"strconv"
	"time"

	fs "github.com/stacktop/stacktop/collectors/fleet"
	"github.com/stacktop/stacktop/ui/format"
	"github.com/stacktop/stacktop/ui/sanitize"
	"github.com/stacktop/stacktop/ui/view"
	"github.com/stacktop/stacktop/ui/widgets"
)

// Hosts table columns, in order.
const (
	hcMark = iota
	hcName
	hcUp
	hcCPU
	hcSpark
	hcCore
	hcMem
	hcSwap
	hcLoad
	hcFS
	hcMount
	hcDisk
	hcNet
	hcUptime
	numHostCols
)

// sparkMinWidth is the narrowest screen that keeps the sparkline column
// (see hostColumns' Drop order): below it no sparkline is asked for.
const sparkMinWidth = 70

// hostColumns are the hosts table's columns. At 80 cells the name, up,
// CPU with its sparkline, memory, swap, load, the fullest filesystem and
// its mount fit; the busiest core, the rates and uptime come in from 90 up.
func hostColumns(sortBy SortKey, span time.Duration) []widgets.Column {
	cols := []widgets.Column{
		{Title: "", Width: 2},
		{Title: "NAME", Width: 16, Flex: true},
		{Title: "UP", Width: 4},
		{Title: "CPU%", Width: 6, Right: true},
		{Title: "CPU " + spanText(span), Width: sparkW, Drop: 5},
		{Title: "CORE%", Width: 6, Right: true, Drop: 6},
		{Title: "MEM%", Width: 6, Right: true},
		{Title: "SWAP%", Width: 6, Right: true, Drop: 4},
		{Title: "LOAD/C", Width: 7, Right: true},
		{Title: "FS%", Width: 6, Right: true},
		{Title: "MOUNT", Width: 8, Flex: true, Drop: 3},
		// Read and write (receive and transmit) share a column, so a
		// narrow screen never shows one without the other.
		{Title: "DISK R/W/s", Width: 17, Right: true, Drop: 7},
		{Title: "NET RX/TX/s", Width: 17, Right: true, Drop: 8},
		{Title: "UPTIME", Width: 6, Right: true, Drop: 11},
	}
	if c := sortBy.column(); c != "" {
		order := widgets.Descending
		if sortBy == SortName {
			order = widgets.Ascending
		}
		widgets.MarkSorted(cols, c, order)
	}
	return cols
}

// figure formats a valid value with f, or n/a; bad marks it past its
// threshold with "!" (visible without colour) and the Bad style.
func figure(ctx view.Context, v fs.Value, bad bool, f func(float64) string) string {
	if !v.Valid {
		return ctx.Styles.Muted.Render(format.NA)
	}
	s := f(v.V)
	if bad {
		return ctx.Styles.Bad.Render("!" + s)
	}
	return s
}

func pct(v float64) string   { return format.Percent(v) }
func rate(v float64) string  { return format.BytesFloat(v) }
func fixed(v float64) string { return format.Fixed(v, 2) }

// hostsTable draws the header and the rows on screen.
func (t *Tab) hostsTable(ctx view.Context, s *sourceState, n int) []string {
	cols := hostColumns(t.hosts.sortBy, t.opts.SparkSpan)
	widths := widgets.Layout(cols, ctx.Width)
	out := make([]string, 0, n+1)
	out = append(out, ctx.Styles.TableHeader.Render(widgets.Header(cols, widths)))
	if len(t.hosts.rows) == 0 {
		return append(out, " "+ctx.Styles.Muted.Render(t.emptyText(s, "hosts")))
	}
	hist := view.Historic(ctx, s.upd)
	off := t.hosts.cur.Offset
	cells := make([]string, numHostCols)
	for i := off; i < min(off+n, len(t.hosts.rows)); i++ {
		r := t.hosts.rows[i]
		line := t.hostRow(ctx, cols, widths, cells, r, s, hist, i == t.hosts.cur.Sel)
		if i == t.hosts.cur.Sel {
			line = ctx.Styles.Selected.Render(line)
		}
		out = append(out, line)
	}
	return out
}

// hostRow renders one host. A down host shows its scrape error where its
// figures would be: there are none, and the error is what the user needs.
func (t *Tab) hostRow(ctx view.Context, cols []widgets.Column, widths []int, cells []string, r hostRow, s *sourceState, hist, selected bool) string {
	st, h, f := ctx.Styles, r.h, r.flags
	for i := range cells {
		cells[i] = ""
	}
	cells[hcMark] = markCell(ctx, selected, f.any())
	cells[hcName] = sanitize.Line(h.Name)
	if s.shared[h.Name] {
		cells[hcName] = sanitize.Line(h.Instance)
	}
	if !h.Up {
		cells[hcUp] = st.Bad.Render("down")
		line := widgets.Row(cols[:hcCPU], widths[:hcCPU], cells[:hcCPU])
		why := "no scrape error known (the server has no targets API)"
		if h.ScrapeError != "" {
			why = sanitize.Line(h.ScrapeError)
		}
		rest := ctx.Width - width(line) - 1
		return line + " " + st.Bad.Render(widgets.Truncate(why, rest))
	}
	cells[hcUp] = st.OK.Render("up")
	cells[hcCPU] = figure(ctx, h.CPUBusyPercent, f.cpu, pct)
	if widths[hcSpark] > 0 {
		if sp := t.sparks.lines[sparkKey{s.id.Name, h.Instance}]; sp != nil {
			cells[hcSpark] = widgets.SparklineIn(st, sp, widths[hcSpark], widgets.SparkScale{Hi: 100})
		}
	}
	cells[hcCore] = figure(ctx, h.BusiestCorePercent, false, pct)
	cells[hcMem] = figure(ctx, h.MemoryUsedPercent, f.mem, pct)
	if h.SwapTotalBytes.Valid && h.SwapTotalBytes.V == 0 || !h.SwapTotalBytes.Valid && !h.SwapUsedPercent.Valid {
		cells[hcSwap] = st.Muted.Render("none")
	} else {
		cells[hcSwap] = figure(ctx, h.SwapUsedPercent, f.swap, pct)
	}
	cells[hcLoad] = figure(ctx, h.Load1PerCore, f.load, fixed)
	cells[hcFS] = figure(ctx, h.FullestFSPercent, f.fs, pct)
	cells[hcMount] = sanitize.Line(h.FullestFSMount)
	if !hist { // rates of old data would read as live
		cells[hcDisk] = figure(ctx, h.DiskReadBytesPerSec, false, rate) + "/" + figure(ctx, h.DiskWriteBytesPerSec, false, rate)
		cells[hcNet] = figure(ctx, h.NetRxBytesPerSec, false, rate) + "/" + figure(ctx, h.NetTxBytesPerSec, false, rate)
	}
	cells[hcUptime] = figure(ctx, h.Uptime, false, func(v float64) string { return upFor(v) })
	return widgets.Row(cols, widths, cells)
}

// markCell is a row's first two cells: ">" on the selected row and "!"
// on a row with a problem, visible without colour.
func markCell(ctx view.Context, selected, bad bool) string {
	m := " "
	if selected {
		m = ">"
	}
	if bad {
		return m + ctx.Styles.Bad.Render("!")
	}
	return m + " "
}

// spanText is the sparkline's span in its largest unit: "30m", "2h".
func spanText(d time.Duration) string {
	if d >= time.Hour && d%time.Hour == 0 {
		return strconv.Itoa(int(d/time.Hour)) + "h"
	}
	return strconv.Itoa(int(d/time.Minute)) + "m"
}

// upFor is an uptime in its largest unit: "41d", "7h", "12m".
func upFor(secs float64) string {
	d := time.Duration(secs) * time.Second
	switch {
	case d >= 24*time.Hour:
		return strconv.Itoa(int(d/(24*time.Hour))) + "d"
	case d >= time.Hour:
		return strconv.Itoa(int(d/time.Hour)) + "h"
	}
	return strconv.Itoa(int(d/time.Minute)) + "m"
}

// emptyText says why a table has no rows.
func (t *Tab) emptyText(s *sourceState, what string) string {
	if t.filter.Value() != "" {
		return "no " + what + " match the filter " + strconv.Quote(t.filter.Value()) + " — esc clears it"
	}
	return "no " + what + " in this Prometheus"
}
