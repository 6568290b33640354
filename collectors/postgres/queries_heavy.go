package postgres

import (
	"strconv"
	"strings"

	"github.com/lib/pq"
)

// keySettings are the settings a Server shows, in display order.
func keySettings() []string {
	return []string{
		"max_connections", "superuser_reserved_connections", "shared_buffers", "effective_cache_size",
		"work_mem", "maintenance_work_mem", "max_wal_size", "checkpoint_timeout", "wal_level",
		"max_wal_senders", "max_replication_slots", "autovacuum", "autovacuum_max_workers",
		"autovacuum_naptime", "max_worker_processes", "max_parallel_workers", "random_page_cost",
		"statement_timeout", "idle_in_transaction_session_timeout", "deadlock_timeout",
		"log_min_duration_statement", "track_io_timing", "track_activity_query_size",
		"shared_preload_libraries",
	}
}

func settingsList() string {
	names := keySettings()
	q := make([]string, len(names))
	for i, s := range names {
		q[i] = "'" + s + "'"
	}
	return strings.Join(q, ", ")
}

// heavySQL is the slow-cadence read: database sizes, the connected
// database's tables and indexes, replication slots, key settings and
// whether pg_stat_statements is installed here. Size functions stat files,
// so this runs every 30-60 s, not every poll.
const heavySQL = `SELECT
 (SELECT json_agg(s) FROM (SELECT d.oid::bigint AS oid, d.datname AS name,
    CASE WHEN has_database_privilege(d.oid, 'CONNECT')
           OR EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pg_read_all_stats' AND pg_has_role(oid, 'USAGE'))
         THEN pg_database_size(d.oid) END AS size_bytes
  FROM pg_database d) s) AS sizes,
 {{TABLES}},
 {{SLOTS}} AS slots,
 (SELECT json_agg(s) FROM (SELECT name, setting AS value, coalesce(unit, '') AS unit,
    current_setting(name) AS display FROM pg_settings WHERE name IN ({{SETTINGS}})) s) AS settings,
 (SELECT row_to_json(e) FROM (SELECT e.extversion AS version, n.nspname AS schema
  FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
  WHERE e.extname = 'pg_stat_statements') e) AS pgss`

// tablesTable: PostgreSQL 16 added last_seq_scan / last_idx_scan. Tables are
// the top 50 by size plus the top 20 by dead tuples and by sequential scans;
// indexes the top 50 by size plus up to 50 unused ones. Candidates are
// ranked by pg_class.relpages (an estimate kept by VACUUM/ANALYZE) so exact
// sizes, which stat every file of a relation, are computed for the chosen
// rows only, not for every table of a large catalog.
func tablesTable() []branch {
	tables := func(lastSeq string) string {
		return `(SELECT json_agg(t) FROM (SELECT r.*, pg_total_relation_size(r.relid) AS total_bytes,
    pg_relation_size(r.relid) AS table_bytes, pg_indexes_size(r.relid) AS index_bytes
  FROM (SELECT s.relid, s.schemaname AS schema, s.relname AS name, s.seq_scan AS seq_scans, s.seq_tup_read,
    coalesce(s.idx_scan, 0) AS idx_scans, coalesce(s.idx_tup_fetch, 0) AS idx_tup_fetch,
    s.n_live_tup AS live_tuples, s.n_dead_tup AS dead_tuples, s.n_tup_ins AS inserted,
    s.n_tup_upd AS updated, s.n_tup_del AS deleted, s.last_vacuum, s.last_autovacuum,
    s.last_analyze, s.last_autoanalyze, s.vacuum_count, s.autovacuum_count,
    ` + lastSeq + ` AS last_seq_scan,
    row_number() OVER (ORDER BY c.relpages DESC) AS by_size,
    row_number() OVER (ORDER BY s.n_dead_tup DESC) AS by_dead,
    row_number() OVER (ORDER BY s.seq_scan DESC) AS by_seq
  FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid) r
  WHERE by_size <= 50 OR by_dead <= 20 OR by_seq <= 20) t) AS tables`
	}
	indexes := func(lastIdx string) string {
		return `(SELECT json_agg(i) FROM (SELECT r.*, pg_relation_size(r.indexrelid) AS size_bytes
  FROM (SELECT s.indexrelid, s.schemaname AS schema, s.relname AS "table",
    s.indexrelname AS name, s.idx_scan AS scans,
    s.idx_tup_read AS tup_read, s.idx_tup_fetch AS tup_fetch, x.indisunique AS "unique",
    x.indisprimary AS "primary", ` + lastIdx + ` AS last_scan,
    row_number() OVER (ORDER BY c.relpages DESC) AS by_size,
    row_number() OVER (PARTITION BY s.idx_scan = 0 AND NOT x.indisunique ORDER BY c.relpages DESC) AS by_unused,
    s.idx_scan = 0 AND NOT x.indisunique AS unused
  FROM pg_stat_user_indexes s JOIN pg_index x ON x.indexrelid = s.indexrelid
    JOIN pg_class c ON c.oid = s.indexrelid) r
  WHERE by_size <= 50 OR (unused AND by_unused <= 50)) i) AS indexes`
	}
	return []branch{
		{140000, tables("NULL::timestamptz") + ",\n " + indexes("NULL::timestamptz")},
		{160000, tables("s.last_seq_scan") + ",\n " + indexes("s.last_idx_scan")},
	}
}

