package postgres

import (
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"

	pg "github.com/stacktop/stacktop/collectors/postgres"
	"github.com/stacktop/stacktop/ui/format"
	"github.com/stacktop/stacktop/ui/redact"
	"github.com/stacktop/stacktop/ui/sanitize"
	"github.com/stacktop/stacktop/ui/view"
	"github.com/stacktop/stacktop/ui/widgets"
)

// detailFacts is how many lines of the detail pane come before the query.
const detailFacts = 3

// detailCache is the selected session's query text, wrapped for the pane.
// Wrapping is the costly part (a query may be megabytes), so it happens in
// Update when the selection, snapshot or size changes, never in View.
type detailCache struct {
	b     *pg.Backend
	lines []string
}

// buildDetail wraps the selected session's query for the detail pane.
func (t *Tab) buildDetail() {
	l := t.layout()
	b := t.selectedBackend()
	if l.detail == 0 || b == nil {
		t.d.detail = detailCache{}
		return
	}
	t.d.detail = detailCache{b: b, lines: wrapQuery(b, max(t.width-2, 10), max(l.detail-detailFacts, 1), t.opts.Redact)}
}

// wrapQuery wraps b's query text (line breaks kept) into at most n lines of
// w cells. Only as much text as can show is sanitized and wrapped.
func wrapQuery(b *pg.Backend, w, n int, redactSQL bool) []string {
	if b.Hidden {
		return []string{"<insufficient privilege: the role needs pg_monitor or pg_read_all_stats to see this query>"}
	}
	text, cut := prefix(b.Query, w*n*4+256)
	if redactSQL {
		text = redact.SQL(text)
	}
	text = strings.TrimSpace(sanitize.Text(text))
	if text == "" {
		return []string{"(no query text)"}
	}
	var out []string
	for _, line := range strings.Split(text, "\n") {
		out = append(out, strings.Split(ansi.Wrap(line, w, ""), "\n")...)
		if len(out) > n {
			break
		}
	}
	more := ""
	if b.QueryTruncated {
		more = " (the collector kept the first " + format.Bytes(uint64(len(b.Query))) + ")"
	}
	if len(out) > n || cut {
		if len(out) >= n {
			out = out[:n-1]
		}
		out = append(out, widgets.Truncate("… query continues: "+format.Bytes(uint64(len(b.Query)))+" in all"+more, w))
	} else if more != "" && len(out) < n {
		out = append(out, "…"+more)
	}
	return out
}

// detailView is the pane: a title rule, facts, lock and host figures, then
// the wrapped query.
func (d *derived) detailView(ctx view.Context, n int) []string {
	st := ctx.Styles
	b := d.detail.b
	if b == nil {
		return pad([]string{st.Muted.Render(strings.Repeat("─", ctx.Width))}, n)
	}
	r := d.byPID[b.PID]
	head := "─ PID " + strconv.Itoa(b.PID) + " · " + r.user + "@" + r.db + " · " + r.app + " · " + r.client + " "
	rule := widgets.Truncate(st.Title.Render(head)+st.Muted.Render(strings.Repeat("─", max(ctx.Width-ansi.StringWidth(head), 0))), ctx.Width)
	facts := " state " + stateOr(b.State, b.BackendType) + "  wait " + orDash(r.wait) + "  xact " + orDash(age(b.XactAge)) +
		"  query " + orDash(age(b.QueryAge)) + "  state since " + orDash(age(b.StateAge)) + "  backend " + orDash(age(b.BackendAge))
	if b.XminAge > 0 {
		facts += "  xmin age " + strconv.FormatInt(b.XminAge, 10)
	}
	out := []string{rule, widgets.Truncate(facts, ctx.Width), widgets.Truncate(lockFacts(ctx, r), ctx.Width)}
	for _, l := range d.detail.lines {
		out = append(out, " "+l)
	}
	return pad(out, n)[:n]
}

// lockFacts is the pane's third line: who blocks this session and what it
// waits for, whom it blocks, and its CPU and memory on this host.
func lockFacts(ctx view.Context, r *actRow) string {
	st := ctx.Styles
	b := r.b
	var parts []string
	if len(b.BlockedBy) > 0 {
		pids := make([]string, len(b.BlockedBy))
		for i, p := range b.BlockedBy {
			pids[i] = strconv.Itoa(p)
		}
		parts = append(parts, st.Bad.Render("blocked by "+strings.Join(pids, ", ")))
	}
	if b.Lock != nil {
		on := lockTarget(b.Lock)
		if rowWait(b.Lock) && b.Lock.Relation != "" {
			on = "a row of " + on
		}
		parts = append(parts, "waits for "+sanitize.Line(b.Lock.Mode)+" on "+on)
	}
	if r.blocks > 0 {
		parts = append(parts, st.Bad.Render("blocks "+strconv.Itoa(r.blocks)+" session"+plural(r.blocks)))
	}
	if r.onHost {
		cpu := format.NA
		if r.cpuOK {
			cpu = format.Percent(r.cpu)
		}
		parts = append(parts, "CPU "+cpu+"  RSS "+format.Bytes(r.rss))
	}
	if len(parts) == 0 {
		return " " + st.Muted.Render("no lock waits")
	}
	return " " + strings.Join(parts, "  ")
}

// lockTarget names what a lock is on: the relation (for a row-lock wait,
// the table of the row), else the holder's transaction id, else the lock
// type.
func lockTarget(l *pg.LockWait) string {
	switch {
	case l.Relation != "":
		return sanitize.Line(l.Relation)
	case l.TransactionID != "":
		return "xid " + sanitize.Line(l.TransactionID)
	}
	return sanitize.Line(l.LockType)
}

// rowWait reports whether l is a wait for a row another transaction holds:
// on its transaction id, or, behind another waiter, on the row's tuple lock.
func rowWait(l *pg.LockWait) bool {
	return l.LockType == "transactionid" || l.LockType == "tuple"
}

// lockMode is the mode without its "Lock" suffix, marked "(row)" for a
// row-lock wait: "Share (row)", "AccessExclusive".
func lockMode(l *pg.LockWait) string {
	m := strings.TrimSuffix(sanitize.Line(l.Mode), "Lock")
	if rowWait(l) {
		m += " (row)"
	}
	return m
}

func stateOr(state, backendType string) string {
	if state == "" {
		return sanitize.Line(backendType)
	}
	return sanitize.Line(state)
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
