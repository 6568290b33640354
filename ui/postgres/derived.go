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
	onHost   bool      // the host's process table is joined
	byPID    map[int]*actRow
	locks    []lockRow   // the lock forest, flattened
	tables   []*pg.Table // sorted by tableSort
	unused   []*pg.Index // unused indexes, largest first
	stmts    []*pg.Statement
	stmtText []string     // stmts' query lines, same order
	longXact []pg.Backend // transactions past LongQueryWarn
	idleTx   []pg.Backend
	dead     []pg.Table // most dead tuples
	detail   detailCache
}

// rebuild derives the rows of the shown target's snapshot, then reorders.
func (t *Tab) rebuild() {
	s := t.snap()
	t.d = derived{snap: s}
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

// hostProcs indexes the host's processes by PID when s is a local target;
// nil otherwise. The index is kept until the host snapshot changes.
func (t *Tab) hostProcs(s *pg.Snapshot) map[int]*hs.Process {
	if !s.Local || t.host == nil {
		return nil
	}
	if t.hostOf != t.host {
		t.byHost = make(map[int]*hs.Process, len(t.host.Processes.List))
		for i := range t.host.Processes.List {
			p := &t.host.Processes.List[i]
			t.byHost[int(p.PID)] = p
		}
		t.hostOf = t.host
	}
	return t.byHost
}

// reorder applies the filter and the sorts, then puts the selections back.
func (t *Tab) reorder() {
	s := t.d.snap
	if s == nil {
		return
	}
	t.d.acts = orderActivity(t.d.all, t.actSort, t.filter.Value())
	t.d.tables = orderTables(s.Tables, t.tableSort)
	t.d.stmts = orderStatements(s.Statements.Rows, t.stmtSort)
	t.d.stmtText = make([]string, len(t.d.stmts))
	for i, st := range t.d.stmts {
		t.d.stmtText[i] = queryLine(st.Query, t.opts.Redact)
	}
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
// gives, leaving rows (part of an immutable snapshot) as it is.
func sortedRefs[T any](rows []T, compare func(a, b *T) int) []*T {
	out := make([]*T, len(rows))
	for i := range rows {
		out[i] = &rows[i]
	}
	slices.SortFunc(out, compare)
	return out
}
