package postgres_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stacktop/stacktop/actions"
	"github.com/stacktop/stacktop/actions/actionstest"
	pga "github.com/stacktop/stacktop/actions/postgres"
)

func waitDone(t *testing.T, s *sleeper) error {
	t.Helper()
	select {
	case err := <-s.done:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("the sleep did not end")
		return nil
	}
}

func TestCancelEndsTheQueryAndKeepsTheSession(t *testing.T) {
	f := newFixture(t, pga.Options{})
	s := f.startSleep(t)
	a, err := f.reg.New(pga.CancelID, f.snapshotTarget(t, s.pid), nil)
	if err != nil {
		t.Fatal(err)
	}
	if a.Risk != actions.Mutating || !a.NeedsYes || !strings.Contains(a.Description, itoa(s.pid)) {
		t.Errorf("cancel: %s, yes %v, %q", a.Risk, a.NeedsYes, a.Description)
	}
	r, log := newRunner(t)
	if _, err := r.Run(t.Context(), a, actions.Confirmation{Confirmed: true}, nil); err != nil {
		t.Fatalf("cancel: %v", err)
	}
	if err := waitDone(t, s); err == nil || !strings.Contains(err.Error(), "canceling statement due to user request") {
		t.Errorf("the sleep ended with %v", err)
	}
	var one int
	if err := s.conn.QueryRowContext(t.Context(), "SELECT 1").Scan(&one); err != nil {
		t.Errorf("the session did not survive a cancel: %v", err)
	}
	if recs := actionstest.ReadAudit(t, log); len(recs) != 1 || recs[0].Outcome != actions.OutcomeOK {
		t.Errorf("audit %+v", recs)
	}
}

func TestTerminateEndsTheBackend(t *testing.T) {
	f := newFixture(t, pga.Options{})
	s := f.startSleep(t)
	tgt := f.snapshotTarget(t, s.pid)
	a, err := f.reg.New(pga.TerminateID, tgt, nil)
	if err != nil {
		t.Fatal(err)
	}
	r, _ := newRunner(t)
	if _, err := r.Run(t.Context(), a, actions.Confirmation{Confirmed: true, TypedName: "nope"}, nil); !errors.Is(err, actions.ErrNotConfirmed) || !s.running() {
		t.Fatalf("terminate with the wrong pid typed: %v, running %v", err, s.running())
	}
	if _, err := r.Run(t.Context(), a, actions.Confirmation{Confirmed: true, TypedName: itoa(s.pid)}, nil); err != nil {
		t.Fatalf("terminate: %v", err)
	}
	if err := waitDone(t, s); err == nil {
		t.Error("the sleep finished normally")
	}
	var n int
	f.query(t, "SELECT count(*) FROM pg_stat_activity WHERE pid = "+itoa(s.pid), &n)
	if n != 0 {
		t.Error("the backend is still there")
	}
}

func TestReusedBackendPidIsNotSignalled(t *testing.T) {
	f := newFixture(t, pga.Options{})
	s := f.startSleep(t)
	tgt := f.snapshotTarget(t, s.pid)
	start, _ := time.Parse(time.RFC3339Nano, strings.TrimPrefix(tgt.Guard, "start:"))
	tgt.Guard = "start:" + start.Add(-3*time.Second).Format(time.RFC3339Nano)
	r, _ := newRunner(t)
	for _, id := range []string{pga.CancelID, pga.TerminateID} {
		a, err := f.reg.New(id, tgt, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, err = r.Run(t.Context(), a, actions.Yes(a), nil)
		if err == nil || !strings.Contains(err.Error(), "now belongs to another session") {
			t.Errorf("%s on a backend with another start time: %v", id, err)
		}
	}
	if !s.running() {
		t.Error("a backend with another start time was signalled")
	}
	delete := tgt
	delete.Guard = ""
	if _, err := f.reg.New(pga.CancelID, delete, nil); err == nil {
		t.Error("cancel without a start time was built")
	}
}

func TestVacuumAnalyze(t *testing.T) {
	f := newFixture(t, pga.Options{},
		`CREATE TABLE "Odd ""name""" (id int)`, `INSERT INTO "Odd ""name""" SELECT generate_series(1, 20000)`,
		`DELETE FROM "Odd ""name""" WHERE id % 2 = 0`)
	a, err := f.reg.New(pga.VacuumID, f.target(`public.Odd "name"`), actions.Params{"schema": "public", "table": `Odd "name"`})
	if err != nil {
		t.Fatal(err)
	}
	r, _ := newRunner(t)
	if _, err := r.Run(t.Context(), a, actions.Confirmation{Confirmed: true}, nil); err != nil {
		t.Fatalf("vacuum: %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		var vacuumed, analyzed int
		f.query(t, `SELECT vacuum_count FROM pg_stat_user_tables WHERE relname = 'Odd "name"'`, &vacuumed)
		f.query(t, `SELECT analyze_count FROM pg_stat_user_tables WHERE relname = 'Odd "name"'`, &analyzed)
		if vacuumed == 1 && analyzed == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("vacuum_count %d, analyze_count %d after VACUUM (ANALYZE)", vacuumed, analyzed)
		}
		time.Sleep(50 * time.Millisecond)
	}
	missing, _ := f.reg.New(pga.VacuumID, f.target("public.nope"), nil)
	if _, err := r.Run(t.Context(), missing, actions.Yes(missing), nil); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("vacuum of a missing table: %v", err)
	}
}

