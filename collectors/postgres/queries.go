package postgres

import (
	"fmt"
	"strconv"
	"strings"
)

// MinVersion is the oldest supported server (server_version_num).
const MinVersion = 140000

// MaxTextBytes caps query texts kept in a snapshot. pg_stat_activity is
// already capped by track_activity_query_size (1 kB by default, up to 1 MB);
// pg_stat_statements keeps whole texts, megabytes for generated SQL.
const MaxTextBytes = 64 << 10

// branch is one entry of a version table: SQL valid from server version Min.
type branch struct {
	Min int
	SQL string
}

// pick returns the entry with the largest Min not above version; ok is false
// when the version is older than every entry.
func pick(table []branch, version int) (b branch, ok bool) {
	for _, e := range table {
		if e.Min <= version && (!ok || e.Min > b.Min) {
			b, ok = e, true
		}
	}
	return b, ok
}

// Queries are one connection's SQL, resolved once from its server version.
type Queries struct {
	// Fast is the regular poll: one statement.
	Fast string
	// Heavy is the slow-cadence read of sizes, tables, indexes, slots and settings.
	Heavy string
}

// Resolve picks each query family's branch for version.
func Resolve(version int) (Queries, error) {
	if version < MinVersion {
		return Queries{}, fmt.Errorf("PostgreSQL %s is too old: stacktop supports 14 and newer", versionString(version))
	}
	ckpt, _ := pick(checkpointsTable(), version)
	vac, _ := pick(vacuumTable(), version)
	tables, _ := pick(tablesTable(), version)
	slots, _ := pick(slotsTable(), version)
	fast := strings.NewReplacer("{{CHECKPOINTS}}", ckpt.SQL, "{{VACUUMS}}", vac.SQL,
		"{{CAP}}", strconv.Itoa(MaxTextBytes+1)).Replace(fastSQL)
	heavy := strings.NewReplacer("{{TABLES}}", tables.SQL, "{{SLOTS}}", slots.SQL,
		"{{SETTINGS}}", settingsList()).Replace(heavySQL)
	return Queries{Fast: fast, Heavy: heavy}, nil
}

// versionString renders server_version_num as "13.4" (or "9.6.24" before 10).
func versionString(v int) string {
	if v < 100000 {
		return fmt.Sprintf("%d.%d.%d", v/10000, v/100%100, v%100)
	}
	return fmt.Sprintf("%d.%d", v/10000, v%10000)
}

// resolveSQL runs once per connection, before anything version-specific.
// It must work on any server version so a too-old server gets a clear error.
// It also makes the session keep one generic plan for its prepared
// statements: planning the regular poll costs the server about as much as
// running it, and with parameters PostgreSQL would otherwise try custom
// plans first (plan_cache_mode exists from 12 on, hence the guard).
const resolveSQL = `SELECT row_to_json(r) FROM (SELECT
  CASE WHEN current_setting('server_version_num')::int >= 120000
    THEN set_config('plan_cache_mode', 'force_generic_plan', false) END AS plan_cache_mode,
  current_setting('server_version_num')::int AS version_num,
  version() AS version,
  current_setting('server_version') AS short_version,
  current_user AS "user",
  current_database() AS database,
  pg_backend_pid() AS pid,
  (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
    OR EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pg_read_all_stats' AND pg_has_role(oid, 'USAGE')) AS privileged,
  current_setting('max_connections')::int AS max_connections,
  current_setting('superuser_reserved_connections')::int AS reserved_connections
) r`

