package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"github.com/stacktop/stacktop/collectors/postgres/pgtest"
	"strings"
	"testing"
	"time"
)

// Branch resolution: each family picks the newest entry not above the
// server version, for every version from 14.0 to 17.x and beyond.
func TestResolvePicksBranches(t *testing.T) {
	type mins struct{ ckpt, vac, tables, slots, stmts int }
	want := func(v int) mins {
		m := mins{140000, 140000, 140000, 140000, 140000}
		if v >= 160000 {
			m.tables = 160000
		}
		if v >= 170000 {
			m.ckpt, m.vac, m.slots, m.stmts = 170000, 170000, 170000, 170000
		}
		return m
	}
	for v := 140000; v <= 180000; v += 500 {
		got := mins{}
		for _, f := range []struct {
			table func() []branch
			dst   *int
		}{{checkpointsTable, &got.ckpt}, {vacuumTable, &got.vac}, {tablesTable, &got.tables}, {slotsTable, &got.slots}, {statementsTable, &got.stmts}} {
			b, ok := pick(f.table(), v)
			if !ok {
				t.Fatalf("no branch for %d", v)
			}
			*f.dst = b.Min
		}
		if got != want(v) {
			t.Errorf("version %d: picked %+v, want %+v", v, got, want(v))
		}
		if _, err := Resolve(v); err != nil {
			t.Errorf("Resolve(%d): %v", v, err)
		}
	}
	if _, ok := pick(vacuumTable(), 139999); ok {
		t.Error("no branch may serve 13.x")
	}
}

// The statements branch follows the older of server and extension.
func TestStatementsBranchFollowsExtension(t *testing.T) {
	q, _ := Resolve(170000)
	for _, c := range []struct {
		ext     string
		server  int
		newCols bool
		ok      bool
	}{
		{"1.11", 170000, true, true}, {"1.10", 170000, false, true}, {"1.9", 140000, false, true},
		{"1.11", 160000, false, true}, {"1.8", 140000, false, false}, {"1.12", 180000, true, true},
	} {
		sql, ok := q.StatementsSQL("public", c.ext, c.server)
		if ok != c.ok || (ok && strings.Contains(sql, "shared_blk_read_time") != c.newCols) {
			t.Errorf("ext %s on %d: ok=%v newCols=%v", c.ext, c.server, ok, strings.Contains(sql, "shared_blk_read_time"))
		}
	}
}

