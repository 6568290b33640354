package overview

import (
	"strconv"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/stacktop/stacktop/ui/format"
	uihost "github.com/stacktop/stacktop/ui/host"
	"github.com/stacktop/stacktop/ui/sanitize"
	"github.com/stacktop/stacktop/ui/view"
	"github.com/stacktop/stacktop/ui/widgets"
)

// Column widths of the metric lines: marker, label, value, then sparkline.
const (
	labelW = 7
	valueW = 36
)

// View implements view.Tab. It records the items the frame shows, in the
// order j steps through them (see launch.items).
func (t *Tab) View(ctx view.Context) string {
	t.launch.items = t.launch.items[:0]
	lines := t.metrics(ctx)
	title := len(lines) + 1
	lines = append(lines, "")
	lines = append(lines, t.topProcesses(ctx)...)
	if t.snap != nil && view.Historic(ctx, t.upd) {
		// The host's figures are history: dimmed, the title says as of when.
		view.DimLines(ctx, lines)
		lines[title] = " " + view.AsOf(ctx, t.upd) + view.Dim(ctx, " · the host's figures are not live")
	}
	if rest := ctx.Height - len(lines) - 1; rest >= 4 && len(ctx.Summaries) > 0 {
		lines = append(lines, "", t.boxes(ctx, min(rest, 14)))
	}
	return strings.Join(lines, "\n")
}

// metric is one line: problem marker, label, value, sparkline.
func metric(ctx view.Context, bad bool, label, value string, h *widgets.History, top float64) string {
	st := ctx.Styles
	m := " "
	if bad {
		m = st.Bad.Render("!")
		value = st.Bad.Render(value)
	}
	line := m + st.Label.Render(widgets.Cell(label, labelW, false)) + widgets.Cell(value, valueW, false)
	if w := ctx.Width - 1 - labelW - valueW - 1; w >= 8 && h != nil {
		line += " " + widgets.Sparkline(st, h, w, top)
	}
	return line
}

// scaledMetric is metric for a series without a ceiling (bytes per
// second): drawn from 0 to its own peak, which is said after the line
// ("≤ 12 MiB/s"), so a quiet host is not a flat line and a busy one is
// not mistaken for a saturated one.
func scaledMetric(ctx view.Context, label, value string, h *widgets.History, unit func(float64) string) string {
	st := ctx.Styles
	line := " " + st.Label.Render(widgets.Cell(label, labelW, false)) + widgets.Cell(value, valueW, false)
	w := ctx.Width - 1 - labelW - valueW - 1
	if w < 8 || h == nil {
		return line
	}
	note := widgets.ScaleLabel(widgets.ZeroToMax(h, w), unit)
	if sw := w - ansi.StringWidth(note) - 1; note != "" && sw >= 8 {
		// The scale of the samples the shorter line shows.
		note = widgets.ScaleLabel(widgets.ZeroToMax(h, sw), unit)
		return line + " " + widgets.SparklineIn(st, h, sw, widgets.ZeroToMax(h, sw)) + " " + st.Muted.Render(widgets.Cell(note, w-sw-1, false))
	}
	return line + " " + widgets.Sparkline(st, h, w, 0)
}