// fastSQL is the regular poll, one statement and one round trip: one row
// per backend (activity, with blocking pids only for lock waiters) plus one
// summary row (pid NULL) whose JSON columns carry server state, lock
// details, database counters, standbys or receiver, vacuum progress,
// checkpoints and xmin holders. Activity comes as plain columns because
// building JSON for hundreds of backends costs the server more than
// sending rows. The pg_locks read sits in an uncorrelated sub-select under
// CASE, which PostgreSQL evaluates lazily, so it never runs while nobody
// waits on a lock. Column names are the keys of fastRow (rows.go).
//
// Sending a row per backend is most of the statement's cost (with 500
// idle sessions, about three times the pg_stat_activity read itself), and
// most backends are idle sessions nothing happened to since the last poll.
// So $1 is the previous poll's now() less a second: a backend idle in the
// same state since before $1, holding no snapshot and waiting on its
// client, is kept: its row is not sent, and the collector carries its
// previous row forward with the ages advanced (idle.go). Such a backend
// was in the previous poll's read, idle as now: the second covers a state
// change stamped before that poll's now() but published after its read; a
// collector that still lacks a kept pid reads again with $1 NULL, which
// sends every backend (as on the first poll). A pid reused by a new
// backend cannot pass: that backend started after the previous poll, since
// both cannot have lived at its read.
//
// The summary names every backend in pids, so the kept ones are those
// named but not sent. Both come from one activity snapshot: a backend's
// status is copied out of shared memory once per transaction, and every
// pg_stat_get_* call of the statement reads that copy. Backends are read
// straight from pg_stat_get_activity, not through pg_stat_activity, whose
// joins would run for every backend, and not through a CTE: materializing
// hundreds of rows to read them twice cost a third of the statement. The
// pids, and whether anyone waits on a lock, come from the per-backend
// accessors over the same copy, which build no row at all.
const fastSQL = `WITH ids AS MATERIALIZED ( -- one pass over the backends for the summary
  SELECT array_agg(p) FILTER (WHERE p <> pg_backend_pid()) AS pids,
    coalesce(bool_or(w = 'Lock'), false) AS lock_wait
  FROM (SELECT pg_stat_get_backend_pid(b) AS p, pg_stat_get_backend_wait_event_type(b) AS w
    FROM pg_stat_get_backend_idset() b) x
)
SELECT NULL::int AS pid, NULL::int AS leader_pid, NULL::name AS database, NULL::name AS "user",
 NULL::text AS application, NULL::text AS client_addr, NULL::int AS client_port,
 NULL::text AS backend_type, NULL::text AS state, NULL::text AS wait_event_type,
 NULL::text AS wait_event, NULL::float8 AS backend_age, NULL::float8 AS xact_age,
 NULL::float8 AS query_age, NULL::float8 AS state_age, NULL::int AS xmin_age,
 NULL::bigint AS query_id, NULL::text AS query, NULL::int[] AS blocked_by,
 (SELECT row_to_json(s) FROM (SELECT now() AS now, pg_postmaster_start_time() AS started_at,
    pg_is_in_recovery() AS is_standby) s) AS server,
 CASE WHEN (SELECT lock_wait FROM ids) THEN
  (SELECT json_agg(l) FROM (
   -- One read of the lock table. A row-lock waiter waits on the holder's
   -- transaction id, which names no table; while it waits it holds the
   -- row's tuple lock, whose relation is the table.
   WITH lk AS MATERIALIZED (SELECT pid, locktype, mode, granted, database, relation, transactionid FROM pg_locks)
   SELECT l.pid, l.locktype AS lock_type, l.mode,
     CASE WHEN r.relation IS NULL THEN NULL
          WHEN r.database IN (0, (SELECT oid FROM pg_database WHERE datname = current_database()))
            THEN r.relation::regclass::text
          ELSE r.relation::text END AS relation,
     l.transactionid::text AS transaction_id
   FROM lk l LEFT JOIN LATERAL (
     SELECT l.relation, l.database WHERE l.relation IS NOT NULL
     UNION ALL
     (SELECT t.relation, t.database FROM lk t
       WHERE l.locktype = 'transactionid' AND t.pid = l.pid AND t.locktype = 'tuple' AND t.granted LIMIT 1)
     LIMIT 1) r ON true
   WHERE NOT l.granted) l) END AS locks,
 (SELECT json_agg(d) FROM (SELECT d.datid::bigint AS oid, d.datname AS name, d.numbackends AS backends,
    d.xact_commit, d.xact_rollback, d.blks_read, d.blks_hit, d.tup_returned, d.tup_fetched,
    d.tup_inserted, d.tup_updated, d.tup_deleted, d.conflicts, d.temp_files, d.temp_bytes,
    d.deadlocks, d.stats_reset, age(db.datfrozenxid) AS xid_age
  FROM pg_stat_database d JOIN pg_database db ON db.oid = d.datid) d) AS databases,
 CASE WHEN NOT pg_is_in_recovery() THEN
  (SELECT json_agg(r) FROM (SELECT w.pid, pg_get_userbyid(nullif(a.usesysid, 0)) AS "user", a.application_name AS application,
     host(a.client_addr) AS client_addr, w.state, w.sync_state,
     pg_wal_lsn_diff(pg_current_wal_lsn(), w.sent_lsn)::bigint AS sent_lag_bytes,
     pg_wal_lsn_diff(pg_current_wal_lsn(), w.write_lsn)::bigint AS write_lag_bytes,
     pg_wal_lsn_diff(pg_current_wal_lsn(), w.flush_lsn)::bigint AS flush_lag_bytes,
     pg_wal_lsn_diff(pg_current_wal_lsn(), w.replay_lsn)::bigint AS replay_lag_bytes,
     extract(epoch FROM w.write_lag) AS write_lag, extract(epoch FROM w.flush_lag) AS flush_lag,
     extract(epoch FROM w.replay_lag) AS replay_lag
   -- pg_stat_replication is this join; one activity row per sender, not all.
   FROM pg_stat_get_wal_senders() w CROSS JOIN LATERAL pg_stat_get_activity(w.pid) a) r) END AS standbys,
 CASE WHEN pg_is_in_recovery() THEN
  (SELECT row_to_json(w) FROM (SELECT r.status, r.sender_host, r.sender_port,
     pg_last_wal_receive_lsn()::text AS receive_lsn, pg_last_wal_replay_lsn()::text AS replay_lsn,
     pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())::bigint AS replay_lag_bytes,
     extract(epoch FROM now() - pg_last_xact_replay_timestamp()) AS replay_delay
   FROM (SELECT 1) one LEFT JOIN pg_stat_wal_receiver r ON true) w) END AS receiver,
 {{VACUUMS}} AS vacuums,
 {{CHECKPOINTS}} AS checkpoints,
 (SELECT json_agg(x) FROM (
    SELECT 'slot ' || slot_name AS holder, greatest(age(xmin), age(catalog_xmin)) AS age
    FROM pg_replication_slots WHERE xmin IS NOT NULL OR catalog_xmin IS NOT NULL
    UNION ALL
    SELECT 'prepared transaction ' || gid, age(transaction) FROM pg_prepared_xacts) x) AS xmin_holders,
 (SELECT pids FROM ids) AS pids
UNION ALL
SELECT a.pid, a.leader_pid, d.datname, pg_get_userbyid(nullif(a.usesysid, 0)), a.application_name,
 host(a.client_addr), a.client_port, a.backend_type, a.state, a.wait_event_type, a.wait_event,
 date_part('epoch', now() - a.backend_start), date_part('epoch', now() - a.xact_start),
 date_part('epoch', now() - a.query_start), date_part('epoch', now() - a.state_change),
 age(a.backend_xmin), a.query_id, left(a.query, {{CAP}}),
 CASE WHEN a.wait_event_type = 'Lock' THEN pg_blocking_pids(a.pid) END,
 NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
FROM pg_stat_get_activity(NULL) a LEFT JOIN pg_database d ON d.oid = a.datid
WHERE a.pid <> pg_backend_pid()
  AND (a.state = 'idle' AND a.state_change < $1::timestamptz AND a.backend_start < $1::timestamptz
    AND a.backend_xmin IS NULL AND a.wait_event IS NOT DISTINCT FROM 'ClientRead') IS NOT TRUE`

