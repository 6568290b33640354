package postgres

import (
	"fmt"
	"testing"
	"time"
)

// waitFor polls c until cond holds on a snapshot (at most 15 s).
func waitFor(t testing.TB, c *Collector, what string, cond func(*Snapshot) bool) *Snapshot {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	var last *Snapshot
	for time.Now().Before(deadline) {
		s, err := tryCollect(c)
		if err == nil {
			last = s
			if cond(s) {
				return s
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s; last snapshot activity: %s", what, describeActivity(last))
	return nil
}

func describeActivity(s *Snapshot) string {
	if s == nil {
		return "none"
	}
	out := ""
	for _, b := range s.Activity {
		if b.BackendType == "client backend" {
			out += fmt.Sprintf("\n  pid=%d user=%s state=%q wait=%s/%s blocked_by=%v query=%.60q",
				b.PID, b.User, b.State, b.WaitEventType, b.WaitEvent, b.BlockedBy, b.Query)
		}
	}
	return out
}

// waiting reports whether pid waits on a lock in s.
func waiting(s *Snapshot, pid int) bool {
	b, ok := s.Backend(pid)
	return ok && b.Waiting()
}
