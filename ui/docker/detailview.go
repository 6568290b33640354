package docker

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	ds "github.com/stacktop/stacktop/collectors/docker"
	"github.com/stacktop/stacktop/ui/format"
	"github.com/stacktop/stacktop/ui/redact"
	"github.com/stacktop/stacktop/ui/sanitize"
	"github.com/stacktop/stacktop/ui/view"
	"github.com/stacktop/stacktop/ui/widgets"
)

// labelW is the width of the detail pane's field labels ("Networks ").
const labelW = 10

// paneRule is a pane's title line: the title, then a rule to the edge.
func paneRule(ctx view.Context, title string) string {
	st := ctx.Styles
	head := "─ " + title + " "
	head = widgets.Truncate(head, ctx.Width)
	return st.Title.Render(head) + st.Muted.Render(strings.Repeat("─", max(ctx.Width-ansi.StringWidth(head), 0)))
}

// paneName is the title's container part, with the removal flagged.
func paneName(ctx view.Context, tg paneTarget) string {
	s := sanitize.Line(tg.name) + " · " + shortID(tg.id)
	if tg.removed {
		s += " · container removed"
	}
	return s
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// View draws the detail pane in n lines: the title rule, the sparklines,
// then the inspect data from the scroll position.
func (d *detailPane) View(ctx view.Context, n int) []string {
	st := ctx.Styles
	out := []string{paneRule(ctx, "inspect "+paneName(ctx, d.paneTarget))}
	if d.removed {
		out = append(out, " "+st.Bad.Render("container removed — it is no longer on this host; esc closes the pane"))
	} else {
		out = append(out, d.sparkLine(ctx))
	}
	var body []string
	switch {
	case d.unavailable:
		body = []string{" " + st.Muted.Render("detail unavailable — no engine connection for this host in this view")}
	case d.err != nil && d.d == nil:
		body = []string{" " + st.Bad.Render(widgets.Truncate(sanitize.Line(d.err.Error()), ctx.Width-2))}
	case d.d == nil:
		body = []string{" " + st.Muted.Render("inspecting…")}
	default:
		body = d.detailBody(ctx, d.d)
	}
	rows := max(n-len(out), 0)
	d.scroll = min(d.scroll, max(len(body)-rows, 0))
	end := min(d.scroll+rows, len(body))
	for _, l := range body[d.scroll:end] {
		out = append(out, widgets.Truncate(l, ctx.Width))
	}
	for len(out) < n {
		out = append(out, "")
	}
	return out[:n]
}

// sparkLine is CPU and memory over the collector's history for the pane's
// container, each over its own range, said after the figure: CPU from 0
// (idle) to its peak, memory from its low to its high, so 20 MiB on a
// host of 24 GiB — or well under its limit — is not a flat line; the
// limit is said in words.
func (d *detailPane) sparkLine(ctx view.Context) string {
	st := ctx.Styles
	if d.live == nil || d.cpu == nil || d.cpu.Len() == 0 {
		return " " + st.Muted.Render("no stats history yet")
	}
	x := d.live.Stats
	// The scales depend on the width (the samples shown) and the width on
	// the labels: size for the widest labels, the full history's.
	n := d.cpu.Len()
	cpuText := func(sc widgets.SparkScale) string {
		return " " + widgets.Cell(ratePercent(x.CPU), 6, true) + " " + scaleNote(widgets.ScaleLabel(sc, format.Percent))
	}
	bytes := func(v float64) string { return format.Bytes(uint64(max(v, 0))) }
	memText := func(sc widgets.SparkScale) string {
		s := " " + format.NA
		if x.MemValid {
			s = " " + format.Bytes(x.MemUsed) + " of " + format.Bytes(x.MemLimit)
		}
		return s + " " + scaleNote(widgets.ScaleLabel(sc, bytes))
	}
	fixed := 1 + 4 + ansi.StringWidth(cpuText(widgets.ZeroToMax(d.cpu, n))) + 3 + 4 + ansi.StringWidth(memText(widgets.MinToMax(d.mem, n)))
	w := max((ctx.Width-fixed)/2, 4)
	cs, ms := widgets.ZeroToMax(d.cpu, w), widgets.MinToMax(d.mem, w)
	cpu := st.Label.Render("CPU ") + widgets.SparklineIn(st, d.cpu, w, cs) + st.Muted.Render(cpuText(cs))
	mem := st.Label.Render("MEM ") + widgets.SparklineIn(st, d.mem, w, ms) + st.Muted.Render(memText(ms))
	return widgets.Truncate(" "+cpu+"   "+mem, ctx.Width)
}

// scaleNote puts a sparkline's scale in brackets ("" when there is none).
func scaleNote(label string) string {
	if label == "" {
		return ""
	}
	return "[" + label + "]"
}

// field is one "label  value" line; more values continue under the value,
// and a value too long for the pane wraps there too.
func field(ctx view.Context, label string, values ...string) []string {
	st := ctx.Styles
	if len(values) == 0 {
		return []string{" " + st.Label.Render(widgets.Cell(label, labelW, false)) + st.Muted.Render("none")}
	}
	out := make([]string, 0, len(values))
	indent := strings.Repeat(" ", labelW)
	for _, v := range values {
		for _, l := range strings.Split(ansi.Wrap(v, max(ctx.Width-labelW-2, 10), ""), "\n") {
			head := indent
			if len(out) == 0 {
				head = st.Label.Render(widgets.Cell(label, labelW, false))
			}
			out = append(out, " "+head+l)
		}
	}
	return out
}

// detailBody is the inspect data, every engine string sanitized.
func (p *detailPane) detailBody(ctx view.Context, d *ds.Detail) []string {
	st := ctx.Styles
	var out []string
	out = append(out, field(ctx, "image", sanitize.Line(d.Image))...)
	out = append(out, field(ctx, "state", stateText(ctx, d))...)
	if d.Error != "" {
		out = append(out, field(ctx, "error", st.Bad.Render(sanitize.Line(d.Error)))...)
	}
	out = append(out, field(ctx, "command", p.cmdline(ctx, d.Command))...)
	if len(d.Entrypoint) > 0 {
		out = append(out, field(ctx, "entry", p.cmdline(ctx, d.Entrypoint))...)
	}
	out = append(out, field(ctx, "config", configText(d))...)
	out = append(out, p.healthLines(ctx, d.Healthcheck, d.State == "running" || d.State == "paused")...)
	out = append(out, p.envLines(ctx, d)...)
	out = append(out, field(ctx, "mounts", mountLines(d.Mounts)...)...)
	out = append(out, field(ctx, "networks", networkLines(d.Networks)...)...)
	var ports []string
	if p := portsText(d.Ports); p != "" {
		ports = strings.Split(p, ", ")
	}
	out = append(out, field(ctx, "ports", ports...)...)
	out = append(out, field(ctx, "labels", labelLines(d.Labels)...)...)
	return out
}

// stateText is "running · pid 4321 · started 14:02:11 (28m ago) · restarts 2 · OOM-killed".
func stateText(ctx view.Context, d *ds.Detail) string {
	st := ctx.Styles
	parts := []string{sanitize.Line(d.State)}
	if d.Pid > 0 {
		parts = append(parts, "pid "+strconv.Itoa(d.Pid))
	}
	if !d.StartedAt.IsZero() {
		parts = append(parts, "started "+clock(ctx, d.StartedAt)+" ("+format.Age(ctx.Now, d.StartedAt)+" ago)")
	}
	if d.State != "running" && !d.FinishedAt.IsZero() {
		parts = append(parts, "exit "+strconv.Itoa(d.ExitCode)+" at "+clock(ctx, d.FinishedAt)+" ("+format.Age(ctx.Now, d.FinishedAt)+" ago)")
	}
	parts = append(parts, "restarts "+strconv.Itoa(d.RestartCount))
	s := strings.Join(parts, " · ")
	if d.OOMKilled {
		s += " · " + st.Bad.Render("!OOM-killed")
	}
	return s
}

// clock is a time of day today, else the date and time.
func clock(ctx view.Context, at time.Time) string {
	at = at.In(ctx.Now.Location())
	if at.YearDay() == ctx.Now.YearDay() && at.Year() == ctx.Now.Year() {
		return at.Format("15:04:05")
	}
	return at.Format("2006-01-02 15:04")
}

// configText is "restart unless-stopped · user app · workdir /srv · tty · limits 512 MiB, 1.50 CPUs".
func configText(d *ds.Detail) string {
	restart := sanitize.Line(d.RestartPolicy)
	if d.RestartPolicy == "on-failure" && d.MaxRetries > 0 {
		restart += ":" + strconv.Itoa(d.MaxRetries)
	}
	parts := []string{"restart " + restart}
	if d.User != "" {
		parts = append(parts, "user "+sanitize.Line(d.User))
	}
	if d.WorkingDir != "" {
		parts = append(parts, "workdir "+sanitize.Line(d.WorkingDir))
	}
	if d.Tty {
		parts = append(parts, "tty")
	}
	var limits []string
	if d.MemoryLimit > 0 {
		limits = append(limits, format.Bytes(uint64(d.MemoryLimit)))
	}
	if d.NanoCPUs > 0 {
		limits = append(limits, format.Fixed(float64(d.NanoCPUs)/1e9, 2)+" CPUs")
	}
	if len(limits) > 0 {
		parts = append(parts, "limits "+strings.Join(limits, ", "))
	}
	return strings.Join(parts, " · ")
}

// redacted is --redact / --demo, from the options or the frame.
func (d *detailPane) redacted(ctx view.Context) bool { return d.opts.Redact || ctx.Redact }

// cmdline is a command for the screen: sanitized, and with passwords and
// secret-named options masked under --redact.
func (d *detailPane) cmdline(ctx view.Context, args []string) string {
	s := argv(args)
	if d.redacted(ctx) {
		s = redact.CommandLine(s)
	}
	return sanitize.Line(s)
}

// argv shows an exec-form command as a shell would read it: arguments with
// spaces or quotes are quoted.
func argv(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " \t\"'\\") {
			a = strconv.Quote(a)
		}
		out[i] = a
	}
	return strings.Join(out, " ")
}

