package docker

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/stacktop/stacktop/collectors"
	ds "github.com/stacktop/stacktop/collectors/docker"
	"github.com/stacktop/stacktop/ui/format"
	"github.com/stacktop/stacktop/ui/sanitize"
	"github.com/stacktop/stacktop/ui/view"
	"github.com/stacktop/stacktop/ui/widgets"
)

// topN is how many containers the Overview lists by CPU and by memory.
const topN = 3

// SummaryTitle implements view.Summarizer.
func (t *Tab) SummaryTitle() string { return "Docker" }

// hosted is a container with the host it runs on.
type hosted struct {
	host collectors.SourceID
	c    *ds.Container
}

// Summary implements view.Summarizer: the text of SummaryLines.
func (t *Tab) Summary(ctx view.Context, width, height int) string {
	return view.JoinLines(t.SummaryLines(ctx, width, height))
}

// SummaryLines implements view.Launcher: hosts without data (why), then
// the containers needing attention (unhealthy, OOM-killed, restarting,
// exited with an error — worst first), then the busiest by CPU and by
// memory, then one count line per host. A container's line opens it in the
// list with its logs; a host's line opens the host.
func (t *Tab) SummaryLines(ctx view.Context, width, height int) []view.SummaryLine {
	st := ctx.Styles
	var lines []view.SummaryLine
	if len(t.hosts) == 0 {
		lines = view.Lines(wrapStyled(st.Muted, "not configured — add a [[docker]] section to the config", width), nil)
	}
	var down []*hostState
	for _, h := range t.hosts {
		if h.snap == nil {
			down = append(down, h)
		}
	}
	bad := t.picks.bad
	// A host's cause and hint wrap over lines when there is room for them
	// and the containers needing attention; otherwise one line each.
	var hostLines []view.SummaryLine
	for _, h := range down {
		hostLines = append(hostLines, view.Lines(t.hostState(ctx, h, width), hostJump(h))...)
	}
	if len(hostLines)+len(bad) > height {
		hostLines = hostLines[:0]
		for _, h := range down {
			hostLines = append(hostLines, view.SummaryLine{Text: widgets.Truncate(t.hostState(ctx, h, 1<<20)[0], width), Jump: hostJump(h)})
		}
	}
	lines = append(lines, hostLines...)
	// A host whose figures are old says so before anything of it is
	// listed; a down host's containers are left out (their state is
	// unknown), a degraded or stale one's are dimmed, its rates left out.
	old := t.historicHosts(ctx)
	for _, h := range t.hosts {
		if old[h.id] {
			lines = append(lines, view.Lines(t.historicCount(ctx, h, width), hostJump(h))...)
		}
	}
	for _, x := range bad {
		switch {
		case t.hostDown(x.host):
		case old[x.host]:
			row := t.summaryRow(ctx, x, "!", problemText(ctx, x.c), width)
			row.Text = view.Dim(ctx, row.Text)
			lines = append(lines, row)
		default:
			lines = append(lines, t.summaryRow(ctx, x, st.Bad.Render("!"), problemText(ctx, x.c), width))
		}
	}
	for _, x := range t.picks.cpu {
		if !old[x.host] {
			lines = append(lines, t.summaryRow(ctx, x, " ", "CPU "+ratePercent(x.c.Stats.CPU), width))
		}
	}
	for _, x := range t.picks.mem {
		if !old[x.host] {
			lines = append(lines, t.summaryRow(ctx, x, " ", "mem "+format.Bytes(x.c.Stats.MemUsed)+" ("+format.Percent(x.c.Stats.MemPercent())+")", width))
		}
	}
	for _, h := range t.hosts {
		if h.snap != nil && !old[h.id] {
			lines = append(lines, view.SummaryLine{Text: st.Muted.Render(widgets.Truncate(t.countLine(ctx, h), width)), Jump: hostJump(h)})
		}
	}
	if len(lines) > height {
		lines = lines[:max(height, 0)]
	}
	return lines
}

// hostJump opens a Docker host as a whole.
func hostJump(h *hostState) *view.Jump { return &view.Jump{Source: h.id, What: view.JumpSource} }

// overviewPicks are the containers the Overview lists: those needing
// attention, worst first, then the busiest by CPU and by memory not listed
// already.
type overviewPicks struct {
	bad, cpu, mem []hosted
}

// pickOverview chooses the Overview's containers over every host's latest
// snapshot; the tab calls it when a snapshot arrives so frames only draw.
func pickOverview(hosts []*hostState) overviewPicks {
	var all []hosted
	var p overviewPicks
	for _, h := range hosts {
		if h.snap == nil {
			continue
		}
		for i := range h.snap.Containers {
			c := &h.snap.Containers[i]
			all = append(all, hosted{h.id, c})
			if c.Problem() != ds.ProblemNone {
				p.bad = append(p.bad, hosted{h.id, c})
			}
		}
	}
	slices.SortStableFunc(p.bad, func(a, b hosted) int { return cmp.Compare(b.c.Problem(), a.c.Problem()) })
	shown := map[*ds.Container]bool{}
	for _, x := range p.bad {
		shown[x.c] = true
	}
	p.cpu = top(all, shown, func(c *ds.Container) float64 { return cpuOf(c) })
	p.mem = top(all, shown, func(c *ds.Container) float64 { return float64(memOf(c)) })
	return p
}

