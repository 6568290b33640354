// Package pgfixture builds deterministic Postgres snapshots for view, report
// and golden-file tests, shaped like what the collector produces against a
// real server: Busy (a primary under load with a lock chain, a session
// blocked by two others, idle-in-transaction, a long query, a hidden
// backend, escape sequences in query text, statements, a standby, slots
// and a running vacuum), Unprivileged (a role without pg_monitor and no
// pg_stat_statements), FirstPoll (no rates yet) and Standby.
package pgfixture

import (
	"strings"
	"time"

	"github.com/stacktop/stacktop/collectors"
	"github.com/stacktop/stacktop/collectors/postgres"
)

func rate(v float64) collectors.Rate { return collectors.Rate{PerSec: v, Valid: true} }

func age(d time.Duration) postgres.Age { return postgres.Age{D: d, Valid: true} }

// server is the common server part; now is the snapshot time.
func server(now time.Time) postgres.Server {
	started := now.Add(-49 * time.Hour)
	return postgres.Server{
		Version:      "PostgreSQL 15.8 (Debian 15.8-0+deb12u1) on x86_64-pc-linux-gnu, compiled by gcc 12.2.0, 64-bit",
		ShortVersion: "15.8", VersionNum: 150008, StartedAt: started, Uptime: now.Sub(started),
		User: "stacktop", Database: "postgres", OwnPID: 4000, Privileged: true,
		ConnectionsMax: 100, ReservedConnections: 3,
		Settings: []postgres.Setting{
			{Name: "max_connections", Value: "100", Display: "100"},
			{Name: "shared_buffers", Value: "16384", Unit: "8kB", Display: "128MB"},
			{Name: "work_mem", Value: "4096", Unit: "kB", Display: "4MB"},
			{Name: "statement_timeout", Value: "5000", Unit: "ms", Display: "5s"},
		},
		CheckpointsTimed: 580, CheckpointsRequested: 12, CheckpointsRequestedRate: rate(0),
	}
}

func client(pid int, db, user, app, state, query string, queryAge, xactAge time.Duration) postgres.Backend {
	b := postgres.Backend{PID: pid, Database: db, User: user, Application: app, ClientAddr: "10.0.0.5",
		ClientPort: 40000 + pid%1000, BackendType: "client backend", State: state, Query: query,
		BackendAge: age(3 * time.Hour), QueryAge: age(queryAge), StateAge: age(queryAge)}
	if xactAge > 0 {
		b.XactAge = age(xactAge)
	}
	if state == postgres.StateIdle {
		b.WaitEventType, b.WaitEvent = "Client", "ClientRead"
	}
	return b
}

func waiting(b postgres.Backend, lock postgres.LockWait, blockers ...int) postgres.Backend {
	b.WaitEventType, b.WaitEvent = "Lock", lock.LockType
	b.BlockedBy, b.Lock = blockers, &lock
	return b
}

