package docker

import (
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"

	"github.com/stacktop/stacktop/collectors"
	ds "github.com/stacktop/stacktop/collectors/docker"
	"github.com/stacktop/stacktop/ui/format"
	"github.com/stacktop/stacktop/ui/sanitize"
	"github.com/stacktop/stacktop/ui/view"
	"github.com/stacktop/stacktop/ui/widgets"
)

// Container list columns, in order.
const (
	colMark = iota
	colName
	colService
	colImage
	colState
	colHealth
	colStatus
	colRestarts
	colCPU
	colHostCPU
	colMem
	colLimit
	colMemPct
	colRx
	colTx
	colBlkR
	colBlkW
	colPIDs
	colPorts
	numCols
)

// listColumns returns the list's columns; sortCol gets the arrow of order. Drop says which
// go first on narrow screens: at 80 cells the list keeps name, state,
// uptime or exit, restarts, CPU and memory.
func listColumns(sortCol string, order widgets.SortOrder) []widgets.Column {
	cols := []widgets.Column{
		{Title: "", Width: 1},
		{Title: "NAME", Width: 16, Flex: true},
		{Title: "SERVICE", Width: 10, Drop: 5},
		{Title: "IMAGE", Width: 14, Drop: 6},
		{Title: "STATE", Width: 11},
		{Title: "HEALTH", Width: 10, Drop: 7},
		{Title: "STATUS", Width: 17},
		{Title: "RST", Width: 3, Right: true},
		{Title: "CPU%", Width: 6, Right: true},
		{Title: "HOST%", Width: 6, Right: true, Drop: 4},
		{Title: "MEM", Width: 9, Right: true},
		{Title: "LIMIT", Width: 9, Right: true, Drop: 2},
		{Title: "MEM%", Width: 5, Right: true},
		{Title: "RX/s", Width: 9, Right: true, Drop: 8},
		{Title: "TX/s", Width: 9, Right: true, Drop: 8},
		{Title: "BLK R/s", Width: 9, Right: true, Drop: 10},
		{Title: "BLK W/s", Width: 9, Right: true, Drop: 10},
		{Title: "PIDS", Width: 5, Right: true, Drop: 3},
		{Title: "PORTS", Width: 12, Flex: true, Drop: 9},
	}
	return widgets.MarkSorted(cols, sortCol, order)
}

// renderRow draws row i of the list.
func (v *listView) renderRow(ctx view.Context, cols []widgets.Column, widths []int, i int) string {
	r := v.rows[i]
	selected := i == v.cursor.Sel
	switch r.kind {
	case rowEngine:
		return engineRow(ctx, r.host, selected)
	case rowNote:
		return noteRow(ctx, r, v.filter.Value(), selected)
	}
	// A down or stale engine's rows are history: dimmed, their ages as of
	// the data rather than growing with the clock.
	old := view.Historic(ctx, r.host.upd)
	rctx := ctx
	if old {
		rctx.Now = r.host.upd.LastGood
	}
	var cells [numCols]string
	if r.kind == rowContainer {
		containerCells(rctx, &cells, r.host.snap, r, widths, !selected)
	} else {
		groupCells(rctx, &cells, r.grp, !selected)
	}
	if old {
		// Rates of old data would read as live: history keeps levels only.
		cells[colCPU], cells[colHostCPU], cells[colRx], cells[colTx], cells[colBlkR], cells[colBlkW] = "", "", "", "", "", ""
	}
	cells[colMark] = " "
	if selected {
		cells[colMark] = ">"
	}
	line := widgets.Row(cols, widths, cells[:])
	switch {
	case old && !selected:
		return view.Dim(ctx, line)
	case selected:
		return ctx.Styles.Selected.Render(line)
	case r.kind == rowProject:
		return ctx.Styles.Label.Render(line)
	}
	return line
}

