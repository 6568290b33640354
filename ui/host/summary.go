package host

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/stacktop/stacktop/collectors"
	hs "github.com/stacktop/stacktop/collectors/host"
	"github.com/stacktop/stacktop/ui/format"
	"github.com/stacktop/stacktop/ui/sanitize"
	"github.com/stacktop/stacktop/ui/view"
	"github.com/stacktop/stacktop/ui/widgets"
)

// summary draws the lines above the process table, following p.
func summary(ctx view.Context, s *hs.Snapshot, p plan) []string {
	lines := make([]string, 0, p.summaryLines())
	lines = append(lines, cpuLine(ctx, s))
	lines = append(lines, coreLines(ctx, s, p)...)
	lines = append(lines, memLine(ctx, s))
	lines = append(lines, fsLines(ctx, s, p.fsRows)...)
	if p.ioTotals {
		lines = append(lines, ioTotals(ctx, s))
	} else {
		lines = append(lines, diskLines(ctx, s, p.diskRows)...)
		lines = append(lines, netLines(ctx, s, p.netRows)...)
	}
	return lines
}

// mark is the problem marker that keeps thresholds visible without colour.
func mark(ctx view.Context, bad bool) string {
	if bad {
		return ctx.Styles.Bad.Render("!")
	}
	return " "
}

// cpuLine is the total CPU bar and figure, then as much of load, uptime and
// the user/system/iowait/steal split as fits.
func cpuLine(ctx view.Context, s *hs.Snapshot) string {
	st := ctx.Styles
	load := "load " + format.Fixed(s.Load.Load1, 2) + " " + format.Fixed(s.Load.Load5, 2) + " " + format.Fixed(s.Load.Load15, 2)
	loadBad := s.CPU.Cores > 0 && s.Load.Load1/float64(s.CPU.Cores) > ctx.Thresholds.LoadPerCore
	if loadBad {
		load = st.Bad.Render(load)
	}
	parts := []string{load, st.Muted.Render(strconv.Itoa(s.CPU.Cores) + " cores · up " + format.Duration(s.Uptime))}
	var line string
	if !s.CPU.Valid {
		line = mark(ctx, loadBad) + st.Label.Render("CPU  ") + st.Muted.Render(format.NA+" until the second poll")
	} else {
		u := s.CPU.Total
		bad := u.Busy > ctx.Thresholds.CPUPercent
		line = mark(ctx, bad || loadBad) + st.Label.Render("CPU  ") +
			widgets.Bar(st, widgets.FillFor(st, u.Busy, ctx.Thresholds.CPUPercent), 20, u.Busy) + " " +
			widgets.Cell(format.Percent(u.Busy), 6, true)
		parts = append(parts, st.Muted.Render("usr "+format.Fixed(u.User, 1)+"  sys "+format.Fixed(u.System, 1)+
			"  io "+format.Fixed(u.IOWait, 1)+"  st "+format.Fixed(u.Steal, 1)))
	}
	for _, p := range parts {
		if ansi.StringWidth(line)+3+ansi.StringWidth(p) > ctx.Width {
			break
		}
		line += "   " + p
	}
	return line
}

func coreLines(ctx view.Context, s *hs.Snapshot, p plan) []string {
	st := ctx.Styles
	if p.coreRows == 0 || !s.CPU.Valid {
		if p.coreRows == 0 {
			return nil
		}
		return []string{"      " + st.Muted.Render("per-core figures from the second poll")}
	}
	if p.coreStrip {
		h := widgets.NewHistory(len(s.CPU.PerCore))
		for _, c := range s.CPU.PerCore {
			h.Push(c.Busy)
		}
		return []string{"      " + widgets.Sparkline(st, h, h.Len(), 100)}
	}
	cells := make([]string, len(s.CPU.PerCore))
	for i, c := range s.CPU.PerCore {
		cells[i] = widgets.Cell(strconv.Itoa(i), 3, true) + " " +
			widgets.Bar(st, widgets.FillFor(st, c.Busy, ctx.Thresholds.CPUPercent), 8, c.Busy) + " " +
			widgets.Cell(format.Percent(c.Busy), 5, true)
	}
	lines, _ := widgets.Grid(cells, coreCellW, ctx.Width-labelW-1, p.coreRows)
	for i := range lines {
		lines[i] = strings.Repeat(" ", labelW+1) + lines[i]
	}
	return lines
}

