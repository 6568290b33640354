package fleet

import (
	"slices"
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/stacktop/stacktop/collectors"
	fs "github.com/stacktop/stacktop/collectors/fleet"
	"github.com/stacktop/stacktop/ui/format"
	"github.com/stacktop/stacktop/ui/sanitize"
	"github.com/stacktop/stacktop/ui/view"
	"github.com/stacktop/stacktop/ui/widgets"
)

// detailW and narrowW cap the detail's tables: wider, their few columns
// drift apart.
const (
	detailW = 110
	narrowW = 60
)

// coreCellW is one per-core cell: "  0 ████████  20.0%".
const coreCellW = 19

// detailFrame draws the open detail: two fixed lines (the host and the
// request's state), then the sections, scrolled by j/k.
func (t *Tab) detailFrame(ctx view.Context) string {
	d, h, st := t.detail, t.detailHost(), ctx.Styles
	title := " " + st.Title.Render(sanitize.Line(h.Name)) + " " + upText(ctx, h) + st.Muted.Render(" · "+sanitize.Line(h.Instance)+labelText(h))
	if h.Cores > 0 {
		title += st.Muted.Render(" · " + strconv.Itoa(h.Cores) + " cores")
	}
	var body []string
	if d.d != nil {
		body = detailBody(ctx, d.d, h, t.opts.Thresholds, t.opts.PG)
	}
	d.lines = len(body)
	lines := append([]string{widgets.Truncate(title, ctx.Width)}, t.detailStatus(ctx)...)
	d.offset = max(min(d.offset, len(body)-(ctx.Height-len(lines))), 0)
	end := min(d.offset+ctx.Height-len(lines), len(body))
	lines = append(lines, body[d.offset:end]...)
	return strings.Join(lines, "\n")
}

// upText is a host's health: "up", or "down" with nothing else.
func upText(ctx view.Context, h *fs.Host) string {
	if h.Up {
		return ctx.Styles.OK.Render("up")
	}
	return ctx.Styles.Bad.Render("down")
}

