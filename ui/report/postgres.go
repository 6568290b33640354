package report

import (
	"math"
	"time"

	"github.com/stacktop/stacktop/collectors"
	"github.com/stacktop/stacktop/collectors/postgres"
)

// PostgresDoc is one element of the "postgres" array of the JSON snapshot.
// Data fields are null (or empty arrays) until the target has been polled
// successfully once; after a failure they hold the last good data and
// error says why it is not fresh. Text fields (query, application, ...) are
// the server's raw text, JSON-escaped.
type PostgresDoc struct {
	Name  string  `json:"name"`
	Error *string `json:"error"`
	// Stale is true when the data is older than three polling intervals.
	Stale bool `json:"stale"`
	// State is "ok", "stale", "degraded", "down", "waiting" or "not found".
	State string `json:"state"`
	// AsOf is set when the data is history (the target is down, degraded or
	// stale): when it was taken. Rates are null then.
	AsOf *time.Time `json:"as_of"`
	// TakenAt is when this target's data was sampled.
	TakenAt   *time.Time      `json:"taken_at"`
	Server    *PGServerDoc    `json:"server"`
	Databases []PGDatabaseDoc `json:"databases"`
	// Total is throughput summed over all databases.
	Total    *PGThroughputDoc `json:"total"`
	Activity []PGActivityDoc  `json:"activity"`
	// Locks is the lock-wait forest: root blockers, each with the sessions
	// waiting on it; a session blocked by two others appears under both.
	Locks []PGLockDoc `json:"locks"`
	// Replication lists the standbys connected to this primary.
	Replication []PGStandbyDoc `json:"replication"`
	// ReplicationSlots lists replication slots (slow cadence).
	ReplicationSlots []PGSlotDoc `json:"replication_slots"`
	// WALReceiver is set on a standby.
	WALReceiver *PGReceiverDoc `json:"wal_receiver"`
	// Statements is the pg_stat_statements top list by total time (empty
	// when the extension is unavailable; notes say why).
	Statements []PGStatementDoc `json:"statements"`
	// Notes explain degraded parts, one line each.
	Notes []string `json:"notes"`
}

// PGServerDoc describes the server.
type PGServerDoc struct {
	Version         string `json:"version"`
	VersionNum      int    `json:"version_num"`
	IsStandby       bool   `json:"is_standby"`
	UptimeSeconds   int64  `json:"uptime_seconds"`
	ConnectionsUsed int    `json:"connections_used"`
	ConnectionsMax  int    `json:"connections_max"`
	// Privileged is false when the role lacks pg_monitor (others' queries hidden).
	Privileged bool `json:"privileged"`
}

// PGThroughputDoc is per-second rates over the last interval; null when
// unknown (first poll, stats reset, restart).
type PGThroughputDoc struct {
	TPS             collectors.Rate `json:"tps"`
	CommitsPerSec   collectors.Rate `json:"commits_per_sec"`
	RollbacksPerSec collectors.Rate `json:"rollbacks_per_sec"`
	// CacheHitRatio is shared-buffer hits / (hits + reads) over the
	// interval, 0..1; null when nothing was read.
	CacheHitRatio *float64 `json:"cache_hit_ratio"`
}

// PGDatabaseDoc is one database.
type PGDatabaseDoc struct {
	Name string `json:"name"`
	PGThroughputDoc
	// SizeBytes is read on a slow cadence; null before the first read or
	// without CONNECT privilege.
	SizeBytes *int64 `json:"size_bytes"`
	Backends  int    `json:"backends"`
}

// PGActivityDoc is one backend (stacktop's own is left out).
type PGActivityDoc struct {
	PID             int      `json:"pid"`
	Database        string   `json:"database"`
	User            string   `json:"user"`
	Application     string   `json:"application"`
	BackendType     string   `json:"backend_type"`
	State           string   `json:"state"`
	WaitEventType   string   `json:"wait_event_type"`
	WaitEvent       string   `json:"wait_event"`
	Query           string   `json:"query"`
	QueryAgeSeconds *float64 `json:"query_age_seconds"`
	XactAgeSeconds  *float64 `json:"xact_age_seconds"`
	// BlockedBy lists the pids blocking this backend's lock wait.
	BlockedBy []int `json:"blocked_by"`
	// Hidden is true when privileges hide this backend's query.
	Hidden bool `json:"hidden"`
}

