package docker

import (
	"strconv"
	"strings"

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
func (v *listView) renderRow(ctx view.Context, s *ds.Snapshot, cols []widgets.Column, widths []int, i int) string {
	r := v.rows[i]
	selected := i == v.cursor.Sel
	var cells [numCols]string
	if r.c != nil {
		containerCells(ctx, &cells, s, r, widths, !selected)
	} else {
		groupCells(ctx, &cells, r.grp, !selected)
	}
	cells[colMark] = " "
	if selected {
		cells[colMark] = ">"
	}
	line := widgets.Row(cols, widths, cells[:])
	switch {
	case selected:
		return ctx.Styles.Selected.Render(line)
	case r.c == nil:
		return ctx.Styles.Label.Render(line)
	}
	return line
}

// containerCells fills one container's cells. styled is false on the
// selected row, which is drawn reversed as a whole (inner styles would end
// the reverse video early); the "!" markers carry the problems there.
func containerCells(ctx view.Context, cells *[numCols]string, s *ds.Snapshot, r row, widths []int, styled bool) {
	c, st := r.c, ctx.Styles
	name := sanitize.Line(c.Name)
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
// how long ago the last run ended ("(137) 3m12s ago").
func statusCell(ctx view.Context, c *ds.Container) string {
	switch {
	case c.Running():
		return "up " + format.Duration(c.Uptime(ctx.Now))
	case c.State == "created":
		return "created " + format.Age(ctx.Now, c.Created) + " ago"
	case c.FinishedAt.IsZero():
		return "(" + strconv.Itoa(c.ExitCode) + ")"
	}
	return "(" + strconv.Itoa(c.ExitCode) + ") " + format.Age(ctx.Now, c.FinishedAt) + " ago"
}

func groupCells(ctx view.Context, cells *[numCols]string, g *group, styled bool) {
	arrow := "▾ "
	if g.collapsed {
		arrow = "▸ "
	}
	cells[colName] = arrow + sanitize.Line(g.project) + " (" + strconv.Itoa(len(g.members)) + ")"
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
