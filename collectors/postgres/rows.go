package postgres

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/lib/pq"
)

// The row types below decode the JSON the queries build. Each json tag is a
// column alias in queries.go / queries_heavy.go; pointers mark columns that
// may be NULL (hidden by privileges, not applicable).

// resolveRow: resolveSQL.
type resolveRow struct {
	VersionNum          int    `json:"version_num"`
	Version             string `json:"version"`
	ShortVersion        string `json:"short_version"`
	User                string `json:"user"`
	Database            string `json:"database"`
	PID                 int    `json:"pid"`
	Privileged          bool   `json:"privileged"`
	MaxConnections      int    `json:"max_connections"`
	ReservedConnections int    `json:"reserved_connections"`
}

// fastRow is one row of fastSQL: a backend (PID set) or the summary row
// (PID NULL, JSON columns and KeptPIDs set). fields maps each column name
// to its field.
type fastRow struct {
	activityRow
	Server, Locks, Databases, Standbys, Receiver, Vacuums, Checkpoints, XminHolders []byte
	// PIDs names every backend but stacktop's own (summary row).
	PIDs []int64
	// KeptPIDs are the idle backends unchanged since the previous poll:
	// named in PIDs but not sent (see fastSQL). Set by markKept.
	KeptPIDs []int64
}

// markKept sets the summary row's KeptPIDs: the backends it names whose
// row was not sent.
func markKept(rows []fastRow) {
	var sum *fastRow
	sent := make(map[int64]bool, len(rows))
	for i := range rows {
		if rows[i].PID == nil {
			sum = &rows[i]
		} else {
			sent[int64(*rows[i].PID)] = true
		}
	}
	if sum == nil {
		return
	}
	sum.KeptPIDs = sum.KeptPIDs[:0]
	for _, pid := range sum.PIDs {
		if !sent[pid] {
			sum.KeptPIDs = append(sum.KeptPIDs, pid)
		}
	}
}

func (r *fastRow) fields() []field {
	a := &r.activityRow
	return []field{
		{"pid", &a.PID}, {"leader_pid", &a.LeaderPID}, {"database", &a.Database}, {"user", &a.User},
		{"application", &a.Application}, {"client_addr", &a.ClientAddr}, {"client_port", &a.ClientPort},
		{"backend_type", &a.BackendType}, {"state", &a.State}, {"wait_event_type", &a.WaitEventType},
		{"wait_event", &a.WaitEvent}, {"backend_age", &a.BackendAge}, {"xact_age", &a.XactAge},
		{"query_age", &a.QueryAge}, {"state_age", &a.StateAge}, {"xmin_age", &a.XminAge},
		{"query_id", &a.QueryID}, {"query", &a.Query}, {"blocked_by", pq.Array(&a.BlockedBy)},
		{"server", &r.Server}, {"locks", &r.Locks}, {"databases", &r.Databases}, {"standbys", &r.Standbys},
		{"receiver", &r.Receiver}, {"vacuums", &r.Vacuums}, {"checkpoints", &r.Checkpoints},
		{"xmin_holders", &r.XminHolders}, {"pids", pq.Array(&r.PIDs)},
	}
}

// field pairs a result column name with the struct field it scans into.
type field struct {
	name string
	ptr  any
}

// activityRow: fastSQL's backend rows (pg_stat_activity).
type activityRow struct {
	PID           *int
	LeaderPID     *int
	Database      *string
	User          *string
	Application   *string
	ClientAddr    *string
	ClientPort    *int
	BackendType   *string
	State         *string
	WaitEventType *string
	WaitEvent     *string
	BackendAge    *float64
	XactAge       *float64
	QueryAge      *float64
	StateAge      *float64
	XminAge       *int64
	QueryID       *int64
	Query         *string
	BlockedBy     []int64
}

