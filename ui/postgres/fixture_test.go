package postgres

import (
	"errors"
	"fmt"
	"github.com/stacktop/stacktop/ui/internal/keytest"
	"io"
	"strings"
	"syscall"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/stacktop/stacktop/collectors"
	hs "github.com/stacktop/stacktop/collectors/host"
	pg "github.com/stacktop/stacktop/collectors/postgres"
	"github.com/stacktop/stacktop/ui/theme"
	"github.com/stacktop/stacktop/ui/view"
)

// now is the fixed clock of every fixture.
var now = time.Date(2026, 11, 21, 14, 30, 5, 0, time.UTC)

// PIDs the tests refer to.
const (
	pidA        = 101 // idle in transaction, root of the chain A -> B -> C
	pidB        = 102 // waits on A, blocks C
	pidC        = 103 // waits on B
	pidTwo      = 104 // blocked by A and by pidRoot2
	pidRoot2    = 105 // second root blocker
	pidReport   = 110 // query past the critical threshold
	pidSlow     = 111 // query past the warning threshold
	pidEvil     = 112 // query and application full of escape sequences
	pidHuge     = 113 // a megabyte query
	pidIdleTx   = 114 // idle in transaction past the threshold
	pidMultline = 116 // an indented, multi-line query
	pidHidden   = 130 // another user's backend without pg_monitor
)

// evilQuery carries CSI, OSC (window title) and a bidi override.
const evilQuery = "SELECT '\x1b[31mred\x1b[0m' AS x, '\x1b]0;pwned\x07' \x1b[2J\u202e FROM evil"

func pgAge(d time.Duration) pg.Age { return pg.Age{D: d, Valid: true} }

func rate(v float64) collectors.Rate { return collectors.Rate{PerSec: v, Valid: true} }

// backend is a client backend of user on db.
func backend(pid int, user, db, app, state string, query string, queryAge time.Duration) pg.Backend {
	b := pg.Backend{PID: pid, User: user, Database: db, Application: app, ClientAddr: "10.0.3." + fmt.Sprint(pid%250),
		ClientPort: 40000 + pid, BackendType: "client backend", State: state, Query: query,
		BackendAge: pgAge(3 * time.Hour), QueryAge: pgAge(queryAge), StateAge: pgAge(queryAge)}
	if state != pg.StateIdle {
		b.XactAge = pgAge(queryAge + 2*time.Second)
	}
	if state == pg.StateIdle {
		b.WaitEventType, b.WaitEvent = "Client", "ClientRead"
	}
	return b
}

// waiter is a backend waiting on a lock held by blockers.
func waiter(pid int, waited time.Duration, lock *pg.LockWait, query string, blockers ...int) pg.Backend {
	b := backend(pid, "app", "shop", "billing", pg.StateActive, query, waited)
	b.WaitEventType, b.WaitEvent = "Lock", lock.LockType
	b.BlockedBy, b.Lock = blockers, lock
	return b
}