// checkpointsTable: PostgreSQL 17 moved checkpoint counters from
// pg_stat_bgwriter to pg_stat_checkpointer and renamed them.
func checkpointsTable() []branch {
	return []branch{
		{140000, `(SELECT row_to_json(c) FROM (SELECT checkpoints_timed AS timed,
   checkpoints_req AS requested FROM pg_stat_bgwriter) c)`},
		{170000, `(SELECT row_to_json(c) FROM (SELECT num_timed AS timed,
   num_requested AS requested FROM pg_stat_checkpointer) c)`},
	}
}

// vacuumTable: PostgreSQL 17 replaced num_dead_tuples by num_dead_item_ids
// and added index progress to pg_stat_progress_vacuum.
func vacuumTable() []branch {
	const head = `(SELECT json_agg(v) FROM (SELECT p.pid, p.datname AS database,
   CASE WHEN p.datname = current_database() THEN p.relid::regclass::text ELSE p.relid::text END AS relation,
   p.phase, p.heap_blks_total, p.heap_blks_scanned, p.heap_blks_vacuumed, p.index_vacuum_count, `
	return []branch{
		{140000, head + `p.num_dead_tuples AS dead_tuples,
   NULL::bigint AS indexes_total, NULL::bigint AS indexes_processed
  FROM pg_stat_progress_vacuum p) v)`},
		{170000, head + `p.num_dead_item_ids AS dead_tuples,
   p.indexes_total, p.indexes_processed
  FROM pg_stat_progress_vacuum p) v)`},
	}
}