// healthLines are the check, its state, and its latest results (newest
// last). A stopped container has no health: the engine's last status is
// that of the run that ended, so it is shown as such, unflagged.
func (d *detailPane) healthLines(ctx view.Context, h *ds.Healthcheck, running bool) []string {
	st := ctx.Styles
	if h == nil {
		return field(ctx, "health", st.Muted.Render("no healthcheck"))
	}
	check := d.cmdline(ctx, h.Test) + st.Muted.Render(" · every "+h.Interval.String()+" · timeout "+h.Timeout.String()+
		" · start period "+h.StartPeriod.String()+" · retries "+strconv.Itoa(h.Retries))
	var status string
	switch {
	case !running && h.Status != "":
		status = st.Muted.Render("not running · last run ended " + sanitize.Line(h.Status))
	case !running:
		status = st.Muted.Render("not running")
	case h.Status == "unhealthy":
		status = st.Bad.Render("!"+sanitize.Line(h.Status)) + st.Muted.Render(" · failing streak "+strconv.Itoa(h.FailingStreak))
	default:
		status = sanitize.Line(h.Status) + st.Muted.Render(" · failing streak "+strconv.Itoa(h.FailingStreak))
	}
	vals := []string{check, status}
	for _, r := range h.Results[max(len(h.Results)-3, 0):] {
		res := clock(ctx, r.End) + "  exit " + strconv.Itoa(r.ExitCode) + "  " + strings.TrimSpace(sanitize.Line(r.Output))
		if r.ExitCode != 0 {
			res = st.Warn.Render(res)
		}
		vals = append(vals, res)
	}
	return field(ctx, "health", vals...)
}