// Every Postgres kind is refused under read-only, and nothing changes on
// the server: the sleeping backend keeps sleeping, the table is not
// vacuumed, the sequence an EXPLAIN ANALYZE would advance stays put, no
// backup file appears.
func TestPostgresActionsRefusedWhenReadOnly(t *testing.T) {
	backups := t.TempDir()
	plans := t.TempDir()
	f := newFixture(t, pga.Options{BackupDir: backups, PlanDir: plans}, `CREATE SEQUENCE s`, `CREATE TABLE t (v bigint)`, `INSERT INTO t VALUES (1)`)
	counter := func(t testing.TB, q string) int64 {
		var n int64
		f.query(t, q, &n)
		return n
	}
	actionstest.AssertReadOnlyRefused(t, f.reg.Kinds(), func(t *testing.T, k actions.Kind) actionstest.Case {
		switch k.ID {
		case pga.CancelID, pga.TerminateID:
			s := f.startSleep(t)
			return actionstest.Case{Target: f.snapshotTarget(t, s.pid), Unchanged: func(t testing.TB) {
				time.Sleep(50 * time.Millisecond) // a signal would have landed by now
				if !s.running() {
					t.Errorf("%s: the backend was signalled", k.ID)
				}
			}}
		case pga.VacuumID:
			return actionstest.Case{Target: f.target("public.t"), Unchanged: func(t testing.TB) {
				if n := counter(t, `SELECT vacuum_count + analyze_count FROM pg_stat_user_tables WHERE relname = 't'`); n != 0 {
					t.Errorf("the table was vacuumed or analyzed (%d)", n)
				}
			}}
		case pga.BackupID:
			return actionstest.Case{Target: f.target(f.db), Unchanged: func(t testing.TB) { assertNoBackupFiles(t, backups) }}
		case pga.SavePlanID:
			// Read: it must pass the gate (it is not run here).
			return actionstest.Case{Target: f.target(""), Params: actions.Params{"plan": `[{"Plan": {"Node Type": "Result"}}]`}}
		default:
			before := counter(t, `SELECT last_value FROM s`)
			return actionstest.Case{Target: f.target(""), Params: actions.Params{"query": "UPDATE t SET v = nextval('s')"},
				Unchanged: func(t testing.TB) {
					if after := counter(t, `SELECT last_value FROM s`); after != before {
						t.Errorf("the sequence moved from %d to %d", before, after)
					}
				}}
		}
	})
}

func TestCancelledByContext(t *testing.T) {
	f := newFixture(t, pga.Options{ExplainTimeout: time.Minute})
	a, err := f.reg.New(pga.ExplainAnalyzeID, f.target(""), actions.Params{"query": "SELECT pg_sleep(30)"})
	if err != nil {
		t.Fatal(err)
	}
	r, _ := newRunner(t)
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(300*time.Millisecond, cancel)
	res, err := r.Run(ctx, a, actions.Yes(a), nil)
	if res.Outcome != actions.OutcomeCancelled {
		t.Errorf("esc during EXPLAIN ANALYZE: %s %v", res.Outcome, err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		var n int
		f.query(t, `SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE 'EXPLAIN%pg_sleep%'`, &n)
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the cancelled EXPLAIN ANALYZE still runs on the server")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// LookupBackend (the CLI's way to name a backend) gives a target that
// cancel accepts and that names the same backend the snapshot does; an
// unknown pid or target is one clear line.
func TestLookupBackend(t *testing.T) {
	f := newFixture(t, pga.Options{})
	s := f.startSleep(t)
	opts := pga.Options{DSNs: map[string]string{"local": f.c.SuperDSN(f.db)}}
	tgt, err := pga.LookupBackend(t.Context(), opts, "local", s.pid)
	if err != nil {
		t.Fatal(err)
	}
	if want := "backend " + itoa(s.pid) + " (postgres@" + f.db + ")"; tgt.Name != want || tgt.Object != itoa(s.pid) || tgt.Source != "local" {
		t.Errorf("target %+v, want name %q", tgt, want)
	}
	snap := f.snapshotTarget(t, s.pid)
	lookedUp, _ := time.Parse(time.RFC3339Nano, strings.TrimPrefix(tgt.Guard, "start:"))
	fromSnap, _ := time.Parse(time.RFC3339Nano, strings.TrimPrefix(snap.Guard, "start:"))
	if d := lookedUp.Sub(fromSnap); d < -time.Second || d > time.Second {
		t.Errorf("guard %q vs the snapshot's %q", tgt.Guard, snap.Guard)
	}
	a, err := f.reg.New(pga.CancelID, tgt, nil)
	if err != nil {
		t.Fatal(err)
	}
	r, _ := newRunner(t)
	if _, err := r.Run(t.Context(), a, actions.Confirmation{Confirmed: true}, nil); err != nil {
		t.Fatalf("cancel of the looked-up backend: %v", err)
	}
	if err := waitDone(t, s); err == nil || !strings.Contains(err.Error(), "canceling statement due to user request") {
		t.Errorf("the sleep ended with %v", err)
	}
	if _, err := pga.LookupBackend(t.Context(), opts, "local", 999999); err == nil || !strings.Contains(err.Error(), `postgres "local" has no backend with pid 999999 — check pg_stat_activity`) {
		t.Errorf("unknown pid: %v", err)
	}
	if _, err := pga.LookupBackend(t.Context(), opts, "other", s.pid); err == nil || !strings.Contains(err.Error(), `no Postgres target named "other"`) {
		t.Errorf("unknown target: %v", err)
	}
}
