package postgres

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/lib/pq"

	"github.com/stacktop/stacktop/collectors"
)

// TruncationMarker ends a text stacktop capped at MaxTextBytes.
const TruncationMarker = " …[truncated by stacktop]"

// hiddenQuery is what pg_stat_activity and pg_stat_statements show in place
// of other users' texts to a role without pg_read_all_stats.
const hiddenQuery = "<insufficient privilege>"

// poll runs the regular statement, the slow parts when due, and assembles
// the snapshot.
func (c *Collector) poll(ctx context.Context, s *session) (*Snapshot, error) {
	rows, err := s.fastRows(ctx, c.idle.args()...)
	if err == nil && !c.idle.knowsAll(keptPIDs(rows)) {
		rows, err = s.fastRows(ctx, nil) // read every backend in full
	}
	if err != nil {
		return nil, err
	}
	snap, err := c.build(s, rows)
	if err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	if err := c.refreshSlow(ctx, s, snap.Server.VersionNum); err != nil {
		if ctx.Err() == nil {
			return nil, err // the connection broke
		}
		// The slow reads ran out of the poll's time: keep this poll's fresh
		// data and say so. The cut socket is unusable; Collect reconnects.
		c.slow.notes = append(c.slow.notes, Note{Part: "tables", Text: fmt.Sprintf(
			"sizes, tables and statements did not finish within the poll deadline — next try in %s", c.opts.SlowInterval)})
	}
	snap.Poll.Slow = c.slow.ranThisPoll
	c.slow.apply(snap)
	snap.Notes = append(privilegeNotes(s.info), c.slow.notes...)
	return snap, nil
}

// keptPIDs returns the summary row's kept pids.
func keptPIDs(rows []fastRow) []int64 {
	for _, r := range rows {
		if r.PID == nil {
			return r.KeptPIDs
		}
	}
	return nil
}

// build turns the fast poll's rows into a snapshot and updates the
// counters kept for the next poll's rates.
func (c *Collector) build(s *session, rows []fastRow) (*Snapshot, error) {
	var sum *fastRow
	acts := make([]activityRow, 0, len(rows))
	for i := range rows {
		if rows[i].PID == nil {
			sum = &rows[i]
		} else {
			acts = append(acts, rows[i].activityRow)
		}
	}
	if sum == nil {
		return nil, errors.New("no summary row")
	}
	var srv serverRow
	var locks []lockRow
	var dbs []databaseRow
	var ckpt checkpointsRow
	for _, d := range []struct {
		b []byte
		v any
	}{{sum.Server, &srv}, {sum.Locks, &locks}, {sum.Databases, &dbs}, {sum.Checkpoints, &ckpt}} {
		if err := decode(d.b, d.v); err != nil {
			return nil, err
		}
	}
	snap := &Snapshot{Target: c.opts.Name, Local: c.local}
	snap.Server = serverFrom(s.info, srv)
	kept := c.idle.carry(sum.KeptPIDs, srv.Now)
	snap.Activity = append(backendsFrom(acts, locks), kept...)
	sort.Slice(snap.Activity, func(i, j int) bool { return snap.Activity[i].PID < snap.Activity[j].PID })
	snap.Poll.Kept = len(kept)
	c.idle.remember(srv.Now, snap.Activity)
	snap.byPID = make(map[int]int, len(snap.Activity))
	for i, b := range snap.Activity {
		snap.byPID[b.PID] = i
	}
	CountConnections(&snap.Server, snap.Activity)
	snap.LockTree = buildLockTree(snap.Activity)

	cur := counters{at: srv.Now, started: srv.StartedAt, dbs: dbs, ckptRequested: ckpt.Requested}
	snap.Databases, snap.Total = throughput(c.prev, cur)
	snap.Server.CheckpointsTimed, snap.Server.CheckpointsRequested = ckpt.Timed, ckpt.Requested
	snap.Server.CheckpointsRequestedRate = collectors.CounterRate(c.prev.ckptRequested, cur.ckptRequested, c.prev.elapsed(cur))
	c.prev = cur

	var err error
	if snap.Replication, err = replicationFrom(sum.Standbys, sum.Receiver); err != nil {
		return nil, err
	}
	if snap.Maintenance, err = maintenanceFrom(sum.Vacuums, sum.XminHolders, snap); err != nil {
		return nil, err
	}
	return snap, nil
}

func serverFrom(info resolveRow, srv serverRow) Server {
	return Server{
		Version: info.Version, ShortVersion: info.ShortVersion, VersionNum: info.VersionNum,
		StartedAt: srv.StartedAt, Uptime: max(srv.Now.Sub(srv.StartedAt), 0), IsStandby: srv.IsStandby,
		User: info.User, Database: info.Database, OwnPID: info.PID, Privileged: info.Privileged,
		ConnectionsMax: info.MaxConnections, ReservedConnections: info.ReservedConnections,
	}
}

// backendsFrom converts activity rows, attaching each waiter's lock; the
// caller sorts them.
func backendsFrom(rows []activityRow, locks []lockRow) []Backend {
	waits := make(map[int]*LockWait, len(locks))
	for _, l := range locks {
		waits[l.PID] = &LockWait{LockType: l.LockType, Mode: l.Mode, Relation: str(l.Relation), TransactionID: str(l.TransactionID)}
	}
	out := make([]Backend, 0, len(rows))
	for _, r := range rows {
		b := Backend{
			PID: num(r.PID), LeaderPID: num(r.LeaderPID), Database: str(r.Database), User: str(r.User),
			Application: str(r.Application), ClientAddr: str(r.ClientAddr), ClientPort: num(r.ClientPort),
			BackendType: str(r.BackendType), State: str(r.State),
			WaitEventType: str(r.WaitEventType), WaitEvent: str(r.WaitEvent),
			BackendAge: age(r.BackendAge), XactAge: age(r.XactAge), QueryAge: age(r.QueryAge), StateAge: age(r.StateAge),
			XminAge: num(r.XminAge), QueryID: num(r.QueryID), BlockedBy: ints(r.BlockedBy),
		}
		if q := str(r.Query); q == hiddenQuery {
			b.Hidden = true
		} else {
			b.Query, b.QueryTruncated = capText(q)
		}
		if b.Waiting() {
			b.Lock = waits[b.PID]
		}
		out = append(out, b)
	}
	return out
}