// envLines are the environment variables: secret-looking values arrive
// masked from the engine unless revealed; redact mode masks every value.
func (p *detailPane) envLines(ctx view.Context, d *ds.Detail) []string {
	st := ctx.Styles
	masked := 0
	vals := make([]string, 0, len(d.Env)+1)
	for _, e := range d.Env {
		entry := e.Key + "=" + e.Value
		if p.redacted(ctx) {
			entry = redact.Env(entry)
		}
		if e.Masked {
			masked++
		}
		vals = append(vals, sanitize.Line(entry))
	}
	switch {
	case p.redacted(ctx):
		vals = append([]string{st.Muted.Render("values redacted")}, vals...)
	case p.reveal:
		vals = append([]string{st.Warn.Render("secret values shown — r masks them")}, vals...)
	case masked > 0:
		vals = append([]string{st.Muted.Render(strconv.Itoa(masked) + " secret-looking values masked — r reveals")}, vals...)
	}
	return field(ctx, "env", vals...)
}

func mountLines(ms []ds.Mount) []string {
	out := make([]string, 0, len(ms))
	for _, m := range ms {
		src := m.Name
		if src == "" {
			src = m.Source
		}
		mode := "ro"
		if m.ReadWrite {
			mode = "rw"
		}
		out = append(out, sanitize.Line(m.Type+" "+src+" → "+m.Destination+" ("+mode+")"))
	}
	return out
}

func networkLines(ns []ds.Network) []string {
	out := make([]string, 0, len(ns))
	for _, n := range ns {
		s := n.Name + " " + n.IPAddress
		if n.Gateway != "" {
			s += " · gw " + n.Gateway
		}
		if len(n.Aliases) > 0 {
			s += " · aliases " + strings.Join(n.Aliases, ", ")
		}
		out = append(out, sanitize.Line(s))
	}
	return out
}

// labelLines are the labels sorted by key.
func labelLines(labels map[string]string) []string {
	keys := slices.Sorted(maps.Keys(labels))
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = sanitize.Line(fmt.Sprintf("%s=%s", k, labels[k]))
	}
	return out
}
