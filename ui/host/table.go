package host

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	hs "github.com/stacktop/stacktop/collectors/host"
	"github.com/stacktop/stacktop/ui/format"
	"github.com/stacktop/stacktop/ui/redact"
	"github.com/stacktop/stacktop/ui/sanitize"
	"github.com/stacktop/stacktop/ui/view"
	"github.com/stacktop/stacktop/ui/widgets"
)

// Process table columns, in order. Drop says which go first on narrow screens.
const (
	colMark = iota
	colPID
	colUser
	colState
	colCPU
	colMem
	colRSS
	colThreads
	colStart
	colContainer // only in the Host tab, while some process is in a container
	colName
	colCommand
	numCols
)

// ProcessColumns returns the process table's columns; sortCol (e.g. "CPU%")
// gets the arrow of order so the current order shows in the header.
func ProcessColumns(sortCol string, order widgets.SortOrder) []widgets.Column {
	return processColumns(sortCol, order, 0)
}

// processColumns is ProcessColumns with a CONTAINER column of width
// container (none when 0). It goes before MEM% does when the width runs
// short (START, THR and MEM% go first), and before COMMAND: at 80 columns
// all of PID, USER, CPU%, RSS, a 12-cell CONTAINER, NAME and a little of
// COMMAND fit.
func processColumns(sortCol string, order widgets.SortOrder, container int) []widgets.Column {
	cols := []widgets.Column{
		{Title: "", Width: 1},
		{Title: "PID", Width: 7, Right: true},
		{Title: "USER", Width: 9},
		{Title: "S", Width: 1},
		{Title: "CPU%", Width: 6, Right: true},
		{Title: "MEM%", Width: 5, Right: true, Drop: 2},
		{Title: "RSS", Width: 9, Right: true},
		{Title: "THR", Width: 4, Right: true, Drop: 3},
		{Title: "START", Width: 5, Right: true, Drop: 4},
		// Drop 2 as MEM%, which stands before it and so goes first.
		{Title: "CONTAINER", Width: container, Drop: 2},
		{Title: "NAME", Width: 15},
		{Title: "COMMAND", Width: 12, Flex: true, Drop: 1},
	}
	if container == 0 {
		cols = slices.Delete(cols, colContainer, colContainer+1)
	}
	return widgets.MarkSorted(cols, sortCol, order)
}

// ProcessRow renders p as one table row. memTotal (bytes) gives MEM%; the
// clock renders the start time (hh:mm today, otherwise the date).
func ProcessRow(ctx view.Context, cols []widgets.Column, widths []int, p *hs.Process, memTotal uint64, selected bool) string {
	return processRow(ctx, cols, widths, p, memTotal, selected, rowExtras{})
}

// rowExtras is what the Host tab adds to a row: the container's name (for
// columns that have CONTAINER) and the tree glyphs before the name.
type rowExtras struct {
	container, tree string
}

func processRow(ctx view.Context, cols []widgets.Column, widths []int, p *hs.Process, memTotal uint64, selected bool, x rowExtras) string {
	var cells [numCols]string
	cells[colMark] = " "
	if selected {
		cells[colMark] = ">"
	}
	cells[colPID] = strconv.Itoa(int(p.PID))
	cells[colUser] = sanitize.Line(p.User)
	cells[colState] = cellState(p.State)
	cells[colCPU] = format.NA
	if p.CPUValid {
		cells[colCPU] = format.Percent(p.CPUPercent)
	}
	cells[colMem] = format.Percent(pct(p.RSS, memTotal))
	cells[colRSS] = format.Bytes(p.RSS)
	cells[colThreads] = strconv.Itoa(int(p.Threads))
	cells[colStart] = startTime(ctx, p)
	cells[colContainer] = x.container
	cells[colName] = x.tree + sanitize.Line(p.Name)
	// COMMAND is the last column; it is left out (width 0) on narrow screens.
	if widths[len(widths)-1] > 0 {
		cells[colCommand] = commandLine(ctx, p)
	}
	row := cells[:]
	if len(cols) < numCols {
		row = slices.Delete(row, colContainer, colContainer+1)
	}
	line := widgets.Row(cols, widths, row)
	if selected {
		return ctx.Styles.Selected.Render(line)
	}
	return line
}

