package postgres

import (
	"slices"
	"strings"
	"testing"

	pg "github.com/stacktop/stacktop/collectors/postgres"
	"github.com/stacktop/stacktop/collectors/postgres/pgtest"
)

// On a real server, the activity view hides an idle session by default
// and shows one running pg_sleep; i shows the idle one too, and the
// server's own processes (checkpointer, WAL writer...) come after both.
func TestLiveRunningOnly(t *testing.T) {
	cl := liveCluster.Cluster(t)
	dsn := cl.SuperDSN("postgres")
	idle, sleeper := pgtest.Session(t, dsn), pgtest.Session(t, dsn)
	idlePID := pgtest.BackendPID(t, idle)
	pgtest.ExecOn(t, idle, "SELECT 1 /* ui-live-idle */")
	sleepPID := pgtest.Background(t, sleeper, "SELECT pg_sleep(60) /* ui-live-running */")

	coll := liveCollector(t, "live", dsn)
	s := livePoll(t, coll, "one session idle, one sleeping", func(s *pg.Snapshot) bool {
		var idleOK, sleepOK bool
		for _, b := range s.Activity {
			idleOK = idleOK || (b.PID == idlePID && b.State == pg.StateIdle)
			sleepOK = sleepOK || (b.PID == sleepPID && b.State == pg.StateActive && strings.Contains(b.Query, "ui-live-running"))
		}
		return idleOK && sleepOK
	})
	tab, vctx := liveTab(liveUpdate("live", s), Options{})
	frame := tab.View(vctx)
	pids := activityPIDs(t, frame)
	if !slices.Contains(pids, sleepPID) || lineWith(strings.Split(frame, "\n"), "pg_sleep(60) /* ui-live-running */", "active") < 0 {
		t.Errorf("the running pg_sleep (pid %d) is not shown:\n%s", sleepPID, frame)
	}
	if slices.Contains(pids, idlePID) || strings.Contains(frame, "ui-live-idle") {
		t.Errorf("the idle session (pid %d) is shown by default:\n%s", idlePID, frame)
	}
	if !strings.Contains(frame, "running only · ") || !strings.Contains(frame, " idle hidden") || strings.Contains(frame, "· 0 idle hidden") {
		t.Errorf("the header does not say idle sessions are hidden:\n%s", frame)
	}

	press(tab, "i")
	frame = tab.View(vctx)
	pids = activityPIDs(t, frame)
	if !slices.Contains(pids, idlePID) || !slices.Contains(pids, sleepPID) {
		t.Fatalf("after i, the idle (%d) and running (%d) sessions are not both shown:\n%s", idlePID, sleepPID, frame)
	}
	last := max(slices.Index(pids, idlePID), slices.Index(pids, sleepPID))
	bg := 0
	for i, pid := range pids {
		if isBackground(tab.d.byPID[pid].b) {
			bg++
			if i < last {
				t.Errorf("background pid %d (%s) drawn before a client session:\n%s", pid, tab.d.byPID[pid].b.BackendType, frame)
			}
		}
	}
	if bg == 0 {
		t.Errorf("no background process (checkpointer, WAL writer...) shown with i:\n%s", frame)
	}
}