// primary is a realistic busy primary with n backends (at least the two
// dozen hand-written ones).
func primary(n int) *pg.Snapshot {
	rowLock := &pg.LockWait{LockType: "transactionid", Mode: "ShareLock", Relation: "accounts", TransactionID: "74211"}
	relLock := &pg.LockWait{LockType: "relation", Mode: "AccessExclusiveLock", Relation: "accounts"}
	ordLock := &pg.LockWait{LockType: "relation", Mode: "AccessShareLock", Relation: "orders"}
	a := backend(pidA, "alice", "shop", "psql", pg.StateIdleInTransaction,
		"UPDATE accounts SET balance = balance - 100 WHERE id = 42", 2*time.Minute+5*time.Second)
	a.XactAge = pgAge(2*time.Minute + 30*time.Second)
	a.XminAge = 1234567
	idleTx := backend(pidIdleTx, "bob", "shop", "rails", pg.StateIdleInTransaction, "SELECT * FROM carts WHERE user_id = 7 FOR UPDATE", 30*time.Second)
	aborted := backend(115, "bob", "shop", "rails", pg.StateIdleInTransactionAborted, "INSERT INTO carts VALUES (1)", 3*time.Second)
	huge := backend(pidHuge, "etl", "analytics", "loader", pg.StateActive, "INSERT INTO blobs VALUES ('"+strings.Repeat("x", 1<<20)+"')", 8*time.Second)
	evil := backend(pidEvil, "mallory", "shop", "ev\x1b[5mil\x1b]0;title\x07", pg.StateActive, evilQuery, 4*time.Second)
	multi := backend(pidMultline, "app", "shop", "billing", pg.StateActive,
		"WITH recent AS (\n    SELECT id, total\n      FROM orders\n     WHERE created_at > now() - interval '1 day'\n)\nSELECT sum(total)\n  FROM recent", 2*time.Second)
	hidden := pg.Backend{PID: pidHidden, BackendType: "client backend", Hidden: true, User: "other", Database: "shop"}
	av := pg.Backend{PID: 120, BackendType: "autovacuum worker", Database: "shop", State: pg.StateActive,
		Query: "autovacuum: VACUUM public.orders", QueryAge: pgAge(40 * time.Second), XactAge: pgAge(40 * time.Second), BackendAge: pgAge(41 * time.Second)}
	ws := pg.Backend{PID: 121, BackendType: "walsender", User: "replicator", Application: "replica1", ClientAddr: "10.0.9.2",
		State: pg.StateActive, Query: "START_REPLICATION 0/3000000", BackendAge: pgAge(26 * time.Hour), QueryAge: pgAge(26 * time.Hour)}
	acts := []pg.Backend{
		a,
		waiter(pidB, 95*time.Second, rowLock, "UPDATE accounts SET balance = balance + 100 WHERE id = 42", pidA),
		waiter(pidC, 80*time.Second, relLock, "ALTER TABLE accounts ADD COLUMN note text", pidB),
		waiter(pidTwo, 60*time.Second, ordLock, "SELECT count(*) FROM orders", pidA, pidRoot2),
		backend(pidRoot2, "admin", "shop", "psql", pg.StateActive, "LOCK TABLE orders IN EXCLUSIVE MODE; SELECT pg_sleep(600)", 70*time.Second),
		backend(pidReport, "reporter", "analytics", "metabase", pg.StateActive,
			"SELECT date_trunc('day', created_at), count(*) FROM events GROUP BY 1 ORDER BY 1", 12*time.Minute+3*time.Second),
		backend(pidSlow, "app", "shop", "billing", pg.StateActive, "SELECT * FROM invoices WHERE status = 'open'", 45*time.Second),
		evil, huge, idleTx, aborted, multi, av, ws, hidden,
	}
	acts[len(acts)-3].QueryAge.D = 40 * time.Second
	for i := 0; len(acts) < n; i++ {
		state := pg.StateIdle
		q := []string{"COMMIT", "SELECT id, name FROM products WHERE id = $1", "BEGIN", "SELECT 1"}[i%4]
		if i%7 == 3 {
			state = pg.StateActive
		}
		acts = append(acts, backend(200+i, "app", []string{"shop", "shop", "analytics"}[i%3],
			[]string{"web", "worker", "cron"}[i%3], state, q, time.Duration(i%13)*time.Second+300*time.Millisecond))
	}
	s := &pg.Snapshot{
		Taken: now.Add(-1 * time.Second), Target: "main", Local: true,
		Server: pg.Server{Version: "PostgreSQL 15.8 (Debian 15.8-0+deb12u1) on x86_64-pc-linux-gnu", ShortVersion: "15.8",
			VersionNum: 150008, Uptime: 3*24*time.Hour + 4*time.Hour, User: "stacktop", Database: "shop", OwnPID: 999,
			Privileged: true, ConnectionsMax: 100, ReservedConnections: 3},
		Activity:        acts,
		LockTree:        lockTree(rowLock, relLock, ordLock),
		DatabaseSizesAt: now.Add(-12 * time.Second),
		TablesAt:        now.Add(-20 * time.Second),
	}
	pg.CountConnections(&s.Server, acts) // as the collector counts them
	s.Databases, s.Total = databases()
	s.Replication = replication()
	s.Maintenance = pg.Maintenance{OldestXminAge: 1234567, OldestXminHolder: "pid 101", Vacuums: []pg.VacuumProgress{
		{PID: 120, Database: "shop", Relation: "orders", Auto: true, Phase: "scanning heap", HeapBlksTotal: 120000, HeapBlksScanned: 50400, Age: pgAge(40 * time.Second)},
		{PID: 140, Database: "shop", Relation: "events_2026_11", Phase: "vacuuming indexes", HeapBlksTotal: 1000, HeapBlksScanned: 1000, Age: pgAge(3 * time.Minute)},
	}}
	s.Tables, s.Indexes = tables()
	s.Statements = statements()
	return s
}