// containerWidth is the CONTAINER column's width at a screen width: 0
// while no process is in a container; 12 cells below 120 columns; from
// 120 up, the longest name (or short ID) shown, between 12 and 24.
func (t *Tab) containerWidth(screen int) int {
	if !t.inContainer {
		return 0
	}
	if screen < 120 {
		return 12
	}
	return t.longestContainer
}

// measureContainers sets longestContainer: the widest container name (or
// short ID) of the snapshot's processes, between 12 and 24 cells. Done on
// each snapshot and name change, not each frame: it walks every process.
func (t *Tab) measureContainers() {
	w := 12
	if t.inContainer {
		seen := make(map[string]bool)
		for i := range t.snap.Processes.List {
			id := t.snap.Processes.List[i].Container
			if id == "" || seen[id] {
				continue
			}
			seen[id] = true
			w = max(w, ansi.StringWidth(sanitize.Line(t.containerName(id))))
		}
	}
	t.longestContainer = min(w, 24)
}

// cellState is the state letter, or "?" for a byte that is not printable.
func cellState(b byte) string {
	if b <= 0x20 || b >= 0x7f {
		return "?"
	}
	return string(rune(b))
}

func startTime(ctx view.Context, p *hs.Process) string {
	if p.StartTime.IsZero() {
		return "?"
	}
	t := p.StartTime.In(ctx.Now.Location())
	if ctx.Now.Sub(t) < 24*time.Hour && t.YearDay() == ctx.Now.YearDay() {
		return t.Format("15:04")
	}
	return t.Format("Jan02")
}

// View implements view.Tab.
func (t *Tab) View(ctx view.Context) string {
	st := ctx.Styles
	if t.snap == nil {
		return " " + st.Muted.Render("waiting for the first poll of the host…")
	}
	p := planFor(t.snap, ctx.Width, ctx.Height)
	old := view.Historic(ctx, t.upd) // the host's figures are history: dimmed, labelled
	lines := summary(ctx, t.snap, p)
	title := t.tableTitle(ctx)
	if old {
		lines = view.DimLines(ctx, lines)
		title = widgets.Truncate(" "+view.AsOf(ctx, t.upd)+view.Dim(ctx, " ·"+title), ctx.Width)
	}
	lines = append(lines, title)
	cols := processColumns(t.sortBy.column(), t.sortBy.order(), t.containerWidth(ctx.Width))
	widths := widgets.Layout(cols, ctx.Width)
	lines = append(lines, st.TableHeader.Render(widgets.Header(cols, widths)))
	if t.users.open {
		// The chooser takes the table's room, so the layout stays put.
		chooser := t.users.lines(ctx, p.tableRows)
		for i := len(chooser); i < p.tableRows; i++ {
			chooser = append(chooser, "")
		}
		lines = append(lines, chooser...)
		lines = append(lines, t.details(ctx, p.details)...)
		return strings.Join(lines, "\n")
	}
	rctx := ctx
	if old {
		rctx.Now = t.upd.LastGood // ages as of the data, not growing with the clock
	}
	end := min(t.cur.Offset+p.tableRows, len(t.rows))
	for i := t.cur.Offset; i < end; i++ {
		var x rowExtras
		if t.inContainer && t.rows[i].Container != "" {
			x.container = sanitize.Line(t.containerName(t.rows[i].Container))
		}
		if t.prefix != nil {
			x.tree = t.prefix[i]
		}
		row := processRow(rctx, cols, widths, t.rows[i], t.snap.Memory.Total, i == t.cur.Sel, x)
		if old {
			row = view.Dim(ctx, row)
		}
		lines = append(lines, row)
	}
	if len(t.rows) == 0 {
		lines = append(lines, " "+st.Muted.Render("no process matches “"+sanitize.Line(t.filter.Value())+"” — esc clears the filter"))
		end++
	}
	for i := end - t.cur.Offset; i < p.tableRows; i++ {
		lines = append(lines, "")
	}
	details := t.details(rctx, p.details)
	if old {
		view.DimLines(ctx, details)
	}
	lines = append(lines, details...)
	return strings.Join(lines, "\n")
}

