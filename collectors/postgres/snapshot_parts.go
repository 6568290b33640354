package postgres

import (
	"time"

	"github.com/stacktop/stacktop/collectors"
)

// Replication covers both sides: standbys and slots on a primary, the WAL
// receiver on a standby.
type Replication struct {
	// Standbys are pg_stat_replication rows (connected walsenders).
	Standbys []Standby
	// Slots are replication slots (slow cadence, SlotsAt).
	Slots   []Slot
	SlotsAt time.Time
	// Receiver is set on a standby.
	Receiver *Receiver
}

// WorstLag is the largest replay lag in bytes and time over the standbys
// (primary) or the receiver (standby): the overview's "replication lag".
// ok is false when there is no replication at all.
func (r Replication) WorstLag() (bytes int64, lag time.Duration, ok bool) {
	for _, s := range r.Standbys {
		bytes, ok = max(bytes, s.ReplayLagBytes), true
		if s.ReplayLag.Valid {
			lag = max(lag, s.ReplayLag.D)
		}
	}
	if r.Receiver != nil {
		bytes, ok = max(bytes, r.Receiver.ReplayLagBytes), true
		if r.Receiver.ReplayDelay.Valid {
			lag = max(lag, r.Receiver.ReplayDelay.D)
		}
	}
	return bytes, lag, ok
}

// Standby is one pg_stat_replication row, with lag behind the primary's
// current WAL position.
type Standby struct {
	PID                           int
	User, Application             string
	ClientAddr                    string
	State, SyncState              string
	SentLagBytes                  int64
	WriteLagBytes                 int64
	FlushLagBytes                 int64
	ReplayLagBytes                int64
	WriteLag, FlushLag, ReplayLag Age
}

// Slot is one replication slot.
type Slot struct {
	Name, SlotType, Plugin, Database string
	Active                           bool
	ActivePID                        int
	Temporary                        bool
	// RetainedBytes is WAL kept for this slot (current LSN minus restart_lsn).
	RetainedBytes int64
	// WALStatus: "reserved", "extended", "unreserved", "lost".
	WALStatus string
	// XminAge is age(xmin or catalog_xmin): how far it holds back vacuum.
	XminAge int64
	// InactiveSince (PostgreSQL 17+) and Invalidation (17+) are empty before 17.
	InactiveSince time.Time
	Invalidation  string
}

// Receiver is the WAL receiver on a standby.
type Receiver struct {
	// Status is pg_stat_wal_receiver.status ("streaming"), empty when no
	// receiver runs (archive recovery or disconnected).
	Status     string
	SenderHost string
	SenderPort int
	// ReceiveLSN and ReplayLSN are the last received and replayed WAL positions.
	ReceiveLSN, ReplayLSN string
	// ReplayLagBytes is received minus replayed.
	ReplayLagBytes int64
	// ReplayDelay is now minus the commit time of the last replayed
	// transaction (grows while the primary is idle, too).
	ReplayDelay Age
}

// Maintenance covers what holds vacuum back and what vacuum is doing.
type Maintenance struct {
	// OldestXminAge is the largest age(xmin) among backends, replication
	// slots and prepared transactions; OldestXminHolder says which
	// ("pid 123", "slot s1", "prepared transaction tx1").
	OldestXminAge    int64
	OldestXminHolder string
	// Vacuums are running (auto)vacuums with progress.
	Vacuums []VacuumProgress
}

// VacuumProgress is one pg_stat_progress_vacuum row.
type VacuumProgress struct {
	PID      int
	Database string
	// Relation is the table name in the connected database, or its OID.
	Relation string
	// Auto is true for autovacuum workers.
	Auto  bool
	Phase string
	// HeapBlksTotal, HeapBlksScanned, HeapBlksVacuumed are in blocks.
	HeapBlksTotal, HeapBlksScanned, HeapBlksVacuumed int64
	IndexVacuumCount                                 int64
	// DeadTuples is num_dead_tuples (before 17) or num_dead_item_ids (17+).
	DeadTuples int64
	// IndexesTotal and IndexesProcessed are known from PostgreSQL 17.
	IndexesTotal, IndexesProcessed int64
	// Age is how long the vacuum has run.
	Age Age
}

// Progress is the scanned share of the heap, 0..1.
func (v VacuumProgress) Progress() float64 {
	if v.HeapBlksTotal <= 0 {
		return 0
	}
	return float64(v.HeapBlksScanned) / float64(v.HeapBlksTotal)
}

// Table is one user table of the connected database.
type Table struct {
	Schema, Name string
	// TotalBytes includes indexes and TOAST; TableBytes is the heap alone.
	TotalBytes, TableBytes, IndexBytes int64
	SeqScans, SeqTupRead               int64
	IdxScans, IdxTupFetch              int64
	LiveTuples, DeadTuples             int64
	// Cumulative row changes since the stats reset.
	Inserted, Updated, Deleted int64
	// Last (auto)vacuum and (auto)analyze; zero when never.
	LastVacuum, LastAutovacuum, LastAnalyze, LastAutoanalyze time.Time
	VacuumCount, AutovacuumCount                             int64
	// LastSeqScan is known from PostgreSQL 16 (zero before).
	LastSeqScan time.Time
}

// Index is one user index of the connected database.
type Index struct {
	Schema, Table, Name string
	SizeBytes           int64
	Scans               int64
	TupRead, TupFetch   int64
	Unique, Primary     bool
	// Unused is true for a non-unique index never scanned since stats reset.
	Unused bool
	// LastScan is known from PostgreSQL 16 (zero before).
	LastScan time.Time
}

// Statements is the pg_stat_statements top list.
type Statements struct {
	// At is when it was read; zero before the first read.
	At time.Time
	// Available is false when the extension is missing or not preloaded;
	// Note then says how to enable it.
	Available bool
	Note      string
	// Rows is the union of the top 20 entries by total time, mean time,
	// calls, rows and shared blocks, sorted by total time; the UI re-sorts.
	Rows []Statement
}

// Statement is one pg_stat_statements entry (per user, database, query).
type Statement struct {
	QueryID        int64
	User, Database string
	// Toplevel is false for statements run inside functions.
	Toplevel bool
	// Query is the normalized text, raw and capped at MaxTextBytes.
	Query          string
	QueryTruncated bool
	// Calls, Rows and blocks are cumulative since the entry was created.
	Calls, Rows int64
	// TotalTime and MeanTime are execution times.
	TotalTime, MeanTime                  time.Duration
	SharedBlksHit, SharedBlksRead        int64
	SharedBlksDirtied, SharedBlksWritten int64
	TempBlksRead, TempBlksWritten        int64
	// BlkReadTime and BlkWriteTime need track_io_timing.
	BlkReadTime, BlkWriteTime time.Duration
	// CallsRate and TimeRate are calls/s and execution-seconds/s since the
	// previous read (invalid on the first).
	CallsRate, TimeRate collectors.Rate
}

// SharedBlks is shared blocks hit plus read: the buffer traffic.
func (s Statement) SharedBlks() int64 { return s.SharedBlksHit + s.SharedBlksRead }
