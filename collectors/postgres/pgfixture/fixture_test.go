package pgfixture

import (
	"slices"
	"testing"
	"time"

	"github.com/stacktop/stacktop/collectors/postgres"
)

// The fixtures obey the invariants the collector guarantees, so views
// tested on them see what they will see live.
func TestFixturesAreConsistent(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for name, s := range map[string]*postgres.Snapshot{
		"busy": Busy(now), "unprivileged": Unprivileged(now), "first": FirstPoll(now), "standby": Standby(now),
	} {
		if !slices.IsSortedFunc(s.Activity, func(a, b postgres.Backend) int { return a.PID - b.PID }) {
			t.Errorf("%s: activity not sorted by pid", name)
		}
		var walk func(parent int, n postgres.LockNode)
		walk = func(parent int, n postgres.LockNode) {
			b, ok := s.Backend(n.PID)
			if !ok {
				t.Errorf("%s: lock node %d not in activity", name, n.PID)
			}
			if parent != 0 && !slices.Contains(b.BlockedBy, parent) {
				t.Errorf("%s: %d under %d but BlockedBy=%v", name, n.PID, parent, b.BlockedBy)
			}
			for _, c := range n.Blocking {
				walk(n.PID, c)
			}
		}
		for _, root := range s.LockTree {
			if root.Lock != nil {
				t.Errorf("%s: root %d waits", name, root.PID)
			}
			walk(0, root)
		}
		for _, b := range s.Activity {
			if b.Hidden && b.Query != "" {
				t.Errorf("%s: hidden backend %d has a query", name, b.PID)
			}
			if len(b.BlockedBy) > 0 && (!b.Waiting() || b.Lock == nil) {
				t.Errorf("%s: %d blocked but not waiting on a lock", name, b.PID)
			}
		}
		if s.TakenAt() != now {
			t.Errorf("%s: TakenAt", name)
		}
	}
	if got := Busy(now).LongestQueries(1); len(got) != 1 || got[0].PID != 1400 {
		t.Errorf("longest query: %+v", got)
	}
	if b, lag, ok := Busy(now).Replication.WorstLag(); !ok || b != 65536 || lag != 250*time.Millisecond {
		t.Errorf("worst lag: %d %v %v", b, lag, ok)
	}
	// 10 client backends in Activity plus stacktop's own session, of 100
	// minus 3 reserved.
	if srv := Busy(now).Server; srv.ConnectionsUsed != 11 || srv.Saturation() != 11.0/97 {
		t.Errorf("connections used %d, saturation %v; want 11 and 11/97", srv.ConnectionsUsed, srv.Saturation())
	}
}