// tableTitle is "Processes 2,000 · 5 running · 8,123 threads   sort CPU% (s)
// filter …" with the prompt in place of the filter while editing.
func (t *Tab) tableTitle(ctx view.Context) string {
	st := ctx.Styles
	pr := t.snap.Processes
	head := " " + st.Title.Render("Processes") + " " + strconv.Itoa(pr.Count)
	if pr.Partial { // read while another tab was shown; the whole table follows at once
		head += st.Muted.Render(" PostgreSQL only, reading the rest…")
	}
	counts := st.Muted.Render(" · " + strconv.Itoa(pr.Running) + " running · " + strconv.Itoa(pr.Threads) + " threads")
	rest := "   sort " + st.Label.Render(t.sortBy.String())
	if t.tree {
		rest += st.Muted.Render(" · ") + st.Label.Render("tree")
	}
	switch {
	case t.filter.Focused():
		rest += "   " + t.filter.View()
	case t.filter.Value() != "":
		rest += "   filter " + st.Label.Render(sanitize.Line(t.filter.Value())) +
			st.Muted.Render(" ("+strconv.Itoa(len(t.rows))+" shown)")
	}
	// The running and thread counts give way first on a narrow screen:
	// the filter and how many rows it leaves matter more.
	if ansi.StringWidth(head+counts+rest) > ctx.Width && !t.filter.Focused() {
		return head + rest
	}
	return head + counts + rest
}

// stateName spells out a kernel process state letter.
func stateName(b byte) string {
	switch b {
	case 'R':
		return "running"
	case 'S':
		return "sleeping"
	case 'D':
		return "disk wait"
	case 'Z':
		return "zombie"
	case 'T':
		return "stopped"
	case 't':
		return "traced"
	case 'I':
		return "idle"
	case 'X':
		return "dead"
	}
	return ""
}

// details is the selected process's pane: a title rule, the facts, and the
// full command line wrapped over the remaining lines.
func (t *Tab) details(ctx view.Context, n int) []string {
	st := ctx.Styles
	p := t.Selected()
	if p == nil {
		return []string{st.Muted.Render(strings.Repeat("─", ctx.Width))}
	}
	head := "─ PID " + strconv.Itoa(int(p.PID)) + " · PPID " + strconv.Itoa(int(p.PPID)) +
		" · " + sanitize.Line(p.User) + " · " + sanitize.Line(p.Name) + " "
	if p.Container != "" {
		head += "· container " + sanitize.Line(t.containerName(p.Container)) + " "
	}
	rule := st.Title.Render(head) + st.Muted.Render(strings.Repeat("─", max(ctx.Width-ansi.StringWidth(head), 0)))
	state := cellState(p.State)
	if s := stateName(p.State); s != "" {
		state += " (" + s + ")"
	}
	started := "unknown"
	if !p.StartTime.IsZero() {
		at := p.StartTime.In(ctx.Now.Location())
		layout := "15:04:05"
		if at.YearDay() != ctx.Now.YearDay() || at.Year() != ctx.Now.Year() {
			layout = "2006-01-02 15:04"
		}
		started = at.Format(layout) + ", " + format.Rough(ctx.Now.Sub(p.StartTime)) + " ago"
	}
	facts := " state " + state + "  threads " + strconv.Itoa(int(p.Threads)) +
		"  RSS " + format.Bytes(p.RSS) + "  started " + started
	out := []string{rule, facts}
	cmdLines := max(n-2, 1)
	wrapped := strings.Split(ansi.Wrap(commandLine(ctx, p), max(ctx.Width-2, 10), ""), "\n")
	if len(wrapped) > cmdLines {
		wrapped = wrapped[:cmdLines]
		last := wrapped[cmdLines-1]
		wrapped[cmdLines-1] = ansi.Truncate(last, max(ctx.Width-3, 1), "") + widgets.Ellipsis
	}
	for _, l := range wrapped {
		out = append(out, " "+l)
	}
	return out
}

// commandLine is p's command line as it may be shown: sanitized, and with
// passwords and secret-named options masked under --redact.
func commandLine(ctx view.Context, p *hs.Process) string {
	if ctx.Redact {
		return sanitize.Line(redact.CommandLine(p.Command))
	}
	return sanitize.Line(p.Command)
}