func (t *Tab) metrics(ctx view.Context) []string {
	s, th := t.snap, ctx.Thresholds
	if s == nil {
		return []string{" " + ctx.Styles.Muted.Render("waiting for the first poll of the host…")}
	}
	cpu := format.NA + " until the second poll"
	cpuBad := false
	if u := s.CPU.Total; s.CPU.Valid {
		cpu = format.Percent(u.Busy) + "  usr " + format.Fixed(u.User, 1) + " sys " + format.Fixed(u.System, 1) +
			" io " + format.Fixed(u.IOWait, 1)
		cpuBad = u.Busy > th.CPUPercent
	}
	m := s.Memory
	memPct, swapPct := percent(m.Used, m.Total), percent(m.SwapUsed, m.SwapTotal)
	swap := "none"
	if m.SwapTotal > 0 {
		swap = format.Percent(swapPct) + "  " + format.Bytes(m.SwapUsed) + " of " + format.Bytes(m.SwapTotal)
	}
	cores := max(s.CPU.Cores, 1)
	fsText, fsBad := "none", false
	if f, ok := busiest(s.Filesystems); ok {
		fsText = format.Percent(f.UsedPercent()) + "  " + sanitize.Line(f.Mountpoint)
		fsBad = f.UsedPercent() > th.FilesystemPercent
	}
	r, w := uihost.DiskTotals(s)
	rx, tx := uihost.NetTotals(s)
	return []string{
		metric(ctx, cpuBad, "CPU", cpu, t.cpu, 100),
		metric(ctx, memPct > th.MemoryPercent, "Memory", format.Percent(memPct)+"  "+format.Bytes(m.Used)+" of "+format.Bytes(m.Total), t.mem, 100),
		metric(ctx, m.SwapTotal > 0 && swapPct >= th.SwapUsedPercent, "Swap", swap, t.swap, 100),
		metric(ctx, s.Load.Load1/float64(cores) > th.LoadPerCore, "Load",
			format.Fixed(s.Load.Load1, 2)+" "+format.Fixed(s.Load.Load5, 2)+" "+format.Fixed(s.Load.Load15, 2)+"  ("+strconv.Itoa(s.CPU.Cores)+" cores)",
			t.load, max(float64(cores), t.load.Max(historyLen))),
		metric(ctx, fsBad, "Disk", fsText, t.fs, 100),
		scaledMetric(ctx, "I/O", "r "+format.ByteRate(r)+"  w "+format.ByteRate(w), t.disk, byteRate),
		scaledMetric(ctx, "Net", "rx "+format.ByteRate(rx)+"  tx "+format.ByteRate(tx), t.net, byteRate),
	}
}

// byteRate formats a sparkline's byte-per-second scale.
func byteRate(v float64) string { return format.BytesFloat(v) + "/s" }

func (t *Tab) topProcesses(ctx view.Context) []string {
	st := ctx.Styles
	out := []string{" " + st.Title.Render("Top processes") + st.Muted.Render(" by CPU · all processes on the Host tab (2)")}
	if t.snap == nil {
		return out
	}
	if t.snap.Processes.Partial {
		// Another tab was shown: the table was read in part; the hub
		// reads it whole at once now this view needs it.
		return append(out, st.Muted.Render(" reading the process table…"))
	}
	cols := uihost.ProcessColumns("CPU%", widgets.Descending)
	widths := widgets.Layout(cols, ctx.Width)
	out = append(out, st.TableHeader.Render(widgets.Header(cols, widths)))
	for _, p := range t.top {
		j := view.Jump{Source: t.upd.Source, What: view.JumpProcess, PID: int(p.PID)}
		t.launch.items = append(t.launch.items, j)
		out = append(out, uihost.ProcessRow(ctx, cols, widths, p, t.snap.Memory.Total, t.launch.isSelected(&j)))
	}
	return out
}

// boxes draws one bordered box per Summarizer side by side, h lines tall.
func (t *Tab) boxes(ctx view.Context, h int) string {
	n := len(ctx.Summaries)
	w := ctx.Width / n
	parts := make([]string, n)
	for i, s := range ctx.Summaries {
		bw := w
		if i == n-1 {
			bw = ctx.Width - w*(n-1)
		}
		inner := bw - 4 // border and padding
		body := ctx.Styles.Title.Render(s.SummaryTitle()) + "\n" + t.boxBody(ctx, s, inner, h-3)
		parts[i] = ctx.Styles.Box.Width(inner + 2).Render(widgets.Fit(body, inner, h-2))
	}
	return lipgloss.JoinHorizontal(lipgloss.Top, parts...)
}

// boxBody is a box's lines. The lines of a view.Launcher that name
// something become items; the selected one is marked with ▶ (visible
// without colour) and drawn reversed. A line wrapped over several rows
// is one item: only its first row counts.
func (t *Tab) boxBody(ctx view.Context, s view.Summarizer, width, height int) string {
	l, ok := s.(view.Launcher)
	if !ok {
		return s.Summary(ctx, width, height)
	}
	lines := l.SummaryLines(ctx, width, height)
	out := make([]string, len(lines))
	var prev *view.Jump
	for i, line := range lines {
		out[i] = line.Text
		if line.Jump == nil || (prev != nil && *prev == *line.Jump) {
			prev = line.Jump
			continue
		}
		prev = line.Jump
		t.launch.items = append(t.launch.items, *line.Jump)
		if t.launch.isSelected(line.Jump) {
			out[i] = ctx.Styles.Selected.Render("▶" + ansi.Strip(widgets.Truncate(line.Text, width-1)))
		}
	}
	return strings.Join(out, "\n")
}