// CountConnections fills srv's connection counts (ConnectionsUsed and
// States) from acts, as every poll does. stacktop's own session is not in
// Activity but uses a slot, so it is counted here too. Exported so fixtures
// derive their counts exactly as the collector does.
func CountConnections(srv *Server, acts []Backend) {
	srv.ConnectionsUsed = 1
	srv.States = ConnectionStates{Active: 1}
	for _, b := range acts {
		if b.Waiting() {
			srv.States.WaitingOnLock++
		}
		if b.BackendType != "client backend" {
			continue
		}
		srv.ConnectionsUsed++
		switch b.State {
		case StateActive:
			srv.States.Active++
		case StateIdle:
			srv.States.Idle++
		case StateIdleInTransaction:
			srv.States.IdleInTransaction++
		case StateIdleInTransactionAborted:
			srv.States.IdleInTransactionAborted++
		default:
			srv.States.Other++
		}
	}
}

// capText caps s at MaxTextBytes on a rune boundary and appends the marker.
func capText(s string) (string, bool) {
	if len(s) <= MaxTextBytes {
		return s, false
	}
	n := MaxTextBytes
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + TruncationMarker, true
}

// privilegeNotes explains what a role without pg_monitor cannot see.
func privilegeNotes(info resolveRow) []Note {
	if info.Privileged {
		return nil
	}
	return []Note{{Part: "activity", Text: fmt.Sprintf(
		"role %s lacks pg_monitor: other users' queries, waits and statements are hidden — GRANT pg_monitor TO %s",
		info.User, pq.QuoteIdentifier(info.User))}}
}

// replicationFrom decodes the standby (primary side) or receiver rows.
func replicationFrom(standbys, receiver []byte) (Replication, error) {
	var rows []standbyRow
	var rcv *receiverRow
	if err := decode(standbys, &rows); err != nil {
		return Replication{}, err
	}
	if err := decode(receiver, &rcv); err != nil {
		return Replication{}, err
	}
	var r Replication
	for _, x := range rows {
		r.Standbys = append(r.Standbys, Standby{
			PID: x.PID, User: str(x.User), Application: str(x.Application), ClientAddr: str(x.ClientAddr),
			State: str(x.State), SyncState: str(x.SyncState),
			SentLagBytes: num(x.SentLagBytes), WriteLagBytes: num(x.WriteLagBytes),
			FlushLagBytes: num(x.FlushLagBytes), ReplayLagBytes: num(x.ReplayLagBytes),
			WriteLag: age(x.WriteLag), FlushLag: age(x.FlushLag), ReplayLag: age(x.ReplayLag),
		})
	}
	if rcv != nil {
		r.Receiver = &Receiver{Status: str(rcv.Status), SenderHost: str(rcv.SenderHost), SenderPort: num(rcv.SenderPort),
			ReceiveLSN: str(rcv.ReceiveLSN), ReplayLSN: str(rcv.ReplayLSN),
			ReplayLagBytes: num(rcv.ReplayLagBytes), ReplayDelay: age(rcv.ReplayDelay)}
	}
	return r, nil
}

// maintenanceFrom decodes vacuum progress and finds the oldest xmin holder.
func maintenanceFrom(vacuums, holders []byte, snap *Snapshot) (Maintenance, error) {
	var vrows []vacuumRow
	var hrows []xminHolderRow
	if err := decode(vacuums, &vrows); err != nil {
		return Maintenance{}, err
	}
	if err := decode(holders, &hrows); err != nil {
		return Maintenance{}, err
	}
	var m Maintenance
	for _, v := range vrows {
		p := VacuumProgress{PID: v.PID, Database: v.Database, Relation: v.Relation, Phase: v.Phase,
			HeapBlksTotal: v.HeapBlksTotal, HeapBlksScanned: v.HeapBlksScanned, HeapBlksVacuumed: v.HeapBlksVacuumed,
			IndexVacuumCount: v.IndexVacuumCount, DeadTuples: v.DeadTuples,
			IndexesTotal: num(v.IndexesTotal), IndexesProcessed: num(v.IndexesProcessed)}
		if b, ok := snap.Backend(v.PID); ok {
			p.Auto = b.BackendType == "autovacuum worker" || strings.HasPrefix(b.Query, "autovacuum:")
			p.Age = b.XactAge
		}
		m.Vacuums = append(m.Vacuums, p)
	}
	for _, b := range snap.Activity {
		if b.XminAge > m.OldestXminAge {
			m.OldestXminAge, m.OldestXminHolder = b.XminAge, fmt.Sprintf("pid %d", b.PID)
		}
	}
	for _, h := range hrows {
		if a := num(h.Age); a > m.OldestXminAge {
			m.OldestXminAge, m.OldestXminHolder = a, h.Holder
		}
	}
	return m, nil
}

func ints(v []int64) []int {
	if v == nil {
		return nil
	}
	out := make([]int, len(v))
	for i, x := range v {
		out[i] = int(x)
	}
	return out
}