// labelText is " · job node · env=prod", the labels a filter can use,
// without the host label itself.
func labelText(h *fs.Host) string {
	keys := make([]string, 0, len(h.Labels))
	for k := range h.Labels {
		if k != "job" && k != "instance" && h.Labels[k] != h.Instance {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	out := ""
	if h.Job != "" {
		out = " · job " + h.Job
	}
	for _, k := range keys {
		out += " · " + k + "=" + h.Labels[k]
	}
	return sanitize.Line(out)
}

// detailStatus is the second line: loading, the failure (one line, cause
// then hint), or when the figures were taken; then the live targets.
func (t *Tab) detailStatus(ctx view.Context) []string {
	d, st := t.detail, ctx.Styles
	var s string
	switch {
	case d.err != nil && d.d == nil:
		return wrapText(ctx, "! "+withoutSource(sanitize.Line(d.err.Error()), d.source)+" · r retries, esc goes back", ctx.Width-1, 3)
	case d.err != nil:
		return wrapText(ctx, "! refresh failed, showing "+format.Duration(d.age(ctx.Now))+" old figures: "+
			withoutSource(sanitize.Line(d.err.Error()), d.source), ctx.Width-1, 3)
	case d.d == nil:
		s = st.Muted.Render("loading the host's detail from Prometheus " + strconv.Quote(d.source) + "…")
	default:
		s = st.Muted.Render("as of " + d.d.Taken.Format("15:04:05") + " · " + strconv.Itoa(d.d.Queries) + " queries")
	}
	if live := t.liveOf(t.detailHost()); len(live) > 0 {
		var parts []string
		for _, l := range live {
			k := "p"
			if l.Source.Kind == collectors.KindDocker {
				k = "d"
			}
			parts = append(parts, string(l.Source.Kind)+" "+strconv.Quote(sanitize.Line(l.Source.Name))+" ("+k+")")
		}
		s += st.Label.Render(" · live: " + strings.Join(parts, ", "))
	}
	if d.lines > ctx.Height-2 {
		s += st.Muted.Render(" · j/k scroll")
	}
	return []string{" " + widgets.Truncate(s, ctx.Width-1)}
}

// detailBody is every section of the detail.
func detailBody(ctx view.Context, d *fs.HostDetail, h *fs.Host, th view.Thresholds, pth PGThresholds) []string {
	var out []string
	for _, part := range [][]string{
		hostFigures(ctx, h, th),
		coreLines(ctx, d.Cores, th),
		fsLines(ctx, d.Filesystems, th),
		nicLines(ctx, d.NICs),
		diskLines(ctx, d.Disks),
		pgLines(ctx, d.Postgres, pth),
		containerLines(ctx, containers(&fs.Snapshot{TopCPU: d.TopCPU, TopMemory: d.TopMemory})),
	} {
		out = append(out, part...)
	}
	return out
}

// hostFigures is the host's row in full, or why there is none.
func hostFigures(ctx view.Context, h *fs.Host, th view.Thresholds) []string {
	st, f := ctx.Styles, judge(h, th)
	if !h.Up {
		why := "no scrape error known (the server has no targets API)"
		if h.ScrapeError != "" {
			why = sanitize.Line(h.ScrapeError)
		}
		return []string{" " + st.Bad.Render(widgets.Truncate("! node_exporter down: "+why, ctx.Width-1))}
	}
	return wrap([]string{
		st.Label.Render("CPU ") + figure(ctx, h.CPUBusyPercent, f.cpu, pct),
		st.Label.Render("busiest core ") + figure(ctx, h.BusiestCorePercent, false, pct),
		st.Label.Render("load ") + figure(ctx, h.Load1, false, fixed) + " (" + figure(ctx, h.Load1PerCore, f.load, fixed) + "/core)",
		st.Label.Render("mem ") + figure(ctx, h.MemoryUsedPercent, f.mem, pct) + " of " + figure(ctx, h.MemoryTotalBytes, false, rate),
		st.Label.Render("swap ") + figure(ctx, h.SwapUsedPercent, f.swap, pct),
		st.Label.Render("up ") + figure(ctx, h.Uptime, false, upFor),
	}, ctx.Width)
}

// coreLines is a bar per core, as many per line as fit.
func coreLines(ctx view.Context, cores []fs.CoreCPU, th view.Thresholds) []string {
	st := ctx.Styles
	out := []string{section(ctx, "CPU per core", len(cores))}
	cells := make([]string, len(cores))
	for i, c := range cores {
		v, _ := c.BusyPercent.Float()
		bad := over(c.BusyPercent, th.CPUPercent)
		cells[i] = widgets.Cell(sanitize.Line(c.CPU), 3, true) + " " + widgets.Bar(st, widgets.FillFor(st, v, th.CPUPercent), 8, v) + " " +
			widgets.Cell(figure(ctx, c.BusyPercent, bad, pct), 6, true)
	}
	grid, _ := widgets.Grid(cells, coreCellW, ctx.Width-1, len(cells))
	for _, l := range grid {
		out = append(out, " "+l)
	}
	return out
}

func fsLines(ctx view.Context, fss []fs.Filesystem, th view.Thresholds) []string {
	st := ctx.Styles
	return append([]string{section(ctx, "Filesystems", len(fss))}, table(ctx, detailW, []widgets.Column{
		{Title: "MOUNT", Width: 16, Flex: true}, {Title: "DEVICE", Width: 14, Flex: true, Drop: 2}, {Title: "TYPE", Width: 6, Drop: 1},
		{Title: "SIZE", Width: 9, Right: true}, {Title: "USED%", Width: 6, Right: true}, {Title: "", Width: 10, Drop: 3},
	}, len(fss), func(i int) []string {
		x := fss[i]
		v, _ := x.UsedPercent.Float()
		bad := over(x.UsedPercent, th.FilesystemPercent)
		return []string{sanitize.Line(x.Mount), sanitize.Line(x.Device), sanitize.Line(x.FSType), figure(ctx, x.SizeBytes, false, rate),
			figure(ctx, x.UsedPercent, bad, pct), widgets.Bar(st, widgets.FillFor(st, v, th.FilesystemPercent), 10, v)}
	})...)
}

func nicLines(ctx view.Context, nics []fs.NIC) []string {
	st := ctx.Styles
	return append([]string{section(ctx, "Network", len(nics))}, table(ctx, narrowW, []widgets.Column{
		{Title: "NIC", Width: 16, Flex: true}, {Title: "LINK", Width: 4}, {Title: "RX/s", Width: 10, Right: true}, {Title: "TX/s", Width: 10, Right: true},
	}, len(nics), func(i int) []string {
		n := nics[i]
		link := st.Muted.Render("?")
		if n.Up.Valid {
			link = st.OK.Render("up")
			if n.Up.V == 0 {
				link = st.Warn.Render("down")
			}
		}
		return []string{sanitize.Line(n.Device), link, figure(ctx, n.RxBytesPerSec, false, rate), figure(ctx, n.TxBytesPerSec, false, rate)}
	})...)
}

func diskLines(ctx view.Context, disks []fs.Disk) []string {
	return append([]string{section(ctx, "Disks", len(disks))}, table(ctx, narrowW, []widgets.Column{
		{Title: "DISK", Width: 16, Flex: true}, {Title: "READ/s", Width: 10, Right: true}, {Title: "WRITE/s", Width: 10, Right: true},
	}, len(disks), func(i int) []string {
		k := disks[i]
		return []string{sanitize.Line(k.Device), figure(ctx, k.ReadBytesPerSec, false, rate), figure(ctx, k.WriteBytesPerSec, false, rate)}
	})...)
}

func pgLines(ctx view.Context, servers []fs.PGServer, pth PGThresholds) []string {
	out := []string{section(ctx, "PostgreSQL", len(servers))}
	if len(servers) == 0 {
		return out
	}
	cols := pgColumns(PGSortProblems) // the host's few servers, unmarked
	widths := widgets.Layout(cols, min(ctx.Width, detailW))
	out = append(out, ctx.Styles.TableHeader.Render(widgets.Header(cols, widths)))
	cells := make([]string, numPGCols)
	for i := range servers {
		out = append(out, pgRowText(ctx, cols, widths, cells, pgRow{&servers[i], judgePG(&servers[i], pth)}, false, false))
	}
	return out
}

func containerLines(ctx view.Context, cts []*fs.Container) []string {
	return append([]string{section(ctx, "Containers", len(cts))}, table(ctx, detailW, []widgets.Column{
		{Title: "CONTAINER", Width: 16, Flex: true}, {Title: "IMAGE", Width: 16, Flex: true, Drop: 1},
		{Title: "CPU%", Width: 7, Right: true}, {Title: "MEMORY", Width: 9, Right: true},
	}, len(cts), func(i int) []string {
		c := cts[i]
		return []string{sanitize.Line(c.Name), sanitize.Line(c.Image), figure(ctx, c.CPUPercent, false, pct), figure(ctx, c.MemoryBytes, false, rate)}
	})...)
}

// section is a section's title line: "Filesystems 3", or "none" muted.
func section(ctx view.Context, title string, n int) string {
	s := " " + ctx.Styles.Title.Render(title)
	if n == 0 {
		return s + ctx.Styles.Muted.Render(" none")
	}
	return s
}

// table is a header and n rows indented by one cell, at most maxW cells
// wide; row(i) gives the cells.
func table(ctx view.Context, maxW int, cols []widgets.Column, n int, row func(i int) []string) []string {
	if n == 0 {
		return nil
	}
	widths := widgets.Layout(cols, min(ctx.Width, maxW)-1)
	out := []string{" " + ctx.Styles.TableHeader.Render(widgets.Header(cols, widths))}
	for i := range n {
		out = append(out, " "+widgets.Row(cols, widths, row(i)))
	}
	return out
}

// wrap joins parts with two spaces into lines of at most w cells, each
// indented by one.
func wrap(parts []string, w int) []string {
	var out []string
	line := ""
	for _, p := range parts {
		if line != "" && width(line)+2+width(p) > w-1 {
			out = append(out, " "+line)
			line = ""
		}
		if line != "" {
			line += "  "
		}
		line += p
	}
	if line != "" {
		out = append(out, " "+widgets.Truncate(line, w-1))
	}
	return out
}

// width is s's width in cells.
func width(s string) int { return ansi.StringWidth(s) }
