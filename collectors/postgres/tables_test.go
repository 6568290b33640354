package postgres

import (
	"context"
	"fmt"
	"github.com/stacktop/stacktop/collectors/postgres/pgtest"
	"testing"
	"time"
)

func findTable(s *Snapshot, name string) (Table, bool) {
	for _, t := range s.Tables {
		if t.Name == name {
			return t, true
		}
	}
	return Table{}, false
}

// Tables and indexes of the connected database: sizes, scans, dead tuples,
// last vacuum, and an index never used.
func TestTablesAndIndexes(t *testing.T) {
	cl := pg.Cluster(t)
	if err := cl.CreateDatabase("st_tables"); err != nil {
		t.Fatal(err)
	}
	conn := pgtest.Session(t, cl.SuperDSN("st_tables"))
	pgtest.ExecOn(t, conn,
		"DROP TABLE IF EXISTS churn",
		"CREATE TABLE churn (id int PRIMARY KEY, v int, note text) WITH (autovacuum_enabled = false)",
		"CREATE INDEX churn_note_idx ON churn (note)",
		"INSERT INTO churn SELECT g, 0, 'n' || g FROM generate_series(1, 5000) g",
		"UPDATE churn SET v = 1",
		"SELECT count(*) FROM churn",
		"SELECT pg_stat_force_next_flush()", // idle backends otherwise flush stats up to 10 s late
	)
	// Every poll re-reads the slow parts here.
	c := newCollector(t, "tables", cl.SuperDSN("st_tables"), func(o *Options) { o.SlowInterval = time.Nanosecond })
	s := waitFor(t, c, "churn's statistics", func(s *Snapshot) bool {
		tb, ok := findTable(s, "churn")
		return ok && tb.DeadTuples >= 4000 && tb.SeqScans >= 1
	})
	churn, _ := findTable(s, "churn")
	if churn.Schema != "public" || churn.TotalBytes <= churn.TableBytes || churn.TableBytes <= 0 || churn.IndexBytes <= 0 || churn.Updated != 5000 {
		t.Errorf("churn: %+v", churn)
	}
	if top := s.TopDeadTuples(1); len(top) != 1 || top[0].Name != "churn" {
		t.Errorf("TopDeadTuples: %+v", top)
	}
	idx := map[string]Index{}
	for _, i := range s.Indexes {
		idx[i.Name] = i
	}
	if n := idx["churn_note_idx"]; !n.Unused || n.SizeBytes <= 0 || n.Table != "churn" {
		t.Errorf("unused index: %+v", n)
	}
	if p := idx["churn_pkey"]; p.Unused || !p.Primary || !p.Unique {
		t.Errorf("primary key: %+v", p)
	}

	pgtest.ExecOn(t, conn, "VACUUM churn")
	waitFor(t, c, "churn's last vacuum", func(s *Snapshot) bool {
		tb, ok := findTable(s, "churn")
		return ok && !tb.LastVacuum.IsZero() && tb.VacuumCount >= 1
	})
}

// A running VACUUM shows in Maintenance with its progress.
func TestVacuumProgress(t *testing.T) {
	cl := pg.Cluster(t)
	setup := pgtest.Session(t, cl.SuperDSN("postgres"))
	pgtest.ExecOn(t, setup,
		"DROP TABLE IF EXISTS vac_big",
		"CREATE TABLE vac_big WITH (autovacuum_enabled = false) AS SELECT g AS id, repeat('x', 100) AS pad FROM generate_series(1, 100000) g",
		"DELETE FROM vac_big WHERE id % 2 = 0")
	vac := pgtest.Session(t, cl.SuperDSN("postgres"))
	pgtest.ExecOn(t, vac, "SET vacuum_cost_delay = 100", "SET vacuum_cost_limit = 1") // crawl: sleep after every page
	pid := pgtest.Background(t, vac, "VACUUM vac_big")
	c := newCollector(t, "vacuum", cl.SuperDSN("postgres"))
	s := waitFor(t, c, "the vacuum in progress", func(s *Snapshot) bool {
		for _, v := range s.Maintenance.Vacuums {
			if v.PID == pid && v.HeapBlksTotal > 0 {
				return true
			}
		}
		return false
	})
	for _, v := range s.Maintenance.Vacuums {
		if v.PID == pid && (v.Relation != "vac_big" || v.Database != "postgres" || v.Auto || v.Phase == "" || v.Progress() > 1 || !v.Age.Valid) {
			t.Errorf("vacuum progress: %+v", v)
		}
	}
}

// A repeatable-read transaction holds back the xmin horizon and is named
// as its holder once transactions move on.
func TestOldestXminHolder(t *testing.T) {
	cl := pg.Cluster(t)
	holder := pgtest.Session(t, cl.SuperDSN("postgres"))
	pgtest.ExecOn(t, holder, "BEGIN ISOLATION LEVEL REPEATABLE READ", "SELECT 1")
	pid := pidOf(t, holder)
	other := pgtest.Session(t, cl.SuperDSN("postgres"))
	for i := 0; i < 5; i++ {
		pgtest.ExecOn(t, other, "SELECT txid_current()") // consume xids so the held snapshot ages
	}
	c := newCollector(t, "xmin", cl.SuperDSN("postgres"))
	s := collect(t, c)
	if b, _ := s.Backend(pid); b.XminAge < 5 {
		t.Errorf("holder's xmin age: %+v", b)
	}
	if s.Maintenance.OldestXminAge < 5 || s.Maintenance.OldestXminHolder != fmt.Sprintf("pid %d", pid) {
		t.Errorf("oldest xmin: %d held by %q, want pid %d", s.Maintenance.OldestXminAge, s.Maintenance.OldestXminHolder, pid)
	}
	if lt := s.LongTransactions(0); len(lt) == 0 {
		t.Error("LongTransactions(0) should list the open transaction")
	}
}

// A table locked exclusively stalls the size functions of the slow read:
// lock_timeout turns that into a note, the poll's fresh data still arrives,
// and a slow read cut by the poll deadline costs only a reconnect.
func TestSlowReadBlockedByLock(t *testing.T) {
	cl := pg.Cluster(t)
	holder := pgtest.Session(t, cl.SuperDSN("postgres"))
	pgtest.ExecOn(t, holder, "CREATE TABLE IF NOT EXISTS locked_big (id int)", "BEGIN", "LOCK TABLE locked_big IN ACCESS EXCLUSIVE MODE")

	c := newCollector(t, "locked", cl.SuperDSN("postgres"))
	s := collect(t, c)
	if len(s.Activity) == 0 || !hasNote(s, "lock timeout") {
		t.Errorf("want fresh activity and a lock-timeout note, got %d backends, notes %v", len(s.Activity), s.Notes)
	}
	if s2 := collect(t, c); s2.Poll.Connected || s2.Poll.Statements != 1 {
		t.Errorf("the session should survive a lock timeout: %+v", s2.Poll)
	}

	short := newCollector(t, "short", cl.SuperDSN("postgres"), func(o *Options) { o.LockTimeout = time.Minute })
	ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
	defer cancel()
	got, err := short.Collect(ctx)
	if err != nil {
		t.Fatalf("a slow read cut by the deadline must not fail the poll: %v", err)
	}
	if sn := got.(*Snapshot); len(sn.Activity) == 0 || !hasNote(sn, "poll deadline") {
		t.Errorf("want fresh activity and a deadline note, got notes %v", sn.Notes)
	}
	pgtest.ExecOn(t, holder, "COMMIT")
	if s3 := collect(t, short); !s3.Poll.Connected {
		t.Errorf("the next poll should reconnect: %+v", s3.Poll)
	}
}