func memLine(ctx view.Context, s *hs.Snapshot) string {
	st, m, th := ctx.Styles, s.Memory, ctx.Thresholds
	memPct := pct(m.Used, m.Total)
	swapPct := pct(m.SwapUsed, m.SwapTotal)
	memBad, swapBad := memPct > th.MemoryPercent, m.SwapTotal > 0 && swapPct >= th.SwapUsedPercent
	cells := []string{
		st.Label.Render("Mem  ") + widgets.Bar(st, widgets.FillFor(st, memPct, th.MemoryPercent), 10, memPct) + " " +
			format.Bytes(m.Used) + "/" + format.Bytes(m.Total),
		st.Label.Render("Swap ") + widgets.Bar(st, widgets.FillFor(st, swapPct, th.SwapUsedPercent), 10, swapPct) + " " +
			format.Bytes(m.SwapUsed) + "/" + format.Bytes(m.SwapTotal),
		st.Muted.Render("avail " + format.Bytes(m.Available) + "  buf/cache " + format.Bytes(m.Buffers+m.Cached)),
	}
	if m.SwapTotal == 0 {
		cells[1] = st.Label.Render("Swap ") + st.Muted.Render("none")
	}
	if gridCols(ctx.Width-1, memCellW) < 3 {
		cells = cells[:2]
	}
	lines, _ := widgets.Grid(cells, memCellW, ctx.Width-1, 1)
	return mark(ctx, memBad || swapBad) + lines[0]
}

func pct(part, whole uint64) float64 {
	if whole == 0 {
		return 0
	}
	return float64(part) * 100 / float64(whole)
}

// labelled prefixes grid lines with a label column ("FS   ") on the first
// line and a muted "+N more" at the end of the last when cells were left out.
func labelled(ctx view.Context, label string, lines []string, hidden int, bad bool) []string {
	for i := range lines {
		l := strings.Repeat(" ", labelW)
		if i == 0 {
			l = ctx.Styles.Label.Render(widgets.Cell(label, labelW, false))
		}
		lines[i] = mark(ctx, bad && i == 0) + l + lines[i]
	}
	if hidden > 0 && len(lines) > 0 {
		lines[len(lines)-1] += ctx.Styles.Muted.Render("  +" + strconv.Itoa(hidden) + " more")
	}
	return lines
}

func fsLines(ctx view.Context, s *hs.Snapshot, rows int) []string {
	st, th := ctx.Styles, ctx.Thresholds
	fss := slices.Clone(s.Filesystems)
	// Fullest first: when rows run out, the ones that matter stay.
	slices.SortStableFunc(fss, func(a, b hs.Filesystem) int { return cmp.Compare(b.UsedPercent(), a.UsedPercent()) })
	cw := fsCellW(fss)
	mw := cw - fsFixedW
	cells := make([]string, len(fss))
	bad := false
	for i, f := range fss {
		p := f.UsedPercent()
		over := p > th.FilesystemPercent
		bad = bad || over
		pctText := widgets.Cell(format.Percent(p), 6, true)
		if over {
			pctText = st.Bad.Render(pctText)
		}
		cells[i] = widgets.Cell(sanitize.Line(f.Mountpoint), mw, false) + " " +
			widgets.Bar(st, widgets.FillFor(st, p, th.FilesystemPercent), 8, p) + " " + pctText + " " +
			widgets.Cell(format.Bytes(f.Used)+"/"+format.Bytes(f.Total), 17, false)
	}
	lines, hidden := widgets.Grid(cells, cw, ctx.Width-labelW-1, rows)
	return labelled(ctx, "FS", lines, hidden, bad)
}

func diskLines(ctx view.Context, s *hs.Snapshot, rows int) []string {
	cells := make([]string, len(s.Disks))
	for i, d := range s.Disks {
		cells[i] = widgets.Cell(sanitize.Line(d.Name), 10, false) +
			" r " + widgets.Cell(format.ByteRate(d.ReadBytes), 11, true) +
			"  w " + widgets.Cell(format.ByteRate(d.WriteBytes), 11, true)
	}
	lines, hidden := widgets.Grid(cells, ioCellW, ctx.Width-labelW-1, rows)
	return labelled(ctx, "Disk", lines, hidden, false)
}

