package postgres

import (
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/stacktop/stacktop/collectors"
	pg "github.com/stacktop/stacktop/collectors/postgres"
	"github.com/stacktop/stacktop/ui/format"
	"github.com/stacktop/stacktop/ui/sanitize"
	"github.com/stacktop/stacktop/ui/view"
	"github.com/stacktop/stacktop/ui/widgets"
)

// SummaryTitle implements view.Summarizer.
func (t *Tab) SummaryTitle() string { return "Postgres" }

// Summary implements view.Summarizer: the text of SummaryLines.
func (t *Tab) Summary(ctx view.Context, width, height int) string {
	return view.JoinLines(t.SummaryLines(ctx, width, height))
}

// SummaryLines implements view.Launcher: per target its health and
// connection use, then its worst offenders — the longest running query,
// root blockers, sessions idle in a transaction, replication lag — or why
// there is no data. Every target gets at least its first line. A target's
// line opens the target, an offender's the session it names.
func (t *Tab) SummaryLines(ctx view.Context, width, height int) []view.SummaryLine {
	st := ctx.Styles
	if len(t.order) == 0 {
		return view.Lines(wrap(st.Muted.Render("not configured — add a [[postgres]] section to the config"), width, height), nil)
	}
	var out []view.SummaryLine
	for i, name := range t.order {
		lines := t.targetSummary(ctx, t.targets[name], width)
		// Keep one line for each target still to come.
		n := max(height-len(out)-(len(t.order)-1-i), 1)
		out = append(out, lines[:min(n, len(lines))]...)
		if len(out) >= height {
			break
		}
	}
	return out
}

// targetSummary is one target's summary lines, each cut to width.
func (t *Tab) targetSummary(ctx view.Context, tg *target, width int) []view.SummaryLine {
	st := ctx.Styles
	style, word := health(ctx, tg)
	first := sanitize.Line(tg.name) + " " + style.Render(word)
	self := &view.Jump{Source: tg.upd.Source, What: view.JumpSource}
	if tg.snap == nil {
		if tg.upd.Err != nil && tg.state() == stateDown {
			first += ": " + st.Bad.Render(sanitize.Line(tg.upd.Err.Error()))
			return view.Lines(wrap(first, width, 3), self)
		}
		return view.Lines([]string{widgets.Truncate(first, width)}, self)
	}
	s := tg.snap
	if view.Historic(ctx, tg.upd) {
		return t.historySummary(ctx, tg, first, width)
	}
	first += " · " + t.connections(ctx, s.Server) + " · " + rateNum(s.Total.TPS) + " tps"
	lines := view.Lines([]string{widgets.Truncate(first, width)}, self)
	for _, l := range t.offenders(ctx, tg.upd.Source, s) {
		l.Text = widgets.Truncate("  "+l.Text, width)
		lines = append(lines, l)
	}
	return lines
}

// historySummary is a target whose figures are old: its state, "as of"
// and the latest error first. A target that is down has no offenders (its
// sessions' ages would read as current, and nothing can act on them); a
// degraded or stale one keeps them, dimmed, under the "as of" line.
func (t *Tab) historySummary(ctx view.Context, tg *target, first string, width int) []view.SummaryLine {
	self := &view.Jump{Source: tg.upd.Source, What: view.JumpSource}
	first += " " + view.Dim(ctx, "· "+view.AsOfText(tg.upd)+" · conns "+
		strconv.Itoa(tg.snap.Server.ConnectionsUsed)+"/"+strconv.Itoa(tg.snap.Server.ConnectionsMax))
	lines := view.Lines([]string{widgets.Truncate(first, width)}, self)
	errText := ""
	if tg.upd.Err != nil {
		errText = tg.upd.Err.Error()
	}
	if o := tg.upd.Outage(); o != "" {
		lines = append(lines, view.SummaryLine{Text: "  " + ctx.Styles.Bad.Render(widgets.Truncate(o, width-2)), Jump: self})
		errText = view.ErrCause(tg.upd)
	}
	if errText != "" {
		for _, l := range wrap(sanitize.Line(errText), width-2, 2) {
			lines = append(lines, view.SummaryLine{Text: "  " + ctx.Styles.Bad.Render(l), Jump: self})
		}
	}
	if tg.upd.Health() == collectors.HealthDown {
		return lines
	}
	for _, l := range t.offenders(ctx, tg.upd.Source, tg.snap) {
		l.Text = widgets.Truncate("  "+view.Dim(ctx, l.Text), width)
		lines = append(lines, l)
	}
	return lines
}