// Busy is a primary under load.
func Busy(now time.Time) *postgres.Snapshot {
	row := postgres.LockWait{LockType: "transactionid", Mode: "ShareLock", TransactionID: "81234"}
	table := postgres.LockWait{LockType: "relation", Mode: "AccessExclusiveLock", Relation: "orders"}
	acts := []postgres.Backend{
		{PID: 101, BackendType: "checkpointer", WaitEventType: "Activity", WaitEvent: "CheckpointerMain", BackendAge: age(49 * time.Hour)},
		client(1201, "shop", "app", "api", postgres.StateIdleInTransaction, "UPDATE accounts SET balance = balance - 10 WHERE id = 1", 95*time.Second, 97*time.Second),
		waiting(client(1202, "shop", "app", "api", postgres.StateActive, "UPDATE accounts SET balance = balance + 10 WHERE id = 1", 90*time.Second, 91*time.Second), row, 1201),
		waiting(client(1203, "shop", "app", "worker", postgres.StateActive, "UPDATE accounts SET flag = true WHERE id = 2", 60*time.Second, 60*time.Second), row, 1202),
		client(1301, "shop", "report", "psql", postgres.StateIdleInTransaction, "SELECT * FROM orders LIMIT 10", 40*time.Second, 41*time.Second),
		client(1302, "shop", "report", "psql", postgres.StateActive, "SELECT count(*) FROM orders o JOIN order_lines l USING (order_id)", 20*time.Second, 20*time.Second),
		waiting(client(1303, "shop", "admin", "migrate", postgres.StateActive, "ALTER TABLE orders ADD COLUMN note text", 15*time.Second, 15*time.Second), table, 1301, 1302),
		client(1400, "shop", "batch", "etl", postgres.StateActive, "SELECT pg_sleep(3600) /* nightly \x1b[31mred\x1b[0m \x1b]0;title\x07 */", 2*time.Hour, 2*time.Hour),
		client(1401, "shop", "app", "api", postgres.StateIdle, "SELECT 1", 3*time.Second, 0),
		client(1402, "postgres", "app", "api", postgres.StateIdle, strings.Repeat("SELECT 'long', ", 40)+"1", 8*time.Second, 0),
		{PID: 1500, User: "other", BackendType: "client backend", Hidden: true, BackendAge: age(time.Hour)},
		{PID: 1600, Database: "shop", BackendType: "autovacuum worker", State: postgres.StateActive, Query: "autovacuum: VACUUM public.events",
			QueryAge: age(4 * time.Minute), XactAge: age(4 * time.Minute), XminAge: 1200},
	}
	s := &postgres.Snapshot{
		Taken: now, Target: "main", Local: true, Server: server(now), Activity: acts,
		LockTree: []postgres.LockNode{
			{PID: 1201, BlockedCount: 2, LongestWait: 90 * time.Second, Blocking: []postgres.LockNode{
				{PID: 1202, Lock: &row, Waiting: age(90 * time.Second), BlockedCount: 1, LongestWait: 60 * time.Second,
					Blocking: []postgres.LockNode{{PID: 1203, Lock: &row, Waiting: age(60 * time.Second)}}}}},
			{PID: 1301, BlockedCount: 1, LongestWait: 15 * time.Second, Blocking: []postgres.LockNode{{PID: 1303, Lock: &table, Waiting: age(15 * time.Second)}}},
			{PID: 1302, BlockedCount: 1, LongestWait: 15 * time.Second, Blocking: []postgres.LockNode{{PID: 1303, Lock: &table, Waiting: age(15 * time.Second)}}},
		},
		Databases: []postgres.Database{
			database("postgres", 5, 7_800_000, 2.5),
			database("shop", 16384, 12_400_000_000, 412.7),
			database("template1", 1, 7_600_000, 0),
		},
		DatabaseSizesAt: now.Add(-20 * time.Second),
		Total:           throughput(415.2),
		Replication:     busyReplication(now),
		Maintenance: postgres.Maintenance{OldestXminAge: 52_000, OldestXminHolder: "pid 1201",
			Vacuums: []postgres.VacuumProgress{{PID: 1600, Database: "shop", Relation: "events", Auto: true,
				Phase: "scanning heap", HeapBlksTotal: 100_000, HeapBlksScanned: 42_000, HeapBlksVacuumed: 40_000,
				DeadTuples: 15_000, Age: age(4 * time.Minute)}}},
		Tables:     busyTables(now),
		Indexes:    busyIndexes(),
		TablesAt:   now.Add(-20 * time.Second),
		Statements: busyStatements(now),
		Poll:       postgres.PollStats{Statements: 1, Wall: 3 * time.Millisecond},
	}
	postgres.CountConnections(&s.Server, s.Activity)
	return s
}

func throughput(tps float64) postgres.Throughput {
	return postgres.Throughput{
		TPS: rate(tps), Commits: rate(tps * 0.99), Rollbacks: rate(tps * 0.01),
		RowsReturned: rate(tps * 40), RowsFetched: rate(tps * 9), RowsInserted: rate(tps * 2),
		RowsUpdated: rate(tps * 3), RowsDeleted: rate(tps * 0.1), BlocksRead: rate(tps * 0.2), BlocksHit: rate(tps * 50),
		TempFiles: rate(0), TempBytes: rate(0), Deadlocks: rate(0), Conflicts: rate(0),
		CacheHitRatio: postgres.Ratio{Value: 0.996, Valid: tps > 0},
	}
}

func database(name string, oid uint32, size int64, tps float64) postgres.Database {
	return postgres.Database{OID: oid, Name: name, Backends: int(tps / 50), SizeBytes: size, SizeKnown: true,
		XIDAge: 52_000, Rates: throughput(tps), Deadlocks: 2}
}