// lockTree is the chain A -> B -> C, and pidTwo blocked by A and pidRoot2.
func lockTree(rowLock, relLock, ordLock *pg.LockWait) []pg.LockNode {
	return []pg.LockNode{
		{PID: pidA, BlockedCount: 3, LongestWait: 95 * time.Second, Blocking: []pg.LockNode{
			{PID: pidB, Lock: rowLock, Waiting: pgAge(95 * time.Second), BlockedCount: 1, LongestWait: 80 * time.Second,
				Blocking: []pg.LockNode{{PID: pidC, Lock: relLock, Waiting: pgAge(80 * time.Second)}}},
			{PID: pidTwo, Lock: ordLock, Waiting: pgAge(60 * time.Second)},
		}},
		{PID: pidRoot2, BlockedCount: 1, LongestWait: 60 * time.Second, Blocking: []pg.LockNode{
			{PID: pidTwo, Lock: ordLock, Waiting: pgAge(60 * time.Second)},
		}},
	}
}

func throughput(tps, rollbacks, hit float64) pg.Throughput {
	return pg.Throughput{TPS: rate(tps), Commits: rate(tps - rollbacks), Rollbacks: rate(rollbacks),
		RowsReturned: rate(tps * 40), RowsFetched: rate(tps * 12), RowsInserted: rate(tps * 2), RowsUpdated: rate(tps), RowsDeleted: rate(0.5),
		BlocksRead: rate(tps * (1 - hit)), BlocksHit: rate(tps * hit), TempFiles: rate(0), TempBytes: rate(tps * 100),
		Deadlocks: rate(0), Conflicts: rate(0), CacheHitRatio: pg.Ratio{Value: hit, Valid: true}}
}

func databases() ([]pg.Database, pg.Throughput) {
	dbs := []pg.Database{
		{OID: 5, Name: "analytics", Backends: 9, SizeBytes: 412 << 30, SizeKnown: true, Rates: throughput(35.5, 0.5, 0.871), Deadlocks: 0},
		{OID: 1, Name: "postgres", Backends: 1, SizeBytes: 7 << 20, SizeKnown: true, Rates: throughput(0, 0, 1)},
		{OID: 4, Name: "shop", Backends: 16, SizeBytes: 38 << 30, SizeKnown: true, Rates: throughput(1234.5, 3.5, 0.998), Deadlocks: 2},
		{OID: 6, Name: "new_db", Backends: 0}, // first poll: no rates, no size yet
	}
	dbs[2].Rates.Deadlocks = rate(0.5)
	// age(datfrozenxid): analytics is far behind on freezing (30% of the
	// wraparound limit), the others recently frozen.
	dbs[0].XIDAge, dbs[1].XIDAge, dbs[2].XIDAge = 644_245_094, 12_000_000, 180_000_000
	total := throughput(1270, 4, 0.99)
	return dbs, total
}

