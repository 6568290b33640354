package postgres

import (
	"strconv"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/stacktop/stacktop/collectors"
	pg "github.com/stacktop/stacktop/collectors/postgres"
	"github.com/stacktop/stacktop/ui/format"
	"github.com/stacktop/stacktop/ui/sanitize"
	"github.com/stacktop/stacktop/ui/view"
	"github.com/stacktop/stacktop/ui/widgets"
)

// health is a target's one-word state with its style, for the targets line
// and the Overview.
func health(ctx view.Context, tg *target) (lipgloss.Style, string) {
	st := ctx.Styles
	switch tg.state() {
	case stateNotFound:
		return st.Muted, "not found"
	case stateWaiting:
		return st.Muted, "waiting"
	case stateDown:
		return st.Bad, "down"
	}
	switch h := tg.upd.Health(); {
	case h == collectors.HealthDown:
		return st.Bad, "down"
	case h == collectors.HealthDegraded:
		return st.Warn, "degraded"
	case tg.upd.Stale(ctx.Now):
		return st.Warn, "stale"
	}
	return st.OK, "ok"
}

// targetsLine lists every target with its health; the shown one is in
// brackets (readable without colour).
func (t *Tab) targetsLine(ctx view.Context) string {
	st := ctx.Styles
	line := " " + st.Title.Render("Postgres")
	if len(t.order) == 0 {
		return line + "  " + st.Muted.Render("not configured")
	}
	for i, name := range t.order {
		style, word := health(ctx, t.targets[name])
		label := sanitize.Line(name) + " " + style.Render(word)
		if i == t.cur {
			label = st.Label.Render("[") + label + st.Label.Render("]")
		} else {
			label = " " + label + " "
		}
		line += "  " + label
	}
	if len(t.order) > 1 {
		line += "   " + st.Muted.Render("[ ] switch")
	}
	return widgets.Truncate(line, ctx.Width)
}

// serverLine is the shown target's server facts, or its state.
func (t *Tab) serverLine(ctx view.Context) string {
	st := ctx.Styles
	tg := t.current()
	if tg == nil {
		return " " + st.Muted.Render("no targets")
	}
	switch tg.state() {
	case stateWaiting:
		return " " + st.Muted.Render("waiting for the first poll…")
	case stateNotFound:
		return " " + st.Muted.Render("not found")
	case stateDown:
		return " " + st.Bad.Render("unreachable")
	}
	s := t.d.snap // the shown target's, frozen while paused
	if s == nil {
		s = tg.snap
	}
	sv := s.Server
	role := "primary"
	if sv.IsStandby {
		role = "standby"
	}
	parts := []string{
		st.Label.Render("PostgreSQL " + sanitize.Line(sv.ShortVersion)),
		role,
		"up " + format.Duration(sv.Uptime),
		t.connections(ctx, sv),
		st.Muted.Render(states(sv.States)),
		rateNum(s.Total.TPS) + " tps",
	}
	if view.Historic(ctx, tg.upd) {
		// The last figures as history: labelled first (so it is never the
		// part that does not fit), dimmed, and without the rate. The label
		// is the shown snapshot's time (older than LastGood while paused).
		shown := tg.upd
		shown.LastGood = s.Taken
		parts[len(parts)-1] = view.AsOfText(shown) + " (" + format.Age(ctx.Now, s.Taken) + " ago)"
		parts = append(parts[len(parts)-1:], parts[:len(parts)-1]...)
		return view.Dim(ctx, joinFit(" ", parts, " · ", ctx.Width))
	}
	return joinFit(" ", parts, " · ", ctx.Width)
}

// connections is "conns 42/100", flagged past the threshold.
func (t *Tab) connections(ctx view.Context, sv pg.Server) string {
	text := "conns " + strconv.Itoa(sv.ConnectionsUsed) + "/" + strconv.Itoa(sv.ConnectionsMax)
	if saturated(sv, t.opts.Thresholds) {
		return ctx.Styles.Bad.Render("!" + text)
	}
	return text
}

// saturated reports whether connections in use are past the threshold.
func saturated(sv pg.Server, th Thresholds) bool {
	return sv.ConnectionsMax > 0 && float64(sv.ConnectionsUsed)*100/float64(sv.ConnectionsMax) >= th.ConnectionsPercent
}

func states(c pg.ConnectionStates) string {
	s := strconv.Itoa(c.Active) + " active, " + strconv.Itoa(c.Idle) + " idle, " +
		strconv.Itoa(c.IdleInTransaction+c.IdleInTransactionAborted) + " idle in tx"
	if c.WaitingOnLock > 0 {
		s += ", " + strconv.Itoa(c.WaitingOnLock) + " waiting on locks"
	}
	return s
}