// top picks up to topN running containers with the highest positive
// figure that are not listed yet, marking them listed.
func top(all []hosted, shown map[*ds.Container]bool, figure func(*ds.Container) float64) []hosted {
	var out []hosted
	for _, x := range all {
		if !shown[x.c] && x.c.Running() && figure(x.c) > 0 {
			out = append(out, x)
		}
	}
	slices.SortStableFunc(out, func(a, b hosted) int { return cmp.Compare(figure(b.c), figure(a.c)) })
	out = out[:min(len(out), topN)]
	for _, x := range out {
		shown[x.c] = true
	}
	return out
}

// summaryRow is "! name  what" with the host's name in front when there
// are several hosts; it opens the container.
func (t *Tab) summaryRow(ctx view.Context, x hosted, mark, what string, width int) view.SummaryLine {
	name := sanitize.Line(x.c.Name)
	if len(t.hosts) > 1 {
		name = sanitize.Line(x.host.Name) + "/" + name
	}
	nameW := min(max(width/2, 8), 28) // the name matters more than the figure
	return view.SummaryLine{
		Text: widgets.Truncate(mark+widgets.Cell(name, nameW, false)+" "+what, width),
		Jump: &view.Jump{Source: x.host, What: view.JumpContainer, Container: x.c.ID},
	}
}

// problemText says what is wrong: "unhealthy (3 failed checks)",
// "OOM-killed", "restarting (5 restarts)", "exited (1) 3m ago".
func problemText(ctx view.Context, c *ds.Container) string {
	st := ctx.Styles
	var s string
	switch c.Problem() {
	case ds.ProblemUnhealthy:
		s = "unhealthy"
		if c.FailingStreak > 0 {
			s += " (" + strconv.Itoa(c.FailingStreak) + " failed checks)"
		}
	case ds.ProblemOOMKilled:
		s = "OOM-killed"
	case ds.ProblemRestarting:
		s = "restarting (" + strconv.Itoa(c.RestartCount) + " restarts)"
	default:
		s = "exited " + statusCell(ctx, c)
	}
	return st.Bad.Render(s)
}

// countLine is "local: 42 containers · 30 running".
func (t *Tab) countLine(ctx view.Context, h *hostState) string {
	running := 0
	for i := range h.snap.Containers {
		if h.snap.Containers[i].Running() {
			running++
		}
	}
	s := sanitize.Line(h.id.Name) + ": " + strconv.Itoa(len(h.snap.Containers)) + " containers · " + strconv.Itoa(running) + " running"
	if h.upd.Health() == collectors.HealthDegraded {
		s += " · last poll failed"
	}
	return s
}

// historicHosts names the hosts whose figures are history (down or stale).
func (t *Tab) historicHosts(ctx view.Context) map[collectors.SourceID]bool {
	var old map[collectors.SourceID]bool
	for _, h := range t.hosts {
		if view.Historic(ctx, h.upd) {
			if old == nil {
				old = map[collectors.SourceID]bool{}
			}
			old[h.id] = true
		}
	}
	return old
}

// hostDown reports whether the host id is down (not merely stale).
func (t *Tab) hostDown(id collectors.SourceID) bool {
	for _, h := range t.hosts {
		if h.id == id {
			return h.upd.Health() == collectors.HealthDown
		}
	}
	return false
}

// historicCount is a host whose figures are old: its state and the error,
// then its last count, dimmed and labelled "as of".
func (t *Tab) historicCount(ctx view.Context, h *hostState, width int) []string {
	st := ctx.Styles
	var lines []string
	if h.upd.Err != nil {
		text := sanitize.Line(h.id.Name) + ": " + h.upd.Health().String() + ": " + sanitize.Line(h.upd.Err.Error())
		if o := h.upd.Outage(); o != "" {
			text = sanitize.Line(h.id.Name) + ": " + h.upd.Health().String() + ", " + o + " — " + sanitize.Line(view.ErrCause(h.upd))
		}
		lines = wrapStyled(st.Bad, text, width)
		if len(lines) > 2 {
			lines = lines[:2]
		}
	}
	return append(lines, view.Dim(ctx, widgets.Truncate(view.AsOfText(h.upd)+" · "+t.countLine(ctx, h), width)))
}

// hostState is a host without data as the Overview shows it, wrapped so
// the hint after the cause survives.
func (t *Tab) hostState(ctx view.Context, h *hostState, width int) []string {
	st := ctx.Styles
	name := sanitize.Line(h.id.Name) + ": "
	switch {
	case h.upd.NotFound():
		return wrapStyled(st.Muted, name+"not found", width)
	case h.upd.Health() == collectors.HealthUnknown:
		return wrapStyled(st.Muted, name+"waiting for first poll", width)
	}
	return wrapStyled(st.Bad, name+"unreachable: "+sanitize.Line(errText(h.upd.Err)), width)
}

// wrapStyled wraps text to width (continuation lines indented two cells)
// and styles each line.
func wrapStyled(style lipgloss.Style, text string, width int) []string {
	lines := strings.Split(ansi.Wrap(text, max(width-2, 10), ""), "\n")
	for i, l := range lines {
		if i > 0 {
			l = "  " + l
		}
		lines[i] = style.Render(l)
	}
	return lines
}