func replication() pg.Replication {
	return pg.Replication{
		Standbys: []pg.Standby{
			{PID: 121, User: "replicator", Application: "replica1", ClientAddr: "10.0.9.2", State: "streaming", SyncState: "async",
				SentLagBytes: 0, WriteLagBytes: 8192, FlushLagBytes: 8192, ReplayLagBytes: 16384,
				WriteLag: pgAge(2 * time.Millisecond), FlushLag: pgAge(3 * time.Millisecond), ReplayLag: pgAge(1 * time.Second)},
			{PID: 122, User: "replicator", Application: "replica2", ClientAddr: "10.0.9.3", State: "streaming", SyncState: "async",
				SentLagBytes: 1 << 20, WriteLagBytes: 40 << 20, FlushLagBytes: 41 << 20, ReplayLagBytes: 96 << 20,
				WriteLag: pgAge(30 * time.Second), FlushLag: pgAge(31 * time.Second), ReplayLag: pgAge(45 * time.Second)},
		},
		Slots: []pg.Slot{
			{Name: "replica1", SlotType: "physical", Active: true, ActivePID: 121, RetainedBytes: 16384, WALStatus: "reserved"},
			{Name: "old_debezium", SlotType: "logical", Plugin: "pgoutput", Database: "shop", RetainedBytes: 2 << 30, WALStatus: "extended", XminAge: 98765},
		},
		SlotsAt: now.Add(-20 * time.Second),
	}
}

func tables() ([]pg.Table, []pg.Index) {
	var ts []pg.Table
	names := []string{"orders", "accounts", "events", "carts", "products", "invoices", "sessions", "audit_log", "users", "payments", "coupons", "settings"}
	for i, n := range names {
		heap := int64(len(names)-i) << 28
		ts = append(ts, pg.Table{Schema: "public", Name: n, TableBytes: heap, IndexBytes: heap / 3, TotalBytes: heap + heap/3,
			SeqScans: int64((i * 37) % 11 * 1000), IdxScans: int64(i * 123457), LiveTuples: int64(len(names)-i) * 1000000,
			DeadTuples: int64((i*7919)%13) * 41000, LastAutovacuum: now.Add(-time.Duration(i+1) * 17 * time.Minute),
			LastAutoanalyze: now.Add(-time.Duration(i+1) * 9 * time.Minute)})
	}
	ts[0].LastVacuum = now.Add(-26 * time.Hour)
	ts = append(ts, pg.Table{Schema: "archive", Name: "orders_2019", TableBytes: 3 << 30, TotalBytes: 3 << 30, SeqScans: 4})
	ix := []pg.Index{
		{Schema: "public", Table: "orders", Name: "orders_pkey", SizeBytes: 900 << 20, Scans: 9000000, Primary: true, Unique: true},
		{Schema: "public", Table: "orders", Name: "orders_legacy_status_idx", SizeBytes: 640 << 20, Unused: true},
		{Schema: "public", Table: "events", Name: "events_payload_gin", SizeBytes: 2 << 30, Unused: true},
		{Schema: "public", Table: "users", Name: "users_email_key", SizeBytes: 30 << 20, Unique: true},
		{Schema: "archive", Table: "orders_2019", Name: "orders_2019_created_idx", SizeBytes: 120 << 20, Unused: true},
	}
	return ts, ix
}

func statements() pg.Statements {
	var rows []pg.Statement
	qs := []string{
		"SELECT id, name FROM products WHERE id = $1",
		"UPDATE accounts SET balance = balance + $1 WHERE id = $2",
		"SELECT date_trunc($1, created_at), count(*) FROM events GROUP BY $2 ORDER BY $3",
		"INSERT INTO events (kind, payload) VALUES ($1, $2)",
		"SELECT * FROM invoices WHERE status = $1",
		"COMMIT", "BEGIN",
		"SELECT \x1b[31mevil\x1b[0m FROM t WHERE x = $1",
		"DELETE FROM sessions WHERE expires_at < now()",
		"SELECT u.*, o.* FROM users u\n  JOIN orders o ON o.user_id = u.id\n WHERE u.id = $1",
	}
	for i, q := range qs {
		calls := int64((i*7919)%97+1) * 1000
		total := time.Duration((i*104729)%1000+10) * 37 * time.Millisecond * time.Duration(i%3+1)
		rows = append(rows, pg.Statement{QueryID: int64(1000 + i), User: "app", Database: "shop", Toplevel: true, Query: q,
			Calls: calls, Rows: calls * int64(i%4+1), TotalTime: total, MeanTime: total / time.Duration(calls),
			SharedBlksHit: calls * int64(10+i), SharedBlksRead: calls * int64(i%3), CallsRate: rate(float64(calls) / 3600)})
	}
	rows[2].User, rows[2].Database = "reporter", "analytics"
	return pg.Statements{At: now.Add(-20 * time.Second), Available: true, Rows: rows}
}

