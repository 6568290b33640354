package postgres

import (
	"testing"
	"time"

	hs "github.com/stacktop/stacktop/collectors/host"
	pg "github.com/stacktop/stacktop/collectors/postgres"
)

// joinFixture is a server started an hour before the poll with backends
// 2 (a checkpointer, up since the start), 40 and 41 (clients of 10 and
// 5 minutes), numbered as the server's own namespace numbers them.
func joinFixture() (*pg.Snapshot, time.Time) {
	started := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	s := &pg.Snapshot{Local: true, Server: pg.Server{StartedAt: started, Uptime: time.Hour}}
	s.Activity = []pg.Backend{
		{PID: 2, BackendType: "checkpointer", BackendAge: pgAge(time.Hour)},
		{PID: 40, BackendType: "client backend", BackendAge: pgAge(10 * time.Minute)},
		{PID: 41, BackendType: "client backend", BackendAge: pgAge(5 * time.Minute)},
	}
	return s, started.Add(time.Hour)
}

func joined(s *pg.Snapshot, procs ...hs.Process) map[int]int32 {
	m := joinHost(s, indexPostgresProcs(&hs.Snapshot{Processes: hs.Processes{List: procs}}))
	out := map[int]int32{}
	for pid, p := range m {
		out[pid] = p.PID
	}
	return out
}

func TestJoinHostSameNamespace(t *testing.T) {
	s, srvNow := joinFixture()
	// The host's start times come out up to a second early (whole-second boot time).
	got := joined(s,
		hs.Process{PID: 1, Name: "systemd"},
		hs.Process{PID: 900, PPID: 1, Name: "postgres", StartTime: s.Server.StartedAt},
		hs.Process{PID: 2, PPID: 0, Name: "kthreadd"}, // the host's pid 2 is not the checkpointer
		hs.Process{PID: 40, PPID: 900, Name: "postgres", StartTime: srvNow.Add(-10*time.Minute - 700*time.Millisecond)},
		hs.Process{PID: 41, PPID: 900, Name: "postgres", StartTime: srvNow.Add(-5 * time.Minute)},
	)
	want := map[int]int32{40: 40, 41: 41}
	if len(got) != len(want) || got[40] != 40 || got[41] != 41 {
		t.Errorf("joined %v, want %v", got, want)
	}
}

func TestJoinHostRefusesLookalikes(t *testing.T) {
	s, srvNow := joinFixture()
	got := joined(s,
		hs.Process{PID: 900, PPID: 1, Name: "postgres", StartTime: s.Server.StartedAt},
		// pid 40: right binary and parent, but started a minute off: a reused pid.
		hs.Process{PID: 40, PPID: 900, Name: "postgres", StartTime: srvNow.Add(-9 * time.Minute)},
		// pid 41: right start, but not a child of a postgres process.
		hs.Process{PID: 41, PPID: 1, Name: "postgres", StartTime: srvNow.Add(-5 * time.Minute)},
		// the checkpointer's pid and start, but another program.
		hs.Process{PID: 2, PPID: 900, Name: "kworker/0:1", StartTime: s.Server.StartedAt},
	)
	if len(got) != 0 {
		t.Errorf("joined %v, want nothing: no process is proven", got)
	}
}

// TestJoinHostNestedNamespace: a server in a container. The host's own
// processes 2, 40 and 41 are someone else; the container's backends are
// found by their inner pid.
func TestJoinHostNestedNamespace(t *testing.T) {
	s, srvNow := joinFixture()
	got := joined(s,
		hs.Process{PID: 2, Name: "kthreadd", StartTime: s.Server.StartedAt.Add(-24 * time.Hour)},
		hs.Process{PID: 40, PPID: 1, Name: "containerd-shim", StartTime: srvNow.Add(-10 * time.Minute)},
		hs.Process{PID: 5000, PPID: 4990, NSPID: 1, Name: "postgres", StartTime: s.Server.StartedAt.Add(-3 * time.Second)},
		hs.Process{PID: 5007, PPID: 5000, NSPID: 2, Name: "postgres", StartTime: s.Server.StartedAt},
		hs.Process{PID: 6100, PPID: 5000, NSPID: 40, Name: "postgres", StartTime: srvNow.Add(-10 * time.Minute)},
		hs.Process{PID: 6200, PPID: 5000, NSPID: 41, Name: "postgres", StartTime: srvNow.Add(-5 * time.Minute)},
	)
	want := map[int]int32{2: 5007, 40: 6100, 41: 6200}
	if len(got) != 3 || got[2] != 5007 || got[40] != 6100 || got[41] != 6200 {
		t.Errorf("joined %v, want %v", got, want)
	}
}

// TestJoinHostTwoServers: two containers of one image started together
// number their processes alike. The one whose postmaster started with
// the polled server's wins; when both did, neither is shown.
func TestJoinHostTwoServers(t *testing.T) {
	s, srvNow := joinFixture()
	cluster := func(base int32, pmStart time.Time) []hs.Process {
		return []hs.Process{
			{PID: base, PPID: 1, NSPID: 1, Name: "postgres", StartTime: pmStart},
			{PID: base + 2, PPID: base, NSPID: 2, Name: "postgres", StartTime: s.Server.StartedAt},
			{PID: base + 40, PPID: base, NSPID: 40, Name: "postgres", StartTime: srvNow.Add(-10 * time.Minute)},
		}
	}
	ours := cluster(5000, s.Server.StartedAt)
	other := cluster(7000, s.Server.StartedAt.Add(-time.Minute)) // its postmaster came up a minute earlier
	if got := joined(s, append(append([]hs.Process{}, ours...), other...)...); len(got) != 2 || got[2] != 5002 || got[40] != 5040 {
		t.Errorf("joined %v, want the cluster whose postmaster started with the server's (5002, 5040)", got)
	}
	twin := cluster(7000, s.Server.StartedAt)
	if got := joined(s, append(append([]hs.Process{}, ours...), twin...)...); len(got) != 0 {
		t.Errorf("joined %v, want nothing: two servers match equally", got)
	}
}