// Every branch runs against the real server. The 15 server runs the 14
// branches as they are; branches for 16 and 17 run against shim views that
// give the 15 catalog the newer column names (schemas searched before
// pg_catalog), which proves they parse, name existing columns of those
// shapes and decode. A negative control shows the shims were needed.
func TestEveryBranchRunsOnServer(t *testing.T) {
	cl := pg.Cluster(t)
	ensurePGSS(t, cl)
	if err := cl.Exec("postgres", shimSQL()...); err != nil {
		t.Fatal(err)
	}
	for _, v := range []int{140000, 150000, 160000, 170000} {
		t.Run(fmt.Sprint(v), func(t *testing.T) {
			q, err := Resolve(v)
			if err != nil {
				t.Fatal(err)
			}
			conn := pgtest.Session(t, cl.SuperDSN("postgres"))
			schema := "public"
			if v > 150018 {
				schema = fmt.Sprintf("shim%d", v/10000)
				pgtest.ExecOn(t, conn, "SET search_path = "+schema+", pg_catalog, public")
			}
			runFast(t, conn, q.Fast)
			runHeavy(t, conn, q.Heavy)
			ext := map[int]string{140000: "1.9", 150000: "1.10", 160000: "1.10", 170000: "1.11"}[v]
			stmts, ok := q.StatementsSQL(schema, ext, v)
			if !ok {
				t.Fatal("no statements SQL")
			}
			var raw []byte
			if err := conn.QueryRowContext(ctxT(t), stmts).Scan(&raw); err != nil {
				t.Fatalf("statements: %v", err)
			}
			var rows []statementRow
			if err := decode(raw, &rows); err != nil || len(rows) == 0 {
				t.Fatalf("statements decode: %v (%d rows)", err, len(rows))
			}
		})
	}
	t.Run("control", func(t *testing.T) {
		q, _ := Resolve(170000)
		conn := pgtest.Session(t, cl.SuperDSN("postgres"))
		if _, err := conn.ExecContext(ctxT(t), q.Fast, nil); err == nil || !strings.Contains(err.Error(), "does not exist") {
			t.Errorf("the 17 branch should not run on a bare 15 catalog: %v", err)
		}
	})
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func runFast(t *testing.T, conn *sql.Conn, q string) {
	t.Helper()
	rows, err := conn.QueryContext(ctxT(t), q, nil)
	if err != nil {
		t.Fatalf("fast: %v", err)
	}
	defer rows.Close()
	got, err := scanByName[fastRow](rows)
	if err != nil {
		t.Fatalf("fast scan: %v", err)
	}
	c := &Collector{}
	snap, err := c.build(&session{info: resolveRow{VersionNum: 150000}}, got)
	if err != nil {
		t.Fatalf("fast decode: %v", err)
	}
	if len(snap.Activity) == 0 || len(snap.Databases) == 0 || snap.Server.StartedAt.IsZero() {
		t.Errorf("fast read incomplete: %d backends, %d databases", len(snap.Activity), len(snap.Databases))
	}
}

func runHeavy(t *testing.T, conn *sql.Conn, q string) {
	t.Helper()
	var h heavyColumns
	if err := conn.QueryRowContext(ctxT(t), q).Scan(&h.Sizes, &h.Tables, &h.Indexes, &h.Slots, &h.Settings, &h.PGSS); err != nil {
		t.Fatalf("heavy: %v", err)
	}
	st := slowState{}
	var pgss *pgssRow
	if err := st.decodeHeavy(h, &pgss); err != nil {
		t.Fatalf("heavy decode: %v", err)
	}
	if len(st.tables) == 0 || len(st.slots) == 0 || len(st.settings) == 0 || pgss == nil {
		t.Errorf("heavy read incomplete: %d tables, %d slots, %d settings, pgss=%v", len(st.tables), len(st.slots), len(st.settings), pgss)
	}
}

// shimSQL creates schemas shim16 and shim17 whose views carry the column
// names PostgreSQL 16 and 17 use, built on the 15 catalog, plus a table, an
// index and a replication slot so the heavy read returns rows.
func shimSQL() []string {
	v16 := func(s string) []string {
		return []string{
			"DROP SCHEMA IF EXISTS " + s + " CASCADE", "CREATE SCHEMA " + s,
			"CREATE VIEW " + s + ".pg_stat_user_tables AS SELECT *, NULL::timestamptz AS last_seq_scan, " +
				"NULL::timestamptz AS last_idx_scan FROM pg_catalog.pg_stat_user_tables",
			"CREATE VIEW " + s + ".pg_stat_user_indexes AS SELECT *, NULL::timestamptz AS last_idx_scan " +
				"FROM pg_catalog.pg_stat_user_indexes",
		}
	}
	out := []string{
		"CREATE TABLE IF NOT EXISTS shim_rows (id int PRIMARY KEY, v text)",
		"INSERT INTO shim_rows SELECT g, 'x' FROM generate_series(1, 100) g ON CONFLICT DO NOTHING",
		"SELECT pg_create_physical_replication_slot('shim_slot', true) WHERE NOT EXISTS " +
			"(SELECT 1 FROM pg_replication_slots WHERE slot_name = 'shim_slot')",
	}
	out = append(out, v16("shim16")...)
	out = append(out, v16("shim17")...)
	return append(out,
		// 17: checkpoint counters moved to pg_stat_checkpointer.
		`CREATE VIEW shim17.pg_stat_checkpointer AS SELECT checkpoints_timed AS num_timed,
		  checkpoints_req AS num_requested, 0::bigint AS restartpoints_timed, 0::bigint AS restartpoints_req,
		  0::bigint AS restartpoints_done, checkpoint_write_time AS write_time, checkpoint_sync_time AS sync_time,
		  buffers_checkpoint AS buffers_written, stats_reset FROM pg_catalog.pg_stat_bgwriter`,
		// 17: dead tuples counted as item ids and bytes; index progress.
		`CREATE VIEW shim17.pg_stat_progress_vacuum AS SELECT pid, datid, datname, relid, phase,
		  heap_blks_total, heap_blks_scanned, heap_blks_vacuumed, index_vacuum_count,
		  max_dead_tuples * 6 AS max_dead_tuple_bytes, num_dead_tuples * 6 AS dead_tuple_bytes,
		  num_dead_tuples AS num_dead_item_ids, 0::bigint AS indexes_total, 0::bigint AS indexes_processed
		  FROM pg_catalog.pg_stat_progress_vacuum`,
		// 17: slots gained inactive_since and invalidation_reason.
		`CREATE VIEW shim17.pg_replication_slots AS SELECT *, NULL::timestamptz AS inactive_since,
		  NULL::text AS invalidation_reason FROM pg_catalog.pg_replication_slots`,
		// pg_stat_statements 1.11: blk_*_time became shared_blk_*_time.
		`CREATE FUNCTION shim17.pg_stat_statements(showtext boolean) RETURNS TABLE (userid oid, dbid oid,
		  toplevel bool, queryid bigint, query text, calls bigint, total_exec_time float8, mean_exec_time float8,
		  rows bigint, shared_blks_hit bigint, shared_blks_read bigint, shared_blks_dirtied bigint,
		  shared_blks_written bigint, temp_blks_read bigint, temp_blks_written bigint,
		  shared_blk_read_time float8, shared_blk_write_time float8) LANGUAGE sql AS
		  'SELECT userid, dbid, toplevel, queryid, query, calls, total_exec_time, mean_exec_time, rows,
		    shared_blks_hit, shared_blks_read, shared_blks_dirtied, shared_blks_written, temp_blks_read,
		    temp_blks_written, blk_read_time, blk_write_time FROM public.pg_stat_statements(showtext)'`,
		"CREATE FUNCTION shim16.pg_stat_statements(showtext boolean) RETURNS SETOF public.pg_stat_statements "+
			"LANGUAGE sql AS 'SELECT * FROM public.pg_stat_statements(showtext)'",
	)
}

// pg_locks is read only when someone waits on a lock: with nobody waiting,
// the plan node reading it never executes.
func TestLocksReadOnlyWhenWaiting(t *testing.T) {
	cl := pg.Cluster(t)
	q, _ := Resolve(150000)
	conn := pgtest.Session(t, cl.SuperDSN("postgres"))
	rows, err := conn.QueryContext(ctxT(t), "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) "+q.Fast, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, line)
	}
	found := false
	for _, l := range plan {
		if strings.Contains(l, "pg_lock_status") {
			found = true
			if !strings.Contains(l, "never executed") {
				t.Errorf("pg_locks read although nobody waits: %s", l)
			}
		}
	}
	if !found {
		t.Fatalf("no pg_lock_status node in plan:\n%s", strings.Join(plan, "\n"))
	}
}