// PGLockDoc is one node of the lock-wait forest.
type PGLockDoc struct {
	PID int `json:"pid"`
	// Mode and Relation describe the lock this session waits for (empty for roots).
	Mode     string `json:"mode"`
	Relation string `json:"relation"`
	// BlockedCount counts the sessions behind this one, transitively.
	BlockedCount int         `json:"blocked_count"`
	Blocking     []PGLockDoc `json:"blocking"`
}

// PGStandbyDoc is one standby as the primary sees it.
type PGStandbyDoc struct {
	Application      string   `json:"application"`
	ClientAddr       string   `json:"client_addr"`
	State            string   `json:"state"`
	SyncState        string   `json:"sync_state"`
	WriteLagBytes    int64    `json:"write_lag_bytes"`
	FlushLagBytes    int64    `json:"flush_lag_bytes"`
	ReplayLagBytes   int64    `json:"replay_lag_bytes"`
	ReplayLagSeconds *float64 `json:"replay_lag_seconds"`
}

// PGSlotDoc is one replication slot.
type PGSlotDoc struct {
	Name          string `json:"name"`
	SlotType      string `json:"slot_type"`
	Active        bool   `json:"active"`
	RetainedBytes int64  `json:"retained_bytes"`
}

// PGReceiverDoc is the WAL receiver of a standby.
type PGReceiverDoc struct {
	Status             string   `json:"status"`
	ReplayLagBytes     int64    `json:"replay_lag_bytes"`
	ReplayDelaySeconds *float64 `json:"replay_delay_seconds"`
}

// PGStatementDoc is one pg_stat_statements entry (cumulative figures).
type PGStatementDoc struct {
	QueryID     int64   `json:"queryid"`
	User        string  `json:"user"`
	Database    string  `json:"database"`
	Query       string  `json:"query"`
	Calls       int64   `json:"calls"`
	Rows        int64   `json:"rows"`
	TotalTimeMS float64 `json:"total_time_ms"`
	MeanTimeMS  float64 `json:"mean_time_ms"`
}

// postgresDoc converts one target's update; staleness is judged at now, the
// document's build time, as for the host.
func postgresDoc(u collectors.Update, now time.Time) PostgresDoc {
	d := PostgresDoc{Name: u.Source.Name, Error: errorText(u), State: SourceState(u, now), AsOf: asOf(u, now), Databases: []PGDatabaseDoc{},
		Activity: []PGActivityDoc{}, Locks: []PGLockDoc{}, Replication: []PGStandbyDoc{},
		ReplicationSlots: []PGSlotDoc{}, Statements: []PGStatementDoc{}, Notes: []string{}}
	s, ok := u.Snapshot.(*postgres.Snapshot)
	if !ok || s == nil {
		return d
	}
	d.Stale = u.Stale(now)
	taken := s.Taken.UTC()
	d.TakenAt = &taken
	d.Server = &PGServerDoc{Version: s.Server.ShortVersion, VersionNum: s.Server.VersionNum, IsStandby: s.Server.IsStandby,
		UptimeSeconds: int64(s.Server.Uptime.Seconds()), ConnectionsUsed: s.Server.ConnectionsUsed,
		ConnectionsMax: s.Server.ConnectionsMax, Privileged: s.Server.Privileged}
	total := throughputDoc(s.Total)
	d.Total = &total
	for _, db := range s.Databases {
		dd := PGDatabaseDoc{Name: db.Name, PGThroughputDoc: throughputDoc(db.Rates), Backends: db.Backends}
		if db.SizeKnown {
			dd.SizeBytes = ptr(db.SizeBytes)
		}
		d.Databases = append(d.Databases, dd)
	}
	for _, b := range s.Activity {
		d.Activity = append(d.Activity, activityDoc(b))
	}
	for _, n := range s.LockTree {
		d.Locks = append(d.Locks, lockDoc(n))
	}
	replicationDocs(&d, s.Replication)
	for _, st := range s.Statements.Rows {
		d.Statements = append(d.Statements, PGStatementDoc{QueryID: st.QueryID, User: st.User, Database: st.Database,
			Query: st.Query, Calls: st.Calls, Rows: st.Rows,
			TotalTimeMS: round3(ms(st.TotalTime)), MeanTimeMS: round3(ms(st.MeanTime))})
	}
	for _, n := range s.Notes {
		d.Notes = append(d.Notes, n.Text)
	}
	if s.Statements.Note != "" {
		d.Notes = append(d.Notes, s.Statements.Note)
	}
	if d.AsOf != nil { // old figures: no rate may read as current
		*d.Total = PGThroughputDoc{}
		for i := range d.Databases {
			d.Databases[i].PGThroughputDoc = PGThroughputDoc{}
		}
	}
	return d
}