func netLines(ctx view.Context, s *hs.Snapshot, rows int) []string {
	shown := netShown(s)
	cells := make([]string, len(shown))
	bad := false
	for i, n := range shown {
		cells[i] = widgets.Cell(sanitize.Line(n.Name), 10, false) +
			"rx " + widgets.Cell(format.ByteRate(n.RxBytes), 11, true) +
			"  tx " + widgets.Cell(format.ByteRate(n.TxBytes), 11, true)
		if errs := SumRate(n.RxErrors, n.TxErrors, n.RxDrops, n.TxDrops); errs.Valid && errs.PerSec > 0 {
			cells[i] += ctx.Styles.Bad.Render("  err " + format.CountRate(errs))
			bad = true
		}
	}
	lines, hidden := widgets.Grid(cells, ioCellW, ctx.Width-labelW-1, rows)
	return labelled(ctx, "Net", lines, hidden, bad)
}

// netShown is the interfaces as the tab lists them: each one by name, but
// the host ends of the containers' veth pairs (one per container, dozens on
// a busy host) as one "veth ×N" row with their summed traffic and errors.
// Loopback and bridges (docker0) keep their own rows.
func netShown(s *hs.Snapshot) []hs.NetInterface {
	out := make([]hs.NetInterface, 0, len(s.Networks))
	var veth hs.NetInterface
	n := 0
	for _, i := range s.Networks {
		if i.Kind != hs.NetVeth {
			out = append(out, i)
			continue
		}
		n++
		veth.RxBytes, veth.TxBytes = SumRate(veth.RxBytes, i.RxBytes), SumRate(veth.TxBytes, i.TxBytes)
		veth.RxErrors, veth.TxErrors = SumRate(veth.RxErrors, i.RxErrors), SumRate(veth.TxErrors, i.TxErrors)
		veth.RxDrops, veth.TxDrops = SumRate(veth.RxDrops, i.RxDrops), SumRate(veth.TxDrops, i.TxDrops)
	}
	if n > 0 {
		veth.Name, veth.Kind = "veth ×"+strconv.Itoa(n), hs.NetVeth
		out = append(out, veth)
	}
	return out
}

// ioTotals is the one-line form of disks and networks for small screens.
func ioTotals(ctx view.Context, s *hs.Snapshot) string {
	r, w := DiskTotals(s)
	rx, tx := NetTotals(s)
	st := ctx.Styles
	return " " + st.Label.Render("Disk ") + "r " + format.ByteRate(r) + "  w " + format.ByteRate(w) +
		st.Muted.Render(" ("+strconv.Itoa(len(s.Disks))+")") + "   " +
		st.Label.Render("Net ") + "rx " + format.ByteRate(rx) + "  tx " + format.ByteRate(tx) +
		st.Muted.Render(" ("+strconv.Itoa(len(netShown(s)))+")")
}

// DiskTotals are the read and write rates summed over the host's disks
// (SumRate's validity: any disk with a rate makes the total valid).
func DiskTotals(s *hs.Snapshot) (read, write collectors.Rate) {
	for _, d := range s.Disks {
		read, write = SumRate(read, d.ReadBytes), SumRate(write, d.WriteBytes)
	}
	return read, write
}

// NetTotals are the receive and transmit rates of the host's traffic on
// the wire: summed over its physical interfaces, valid as DiskTotals is.
// A container's download crosses its veth, the bridge and the physical
// device, and loopback traffic never leaves the host, so a sum over every
// interface counted one packet up to three times. Without a physical
// interface (stacktop in a container, whose eth0 is a veth; a snapshot
// without kinds) every interface but loopback and bridges counts.
func NetTotals(s *hs.Snapshot) (rx, tx collectors.Rate) {
	wire := slices.ContainsFunc(s.Networks, func(n hs.NetInterface) bool { return n.Kind == hs.NetPhysical })
	for _, n := range s.Networks {
		if wire && n.Kind != hs.NetPhysical || n.Kind == hs.NetLoopback || n.Kind == hs.NetBridge {
			continue
		}
		rx, tx = SumRate(rx, n.RxBytes), SumRate(tx, n.TxBytes)
	}
	return rx, tx
}

// SumRate adds the valid rates; the sum is valid when any part is (a device
// still on its first sample does not hide the others' traffic).
func SumRate(rs ...collectors.Rate) collectors.Rate {
	var out collectors.Rate
	for _, r := range rs {
		if r.Valid {
			out.PerSec += r.PerSec
			out.Valid = true
		}
	}
	return out
}