// scanByName scans rows into a fresh T per row, matching result columns to
// T's fields by name (resolved once per result), and fails on a column T
// does not know.
func scanByName[T any, P interface {
	*T
	fields() []field
}](rows *sql.Rows) ([]T, error) {
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var probe T
	index := map[string]int{}
	for i, f := range P(&probe).fields() {
		index[f.name] = i
	}
	perm := make([]int, len(cols))
	for i, c := range cols {
		j, ok := index[c]
		if !ok {
			return nil, fmt.Errorf("unexpected column %q", c)
		}
		perm[i] = j
	}
	var out []T
	dest := make([]any, len(cols))
	for rows.Next() {
		var v T
		fs := P(&v).fields()
		for i, j := range perm {
			dest[i] = fs[j].ptr
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// serverRow: fastSQL "server".
type serverRow struct {
	Now       time.Time `json:"now"`
	StartedAt time.Time `json:"started_at"`
	IsStandby bool      `json:"is_standby"`
}

// lockRow: fastSQL "locks" (ungranted pg_locks rows).
type lockRow struct {
	PID           int     `json:"pid"`
	LockType      string  `json:"lock_type"`
	Mode          string  `json:"mode"`
	Relation      *string `json:"relation"`
	TransactionID *string `json:"transaction_id"`
}

// databaseRow: fastSQL "databases" (pg_stat_database + age(datfrozenxid)).
type databaseRow struct {
	OID          uint32     `json:"oid"`
	Name         string     `json:"name"`
	Backends     int        `json:"backends"`
	XactCommit   uint64     `json:"xact_commit"`
	XactRollback uint64     `json:"xact_rollback"`
	BlksRead     uint64     `json:"blks_read"`
	BlksHit      uint64     `json:"blks_hit"`
	TupReturned  uint64     `json:"tup_returned"`
	TupFetched   uint64     `json:"tup_fetched"`
	TupInserted  uint64     `json:"tup_inserted"`
	TupUpdated   uint64     `json:"tup_updated"`
	TupDeleted   uint64     `json:"tup_deleted"`
	Conflicts    uint64     `json:"conflicts"`
	TempFiles    uint64     `json:"temp_files"`
	TempBytes    uint64     `json:"temp_bytes"`
	Deadlocks    uint64     `json:"deadlocks"`
	StatsReset   *time.Time `json:"stats_reset"`
	XIDAge       int64      `json:"xid_age"`
}

// standbyRow: fastSQL "standbys" (pg_stat_replication).
type standbyRow struct {
	PID            int      `json:"pid"`
	User           *string  `json:"user"`
	Application    *string  `json:"application"`
	ClientAddr     *string  `json:"client_addr"`
	State          *string  `json:"state"`
	SyncState      *string  `json:"sync_state"`
	SentLagBytes   *int64   `json:"sent_lag_bytes"`
	WriteLagBytes  *int64   `json:"write_lag_bytes"`
	FlushLagBytes  *int64   `json:"flush_lag_bytes"`
	ReplayLagBytes *int64   `json:"replay_lag_bytes"`
	WriteLag       *float64 `json:"write_lag"`
	FlushLag       *float64 `json:"flush_lag"`
	ReplayLag      *float64 `json:"replay_lag"`
}

// receiverRow: fastSQL "receiver" (standby only).
type receiverRow struct {
	Status         *string  `json:"status"`
	SenderHost     *string  `json:"sender_host"`
	SenderPort     *int     `json:"sender_port"`
	ReceiveLSN     *string  `json:"receive_lsn"`
	ReplayLSN      *string  `json:"replay_lsn"`
	ReplayLagBytes *int64   `json:"replay_lag_bytes"`
	ReplayDelay    *float64 `json:"replay_delay"`
}

// vacuumRow: fastSQL "vacuums" (pg_stat_progress_vacuum).
type vacuumRow struct {
	PID              int    `json:"pid"`
	Database         string `json:"database"`
	Relation         string `json:"relation"`
	Phase            string `json:"phase"`
	HeapBlksTotal    int64  `json:"heap_blks_total"`
	HeapBlksScanned  int64  `json:"heap_blks_scanned"`
	HeapBlksVacuumed int64  `json:"heap_blks_vacuumed"`
	IndexVacuumCount int64  `json:"index_vacuum_count"`
	DeadTuples       int64  `json:"dead_tuples"`
	IndexesTotal     *int64 `json:"indexes_total"`
	IndexesProcessed *int64 `json:"indexes_processed"`
}

// checkpointsRow: fastSQL "checkpoints".
type checkpointsRow struct {
	Timed     uint64 `json:"timed"`
	Requested uint64 `json:"requested"`
}

// xminHolderRow: fastSQL "xmin_holders" (slots, prepared transactions).
type xminHolderRow struct {
	Holder string `json:"holder"`
	Age    *int64 `json:"age"`
}

// heavyColumns: the columns of heavySQL's single row.
type heavyColumns struct {
	Sizes, Tables, Indexes, Slots, Settings, PGSS []byte
}

// sizeRow: heavySQL "sizes".
type sizeRow struct {
	OID       uint32 `json:"oid"`
	Name      string `json:"name"`
	SizeBytes *int64 `json:"size_bytes"`
}

// tableRow: heavySQL "tables" (pg_stat_user_tables + sizes).
type tableRow struct {
	Schema          string     `json:"schema"`
	Name            string     `json:"name"`
	TotalBytes      int64      `json:"total_bytes"`
	TableBytes      int64      `json:"table_bytes"`
	IndexBytes      int64      `json:"index_bytes"`
	SeqScans        int64      `json:"seq_scans"`
	SeqTupRead      int64      `json:"seq_tup_read"`
	IdxScans        int64      `json:"idx_scans"`
	IdxTupFetch     int64      `json:"idx_tup_fetch"`
	LiveTuples      int64      `json:"live_tuples"`
	DeadTuples      int64      `json:"dead_tuples"`
	Inserted        int64      `json:"inserted"`
	Updated         int64      `json:"updated"`
	Deleted         int64      `json:"deleted"`
	LastVacuum      *time.Time `json:"last_vacuum"`
	LastAutovacuum  *time.Time `json:"last_autovacuum"`
	LastAnalyze     *time.Time `json:"last_analyze"`
	LastAutoanalyze *time.Time `json:"last_autoanalyze"`
	VacuumCount     int64      `json:"vacuum_count"`
	AutovacuumCount int64      `json:"autovacuum_count"`
	LastSeqScan     *time.Time `json:"last_seq_scan"`
}

// indexRow: heavySQL "indexes" (pg_stat_user_indexes + pg_index).
type indexRow struct {
	Schema    string     `json:"schema"`
	Table     string     `json:"table"`
	Name      string     `json:"name"`
	SizeBytes int64      `json:"size_bytes"`
	Scans     int64      `json:"scans"`
	TupRead   int64      `json:"tup_read"`
	TupFetch  int64      `json:"tup_fetch"`
	Unique    bool       `json:"unique"`
	Primary   bool       `json:"primary"`
	Unused    bool       `json:"unused"`
	LastScan  *time.Time `json:"last_scan"`
}

// slotRow: heavySQL "slots" (pg_replication_slots).
type slotRow struct {
	Name          string     `json:"name"`
	SlotType      string     `json:"slot_type"`
	Plugin        string     `json:"plugin"`
	Database      string     `json:"database"`
	Active        bool       `json:"active"`
	ActivePID     *int       `json:"active_pid"`
	Temporary     bool       `json:"temporary"`
	RetainedBytes *int64     `json:"retained_bytes"`
	WALStatus     *string    `json:"wal_status"`
	XminAge       *int64     `json:"xmin_age"`
	InactiveSince *time.Time `json:"inactive_since"`
	Invalidation  *string    `json:"invalidation"`
}

// settingRow: heavySQL "settings" (pg_settings).
type settingRow struct {
	Name    string `json:"name"`
	Value   string `json:"value"`
	Unit    string `json:"unit"`
	Display string `json:"display"`
}

// pgssRow: heavySQL "pgss" (pg_extension).
type pgssRow struct {
	Version string `json:"version"`
	Schema  string `json:"schema"`
}

// statementRow: StatementsSQL (pg_stat_statements(false)).
type statementRow struct {
	QueryID           int64   `json:"queryid"`
	User              string  `json:"user"`
	Database          string  `json:"database"`
	Toplevel          bool    `json:"toplevel"`
	Calls             int64   `json:"calls"`
	TotalExecTime     float64 `json:"total_exec_time"`
	MeanExecTime      float64 `json:"mean_exec_time"`
	Rows              int64   `json:"rows"`
	SharedBlksHit     int64   `json:"shared_blks_hit"`
	SharedBlksRead    int64   `json:"shared_blks_read"`
	SharedBlksDirtied int64   `json:"shared_blks_dirtied"`
	SharedBlksWritten int64   `json:"shared_blks_written"`
	TempBlksRead      int64   `json:"temp_blks_read"`
	TempBlksWritten   int64   `json:"temp_blks_written"`
	ReadTime          float64 `json:"read_time"`
	WriteTime         float64 `json:"write_time"`
}

// statementTextRow: statementTextsSQL.
type statementTextRow struct {
	QueryID int64  `json:"queryid"`
	Query   string `json:"query"`
}

// decode unmarshals a JSON column into v; NULL (nil) leaves v untouched.
func decode(b []byte, v any) error {
	if len(b) == 0 {
		return nil
	}
	return json.Unmarshal(b, v)
}

// str dereferences a nullable text column.
func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// num dereferences a nullable integer column.
func num[T int | int64](p *T) T {
	if p == nil {
		return 0
	}
	return *p
}

// ts dereferences a nullable timestamp column.
func ts(p *time.Time) time.Time {
	if p == nil {
		return time.Time{}
	}
	return *p
}

// age turns a nullable seconds column into an Age; negative values (a clock
// step between backends) clamp to zero.
func age(p *float64) Age {
	if p == nil {
		return Age{}
	}
	return Age{D: time.Duration(max(*p, 0) * float64(time.Second)), Valid: true}
}
