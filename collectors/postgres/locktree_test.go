package postgres

import (
	"strings"
	"testing"
	"time"
)

func waiter(pid int, secs int, blockers ...int) Backend {
	return Backend{PID: pid, WaitEventType: "Lock", BlockedBy: blockers,
		QueryAge: Age{D: time.Duration(secs) * time.Second, Valid: true}, Lock: &LockWait{Mode: "ShareLock"}}
}

func TestLockTreeShapes(t *testing.T) {
	// 1 blocks 2 and 3; 3 blocks 4; 5 and 6 both block 7; 8 and 9 wait on
	// each other (a deadlock the detector has not broken yet).
	acts := []Backend{
		{PID: 1}, waiter(2, 5, 1), waiter(3, 9, 1), waiter(4, 2, 3),
		{PID: 5}, {PID: 6}, waiter(7, 4, 5, 6),
		waiter(8, 1, 9), waiter(9, 1, 8),
	}
	forest := buildLockTree(acts)
	if len(forest) != 4 {
		t.Fatalf("want roots 1, 5, 6 and the cycle, got %d: %+v", len(forest), forest)
	}
	r := forest[0]
	if r.PID != 1 || r.BlockedCount != 3 || r.LongestWait != 9*time.Second || r.Lock != nil {
		t.Errorf("first root: %+v", r)
	}
	if len(r.Blocking) != 2 || r.Blocking[1].PID != 3 || r.Blocking[1].Blocking[0].PID != 4 {
		t.Errorf("subtree of 1: %+v", r.Blocking)
	}
	for _, n := range forest[1:3] {
		if (n.PID != 5 && n.PID != 6) || len(n.Blocking) != 1 || n.Blocking[0].PID != 7 || n.BlockedCount != 1 {
			t.Errorf("7 must sit under both 5 and 6: %+v", n)
		}
	}
	cyc := forest[3]
	if cyc.PID != 8 || len(cyc.Blocking) != 1 || cyc.Blocking[0].PID != 9 || !cyc.Blocking[0].Blocking[0].Cycle {
		t.Errorf("cycle 8<->9 should be cut and marked: %+v", cyc)
	}
	if buildLockTree([]Backend{{PID: 1}, {PID: 2}}) != nil {
		t.Error("no waits, no tree")
	}
}

func TestLocalDetection(t *testing.T) {
	for dsn, want := range map[string]bool{
		"host=127.0.0.1":                   true,
		"host=localhost":                   true,
		"host=/var/run/postgresql":         true,
		"host=::1":                         true,
		"host=db.example.internal":         false,
		"host=10.1.2.3":                    false,
		"postgres://u@127.0.0.2:5/db":      true,
		"postgres://u@192.0.2.1:5/db":      false,
		"host=x hostaddr=127.0.0.1":        true,
		"host=localhost hostaddr=10.0.0.1": false,
	} {
		c, err := New(Options{Name: "t", DSN: dsn})
		if err != nil {
			t.Fatalf("%s: %v", dsn, err)
		}
		if c.local != want {
			t.Errorf("%s: local=%v, want %v", dsn, c.local, want)
		}
	}
}

// The session settings reach the server: a second collector sees the first
// one's backend as application "stacktop", and the first sees its own
// statement_timeout and lock_timeout.
func TestSessionSettings(t *testing.T) {
	cl := pg.Cluster(t)
	a := newCollector(t, "a", cl.SuperDSN("postgres"), func(o *Options) { o.StatementTimeout = 3 * time.Second })
	sa := collect(t, a)
	if st, _ := sa.Server.Setting("statement_timeout"); st.Value != "3000" {
		t.Errorf("statement_timeout = %+v", st)
	}
	b := newCollector(t, "b", cl.SuperDSN("postgres"))
	sb := collect(t, b)
	own, ok := sb.Backend(sa.Server.OwnPID)
	if !ok || own.Application != ApplicationName {
		t.Errorf("collector a's backend as seen by b: %+v", own)
	}
	if _, err := New(Options{Name: "bad", DSN: "sslmode=bogus password=topsecret"}); err == nil {
		t.Error("want a config error")
	} else if e := err.Error(); len(e) == 0 || strings.Contains(e, "topsecret") {
		t.Errorf("config error leaks or is empty: %q", e)
	}
}
