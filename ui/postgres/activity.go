package postgres

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	hs "github.com/stacktop/stacktop/collectors/host"
	pg "github.com/stacktop/stacktop/collectors/postgres"
	"github.com/stacktop/stacktop/ui/sanitize"
	"github.com/stacktop/stacktop/ui/widgets"
)

// ActivitySort is an order of the activity table.
type ActivitySort int

// The orders s cycles through in the activity view. ByCPU is offered only
// when the target is local and the host's process table is known.
const (
	ByQueryAge ActivitySort = iota // running queries first, oldest first
	ByXactAge                      // oldest transaction first
	ByPID
	ByState // active, idle in transaction, idle, background
	ByCPU
	activitySorts
)

// String names the order as the view's title shows it.
func (k ActivitySort) String() string {
	return [...]string{"query age", "xact age", "PID", "state", "CPU%"}[k]
}

func (k ActivitySort) column() string {
	return [...]string{"TIME", "XACT", "PID", "STATE", "CPU%"}[k]
}

// order is which way k sorts before I reverses it: the longest ages and
// the most CPU first; PIDs ascending, states from active to idle.
func (k ActivitySort) order() widgets.SortOrder {
	if k == ByPID || k == ByState {
		return widgets.Ascending
	}
	return widgets.Descending
}

// severity is how a session is highlighted.
type severity int

const (
	sevNone severity = iota
	sevWarn
	sevCrit
)

// actRow is one backend ready to draw: sanitized (and, with Options.Redact,
// redacted) text, the host figures of its proven host process, and how many sessions it
// blocks. Built once per snapshot; filter and sort only reorder pointers.
type actRow struct {
	b                          *pg.Backend
	pid, db, user, app, client string
	state, wait, query         string
	cpu                        float64
	cpuOK, onHost              bool
	rss                        uint64
	blocks                     int // sessions waiting behind it, from the lock tree
	level                      severity
}

// buildActivity turns a snapshot's backends into rows. procs (nil when the
// target is not local) gives CPU% and RSS of the backends proven to be a
// host process (see joinHost), by backend PID.
func buildActivity(s *pg.Snapshot, procs map[int]*hs.Process, blocking map[int]int, th Thresholds, redactText bool) []actRow {
	rows := make([]actRow, len(s.Activity))
	for i := range s.Activity {
		b := &s.Activity[i]
		r := &rows[i]
		r.b = b
		r.pid = strconv.Itoa(b.PID)
		r.db, r.user = sanitize.Line(b.Database), sanitize.Line(b.User)
		r.app = sanitize.Line(b.Application)
		if r.app == "" && b.BackendType != "client backend" {
			r.app = "[" + sanitize.Line(b.BackendType) + "]"
		}
		r.client = clientAddr(b.ClientAddr, b.BackendType == "client backend" && !b.Hidden, redactText)
		r.state = stateLabel(b.State)
		if b.State != pg.StateIdle && b.WaitEventType != "" {
			r.wait = sanitize.Line(b.WaitEventType + ":" + b.WaitEvent)
		}
		switch {
		case b.Hidden:
			r.query = "<insufficient privilege>"
		default:
			r.query = queryLine(b.Query, redactText)
		}
		if p, ok := procs[b.PID]; ok {
			r.onHost, r.cpu, r.cpuOK, r.rss = true, p.CPUPercent, p.CPUValid, p.RSS
		}
		r.blocks = blocking[b.PID]
		r.level = classify(b, r.blocks, th)
	}
	return rows
}

// stateLabel shortens pg_stat_activity.state for a narrow column.
func stateLabel(s string) string {
	switch s {
	case pg.StateIdleInTransaction:
		return "idle in tx"
	case pg.StateIdleInTransactionAborted:
		return "idle in tx (aborted)"
	}
	return sanitize.Line(s)
}

// classify decides a session's highlight: a root of lock waits, a query
// running past LongQueryCrit or a session idle in a transaction past
// IdleInTransaction is critical; a query past LongQueryWarn a warning.
func classify(b *pg.Backend, blocks int, th Thresholds) severity {
	switch {
	case blocks > 0:
		return sevCrit
	case isIdleInTx(b) && b.StateAge.Valid && b.StateAge.D >= th.IdleInTransaction:
		return sevCrit
	case isClientQuery(b) && b.QueryAge.D >= th.LongQueryCrit:
		return sevCrit
	case isClientQuery(b) && b.QueryAge.D >= th.LongQueryWarn:
		return sevWarn
	}
	return sevNone
}

// isClientQuery reports whether b is a client running a query now: the
// sessions whose query age means "running for" (a walsender's or an
// autovacuum worker's long run is their normal life).
func isClientQuery(b *pg.Backend) bool {
	return b.State == pg.StateActive && b.QueryAge.Valid && b.BackendType == "client backend"
}

func isIdleInTx(b *pg.Backend) bool {
	return b.State == pg.StateIdleInTransaction || b.State == pg.StateIdleInTransactionAborted
}

// blockingCounts maps each PID in the lock forest to the number of sessions
// waiting behind it (a session may appear under two blockers).
func blockingCounts(tree []pg.LockNode) map[int]int {
	out := map[int]int{}
	var walk func(ns []pg.LockNode)
	walk = func(ns []pg.LockNode) {
		for i := range ns {
			n := &ns[i]
			if n.BlockedCount > out[n.PID] {
				out[n.PID] = n.BlockedCount
			}
			walk(n.Blocking)
		}
	}
	walk(tree)
	return out
}