// joinFit joins parts after lead with sep, leaving out parts that no longer fit.
func joinFit(lead string, parts []string, sep string, width int) string {
	line := lead
	for i, p := range parts {
		add := p
		if i > 0 {
			add = sep + p
		}
		if ansi.StringWidth(line)+ansi.StringWidth(add) > width {
			continue
		}
		line += add
	}
	return line
}

// viewLabels are the sub-view tabs, long and short (for narrow screens).
func viewLabels() [2][numViews]string {
	return [2][numViews]string{
		{"v servers", "a activity", "l locks", "d databases", "r replication", "m maintenance", "t tables", "S statements"},
		{"v srv", "a act", "l locks", "d dbs", "r repl", "m maint", "t tables", "S stmts"},
	}
}

// viewsLine is the sub-view tabs; the shown one in brackets.
func (t *Tab) viewsLine(ctx view.Context) string {
	st := ctx.Styles
	all := viewLabels()
	for _, labels := range all {
		var b strings.Builder
		b.WriteString(" ")
		for v := SubView(0); v < numViews; v++ {
			label := labels[v]
			if v == Locks && len(t.lk.rows) > 0 {
				label += " " + strconv.Itoa(waitingCount(t.lk.rows))
			}
			if v == t.view {
				b.WriteString(st.TabActive.Render("[" + label + "]"))
			} else {
				b.WriteString(st.TabIdle.Render(" " + label + " "))
			}
		}
		if line := b.String(); ansi.StringWidth(line) <= ctx.Width {
			return line
		}
	}
	return widgets.Truncate(" "+st.TabActive.Render("["+all[0][t.view]+"]"), ctx.Width)
}

// statusLines are the degraded-poll error and the snapshot's notes, one
// line each.
func (t *Tab) statusLines(ctx view.Context) []string {
	st := ctx.Styles
	tg := t.current()
	var out []string
	for _, k := range t.statusKinds() {
		switch k {
		case statusPaused:
			out = append(out, t.pausedLine(ctx))
		case statusDegraded:
			for _, l := range degradedLines(tg, ctx.Width) {
				out = append(out, " "+st.Warn.Render(l))
			}
		case statusNotes:
			notes := make([]string, len(tg.snap.Notes))
			for i, n := range tg.snap.Notes {
				notes[i] = sanitize.Line(n.Part) + ": " + sanitize.Line(n.Text)
			}
			out = append(out, widgets.Truncate(" "+st.Warn.Render("note: "+strings.Join(notes, " · ")), ctx.Width))
		}
	}
	return out
}

// degradedLines is the latest poll's error over the last good data (shown
// as history), wrapped to at most two lines: the hint at its end is what
// to do.
func degradedLines(tg *target, width int) []string {
	text := "! " + tg.upd.Health().String() + ": " + sanitize.Line(tg.upd.Err.Error()) + " (last good data shown)"
	lines := wrap(text, max(width-1, 10), 2)
	return lines
}

// stateBody explains a target without data, wrapped: the hint after the
// cause is what the user needs, so it is never cut off.
func (t *Tab) stateBody(ctx view.Context) []string {
	st := ctx.Styles
	tg := t.current()
	var style lipgloss.Style
	var text string
	switch {
	case tg == nil:
		style, text = st.Muted, "not configured — add a [[postgres]] section to the config (name, dsn or host/port/user/dbname)"
	case tg.state() == stateWaiting:
		style, text = st.Muted, "waiting for the first poll of "+sanitize.Line(tg.name)+"…"
	case tg.state() == stateNotFound:
		style, text = st.Muted, "not found: no PostgreSQL server answers where the default target looks (libpq defaults, "+
			"PG* variables) — add a [[postgres]] section to the config to watch one. Last error: "+sanitize.Line(errText(tg.upd))
	default:
		style, text = st.Bad, "unreachable: "+sanitize.Line(errText(tg.upd))
	}
	lines := strings.Split(ansi.Wrap(text, max(ctx.Width-2, 10), ""), "\n")
	out := []string{""}
	for _, l := range lines {
		out = append(out, " "+style.Render(l))
	}
	if tg != nil && tg.upd.Failures > 1 {
		retry := strconv.Itoa(tg.upd.Failures) + " failed polls in a row"
		if next := view.NextTry(ctx, tg.upd); next != "" {
			retry += "; " + next
		}
		out = append(out, " "+st.Muted.Render(retry))
	}
	return out
}

func errText(u collectors.Update) string {
	if u.Err == nil {
		return "no error"
	}
	return u.Err.Error()
}
