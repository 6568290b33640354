package pgfixture

import (
	"strings"
	"time"

	"github.com/stacktop/stacktop/collectors"
	"github.com/stacktop/stacktop/collectors/postgres"
)

func busyReplication(now time.Time) postgres.Replication {
	return postgres.Replication{
		Standbys: []postgres.Standby{
			{PID: 1700, User: "replicator", Application: "replica1", ClientAddr: "10.0.0.9", State: "streaming",
				SyncState: "async", WriteLagBytes: 0, FlushLagBytes: 8192, ReplayLagBytes: 65536,
				WriteLag: age(2 * time.Millisecond), FlushLag: age(3 * time.Millisecond), ReplayLag: age(250 * time.Millisecond)},
		},
		Slots: []postgres.Slot{
			{Name: "replica1", SlotType: "physical", Active: true, ActivePID: 1700, RetainedBytes: 65536, WALStatus: "reserved"},
			{Name: "old_consumer", SlotType: "logical", Plugin: "pgoutput", Database: "shop", RetainedBytes: 38 << 30,
				WALStatus: "extended", XminAge: 52_000},
		},
		SlotsAt: now.Add(-20 * time.Second),
	}
}

func busyTables(now time.Time) []postgres.Table {
	return []postgres.Table{
		{Schema: "public", Name: "events", TotalBytes: 6 << 30, TableBytes: 5 << 30, IndexBytes: 1 << 30,
			SeqScans: 3, SeqTupRead: 9_000_000, IdxScans: 1_200_000, IdxTupFetch: 2_000_000,
			LiveTuples: 40_000_000, DeadTuples: 4_100_000, Inserted: 50_000_000, Updated: 10_000_000, Deleted: 100,
			LastAutovacuum: now.Add(-26 * time.Hour), LastAutoanalyze: now.Add(-3 * time.Hour), AutovacuumCount: 14},
		{Schema: "public", Name: "orders", TotalBytes: 2 << 30, TableBytes: 1536 << 20, IndexBytes: 512 << 20,
			SeqScans: 48_000, SeqTupRead: 900_000_000, IdxScans: 300, LiveTuples: 3_000_000, DeadTuples: 12_000,
			LastVacuum: now.Add(-2 * time.Hour), LastAnalyze: now.Add(-2 * time.Hour), VacuumCount: 1},
		{Schema: "billing", Name: "accounts", TotalBytes: 64 << 20, TableBytes: 48 << 20, IndexBytes: 16 << 20,
			SeqScans: 10, IdxScans: 9_000_000, LiveTuples: 100_000, DeadTuples: 900},
	}
}

func busyIndexes() []postgres.Index {
	return []postgres.Index{
		{Schema: "public", Table: "events", Name: "events_pkey", SizeBytes: 700 << 20, Scans: 1_200_000, Unique: true, Primary: true},
		{Schema: "public", Table: "events", Name: "events_payload_idx", SizeBytes: 300 << 20, Unused: true},
		{Schema: "public", Table: "orders", Name: "orders_pkey", SizeBytes: 64 << 20, Scans: 300, Unique: true, Primary: true},
	}
}

func busyStatements(now time.Time) postgres.Statements {
	st := func(id int64, q string, calls int64, total time.Duration, rows, hit, read int64) postgres.Statement {
		return postgres.Statement{QueryID: id, User: "app", Database: "shop", Toplevel: true, Query: q,
			Calls: calls, Rows: rows, TotalTime: total, MeanTime: total / time.Duration(calls),
			SharedBlksHit: hit, SharedBlksRead: read, CallsRate: rate(float64(calls) / 3600),
			TimeRate: collectors.Rate{PerSec: total.Seconds() / 3600, Valid: true}}
	}
	huge := strings.Repeat("SELECT $1 UNION ALL ", 4000)
	return postgres.Statements{At: now.Add(-20 * time.Second), Available: true, Rows: []postgres.Statement{
		st(-7_301_284_500_123, "SELECT count(*) FROM orders o JOIN order_lines l USING (order_id) WHERE o.created_at > $1", 1_200, 40*time.Minute, 1_200, 9_000_000, 400_000),
		st(4_411_902_331, "UPDATE accounts SET balance = balance + $1 WHERE id = $2", 2_000_000, 12*time.Minute, 2_000_000, 8_000_000, 100),
		st(99_120, "SELECT * FROM events WHERE id = $1", 9_000_000, 9*time.Minute, 9_000_000, 36_000_000, 9_000),
		{QueryID: 555, User: "batch", Database: "shop", Toplevel: true, Query: huge[:postgres.MaxTextBytes] + postgres.TruncationMarker,
			QueryTruncated: true, Calls: 3, Rows: 12_000, TotalTime: 90 * time.Second, MeanTime: 30 * time.Second},
	}}
}

// Unprivileged is a target watched by a role without pg_monitor, in a
// database without pg_stat_statements: other users' rows are hidden and
// notes say what to grant and create.
func Unprivileged(now time.Time) *postgres.Snapshot {
	s := FirstPoll(now)
	s.Server.Privileged, s.Server.User = false, "watcher"
	s.Activity = []postgres.Backend{
		{PID: 2001, User: "app", Database: "shop", BackendType: "client backend", Hidden: true, BackendAge: age(time.Hour)},
		client(2002, "shop", "watcher", "psql", postgres.StateIdle, "SELECT now()", 5*time.Second, 0),
	}
	postgres.CountConnections(&s.Server, s.Activity)
	s.Notes = []postgres.Note{{Part: "activity", Text: `role watcher lacks pg_monitor: other users' queries, waits and statements are hidden — GRANT pg_monitor TO "watcher"`}}
	s.Statements = postgres.Statements{At: now, Note: "pg_stat_statements is not installed in database shop: CREATE EXTENSION pg_stat_statements in database shop"}
	return s
}

// FirstPoll is a target right after connecting: no rates yet (null/"n/a"),
// nobody waiting, no replication.
func FirstPoll(now time.Time) *postgres.Snapshot {
	s := &postgres.Snapshot{Taken: now, Target: "local", Local: true, Server: server(now),
		Databases: []postgres.Database{{OID: 16384, Name: "shop", Backends: 2, SizeBytes: 1 << 30, SizeKnown: true}},
		Activity: []postgres.Backend{
			client(3001, "shop", "app", "api", postgres.StateIdle, "COMMIT", 2*time.Second, 0),
		},
		DatabaseSizesAt: now, TablesAt: now,
		Statements: postgres.Statements{At: now, Available: true},
		Poll:       postgres.PollStats{Statements: 4, Wall: 12 * time.Millisecond, Slow: true, Connected: true},
	}
	s.Server.CheckpointsRequestedRate = collectors.Rate{}
	postgres.CountConnections(&s.Server, s.Activity)
	return s
}

// Standby is a hot standby replaying from its primary, 3 MB and 4 s behind.
func Standby(now time.Time) *postgres.Snapshot {
	s := FirstPoll(now)
	s.Target, s.Local = "replica", false
	s.Server.IsStandby = true
	s.Databases[0].Rates = throughput(0)
	s.Total = throughput(0)
	s.Replication = postgres.Replication{SlotsAt: now, Receiver: &postgres.Receiver{Status: "streaming",
		SenderHost: "10.0.0.1", SenderPort: 5432, ReceiveLSN: "3/5A000000", ReplayLSN: "3/59D00000",
		ReplayLagBytes: 3 << 20, ReplayDelay: age(4 * time.Second)}}
	s.Poll = postgres.PollStats{Statements: 1, Wall: 2 * time.Millisecond}
	return s
}
