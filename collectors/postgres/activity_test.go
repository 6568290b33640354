package postgres

import (
	"context"
	"database/sql"
	"github.com/stacktop/stacktop/collectors/postgres/pgtest"
	"strings"
	"testing"
	"time"
)

// A blocks B blocks C (row locks), and F is blocked by both D and E
// (table locks): the snapshot's lock tree has A at the root with 2 sessions
// behind it, and F under both D and E.
func TestLockTreeChainAndTwoBlockers(t *testing.T) {
	cl := pg.Cluster(t)
	dsn := cl.SuperDSN("postgres")
	setup := pgtest.Session(t, dsn)
	pgtest.ExecOn(t, setup,
		"DROP TABLE IF EXISTS lt_rows, lt_table",
		"CREATE TABLE lt_rows (id int PRIMARY KEY, v int)", "INSERT INTO lt_rows VALUES (1, 0), (2, 0)",
		"CREATE TABLE lt_table (id int)")

	a, b, cc := pgtest.Session(t, dsn), pgtest.Session(t, dsn), pgtest.Session(t, dsn)
	pgtest.ExecOn(t, a, "BEGIN", "UPDATE lt_rows SET v = 1 WHERE id = 1")
	pgtest.ExecOn(t, b, "BEGIN", "UPDATE lt_rows SET v = 1 WHERE id = 2")
	pidA := pidOf(t, a)
	pidB := pgtest.Background(t, b, "UPDATE lt_rows SET v = 2 WHERE id = 1")  // waits on A
	pidC := pgtest.Background(t, cc, "UPDATE lt_rows SET v = 3 WHERE id = 2") // waits on B

	d, e, f := pgtest.Session(t, dsn), pgtest.Session(t, dsn), pgtest.Session(t, dsn)
	pgtest.ExecOn(t, d, "BEGIN", "SELECT * FROM lt_table")
	pgtest.ExecOn(t, e, "BEGIN", "SELECT * FROM lt_table")
	pidD, pidE := pidOf(t, d), pidOf(t, e)
	pidF := pgtest.Background(t, f, "ALTER TABLE lt_table ADD COLUMN x int") // needs AccessExclusiveLock

	c := newCollector(t, "locks", dsn)
	s := waitFor(t, c, "B, C and F waiting", func(s *Snapshot) bool {
		return waiting(s, pidB) && waiting(s, pidC) && waiting(s, pidF)
	})

	root := findRoot(t, s.LockTree, pidA)
	if root.Lock != nil || root.BlockedCount != 2 || len(root.Blocking) != 1 {
		t.Fatalf("root A: want no lock, 2 blocked, 1 direct; got %+v", root)
	}
	nb := root.Blocking[0]
	if nb.PID != pidB || len(nb.Blocking) != 1 || nb.Blocking[0].PID != pidC || nb.BlockedCount != 1 {
		t.Fatalf("want A -> B -> C, got %+v", root)
	}
	if nb.Lock == nil || nb.Lock.LockType != "transactionid" || nb.Lock.Mode != "ShareLock" || nb.Lock.TransactionID == "" {
		t.Errorf("B's lock: want transactionid ShareLock, got %+v", nb.Lock)
	}
	// A row lock names no table; the waiter's tuple lock does.
	for _, w := range []LockNode{nb, nb.Blocking[0]} {
		if w.Lock == nil || w.Lock.Relation != "lt_rows" {
			t.Errorf("pid %d waits on a row of lt_rows; its lock says %+v", w.PID, w.Lock)
		}
	}
	if root.LongestWait <= 0 || !nb.Waiting.Valid {
		t.Errorf("root should report how long it blocks: %+v", root)
	}
	for _, blocker := range []int{pidD, pidE} {
		n := findRoot(t, s.LockTree, blocker)
		if n.BlockedCount != 1 || len(n.Blocking) != 1 || n.Blocking[0].PID != pidF {
			t.Fatalf("root %d: want F under it, got %+v", blocker, n)
		}
		l := n.Blocking[0].Lock
		if l == nil || l.Mode != "AccessExclusiveLock" || l.Relation != "lt_table" {
			t.Errorf("F's lock: want AccessExclusiveLock on lt_table, got %+v", l)
		}
	}
	if bf, _ := s.Backend(pidF); len(bf.BlockedBy) != 2 {
		t.Errorf("F blocked by %v, want D and E", bf.BlockedBy)
	}
	if s.LockTree[0].PID != pidA {
		t.Errorf("the root blocking most sessions comes first; got %d", s.LockTree[0].PID)
	}
	if s.Server.States.WaitingOnLock != 3 {
		t.Errorf("WaitingOnLock = %d, want 3", s.Server.States.WaitingOnLock)
	}
}

func pidOf(t *testing.T, conn *sql.Conn) int {
	t.Helper()
	var pid int
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := conn.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&pid); err != nil {
		t.Fatal(err)
	}
	return pid
}

func findRoot(t *testing.T, forest []LockNode, pid int) LockNode {
	t.Helper()
	for _, n := range forest {
		if n.PID == pid {
			return n
		}
	}
	t.Fatalf("no root %d in lock tree %+v", pid, forest)
	return LockNode{}
}

// An idle-in-transaction session and a running pg_sleep show with their
// states and ages; the sleep's text comes through.
func TestIdleInTransactionAndSleep(t *testing.T) {
	cl := pg.Cluster(t)
	dsn := cl.SuperDSN("postgres")
	idle := pgtest.Session(t, dsn)
	pgtest.ExecOn(t, idle, "BEGIN", "SELECT 1")
	pidIdle := pidOf(t, idle)
	sleeper := pgtest.Session(t, dsn)
	pidSleep := pgtest.Background(t, sleeper, "SELECT pg_sleep(30) /* stacktop-sleep */")
	started := time.Now()

	c := newCollector(t, "activity", dsn)
	s := waitFor(t, c, "sleep running 1.5 s", func(s *Snapshot) bool {
		b, ok := s.Backend(pidSleep)
		return ok && b.QueryAge.D >= 1500*time.Millisecond
	})
	sl, _ := s.Backend(pidSleep)
	if sl.State != StateActive || !strings.Contains(sl.Query, "pg_sleep(30)") || sl.WaitEvent != "PgSleep" {
		t.Errorf("sleeper: %+v", sl)
	}
	if limit := time.Since(started) + time.Second; sl.QueryAge.D > limit {
		t.Errorf("query age %v exceeds time since start %v", sl.QueryAge.D, limit)
	}
	in, _ := s.Backend(pidIdle)
	if in.State != StateIdleInTransaction || !in.XactAge.Valid || in.Application == ApplicationName {
		t.Errorf("idle in transaction: %+v", in)
	}
	iit := s.IdleInTransaction()
	if len(iit) == 0 || iit[0].PID != pidIdle {
		t.Errorf("IdleInTransaction() = %v", iit)
	}
	if s.Server.States.IdleInTransaction < 1 || s.Server.States.Active < 2 {
		t.Errorf("states: %+v", s.Server.States)
	}
	if _, own := s.Backend(s.Server.OwnPID); own || s.Server.OwnPID == 0 {
		t.Error("stacktop's own backend must not be listed")
	}
}
