package postgres

import (
	"sort"
	"time"

	"github.com/stacktop/stacktop/collectors"
)

// counters is the previous poll's cumulative counters, kept for rates.
type counters struct {
	// at is the server's now() of the sample: rates use server time, the
	// clock the counters were read against.
	at time.Time
	// started is the postmaster start time: a change means a restart, so no
	// rate spans it.
	started       time.Time
	dbs           []databaseRow
	ckptRequested uint64
}

// elapsed is the time since prev, or 0 (no rate) when there is no previous
// sample or the server restarted in between.
func (prev counters) elapsed(cur counters) time.Duration {
	if prev.at.IsZero() || !prev.started.Equal(cur.started) {
		return 0
	}
	return collectors.Elapsed(prev.at, cur.at)
}

// dbCounters are the summable counters of a database row.
type dbCounters struct {
	commit, rollback, read, hit, returned, fetched, inserted, updated, deleted,
	tempFiles, tempBytes, deadlocks, conflicts uint64
}

func (r databaseRow) counters() dbCounters {
	return dbCounters{r.XactCommit, r.XactRollback, r.BlksRead, r.BlksHit, r.TupReturned, r.TupFetched,
		r.TupInserted, r.TupUpdated, r.TupDeleted, r.TempFiles, r.TempBytes, r.Deadlocks, r.Conflicts}
}

func (a dbCounters) add(b dbCounters) dbCounters {
	return dbCounters{a.commit + b.commit, a.rollback + b.rollback, a.read + b.read, a.hit + b.hit,
		a.returned + b.returned, a.fetched + b.fetched, a.inserted + b.inserted, a.updated + b.updated,
		a.deleted + b.deleted, a.tempFiles + b.tempFiles, a.tempBytes + b.tempBytes,
		a.deadlocks + b.deadlocks, a.conflicts + b.conflicts}
}

// rates turns two counter samples elapsed apart into a Throughput; elapsed
// 0 gives all-invalid rates.
func rates(p, c dbCounters, elapsed time.Duration) Throughput {
	r := func(a, b uint64) collectors.Rate { return collectors.CounterRate(a, b, elapsed) }
	t := Throughput{
		TPS: r(p.commit+p.rollback, c.commit+c.rollback), Commits: r(p.commit, c.commit),
		Rollbacks: r(p.rollback, c.rollback), RowsReturned: r(p.returned, c.returned),
		RowsFetched: r(p.fetched, c.fetched), RowsInserted: r(p.inserted, c.inserted),
		RowsUpdated: r(p.updated, c.updated), RowsDeleted: r(p.deleted, c.deleted),
		BlocksRead: r(p.read, c.read), BlocksHit: r(p.hit, c.hit),
		TempFiles: r(p.tempFiles, c.tempFiles), TempBytes: r(p.tempBytes, c.tempBytes),
		Deadlocks: r(p.deadlocks, c.deadlocks), Conflicts: r(p.conflicts, c.conflicts),
	}
	if t.BlocksHit.Valid && t.BlocksRead.Valid {
		if dh, dr := c.hit-p.hit, c.read-p.read; dh+dr > 0 {
			t.CacheHitRatio = Ratio{Value: float64(dh) / float64(dh+dr), Valid: true}
		}
	}
	return t
}

// throughput computes per-database rates and the total. A database whose
// stats were reset (stats_reset changed) gets no rate, and then neither
// does the total: a partial sum would read as a drop.
func throughput(prev, cur counters) ([]Database, Throughput) {
	elapsed := prev.elapsed(cur)
	before := make(map[uint32]databaseRow, len(prev.dbs))
	for _, d := range prev.dbs {
		before[d.OID] = d
	}
	var sumPrev, sumCur dbCounters
	totalOK := elapsed > 0
	out := make([]Database, 0, len(cur.dbs))
	for _, d := range cur.dbs {
		p, seen := before[d.OID]
		e := elapsed
		if !seen || !ts(p.StatsReset).Equal(ts(d.StatsReset)) {
			e, totalOK = 0, false
		}
		sumPrev, sumCur = sumPrev.add(p.counters()), sumCur.add(d.counters())
		if d.OID == 0 { // shared-catalog pseudo-row: in the total, not listed
			continue
		}
		out = append(out, Database{
			OID: d.OID, Name: d.Name, Backends: d.Backends, XIDAge: d.XIDAge,
			Rates:     rates(p.counters(), d.counters(), e),
			Deadlocks: d.Deadlocks, Conflicts: d.Conflicts, TempFiles: d.TempFiles, TempBytes: d.TempBytes,
			StatsReset: ts(d.StatsReset),
		})
	}
	if !totalOK {
		elapsed = 0
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, rates(sumPrev, sumCur, elapsed)
}
