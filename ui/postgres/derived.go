package postgres

import (
	"slices"

	hs "github.com/stacktop/stacktop/collectors/host"
	pg "github.com/stacktop/stacktop/collectors/postgres"
)

// derived is what every sub-view of the shown target draws from, rebuilt
// in Update so View only lays it out: the snapshot (frozen while paused),
// its sessions as rows, the TPS histories and the detail pane. Each
// sub-view's own rows live in its model.
type derived struct {
	opts   *Options
	snap   *pg.Snapshot
	all    []actRow // one per backend
	onHost bool     // the host's process table is joined
	byPID  map[int]*actRow
	hist   histories // TPS histories: the target's, or a copy taken at the pause
	detail detailCache
}

// rebuild derives the rows of the shown target's snapshot, then reorders.
// It is not called while paused: t.d is what the view keeps showing.
func (t *Tab) rebuild() {
	s := t.snap()
	t.d = derived{opts: &t.opts, snap: s}
	if tg := t.current(); tg != nil {
		t.d.hist = histories{total: tg.total, dbs: tg.dbs}
	}
	if s == nil {
		for _, m := range t.subs {
			m.derive(&t.d)
		}
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
	for _, m := range t.subs {
		m.derive(&t.d)
	}
	t.reorder()
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

// reorder applies the filters and the sorts, then puts the selections back.
func (t *Tab) reorder() {
	if t.d.snap == nil {
		return
	}
	for _, m := range t.subs {
		m.reorder(&t.d)
	}
	t.place()
}

// selectedBackend is the session under the cursor in the activity or locks
// view, or nil.
func (t *Tab) selectedBackend() *pg.Backend {
	switch t.view {
	case Activity:
		return t.act.selected()
	case Locks:
		return t.lk.selected(&t.d)
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