func throughputDoc(t postgres.Throughput) PGThroughputDoc {
	d := PGThroughputDoc{TPS: roundRate(t.TPS), CommitsPerSec: roundRate(t.Commits), RollbacksPerSec: roundRate(t.Rollbacks)}
	if t.CacheHitRatio.Valid {
		d.CacheHitRatio = ptr(math.Round(t.CacheHitRatio.Value*10000) / 10000)
	}
	return d
}

func activityDoc(b postgres.Backend) PGActivityDoc {
	blocked := b.BlockedBy
	if blocked == nil {
		blocked = []int{}
	}
	return PGActivityDoc{PID: b.PID, Database: b.Database, User: b.User, Application: b.Application,
		BackendType: b.BackendType, State: b.State, WaitEventType: b.WaitEventType, WaitEvent: b.WaitEvent,
		Query: b.Query, QueryAgeSeconds: ageSeconds(b.QueryAge), XactAgeSeconds: ageSeconds(b.XactAge),
		BlockedBy: blocked, Hidden: b.Hidden}
}

func lockDoc(n postgres.LockNode) PGLockDoc {
	d := PGLockDoc{PID: n.PID, BlockedCount: n.BlockedCount, Blocking: []PGLockDoc{}}
	if n.Lock != nil {
		d.Mode, d.Relation = n.Lock.Mode, n.Lock.Relation
	}
	for _, c := range n.Blocking {
		d.Blocking = append(d.Blocking, lockDoc(c))
	}
	return d
}

func replicationDocs(d *PostgresDoc, r postgres.Replication) {
	for _, s := range r.Standbys {
		d.Replication = append(d.Replication, PGStandbyDoc{Application: s.Application, ClientAddr: s.ClientAddr,
			State: s.State, SyncState: s.SyncState, WriteLagBytes: s.WriteLagBytes, FlushLagBytes: s.FlushLagBytes,
			ReplayLagBytes: s.ReplayLagBytes, ReplayLagSeconds: ageSeconds(s.ReplayLag)})
	}
	for _, s := range r.Slots {
		d.ReplicationSlots = append(d.ReplicationSlots, PGSlotDoc{Name: s.Name, SlotType: s.SlotType,
			Active: s.Active, RetainedBytes: s.RetainedBytes})
	}
	if r.Receiver != nil {
		d.WALReceiver = &PGReceiverDoc{Status: r.Receiver.Status, ReplayLagBytes: r.Receiver.ReplayLagBytes,
			ReplayDelaySeconds: ageSeconds(r.Receiver.ReplayDelay)}
	}
}

// ageSeconds is an age in seconds (three decimals), null when there is none.
func ageSeconds(a postgres.Age) *float64 {
	if !a.Valid {
		return nil
	}
	return ptr(round3(a.D.Seconds()))
}

// roundRate keeps two decimals of a valid rate.
func roundRate(r collectors.Rate) collectors.Rate {
	if r.Valid {
		r.PerSec = round2(r.PerSec)
	}
	return r
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }
