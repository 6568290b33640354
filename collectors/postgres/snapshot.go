package postgres

import (
	"sort"
	"time"

	"github.com/stacktop/stacktop/collectors"
)

// Snapshot is one immutable poll of a Postgres target. Fast parts (server,
// activity, locks, throughput, standbys, vacuum progress) are fresh every
// poll; slow-cadence parts (database sizes, tables, indexes, slots,
// statements) are carried forward between their refreshes and carry their
// own timestamps (zero until first read).
//
// Text fields (queries, names, application names) are raw server text and
// untrusted: render them through ui/sanitize.
type Snapshot struct {
	// Taken is when the poll finished (local clock).
	Taken time.Time
	// Target is the configured target name ("local").
	Target string
	// Local is true when the server runs on this host (loopback address or
	// unix socket), so Backend.PID values are host PIDs the UI may join with
	// the host snapshot's process table for CPU% and memory.
	Local bool
	// Server describes the server and its connection use.
	Server Server
	// Databases lists every database with throughput rates, sorted by name.
	Databases []Database
	// Total sums throughput over all databases.
	Total Throughput
	// DatabaseSizesAt is when Database.SizeBytes was last read (slow cadence).
	DatabaseSizesAt time.Time
	// Activity lists every backend except stacktop's own (client backends,
	// autovacuum workers, walsenders, background processes), sorted by PID;
	// look one up with Backend(pid).
	Activity []Backend
	// LockTree is the lock-wait forest: root blockers first (most sessions
	// blocked first). Empty when nobody waits on a lock.
	LockTree []LockNode
	// Replication covers standbys, slots, and the receiver on a standby.
	Replication Replication
	// Maintenance covers xmin horizon and running vacuums.
	Maintenance Maintenance
	// Tables are the connected database's user tables: the 50 largest plus
	// the 20 with most dead tuples and most sequential scans, sorted by total
	// size (slow cadence).
	Tables []Table
	// Indexes are the connected database's 50 largest indexes plus up to 50
	// unused ones, sorted by size (slow cadence).
	Indexes []Index
	// TablesAt is when Tables and Indexes were read; zero before the first read.
	TablesAt time.Time
	// Statements is the pg_stat_statements top list (slow cadence).
	Statements Statements
	// Notes explain degraded parts ("role lacks pg_monitor: ..."); show them.
	Notes []Note
	// Poll reports what this poll cost the server.
	Poll PollStats

	byPID map[int]int // PID -> index in Activity, built before the snapshot is published
}

// TakenAt implements collectors.Snapshot.
func (s *Snapshot) TakenAt() time.Time { return s.Taken }

// Backend returns the activity row of pid.
func (s *Snapshot) Backend(pid int) (Backend, bool) {
	if s.byPID == nil { // a snapshot built elsewhere (a test fixture)
		for _, b := range s.Activity {
			if b.PID == pid {
				return b, true
			}
		}
		return Backend{}, false
	}
	i, ok := s.byPID[pid]
	if !ok {
		return Backend{}, false
	}
	return s.Activity[i], true
}

// IdleInTransaction lists sessions idle inside an open transaction (including
// aborted ones), longest first.
func (s *Snapshot) IdleInTransaction() []Backend {
	var out []Backend
	for _, b := range s.Activity {
		if b.State == StateIdleInTransaction || b.State == StateIdleInTransactionAborted {
			out = append(out, b)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].StateAge.D > out[j].StateAge.D })
	return out
}

// LongTransactions lists sessions whose transaction is older than min, longest first.
func (s *Snapshot) LongTransactions(min time.Duration) []Backend {
	var out []Backend
	for _, b := range s.Activity {
		if b.XactAge.Valid && b.XactAge.D >= min {
			out = append(out, b)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].XactAge.D > out[j].XactAge.D })
	return out
}

// LongestQueries returns up to n active client queries, longest running
// first: the overview's "longest running query".
func (s *Snapshot) LongestQueries(n int) []Backend {
	var out []Backend
	for _, b := range s.Activity {
		if b.State == StateActive && b.BackendType == "client backend" && b.QueryAge.Valid {
			out = append(out, b)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].QueryAge.D > out[j].QueryAge.D })
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// TopDeadTuples returns up to n tables with the most dead tuples.
func (s *Snapshot) TopDeadTuples(n int) []Table {
	out := append([]Table(nil), s.Tables...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].DeadTuples > out[j].DeadTuples })
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// Age is how long ago something started, on the server's clock at poll
// time (so client clock skew does not matter). Valid is false when it did
// not happen (no open transaction, no query yet, or hidden by privileges).
type Age struct {
	D     time.Duration
	Valid bool
}

// Ratio is a fraction in [0,1]; Valid is false when there is no honest figure
// (first sample, nothing happened in the interval).
type Ratio struct {
	Value float64
	Valid bool
}

// Note is a visible degradation ("other users' queries are hidden").
type Note struct {
	// Part names the affected part: "activity", "statements", "tables", ...
	Part string
	// Text is one line: cause, then what to try.
	Text string
}

// PollStats is what one poll cost the server.
type PollStats struct {
	// Statements is the number of SQL statements sent in this poll.
	Statements int
	// Wall is the poll's wall time including network round trips.
	Wall time.Duration
	// Slow is true when this poll refreshed the slow-cadence parts.
	Slow bool
	// Connected is true when this poll (re)connected.
	Connected bool
	// Kept is how many idle backends the server named by pid only, unchanged
	// since the previous poll; their rows were carried forward with their
	// ages advanced.
	Kept int
}

// Server describes the server as a whole.
type Server struct {
	// Version is version(), e.g. "PostgreSQL 15.8 (Debian 15.8-0+deb12u1) on x86_64...".
	Version string
	// ShortVersion is server_version, e.g. "15.8" or "15.8 (Debian 15.8-0+deb12u1)".
	ShortVersion string
	// VersionNum is server_version_num, e.g. 150008.
	VersionNum int
	// StartedAt is the postmaster start time; Uptime is now minus that.
	StartedAt time.Time
	Uptime    time.Duration
	// IsStandby is true when the server is in recovery (a standby).
	IsStandby bool
	// User and Database are what stacktop is connected as and to.
	User, Database string
	// OwnPID is stacktop's own backend, left out of Activity.
	OwnPID int
	// Privileged is true when the role is superuser or has pg_monitor
	// (pg_read_all_stats): other users' activity is visible.
	Privileged bool
	// ConnectionsUsed counts client backends including stacktop's own;
	// ConnectionsMax is max_connections, ReservedConnections
	// superuser_reserved_connections.
	ConnectionsUsed, ConnectionsMax, ReservedConnections int
	// States counts client backends by state; stacktop's own session counts
	// as active.
	States ConnectionStates
	// Settings are key settings (max_connections, shared_buffers, work_mem,
	// ...) as pg_settings shows them, in a fixed order; refreshed on the slow cadence.
	Settings []Setting
	// CheckpointsTimed and CheckpointsRequested are cumulative checkpoint
	// counts; CheckpointsRequestedRate is requested checkpoints per second
	// (a high rate means max_wal_size is too small).
	CheckpointsTimed, CheckpointsRequested uint64
	CheckpointsRequestedRate               collectors.Rate
}

// ConnectionStates counts client backends by pg_stat_activity.state.
type ConnectionStates struct {
	Active, Idle, IdleInTransaction, IdleInTransactionAborted int
	// Other counts fastpath calls, disabled tracking and hidden states.
	Other int
	// WaitingOnLock counts backends whose wait_event_type is Lock.
	WaitingOnLock int
}

// Setting is one server setting. Value is the raw pg_settings.setting,
// Unit its unit ("8kB", "ms", ""); Display is human-readable ("128MB").
type Setting struct {
	Name, Value, Unit, Display string
}

// Saturation is ConnectionsUsed over the connections ordinary roles may
// use (max_connections minus superuser_reserved_connections), 0..1+; 0 when
// unknown.
func (s Server) Saturation() float64 {
	usable := s.ConnectionsMax - s.ReservedConnections
	if usable <= 0 {
		return 0
	}
	return float64(s.ConnectionsUsed) / float64(usable)
}

// Setting returns the named setting.
func (s Server) Setting(name string) (Setting, bool) {
	for _, st := range s.Settings {
		if st.Name == name {
			return st, true
		}
	}
	return Setting{}, false
}

// Backend state values of pg_stat_activity.state.
const (
	StateActive                   = "active"
	StateIdle                     = "idle"
	StateIdleInTransaction        = "idle in transaction"
	StateIdleInTransactionAborted = "idle in transaction (aborted)"
)

// Backend is one pg_stat_activity row.
type Backend struct {
	PID int
	// LeaderPID is the parallel-query leader for a parallel worker, else 0.
	LeaderPID int
	// Database, User, Application: empty for background processes.
	Database, User, Application string
	// ClientAddr is the client IP, empty for unix-socket and background backends.
	ClientAddr string
	ClientPort int
	// BackendType: "client backend", "autovacuum worker", "walsender", ...
	BackendType string
	// State is one of the State* constants, or empty (background, hidden).
	State string
	// WaitEventType and WaitEvent say what it waits for ("Lock", "relation").
	WaitEventType, WaitEvent string
	// BackendAge, XactAge, QueryAge, StateAge: since backend start,
	// transaction start, query start and last state change.
	BackendAge, XactAge, QueryAge, StateAge Age
	// XminAge is age(backend_xmin) in transactions: how far this backend
	// holds back vacuum; 0 when it holds no snapshot.
	XminAge int64
	// QueryID is pg_stat_activity.query_id (0 unless compute_query_id is on).
	QueryID int64
	// Query is the current or last query text, raw (untrusted), capped at
	// MaxTextBytes; QueryTruncated marks a capped text.
	Query          string
	QueryTruncated bool
	// Hidden is true when privileges hide this backend's details
	// ("<insufficient privilege>"): Query is empty then.
	Hidden bool
	// BlockedBy lists the PIDs blocking this backend's lock wait (only for
	// backends waiting on a Lock).
	BlockedBy []int
	// Lock is the lock this backend waits for, when it waits on one.
	Lock *LockWait
}

// Waiting reports whether the backend waits on a heavyweight lock.
func (b Backend) Waiting() bool { return b.WaitEventType == "Lock" }

// LockWait is an ungranted pg_locks row: what a backend waits for.
type LockWait struct {
	// LockType is "relation", "transactionid", "tuple", ...
	LockType string
	// Mode is the requested mode, e.g. "AccessExclusiveLock".
	Mode string
	// Relation is the relation name when known (in the connected database),
	// its OID as text in other databases, or empty. For a row-lock wait
	// (LockType "transactionid") it is the table of the row, taken from
	// the tuple lock the waiter holds meanwhile.
	Relation string
	// TransactionID is set for transactionid waits (row-level conflicts).
	TransactionID string
}

// LockNode is one session in the lock-wait forest. A session blocked by two
// others appears under both.
type LockNode struct {
	PID int
	// Lock is what this session waits for; nil for a root blocker.
	Lock *LockWait
	// Waiting is how long this session has waited (its query age); zero
	// Valid for roots that do not wait.
	Waiting Age
	// BlockedCount is how many distinct sessions wait behind this one,
	// directly or transitively.
	BlockedCount int
	// LongestWait is the longest wait among those sessions: how long this
	// node has been blocking.
	LongestWait time.Duration
	// Blocking are the sessions waiting directly on this one.
	Blocking []LockNode
	// Cycle marks a node cut because it already appears above it (a
	// deadlock in progress, before the detector fires).
	Cycle bool
}

// Throughput holds per-second rates over the last interval. Rates are invalid
// on the first poll and after a stats reset or server restart.
type Throughput struct {
	// TPS is commits plus rollbacks per second.
	TPS, Commits, Rollbacks                                           collectors.Rate
	RowsReturned, RowsFetched, RowsInserted, RowsUpdated, RowsDeleted collectors.Rate
	// BlocksRead and BlocksHit are shared-buffer misses and hits per second.
	BlocksRead, BlocksHit collectors.Rate
	TempFiles, TempBytes  collectors.Rate
	Deadlocks, Conflicts  collectors.Rate
	// CacheHitRatio is hits / (hits + reads) over the interval.
	CacheHitRatio Ratio
}

// Database is one pg_stat_database row with rates.
type Database struct {
	OID  uint32
	Name string
	// Backends is numbackends.
	Backends int
	// SizeBytes is pg_database_size (slow cadence); SizeKnown false before
	// the first read or without CONNECT privilege.
	SizeBytes int64
	SizeKnown bool
	// XIDAge is age(datfrozenxid): wraparound pressure.
	XIDAge int64
	Rates  Throughput
	// Deadlocks, Conflicts, TempFiles, TempBytes are cumulative since StatsReset.
	Deadlocks, Conflicts, TempFiles, TempBytes uint64
	// StatsReset is when the database's statistics were last reset (zero if never).
	StatsReset time.Time
}
