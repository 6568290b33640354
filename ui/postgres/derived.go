package postgres

import (
	"cmp"
	"slices"

	hs "github.com/stacktop/stacktop/collectors/host"
	pg "github.com/stacktop/stacktop/collectors/postgres"
)

// maxMaintRows caps the rows each maintenance list keeps.
const maxMaintRows = 50

// derived is everything drawn from the shown target's snapshot, rebuilt in
// Update so View only lays it out.
type derived struct {
	snap     *pg.Snapshot
	all      []actRow  // one per backend
	acts     []*actRow // all, filtered and sorted
	hidden   int       // sessions matching the filter that "running only" leaves out
	onHost   bool      // the host's process table is joined
	byPID    map[int]*actRow
	locks    []lockRow   // the lock forest, flattened
	tables   []*pg.Table // sorted by tableSort
	unused   []*pg.Index // unused indexes, largest first
	stmts    []*pg.Statement
	stmtText []string       // stmts' query lines, same order
	dbs      []*pg.Database // the databases matching the filter
	hist     histories      // TPS histories: the target's, or a copy taken at the pause
	longXact []pg.Backend   // transactions past LongQueryWarn
	idleTx   []pg.Backend
	dead     []pg.Table // most dead tuples
	detail   detailCache
}

// rebuild derives the rows of the shown target's snapshot, then reorders.
// It is not called while paused: t.d is what the view keeps showing.
func (t *Tab) rebuild() {
	s := t.snap()
	t.d = derived{snap: s}
	if tg := t.current(); tg != nil {
		t.d.hist = histories{total: tg.total, dbs: tg.dbs}
	}
	if s == nil {
		t.place()
		return
	}
	procs := t.hostProcs(s)
	blocking := blockingCounts(s.LockTree)
	t.d.onHost = procs != nil
	t.d.all = buildActivity(s, procs, blocking, t.opts.Thresholds, t.opts.Redact)
	t.d.byPID = make(map[int]*actRow, len(t.d.all))
	for i := range t.d.all {
		t.d.byPID[t.d.all[i].b.PID] = &t.d.all[i]
	}
	t.d.locks = flattenLocks(s.LockTree)
	for i := range s.Indexes {
		if s.Indexes[i].Unused {
			t.d.unused = append(t.d.unused, &s.Indexes[i])
		}
	}
	slices.SortStableFunc(t.d.unused, func(a, b *pg.Index) int { return cmp.Compare(b.SizeBytes, a.SizeBytes) })
	t.d.longXact = capRows(s.LongTransactions(t.opts.Thresholds.LongQueryWarn))
	t.d.idleTx = capRows(s.IdleInTransaction())
	for _, tb := range s.TopDeadTuples(maxMaintRows) {
		if tb.DeadTuples > 0 {
			t.d.dead = append(t.d.dead, tb)
		}
	}
	if t.actSort == ByCPU && !t.d.onHost {
		t.actSort = ByQueryAge
	}
	t.reorder()
}

func capRows(b []pg.Backend) []pg.Backend {
	if len(b) > maxMaintRows {
		return b[:maxMaintRows]
	}
	return b
}

// hostProcs maps the backends of s to the host processes proven to be
// them (see joinHost) when s is a local target; nil otherwise. The index of
// the host's postgres processes is kept until the host snapshot changes.
func (t *Tab) hostProcs(s *pg.Snapshot) map[int]*hs.Process {
	if !s.Local || t.host == nil {
		return nil
	}
	if t.hostOf != t.host {
		t.pgProcs = indexPostgresProcs(t.host)
		t.hostOf = t.host
	}
	if m := joinHost(s, t.pgProcs); m != nil {
		return m
	}
	return map[int]*hs.Process{} // local, but no backend proven: columns shown, blank
}

// reorder applies the filter and the sorts, then puts the selections back.
func (t *Tab) reorder() {
	s := t.d.snap
	if s == nil {
		return
	}
	t.d.acts, t.d.hidden = orderActivity(t.d.all, activityOrder{sort: t.actSort, reversed: t.rev[Activity],
		filter: t.filters[Activity].Value(), runningOnly: !t.showIdle})
	t.d.tables = orderTables(s.Tables, t.tableSort, t.rev[Tables], t.filters[Tables].Value())
	// The filter matches the query as drawn (redacted when asked), so it
	// never finds what the screen does not show.
	terms := parseFilter(t.filters[Statements].Value(), statementFields)
	t.d.stmts, t.d.stmtText = nil, nil
	for _, st := range orderStatements(s.Statements.Rows, t.stmtSort, t.rev[Statements]) {
		if line := queryLine(st.Query, t.opts.Redact); statementMatches(st, line, terms) {
			t.d.stmts, t.d.stmtText = append(t.d.stmts, st), append(t.d.stmtText, line)
		}
	}
	t.d.dbs = filterDatabases(s.Databases, t.filters[Databases].Value())
	t.place()
}

// selectedBackend is the session under the cursor in the activity or locks
// view, or nil.
func (t *Tab) selectedBackend() *pg.Backend {
	c := t.cursors[t.view]
	switch t.view {
	case Activity:
		if c.Sel >= 0 && c.Sel < len(t.d.acts) {
			return t.d.acts[c.Sel].b
		}
	case Locks:
		if c.Sel >= 0 && c.Sel < len(t.d.locks) {
			if r := t.d.byPID[t.d.locks[c.Sel].node.PID]; r != nil {
				return r.b
			}
		}
	}
	return nil
}

// sortedRefs returns pointers to the elements of rows in the order compare
// gives (or the opposite one when reversed), leaving rows (part of an
// immutable snapshot) as it is.
func sortedRefs[T any](rows []T, reversed bool, compare func(a, b *T) int) []*T {
	out := make([]*T, len(rows))
	for i := range rows {
		out[i] = &rows[i]
	}
	if reversed {
		slices.SortFunc(out, func(a, b *T) int { return compare(b, a) })
	} else {
		slices.SortFunc(out, compare)
	}
	return out
}