// standby is a read replica with a WAL receiver and without pg_stat_statements.
func standby() *pg.Snapshot {
	s := &pg.Snapshot{Taken: now.Add(-time.Second), Target: "replica",
		Server: pg.Server{ShortVersion: "16.4", VersionNum: 160004, IsStandby: true, Uptime: 26 * time.Hour, Database: "shop",
			ConnectionsMax: 100, Privileged: true},
		Activity: []pg.Backend{
			backend(301, "reporter", "shop", "metabase", pg.StateActive, "SELECT count(*) FROM orders", 3*time.Second),
			backend(302, "app", "shop", "web", pg.StateIdle, "SELECT 1", 20*time.Second),
		},
		Replication: pg.Replication{Receiver: &pg.Receiver{Status: "streaming", SenderHost: "10.0.1.10", SenderPort: 5432,
			ReceiveLSN: "3/A1000060", ReplayLSN: "3/A0FF2000", ReplayLagBytes: 56 << 10, ReplayDelay: pgAge(2 * time.Second)}},
		Statements: pg.Statements{Note: "pg_stat_statements is not installed in database \"shop\" — add it to shared_preload_libraries, restart, then CREATE EXTENSION pg_stat_statements"},
	}
	pg.CountConnections(&s.Server, s.Activity)
	s.Databases, s.Total = databases()
	return s
}

// update is the hub's message for target name: snap (may be nil), the
// latest poll's error, polled just now.
func update(name string, snap *pg.Snapshot, err error) collectors.Update {
	u := collectors.Update{Source: collectors.SourceID{Kind: collectors.KindPostgres, Name: name}, Err: err,
		PolledAt: now.Add(-time.Second), Interval: 2 * time.Second}
	if snap != nil {
		u.Snapshot, u.LastGood = snap, snap.Taken
	}
	if err != nil {
		u.Failures = 3
		u.NextTry = u.PolledAt.Add(u.Interval)
	}
	return u
}

// absentErr is a connection refused as the collector reports it: the
// message names cause and hint, and it wraps collectors.ErrSourceAbsent.
type absentErr struct{ msg string }

func (e absentErr) Error() string { return e.msg }
func (e absentErr) Unwrap() error { return collectors.ErrSourceAbsent }

// notFound is the implicit "local" target with nothing listening.
func notFound() collectors.Update {
	u := update("local", nil, absentErr{`postgres "local": connect: dial tcp 127.0.0.1:5432: connect: connection refused — is the server running and listening there?`})
	u.Implicit = true
	return u
}

// errDown is a wrong-password failure as the collector words it.
var errDown = errors.New(`postgres "billing": connect: password authentication failed for user "stacktop" — check the password (password_env, ~/.pgpass or PGPASSWORD) for role "stacktop"`)