// offenders are a snapshot's worst sessions and lags, worst kind first;
// a line naming a session opens it.
func (t *Tab) offenders(ctx view.Context, src collectors.SourceID, s *pg.Snapshot) []view.SummaryLine {
	st := ctx.Styles
	th := t.opts.Thresholds
	var out []view.SummaryLine
	session := func(what view.JumpKind, pid int) *view.Jump {
		return &view.Jump{Source: src, What: what, PID: pid}
	}
	for _, root := range s.LockTree {
		out = append(out, view.SummaryLine{Text: st.Bad.Render("! pid " + strconv.Itoa(root.PID) + " blocks " + strconv.Itoa(root.BlockedCount) +
			" for " + format.Duration(root.LongestWait)), Jump: session(view.JumpBlocker, root.PID)})
	}
	if b := longestQuery(s); b != nil {
		text := "longest query " + format.Duration(b.QueryAge.D) + " pid " + strconv.Itoa(b.PID) + " " +
			sanitize.Line(b.User) + ": " + queryLine(b.Query, t.opts.Redact)
		switch {
		case b.QueryAge.D >= th.LongQueryCrit:
			text = st.Bad.Render("! " + text)
		case b.QueryAge.D >= th.LongQueryWarn:
			text = st.Warn.Render("~ " + text)
		}
		out = append(out, view.SummaryLine{Text: text, Jump: session(view.JumpBackend, b.PID)})
	}
	idle := 0
	var longest pg.Age
	longestPID := 0
	for _, b := range s.Activity {
		if isIdleInTx(&b) && b.StateAge.Valid && b.StateAge.D >= th.IdleInTransaction {
			idle++
			if b.StateAge.D > longest.D {
				longest, longestPID = b.StateAge, b.PID
			}
		}
	}
	if idle > 0 {
		// Opens the longest idle one: the likeliest to hold what others wait for.
		out = append(out, view.SummaryLine{Text: st.Bad.Render("! " + strconv.Itoa(idle) + " idle in transaction, longest " + format.Duration(longest.D)),
			Jump: session(view.JumpBackend, longestPID)})
	}
	repl := view.Lines(t.replicationSummary(ctx, s), &view.Jump{Source: src, What: view.JumpSource})
	return append(out, repl...)
}

// longestQuery is the active client query running longest, or nil.
func longestQuery(s *pg.Snapshot) *pg.Backend {
	var best *pg.Backend
	for i := range s.Activity {
		b := &s.Activity[i]
		if b.State != pg.StateActive || !b.QueryAge.Valid || b.BackendType != "client backend" {
			continue
		}
		if best == nil || b.QueryAge.D > best.QueryAge.D {
			best = b
		}
	}
	return best
}

// replicationSummary is the worst standby's replay lag on a primary, or the
// receiver's delay on a standby.
func (t *Tab) replicationSummary(ctx view.Context, s *pg.Snapshot) []string {
	st := ctx.Styles
	th := t.opts.Thresholds.ReplicationLag
	r := s.Replication
	var out []string
	if rc := r.Receiver; rc != nil {
		text := "standby: replay delay " + orDash(age(rc.ReplayDelay)) + ", " + format.Bytes(uint64(max(rc.ReplayLagBytes, 0))) + " to replay"
		if rc.ReplayDelay.Valid && rc.ReplayDelay.D >= th {
			text = st.Bad.Render("! " + text)
		}
		out = append(out, text)
	}
	var worst *pg.Standby
	for i := range r.Standbys {
		if worst == nil || r.Standbys[i].ReplayLagBytes > worst.ReplayLagBytes {
			worst = &r.Standbys[i]
		}
	}
	if worst != nil {
		text := strconv.Itoa(len(r.Standbys)) + " standby" + plural(len(r.Standbys)) + ", worst replay lag " + sanitize.Line(worst.Application) + " " +
			lagText(worst.ReplayLagBytes, worst.ReplayLag)
		if worst.ReplayLag.Valid && worst.ReplayLag.D >= th {
			text = st.Bad.Render("! " + text)
		}
		out = append(out, text)
	}
	for _, sl := range r.Slots {
		if !sl.Active && sl.RetainedBytes > 0 {
			out = append(out, st.Bad.Render("! inactive slot "+sanitize.Line(sl.Name)+" retains "+format.Bytes(uint64(sl.RetainedBytes))))
		}
	}
	return out
}

// wrap wraps s to width and keeps at most n lines.
func wrap(s string, width, n int) []string {
	lines := strings.Split(ansi.Wrap(s, max(width, 10), ""), "\n")
	if len(lines) > n {
		lines = lines[:n]
	}
	return lines
}
