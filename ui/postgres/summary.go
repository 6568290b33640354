package postgres

import (
	"cmp"
	"slices"
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

// SummaryLines implements view.Launcher. One target: its health and
// connection use, then its worst offenders — the longest running query,
// root blockers, sessions idle in a transaction, replication lag — or why
// there is no data. Several: the worst problems of all of them, ranked,
// each naming its target, then one line per target (see ranked). A
// target's line opens the target (its servers row when there are several),
// an offender's the session it names.
func (t *Tab) SummaryLines(ctx view.Context, width, height int) []view.SummaryLine {
	st := ctx.Styles
	if len(t.order) == 0 {
		return view.Lines(wrap(st.Muted.Render("not configured — add a [[postgres]] section to the config"), width, height), nil)
	}
	if len(t.order) > 1 {
		return t.ranked(ctx, width, height)
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
	var out []view.SummaryLine
	for _, o := range t.offenses(ctx, src, s) {
		out = append(out, o.line)
	}
	return out
}

// offense is a summary line and how bad it is (sevNone, sevWarn, sevCrit).
type offense struct {
	line  view.SummaryLine
	level severity
}

// offenses are offenders' lines with their severity.
func (t *Tab) offenses(ctx view.Context, src collectors.SourceID, s *pg.Snapshot) []offense {
	st := ctx.Styles
	th := t.opts.Thresholds
	var out []offense
	session := func(what view.JumpKind, pid int) *view.Jump {
		return &view.Jump{Source: src, What: what, PID: pid}
	}
	for _, root := range s.LockTree {
		out = append(out, offense{view.SummaryLine{Text: st.Bad.Render("! pid " + strconv.Itoa(root.PID) + " blocks " + strconv.Itoa(root.BlockedCount) +
			" for " + format.Duration(root.LongestWait)), Jump: session(view.JumpBlocker, root.PID)}, sevCrit})
	}
	if b := longestQuery(s); b != nil {
		text := "longest query " + format.Duration(b.QueryAge.D) + " pid " + strconv.Itoa(b.PID) + " " +
			sanitize.Line(b.User) + ": " + queryLine(b.Query, t.opts.Redact)
		level := sevNone
		switch {
		case b.QueryAge.D >= th.LongQueryCrit:
			text, level = st.Bad.Render("! "+text), sevCrit
		case b.QueryAge.D >= th.LongQueryWarn:
			text, level = st.Warn.Render("~ "+text), sevWarn
		}
		out = append(out, offense{view.SummaryLine{Text: text, Jump: session(view.JumpBackend, b.PID)}, level})
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
		out = append(out, offense{view.SummaryLine{Text: st.Bad.Render("! " + strconv.Itoa(idle) + " idle in transaction, longest " + format.Duration(longest.D)),
			Jump: session(view.JumpBackend, longestPID)}, sevCrit})
	}
	texts, levels := t.replicationSummary(ctx, s)
	for i, text := range texts {
		out = append(out, offense{view.SummaryLine{Text: text, Jump: &view.Jump{Source: src, What: view.JumpSource}}, levels[i]})
	}
	return out
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
// receiver's delay on a standby, with each line's severity.
func (t *Tab) replicationSummary(ctx view.Context, s *pg.Snapshot) ([]string, []severity) {
	st := ctx.Styles
	th := t.opts.Thresholds.ReplicationLag
	r := s.Replication
	var out []string
	var levels []severity
	add := func(text string, bad bool) {
		level := sevNone
		if bad {
			text, level = st.Bad.Render("! "+text), sevCrit
		}
		out, levels = append(out, text), append(levels, level)
	}
	if rc := r.Receiver; rc != nil {
		add("standby: replay delay "+orDash(age(rc.ReplayDelay))+", "+format.Bytes(uint64(max(rc.ReplayLagBytes, 0)))+" to replay",
			rc.ReplayDelay.Valid && rc.ReplayDelay.D >= th)
	}
	var worst *pg.Standby
	for i := range r.Standbys {
		if worst == nil || r.Standbys[i].ReplayLagBytes > worst.ReplayLagBytes {
			worst = &r.Standbys[i]
		}
	}
	if worst != nil {
		add(strconv.Itoa(len(r.Standbys))+" standby"+plural(len(r.Standbys))+", worst replay lag "+sanitize.Line(worst.Application)+" "+
			lagText(worst.ReplayLagBytes, worst.ReplayLag), worst.ReplayLag.Valid && worst.ReplayLag.D >= th)
	}
	for _, sl := range r.Slots {
		if !sl.Active && sl.RetainedBytes > 0 {
			add("inactive slot "+sanitize.Line(sl.Name)+" retains "+format.Bytes(uint64(sl.RetainedBytes)), true)
		}
	}
	return out, levels
}

// wrap wraps s to width and keeps at most n lines.
func wrap(s string, width, n int) []string {
	lines := strings.Split(ansi.Wrap(s, max(width, 10), ""), "\n")
	if len(lines) > n {
		lines = lines[:n]
	}
	return lines
}

// ranked is the summary of several targets: their problems, the worst
// first whichever target has them, each line naming its target ("main: !
// pid 101 blocks 3…"); then one line per target with its health, the
// worst first, each opening that target's row of the servers view. At
// least half the lines (or all the targets) are kept for the targets.
func (t *Tab) ranked(ctx view.Context, width, height int) []view.SummaryLine {
	st := ctx.Styles
	type ranked struct {
		line  view.SummaryLine
		level int
	}
	var probs, targets []ranked
	for _, name := range t.order {
		tg := t.targets[name]
		h := healthOf(tg, ctx.Now)
		self := &view.Jump{Source: tg.upd.Source, What: view.JumpSource}
		label := sanitize.Line(name)
		style, word := serverHealthStyle(st, tg, ctx.Now)
		first := label + " " + word
		if style != nil {
			first = label + " " + style.Render(word)
		}
		level := 0
		switch h {
		case healthDown, healthStale, healthDegraded:
			level = int(h) // above every offense's level
			cause := "data from " + format.Age(ctx.Now, tg.upd.LastGood) + " ago"
			if tg.upd.Err != nil {
				cause = tg.upd.Err.Error()
			}
			probs = append(probs, ranked{view.SummaryLine{Text: first + ": " + style.Render(sanitize.Line(cause)), Jump: self}, level})
		}
		if s := tg.snap; s != nil && h != healthDown {
			first += " · " + t.connections(ctx, s.Server) + " · " + rateNum(s.Total.TPS) + " tps"
			for _, o := range t.offenses(ctx, tg.upd.Source, s) {
				if o.level > sevNone {
					o.line.Text = label + ": " + o.line.Text
					probs = append(probs, ranked{o.line, int(o.level)})
					level = max(level, int(o.level))
				}
			}
		}
		targets = append(targets, ranked{view.SummaryLine{Text: first, Jump: self}, level})
	}
	worst := func(a, b ranked) int { return cmp.Compare(b.level, a.level) }
	slices.SortStableFunc(probs, worst)
	slices.SortStableFunc(targets, worst)
	keep := min(len(targets), max(height-len(probs), (height+1)/2))
	var out []view.SummaryLine
	for _, p := range probs[:min(len(probs), height-keep)] {
		p.line.Text = widgets.Truncate(p.line.Text, width)
		out = append(out, p.line)
	}
	for i, tl := range targets[:keep] {
		switch {
		case keep == 1 && len(targets) > 1:
			// One line for several targets: the worst, and how many more
			// (a lone "… N more" line would show none of them). The count
			// is kept whole; the target's figures give way.
			more := " +" + strconv.Itoa(len(targets)-1) + " more (v)"
			tl.line.Text = widgets.Truncate(tl.line.Text, max(width-ansi.StringWidth(more), 1)) + st.Muted.Render(more)
		case i == keep-1 && keep < len(targets):
			tl.line.Text = st.Muted.Render("… " + strconv.Itoa(len(targets)-keep+1) + " more targets: v in the Postgres tab lists them")
		}
		tl.line.Text = widgets.Truncate(tl.line.Text, width)
		out = append(out, tl.line)
	}
	return out
}
