package postgres

import (
	"fmt"
	"github.com/stacktop/stacktop/collectors/postgres/pgtest"
	"testing"
	"time"
)

// An idle session unchanged since the previous poll is named by pid only
// and its row carried forward: the user sees the same row, its ages
// advanced by exactly the time between the polls on the server's clock.
// Once the session runs another query, its new text shows on the next
// poll; once it disconnects, it is gone.
func TestIdleBackendsCarriedForward(t *testing.T) {
	cl := pg.Cluster(t)
	dsn := cl.SuperDSN("postgres")
	x := pgtest.Session(t, dsn)
	pid := pidOf(t, x)
	pgtest.ExecOn(t, x, "SELECT 1 /* first idle query */")
	time.Sleep(1500 * time.Millisecond)

	c := newCollector(t, "idle", dsn)
	first := collect(t, c)
	if first.Poll.Kept != 0 {
		t.Errorf("first poll has nothing to keep, kept %d", first.Poll.Kept)
	}
	b1 := mustBackend(t, first, pid)
	if b1.Query != "SELECT 1 /* first idle query */" {
		t.Fatalf("first poll: %+v", b1)
	}
	second := collect(t, c)
	if second.Poll.Kept == 0 {
		t.Fatalf("second poll sent every idle backend again; activity: %s", describeActivity(second))
	}
	b2 := mustBackend(t, second, pid)
	dt := second.Server.Uptime - first.Server.Uptime
	if b2.Query != b1.Query || b2.State != StateIdle || b2.Application != b1.Application || b2.User != b1.User {
		t.Errorf("carried row differs: first %+v, second %+v", b1, b2)
	}
	for _, a := range []struct {
		name   string
		a1, a2 Age
	}{{"backend", b1.BackendAge, b2.BackendAge}, {"query", b1.QueryAge, b2.QueryAge}, {"state", b1.StateAge, b2.StateAge}} {
		if !a.a2.Valid || a.a2.D-a.a1.D != dt {
			t.Errorf("%s age: %v then %v, want it advanced by %v", a.name, a.a1, a.a2, dt)
		}
	}

	// A fresh collector reads the row in full: the same figures.
	full := mustBackend(t, collect(t, newCollector(t, "idle-full", dsn)), pid)
	if full.Query != b2.Query || abs(full.QueryAge.D-b2.QueryAge.D) > time.Second {
		t.Errorf("carried %+v, read in full %+v", b2, full)
	}

	pgtest.ExecOn(t, x, "SELECT 2 /* second idle query */")
	third := collect(t, c)
	if b3 := mustBackend(t, third, pid); b3.Query != "SELECT 2 /* second idle query */" || b3.StateAge.D > time.Second {
		t.Errorf("after a new query the row must be read again: %+v", b3)
	}
	pgtest.ExecOn(t, pgtest.Session(t, dsn), fmt.Sprintf("SELECT pg_terminate_backend(%d, 5000)", pid))
	waitFor(t, c, "the closed session gone", func(s *Snapshot) bool {
		_, ok := s.Backend(pid)
		return !ok
	})
}

// A kept pid the collector has no row for (a state change published late)
// makes the poll read every backend again: the backend is shown, never
// dropped, at the cost of a second statement.
func TestUnknownKeptPIDReadsAgain(t *testing.T) {
	cl := pg.Cluster(t)
	dsn := cl.SuperDSN("postgres")
	x := pgtest.Session(t, dsn)
	pid := pidOf(t, x)
	pgtest.ExecOn(t, x, "SELECT 1 /* idle, then forgotten */")
	time.Sleep(1500 * time.Millisecond)
	c := newCollector(t, "idle-unknown", dsn)
	collect(t, c)
	c.idle.backends = map[int]Backend{} // as if the last read had missed every idle backend
	s := collect(t, c)
	if s.Poll.Statements != 2 || s.Poll.Kept != 0 {
		t.Errorf("want a second, full read: %d statements, %d kept", s.Poll.Statements, s.Poll.Kept)
	}
	if b := mustBackend(t, s, pid); b.Query != "SELECT 1 /* idle, then forgotten */" || b.User != "postgres" || b.Database != "postgres" {
		t.Errorf("row read again: %+v", b)
	}
	if next := collect(t, c); next.Poll.Statements != 1 || next.Poll.Kept == 0 {
		t.Errorf("the poll after: %d statements, %d kept", next.Poll.Statements, next.Poll.Kept)
	}
}

func mustBackend(t *testing.T, s *Snapshot, pid int) Backend {
	t.Helper()
	b, ok := s.Backend(pid)
	if !ok {
		t.Fatalf("pid %d not in activity: %s", pid, describeActivity(s))
	}
	return b
}

func abs(d time.Duration) time.Duration { return max(d, -d) }

// Every backend is in every poll, sent in full or kept, whatever mix of
// idle, active and lock-waiting sessions: the summary names each one, and
// a kept row is the one a full read gives (same state, query and user).
// A session waiting on a lock is never kept, and carries its blockers.
func TestEveryBackendSentOrKept(t *testing.T) {
	cl := pg.Cluster(t)
	dsn := cl.SuperDSN("postgres")
	if err := cl.Exec("postgres", "CREATE TABLE IF NOT EXISTS kept_lock (id int)"); err != nil {
		t.Fatal(err)
	}
	var idle []int
	for i := 0; i < 12; i++ {
		x := pgtest.Session(t, dsn)
		pgtest.ExecOn(t, x, fmt.Sprintf("SELECT %d /* kept session */", i))
		idle = append(idle, pidOf(t, x))
	}
	holder := pgtest.Session(t, dsn)
	pgtest.ExecOn(t, holder, "BEGIN", "LOCK TABLE kept_lock IN ACCESS EXCLUSIVE MODE")
	waiter := pgtest.Background(t, pgtest.Session(t, dsn), "SELECT count(*) FROM kept_lock")
	time.Sleep(1500 * time.Millisecond) // past the publish margin

	c := newCollector(t, "split", dsn)
	collect(t, c)
	s := waitFor(t, c, "a poll keeping the idle sessions", func(s *Snapshot) bool { return s.Poll.Kept >= len(idle) })
	full := collect(t, newCollector(t, "split-full", dsn))
	for _, pid := range idle {
		k, f := mustBackend(t, s, pid), mustBackend(t, full, pid)
		if k.State != f.State || k.Query != f.Query || k.User != f.User || k.Database != f.Database || k.Application != f.Application {
			t.Errorf("pid %d kept as %+v, read in full as %+v", pid, k, f)
		}
	}
	w := mustBackend(t, s, waiter)
	if !waiting(s, waiter) || len(w.BlockedBy) != 1 || w.BlockedBy[0] != pidOf(t, holder) {
		t.Errorf("lock waiter %d: %+v, want waiting on %d", waiter, w, pidOf(t, holder))
	}
	if len(full.Activity) != len(s.Activity)+1 { // the full read also sees the first collector's session
		t.Errorf("the poll has %d backends, a full read after it %d (want one more: the first collector): %s",
			len(s.Activity), len(full.Activity), describeActivity(s))
	}
}