// filterTerm is one word of the filter: field:text, or text matching any field.
type filterTerm struct{ field, text string }

// activityFields are the field names an activity filter term may name.
var activityFields = []string{"db", "user", "app", "state"}

// parseFilter splits the filter into terms; every term must match. A term
// "field:x", for one of fields (in the activity view "db:x", "user:x",
// "app:x" or "state:x"), matches that field only; any other word matches
// any field (in the activity view the PID, database, user, application,
// client, state, wait event or the query line). Matching ignores case and
// finds substrings.
func parseFilter(s string, fields []string) []filterTerm {
	var out []filterTerm
	for _, w := range strings.Fields(s) {
		f, text, ok := strings.Cut(w, ":")
		switch f = strings.ToLower(f); {
		case ok && slices.Contains(fields, f) && text != "":
			out = append(out, filterTerm{f, text})
		default:
			out = append(out, filterTerm{"", w})
		}
	}
	return out
}

func (r *actRow) matches(terms []filterTerm) bool {
	for _, t := range terms {
		var ok bool
		switch t.field {
		case "db":
			ok = containsFold(r.db, t.text)
		case "user":
			ok = containsFold(r.user, t.text)
		case "app":
			ok = containsFold(r.app, t.text)
		case "state":
			ok = containsFold(r.b.State, t.text)
		default:
			ok = containsFold(r.pid, t.text) || containsFold(r.db, t.text) || containsFold(r.user, t.text) ||
				containsFold(r.app, t.text) || containsFold(r.client, t.text) || containsFold(r.b.State, t.text) ||
				containsFold(r.wait, t.text) || containsFold(r.query, t.text)
		}
		if !ok {
			return false
		}
	}
	return true
}

// activityOrder is how the activity table is cut and ordered.
type activityOrder struct {
	sort        ActivitySort
	reversed    bool   // I: the other way round
	filter      string // the / filter's text
	runningOnly bool   // i: idle sessions left out
}

// orderActivity returns pointers to the rows matching o's filter (and,
// running only, not idle), sorted by o: client sessions first, then the
// server's background processes, each part in o's order. hidden is how
// many matching rows were left out as idle.
func orderActivity(rows []actRow, o activityOrder) (out []*actRow, hidden int) {
	terms := parseFilter(o.filter, activityFields)
	out = make([]*actRow, 0, len(rows))
	for i := range rows {
		if !rows[i].matches(terms) {
			continue
		}
		if o.runningOnly && isIdle(rows[i].b) {
			hidden++
			continue
		}
		out = append(out, &rows[i])
	}
	slices.SortFunc(out, func(a, b *actRow) int {
		if c := cmp.Compare(part(a.b), part(b.b)); c != 0 {
			return c
		}
		if o.reversed {
			return compareActivity(o.sort, b, a)
		}
		return compareActivity(o.sort, a, b)
	})
	return out, hidden
}

// part is 0 for a client session, 1 for a background process: the one
// thing no order or reversal changes.
func part(b *pg.Backend) int {
	if isBackground(b) {
		return 1
	}
	return 0
}

// isBackground reports whether b is one of the server's own processes
// (autovacuum, checkpointer, walsender, a parallel worker...) rather than
// a client's session. Servers before 10 name no backend type: all clients.
func isBackground(b *pg.Backend) bool {
	return b.BackendType != "" && b.BackendType != "client backend"
}

// isIdle reports whether "running only" leaves b out: a session idle
// between transactions (idle in a transaction is never hidden: it holds
// locks and snapshots), or a background process asleep in its main loop
// (wait event type Activity, by PostgreSQL's definition "the server process
// is idle"; a checkpointer writing or an autovacuum worker stays shown).
func isIdle(b *pg.Backend) bool {
	return b.State == pg.StateIdle || (b.State == "" && !b.Hidden && b.WaitEventType == "Activity")
}

// compareActivity orders two rows by k; ties fall back to PID so the order
// is stable between polls.
func compareActivity(k ActivitySort, a, b *actRow) int {
	var c int
	switch k {
	case ByQueryAge:
		c = cmp.Compare(runningFor(b), runningFor(a))
	case ByXactAge:
		c = cmp.Compare(ageOrNeg(b.b.XactAge), ageOrNeg(a.b.XactAge))
	case ByState:
		c = cmp.Or(cmp.Compare(stateRank(a.b), stateRank(b.b)), cmp.Compare(runningFor(b), runningFor(a)))
	case ByCPU:
		c = cmp.Compare(cpuOf(b), cpuOf(a))
	}
	return cmp.Or(c, cmp.Compare(a.b.PID, b.b.PID))
}

// runningFor is the query age of a client session that is doing something
// (not idle); idle sessions and background processes (a walsender has
// "run" since it connected) sort after every other.
func runningFor(r *actRow) int64 {
	b := r.b
	if b.State == pg.StateIdle || b.State == "" || !b.QueryAge.Valid || b.BackendType == "walsender" {
		return -1
	}
	return int64(r.b.QueryAge.D)
}

func ageOrNeg(a pg.Age) int64 {
	if !a.Valid {
		return -1
	}
	return int64(a.D)
}

func cpuOf(r *actRow) float64 {
	if !r.cpuOK {
		return -1
	}
	return r.cpu
}

func stateRank(b *pg.Backend) int {
	switch b.State {
	case pg.StateActive:
		return 0
	case pg.StateIdleInTransaction, pg.StateIdleInTransactionAborted:
		return 1
	case pg.StateIdle:
		return 2
	}
	return 3
}