// hostFor is a host snapshot with processes for some of s's backends.
func hostFor(s *pg.Snapshot) collectors.Update {
	h := &hs.Snapshot{Taken: now.Add(-time.Second), Hostname: "db-prod-01"}
	// Each backend's process is the postmaster's child and started at its
	// backend_start, as on a real host: that is what proves the pid is it.
	const postmaster = 7
	serverNow := s.Server.StartedAt.Add(s.Server.Uptime)
	h.Processes.List = append(h.Processes.List, hs.Process{PID: postmaster, PPID: 1, User: "postgres", Name: "postgres",
		StartTime: s.Server.StartedAt, RSS: 64 << 20})
	for i, b := range s.Activity {
		if i%3 == 2 {
			continue // some backends are gone from the process table
		}
		h.Processes.List = append(h.Processes.List, hs.Process{PID: int32(b.PID), PPID: postmaster, User: "postgres", Name: "postgres",
			StartTime:  serverNow.Add(-b.BackendAge.D),
			CPUPercent: float64((i * 37) % 100), CPUValid: i != 0, RSS: uint64(20+i) << 20})
	}
	return collectors.Update{Source: collectors.SourceID{Kind: collectors.KindHost, Name: "local"}, Snapshot: h,
		LastGood: h.Taken, PolledAt: h.Taken, Interval: 2 * time.Second}
}

func testCtx(w, h int) view.Context {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	return view.Context{Width: w, Height: h, Styles: theme.Default().Styles(r), Now: now, Thresholds: view.DefaultThresholds()}
}

// newTab is a Postgres tab of w×h with the main primary (n backends, host
// figures joined), a standby, a degraded, a down and a not-found target.
func newTab(w, h, n int) (*Tab, view.Context) {
	ctx := testCtx(w, h)
	t := New(ctx.Styles, Options{})
	t.Update(view.SizeMsg{Width: w, Height: h})
	main := primary(n)
	t.Update(hostFor(main))
	// Two earlier polls give the sparklines some history.
	for i := 3; i > 0; i-- {
		old := primary(n)
		old.Taken = now.Add(-time.Duration(i*2) * time.Second)
		old.Total.TPS = rate(float64(900 + i*150))
		old.Databases[2].Rates.TPS = rate(float64(800 + i*170))
		t.Update(update("main", old, nil))
	}
	t.Update(update("main", main, nil))
	t.Update(update("replica", standby(), nil))
	waiting := update("reports", nil, nil)
	waiting.PolledAt = time.Time{} // never polled yet
	t.Update(waiting)
	t.Update(notFound())
	t.Update(update("billing", nil, errDown))
	// With several targets the tab opens on the servers view; most tests
	// start from the main target's activity.
	press(t, "a")
	return t, ctx
}

// degradedUpdate is the main primary's last good data with a failing poll
// and a degradation note.
func degradedUpdate() collectors.Update {
	s := primary(30)
	s.Taken = now.Add(-30 * time.Second)
	s.Notes = []pg.Note{{Part: "activity", Text: "role lacks pg_monitor: other users' query text is hidden — GRANT pg_monitor TO stacktop"}}
	u := update("main", s, errors.New(`postgres "main": poll: canceling statement due to statement timeout — the server is overloaded or the timeout too short`))
	u.LastGood = s.Taken
	return u
}

// refusedAfterData is the hub's update after the main primary started
// refusing connections: its last good data kept, the next try in a second.
func refusedAfterData() collectors.Update {
	s := primary(40)
	s.Taken = now.Add(-12 * time.Second)
	down := now.Add(-10 * time.Second)
	u := update("main", s, nil)
	u.Failures, u.NextTry = 3, u.PolledAt.Add(u.Interval)
	u.DownSince, u.Cause = down, collectors.CauseRefused
	u.Err = fmt.Errorf(`postgres "main": connect: dial tcp 127.0.0.1:5432: connect: %w`, syscall.ECONNREFUSED)
	u.Err = outageErr{u.Err, u.Outage()}
	return u
}

// outageErr reads as the hub's error for a target that worked before: the
// collector's cause, then the outage in place of the first-run hint.
type outageErr struct {
	cause  error
	advice string
}

func (e outageErr) Error() string       { return e.cause.Error() + " — " + e.advice }
func (e outageErr) Unwrap() error       { return e.cause }
func (e outageErr) WithoutHint() string { return e.cause.Error() }
func (e outageErr) Advice() string      { return e.advice }

func press(t *Tab, ks ...string) {
	for _, k := range ks {
		t.Update(keytest.Msg(k))
	}
}