// containerCells fills one container's cells. styled is false on the
// selected row, which is drawn reversed as a whole (inner styles would end
// the reverse video early); the "!" markers carry the problems there.
func containerCells(ctx view.Context, cells *[numCols]string, s *ds.Snapshot, r row, widths []int, styled bool) {
	c, st := r.c, ctx.Styles
	// Under the engine's header; a project's containers under its header.
	name := "  " + sanitize.Line(c.Name)
	if r.project != "" {
		name = "  " + name
	}
	cells[colName] = name
	cells[colService] = sanitize.Line(c.ComposeService)
	cells[colImage] = sanitize.Line(c.Image)
	state, bad := stateCell(c, widths[colHealth] > 0)
	if bad && styled {
		state = st.Bad.Render(state)
	}
	cells[colState] = state
	if c.Health == "unhealthy" {
		cells[colHealth] = "!unhealthy"
		if styled {
			cells[colHealth] = st.Bad.Render(cells[colHealth])
		}
	} else {
		cells[colHealth] = c.Health
	}
	cells[colStatus] = statusCell(ctx, c)
	cells[colRestarts] = strconv.Itoa(c.RestartCount)
	if !c.Running() {
		return // no stats for a stopped container: blank, not "n/a"
	}
	x := c.Stats
	cells[colCPU] = ratePercent(x.CPU)
	cells[colHostCPU] = ratePercent(x.HostCPUPercent(s.Cores))
	if x.MemValid {
		cells[colMem] = format.Bytes(x.MemUsed)
		cells[colLimit] = format.Bytes(x.MemLimit)
		cells[colMemPct] = format.Percent(x.MemPercent())
	} else {
		cells[colMem], cells[colLimit], cells[colMemPct] = format.NA, format.NA, format.NA
	}
	cells[colRx], cells[colTx] = rateBytes(x.NetRx), rateBytes(x.NetTx)
	cells[colBlkR], cells[colBlkW] = rateBytes(x.BlockRead), rateBytes(x.BlockWrite)
	cells[colPIDs] = strconv.FormatUint(x.PIDs, 10)
	if widths[colPorts] > 0 {
		cells[colPorts] = portsText(c.Ports)
	}
}

// stateCell is the STATE column: the engine's state with a "!" for a
// problem. Without a HEALTH column, health takes the state's place when it
// says more ("healthy", "!unhealthy").
func stateCell(c *ds.Container, healthShown bool) (string, bool) {
	switch p := c.Problem(); {
	case p == ds.ProblemUnhealthy && !healthShown:
		return "!unhealthy", true
	case p == ds.ProblemOOMKilled:
		return "!OOM-killed", true
	case p == ds.ProblemRestarting:
		return "!restarting", true
	case p == ds.ProblemExitError:
		return "!" + c.State, true
	}
	if !healthShown && c.Health != "" && c.State == "running" {
		return c.Health, false
	}
	return sanitize.Line(c.State), false
}

// statusCell is uptime for a running container, else the exit code and
// how long ago the last run ended ("(137) 3m ago"); to the second in the
// first minute only, where a restart loop shows.
func statusCell(ctx view.Context, c *ds.Container) string {
	switch {
	case c.Running():
		return "up " + format.Rough(c.Uptime(ctx.Now))
	case c.State == "created":
		return "created " + roughAge(ctx.Now, c.Created) + " ago"
	case c.FinishedAt.IsZero():
		return "(" + strconv.Itoa(c.ExitCode) + ")"
	}
	return "(" + strconv.Itoa(c.ExitCode) + ") " + roughAge(ctx.Now, c.FinishedAt) + " ago"
}

// roughAge is format.Age to the minute past the first: a hundred rows of
// ages counting seconds repainted the whole list every second.
func roughAge(now, t time.Time) string {
	if t.IsZero() {
		return format.NA
	}
	return format.Rough(now.Sub(t))
}

func groupCells(ctx view.Context, cells *[numCols]string, g *group, styled bool) {
	arrow := "▾ "
	if g.collapsed {
		arrow = "▸ "
	}
	cells[colName] = "  " + arrow + sanitize.Line(g.project) + " (" + strconv.Itoa(len(g.members)) + ")"
	cells[colState] = strconv.Itoa(g.running) + "/" + strconv.Itoa(len(g.members)) + " up"
	if g.problems > 0 {
		label := "!" + g.worst.String()
		if g.problems > 1 {
			label = "!" + strconv.Itoa(g.problems) + " problems"
		}
		if styled {
			label = ctx.Styles.Bad.Render(label)
		}
		cells[colStatus] = label
	}
	if g.running > 0 {
		cells[colCPU] = format.Percent(g.cpu)
		cells[colMem] = format.Bytes(g.mem)
	}
}

func ratePercent(r collectors.Rate) string {
	if !r.Valid {
		return format.NA
	}
	return format.Percent(r.PerSec)
}

func rateBytes(r collectors.Rate) string {
	if !r.Valid {
		return format.NA
	}
	return format.BytesFloat(r.PerSec)
}

