package overview

import (
	"reflect"
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
//
// The frame comes from ctx.Frames when another session (or this one, a
// moment ago) drew it from the same inputs: every input goes into the key
// (frameKey). The boxes' lines are asked of their tabs here, each time, as
// they depend on those tabs' state; only the drawing is shared.
func (t *Tab) View(ctx view.Context) string {
	boxes := t.boxInputs(ctx)
	f := ctx.Frames.Do(t.frameKey(ctx, boxes), func() any { return t.draw(ctx, boxes) }).(frame)
	t.launch.items = append(t.launch.items[:0], f.items...)
	return f.body
}

// frame is a drawn Overview: its text and the items it shows.
type frame struct {
	body  string
	items []view.Jump
}

// draw renders the Overview from its state, ctx and the boxes' lines.
func (t *Tab) draw(ctx view.Context, boxes []boxInput) frame {
	var items []view.Jump
	lines := t.metrics(ctx)
	title := len(lines) + 1
	lines = append(lines, "")
	lines = append(lines, t.topProcesses(ctx, &items)...)
	if t.snap != nil && view.Historic(ctx, t.upd) {
		// The host's figures are history: dimmed, the title says as of when.
		view.DimLines(ctx, lines)
		lines[title] = " " + view.AsOf(ctx, t.upd) + view.Dim(ctx, " · the host's figures are not live")
	}
	if len(boxes) > 0 {
		lines = append(lines, "", t.boxes(ctx, boxes, &items))
	}
	return frame{body: strings.Join(lines, "\n"), items: items}
}

// headLines is how many lines the metrics and the top processes take
// (TestHeadLinesCountsWhatIsDrawn holds it to what draw draws): the
// boxes get the rest, and their tabs are asked for lines of that height
// before anything is drawn.
func (t *Tab) headLines() int {
	if t.snap == nil {
		return 1 + 1 + 1 // waiting line, blank, the top processes' title
	}
	return 7 + 1 + 2 + len(t.top) // metrics, blank, title and header, rows
}

// boxInput is one box of the Overview: its title and lines, asked of its
// tab at the size the box gives it.
type boxInput struct {
	title string
	lines []view.SummaryLine // with Jumps for a view.Launcher
	inner int                // text width inside border and padding
}

// boxH is the boxes' height, and whether they are shown at all.
func (t *Tab) boxH(ctx view.Context) (int, bool) {
	rest := ctx.Height - t.headLines() - 1
	if rest < 4 || len(ctx.Summaries) == 0 {
		return 0, false
	}
	return min(rest, 14), true
}

// boxInputs asks every Summarizer for its box's lines, side by side across
// the width.
func (t *Tab) boxInputs(ctx view.Context) []boxInput {
	h, ok := t.boxH(ctx)
	if !ok {
		return nil
	}
	n := len(ctx.Summaries)
	w := ctx.Width / n
	out := make([]boxInput, n)
	for i, s := range ctx.Summaries {
		bw := w
		if i == n-1 {
			bw = ctx.Width - w*(n-1)
		}
		inner := bw - 4 // border and padding
		in := boxInput{title: s.SummaryTitle(), inner: inner}
		if l, ok := s.(view.Launcher); ok {
			in.lines = l.SummaryLines(ctx, inner, h-3)
		} else {
			in.lines = []view.SummaryLine{{Text: s.Summary(ctx, inner, h-3)}}
		}
		out[i] = in
	}
	return out
}

// historyKey is the sparklines' samples, hashed once per poll rather than
// on every frame.
func (t *Tab) historyKey(frames *view.FrameCache) uint64 {
	if t.histFrames != frames || frames == nil {
		k := frames.Key()
		for _, h := range [...]*widgets.History{t.cpu, t.mem, t.swap, t.load, t.fs, t.disk, t.net} {
			k.Floats(h.Len(), h.At)
		}
		t.histKey, t.histFrames = k.Sum(), frames
	}
	return t.histKey
}

// frameKey is everything draw reads: ctx, the host's update and snapshot
// (immutable, so their identity stands for their content), the sparklines'
// samples, the selection and the boxes' lines.
func (t *Tab) frameKey(ctx view.Context, boxes []boxInput) view.FrameKey {
	k := ctx.Frames.Key()
	k.String("overview")
	k.Context(ctx)
	k.Bool(view.Historic(ctx, t.upd))
	k.String(string(t.upd.Source.Kind))
	k.String(t.upd.Source.Name)
	k.Time(t.upd.LastGood)
	k.Bool(t.snap != nil)
	if t.snap != nil {
		k.Uint(uint64(reflect.ValueOf(t.snap).Pointer()))
		k.Time(t.snap.Taken)
	}
	k.Uint(t.historyKey(ctx.Frames))
	k.Bool(t.launch.selected)
	k.Jump(t.launch.sel)
	k.Int(len(boxes))
	for _, b := range boxes {
		k.String(b.title)
		k.Int(b.inner)
		k.Int(len(b.lines))
		for _, l := range b.lines {
			k.String(l.Text)
			k.Bool(l.Jump != nil)
			if l.Jump != nil {
				k.Jump(*l.Jump)
			}
		}
	}
	return k
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

func (t *Tab) topProcesses(ctx view.Context, items *[]view.Jump) []string {
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
		*items = append(*items, j)
		out = append(out, uihost.ProcessRow(ctx, cols, widths, p, t.snap.Memory.Total, t.launch.isSelected(&j)))
	}
	return out
}

// boxes draws one bordered box per Summarizer side by side.
func (t *Tab) boxes(ctx view.Context, boxes []boxInput, items *[]view.Jump) string {
	h, _ := t.boxH(ctx)
	parts := make([]string, len(boxes))
	for i, b := range boxes {
		body := ctx.Styles.Title.Render(b.title) + "\n" + t.boxBody(ctx, b, items)
		parts[i] = ctx.Styles.Box.Width(b.inner + 2).Render(widgets.Fit(body, b.inner, h-2))
	}
	return lipgloss.JoinHorizontal(lipgloss.Top, parts...)
}

// boxBody is a box's lines. The lines that name something become items;
// the selected one is marked with ▶ (visible without colour) and drawn
// reversed. A line wrapped over several rows is one item: only its first
// row counts.
func (t *Tab) boxBody(ctx view.Context, b boxInput, items *[]view.Jump) string {
	out := make([]string, len(b.lines))
	var prev *view.Jump
	for i, line := range b.lines {
		out[i] = line.Text
		if line.Jump == nil || (prev != nil && *prev == *line.Jump) {
			prev = line.Jump
			continue
		}
		prev = line.Jump
		*items = append(*items, *line.Jump)
		if t.launch.isSelected(line.Jump) {
			out[i] = ctx.Styles.Selected.Render("▶" + ansi.Strip(widgets.Truncate(line.Text, b.inner-1)))
		}
	}
	return strings.Join(out, "\n")
}