// slotsTable: PostgreSQL 17 added inactive_since and invalidation_reason.
func slotsTable() []branch {
	slots := func(extra string) string {
		return `(SELECT json_agg(s) FROM (SELECT s.slot_name AS name, s.slot_type, coalesce(s.plugin, '') AS plugin,
    coalesce(s.database, '') AS database, s.active, s.active_pid, s.temporary,
    CASE WHEN pg_is_in_recovery() THEN pg_wal_lsn_diff(pg_last_wal_receive_lsn(), s.restart_lsn)
         ELSE pg_wal_lsn_diff(pg_current_wal_lsn(), s.restart_lsn) END::bigint AS retained_bytes,
    s.wal_status, greatest(age(s.xmin), age(s.catalog_xmin)) AS xmin_age, ` + extra + `
  FROM pg_replication_slots s) s)`
	}
	return []branch{
		{140000, slots(`NULL::timestamptz AS inactive_since, NULL::text AS invalidation`)},
		{170000, slots(`s.inactive_since, s.invalidation_reason AS invalidation`)},
	}
}

// statementsTopN is how many entries each ranking keeps.
const statementsTopN = 20

// statementsTable: pg_stat_statements 1.11 (PostgreSQL 17) renamed
// blk_read_time/blk_write_time to shared_blk_read_time/shared_blk_write_time.
// The branch is chosen by the older of server and extension version, since
// an extension not updated after pg_upgrade keeps its old columns.
func statementsTable() []branch {
	body := func(read, write string) string {
		return `WITH s AS MATERIALIZED (
  SELECT userid, dbid, toplevel, queryid, calls, total_exec_time, mean_exec_time, rows,
    shared_blks_hit, shared_blks_read, shared_blks_dirtied, shared_blks_written,
    temp_blks_read, temp_blks_written, ` + read + ` AS read_time, ` + write + ` AS write_time
  FROM {{SCHEMA}}.pg_stat_statements(false) WHERE queryid IS NOT NULL
), top AS (
  (SELECT userid, dbid, toplevel, queryid FROM s ORDER BY total_exec_time DESC LIMIT {{N}}) UNION
  (SELECT userid, dbid, toplevel, queryid FROM s ORDER BY mean_exec_time DESC LIMIT {{N}}) UNION
  (SELECT userid, dbid, toplevel, queryid FROM s ORDER BY calls DESC LIMIT {{N}}) UNION
  (SELECT userid, dbid, toplevel, queryid FROM s ORDER BY rows DESC LIMIT {{N}}) UNION
  (SELECT userid, dbid, toplevel, queryid FROM s ORDER BY shared_blks_hit + shared_blks_read DESC LIMIT {{N}})
)
SELECT json_agg(x) FROM (SELECT s.queryid, coalesce(r.rolname, s.userid::text) AS "user",
  coalesce(d.datname, s.dbid::text) AS database, s.toplevel, s.calls, s.total_exec_time,
  s.mean_exec_time, s.rows, s.shared_blks_hit, s.shared_blks_read, s.shared_blks_dirtied,
  s.shared_blks_written, s.temp_blks_read, s.temp_blks_written, s.read_time, s.write_time
 FROM s JOIN top USING (userid, dbid, toplevel, queryid)
 LEFT JOIN pg_roles r ON r.oid = s.userid LEFT JOIN pg_database d ON d.oid = s.dbid) x`
	}
	return []branch{
		{140000, body("blk_read_time", "blk_write_time")},
		{170000, body("shared_blk_read_time", "shared_blk_write_time")},
	}
}

// extensionVersionNum maps a pg_stat_statements extension version to the
// server version that introduced it, so the older of the two picks the
// branch; 0 for versions older than 1.9 (before toplevel existed).
func extensionVersionNum(ext string) int {
	major, minor, _ := strings.Cut(ext, ".")
	ma, err1 := strconv.Atoi(major)
	mi, err2 := strconv.Atoi(minor)
	switch {
	case err1 != nil || err2 != nil || ma != 1 || mi < 9:
		return 0
	case mi == 9:
		return 140000
	case mi == 10:
		return 150000
	default: // 1.11 came with 17; later versions keep its column names
		return 170000
	}
}

// StatementsSQL is the periodic pg_stat_statements(false) read for the
// extension in schema at extVersion on a server of serverVersion; ok is false
// when the extension is too old to read.
func (q Queries) StatementsSQL(schema, extVersion string, serverVersion int) (string, bool) {
	v := min(serverVersion, extensionVersionNum(extVersion))
	b, ok := pick(statementsTable(), v)
	if !ok {
		return "", false
	}
	return strings.NewReplacer("{{SCHEMA}}", pq.QuoteIdentifier(schema), "{{N}}", strconv.Itoa(statementsTopN)).Replace(b.SQL), true
}

// statementTextsSQL fetches texts for the given query ids only. Reading
// texts loads pg_stat_statements' text file, so it runs only for ids not in
// the cache. Ids are integers formatted here, never user text.
func statementTextsSQL(schema string, ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return `SELECT json_agg(x) FROM (SELECT DISTINCT ON (queryid) queryid, left(query, ` +
		strconv.Itoa(MaxTextBytes+1) + `) AS query FROM ` + pq.QuoteIdentifier(schema) +
		`.pg_stat_statements(true) WHERE queryid IN (` + strings.Join(parts, ",") + `)) x`
}