// portsText lists ports as the CLI does, shorter: "8080→80/tcp" for a port
// published on every address, "127.0.0.1:5432→5432/tcp", "9000/tcp" when
// only exposed. The IPv4 and IPv6 bindings of one port show once.
func portsText(ports []ds.Port) string {
	var parts []string
	seen := map[string]bool{}
	for _, p := range ports {
		s := portText(p)
		if !seen[s] {
			seen[s] = true
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ", ")
}

func portText(p ds.Port) string {
	priv := strconv.Itoa(int(p.PrivatePort)) + "/" + sanitize.Line(p.Type)
	if p.PublicPort == 0 {
		return priv
	}
	pub := strconv.Itoa(int(p.PublicPort))
	switch p.IP {
	case "", "0.0.0.0", "::":
	default:
		pub = sanitize.Line(p.IP) + ":" + pub
	}
	return pub + "→" + priv
}

// engineRow is an engine's header line across the whole width: "▾ name
// health", then its version, size and counts — as of when, dimmed, when
// they are history (the engine is down or stale). The selected row is drawn reversed as a whole, without inner
// styles.
func engineRow(ctx view.Context, h *hostState, selected bool) string {
	st := ctx.Styles
	arrow := "▾ "
	if h.folded {
		arrow = "▸ "
	}
	word, style := healthOf(ctx, h.upd)
	mark := " "
	if selected {
		mark = ">"
	}
	var info string
	if s := h.snap; s != nil {
		running := 0
		for i := range s.Containers {
			if s.Containers[i].Running() {
				running++
			}
		}
		info = "engine " + sanitize.Line(s.EngineVersion) + " · API " + sanitize.Line(s.APIVersion) +
			" · " + strconv.Itoa(s.Cores) + " cores · " + format.Bytes(s.MemTotal) +
			" · " + strconv.Itoa(len(s.Containers)) + " containers · " + strconv.Itoa(running) + " running"
	}
	head := mark + arrow + sanitize.Line(h.id.Name) + "  "
	// An engine whose figures are history (down or stale) says as of when.
	old := h.snap != nil && view.Historic(ctx, h.upd)
	if old {
		info = "(" + format.Age(ctx.Now, h.upd.LastGood) + " ago) · " + info
	}
	if selected {
		text := head + word + "   " + info
		if old {
			text = head + word + "   " + view.AsOfText(h.upd) + " " + info
		}
		return st.Selected.Render(widgets.Cell(text, ctx.Width, false))
	}
	line := st.Label.Render(head) + style.Render(word)
	switch {
	case old:
		line += "   " + view.AsOf(ctx, h.upd) + " " + view.Dim(ctx, info)
	case info != "":
		line += "   " + st.Muted.Render(info)
	}
	return widgets.Truncate(line, ctx.Width)
}

// healthOf is a source's state in a word, with the style it is drawn in.
func healthOf(ctx view.Context, u collectors.Update) (string, lipgloss.Style) {
	st := ctx.Styles
	switch {
	case u.NotFound():
		return "not found", st.Muted
	case u.Health() == collectors.HealthUnknown:
		return "waiting", st.Muted
	case u.Health() == collectors.HealthDown:
		return "down", st.Bad
	case u.Health() == collectors.HealthDegraded:
		return "degraded", st.Warn
	case u.Stale(ctx.Now):
		return "stale", st.Warn
	}
	return "ok", st.OK
}

// whyNoData is what an engine without a snapshot says under its header:
// the cause and what to try, or that it waits for its first poll; bad
// when it is an error.
func whyNoData(h *hostState) (text string, bad bool) {
	switch {
	case h.upd.NotFound():
		return "not found — " + sanitize.Line(h.upd.Err.Error()), false
	case h.upd.Health() == collectors.HealthUnknown:
		return "waiting for the first poll…", false
	}
	return "unreachable: " + sanitize.Line(errText(h.upd.Err)), true
}

// noteRow is a line under an engine's header that says why it has no
// list (r.why, one line of it wrapped), that its last poll failed while
// its last data stays listed, that its event stream broke, or that its
// list is empty (filter is the list's filter).
func noteRow(ctx view.Context, r row, filter string, selected bool) string {
	st, h := ctx.Styles, r.host
	var text string
	style := st.Muted
	switch {
	case r.why != "":
		text = r.why
		if r.bad {
			style = st.Bad
		}
	case h.upd.Err != nil:
		// The header says as of when the data listed is; the retry comes
		// before the cause so a narrow screen cuts the hint instead.
		style = st.Warn
		text = "! " + h.upd.Health().String()
		if next := view.NextTry(ctx, h.upd); next != "" {
			text += " (" + next + ")"
		}
		text += ": " + sanitize.Line(h.upd.Err.Error())
	case streamBroken(h):
		style = st.Warn
		text = "! event stream: " + sanitize.Line(h.snap.Stream.Err) + " — reconnecting; changes show at the next poll meanwhile"
	case len(h.snap.Containers) == 0:
		text = "no containers on this engine"
	default:
		text = "no container matches “" + sanitize.Line(filter) + "” — esc clears the filter"
	}
	if selected {
		return st.Selected.Render(widgets.Cell(">  "+text, ctx.Width, false))
	}
	return widgets.Truncate("   "+style.Render(text), ctx.Width)
}
