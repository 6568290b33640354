package postgres

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stacktop/stacktop/collectors"
	hs "github.com/stacktop/stacktop/collectors/host"
	pg "github.com/stacktop/stacktop/collectors/postgres"
	"github.com/stacktop/stacktop/collectors/postgres/pgtest"
	"github.com/stacktop/stacktop/ui/format"
)

// TestLivePIDNamespaceHostFigures runs a real server in a PID namespace of
// its own, as in a container, with a client session open, and joins the
// real host collector's process table to the real postgres collector's
// snapshot. The server's pids are small numbers of its namespace, which the
// host gives to unrelated processes (kernel threads): those processes'
// figures must not appear, and each backend found on the host shows its own.
func TestLivePIDNamespaceHostFigures(t *testing.T) {
	c := pgtest.Need(t, pgtest.Config{PIDNamespace: true})
	postmaster := int32(c.PostmasterHostPID())
	if postmaster <= 0 {
		t.Fatal("no postmaster under unshare")
	}
	sess := pgtest.Session(t, c.SuperDSN("postgres"))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var client int
	if err := sess.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&client); err != nil {
		t.Fatal(err)
	}
	coll := liveCollector(t, "contained", c.SuperDSN("postgres"))
	snap := livePoll(t, coll, "the open session and the checkpointer", func(s *pg.Snapshot) bool {
		_, ok := s.Backend(client)
		return ok && hasType(s, "checkpointer")
	})
	if !snap.Local {
		t.Fatal("a target on 127.0.0.1 is not local: the host join is never tried")
	}

	// Two host polls, so CPU% has a baseline.
	hc := hs.New(hs.Options{})
	var host *hs.Snapshot
	for range 2 {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		s, err := hc.Collect(ctx)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		host = s.(*hs.Snapshot)
	}
	// What a backend's figures must be: its own process, a child of the
	// postmaster whose namespace gives it the backend's pid.
	own := map[int]*hs.Process{}
	byHostPID := map[int]*hs.Process{}
	for i := range host.Processes.List {
		p := &host.Processes.List[i]
		byHostPID[int(p.PID)] = p
		if p.PPID == postmaster && p.NSPID != 0 {
			own[int(p.NSPID)] = p
		}
	}

	tab, vctx := liveTab(liveUpdate("contained", snap), Options{})
	tab.Update(collectors.Update{Source: collectors.SourceID{Kind: collectors.KindHost, Name: "local"}, Snapshot: host,
		LastGood: host.Taken, PolledAt: host.Taken, Interval: 2 * time.Second})
	frame := strings.Split(tab.View(vctx), "\n")

	collisions := 0
	for _, b := range snap.Activity {
		r := tab.d.byPID[b.PID]
		other := byHostPID[b.PID] // the host process that merely has the same number
		if other != nil && other.PPID != postmaster {
			collisions++
			if r.onHost && r.rss == other.RSS && (own[b.PID] == nil || own[b.PID].RSS != other.RSS) {
				t.Errorf("backend %d (%s) shows the figures of host process %d %q (RSS %s)",
					b.PID, b.BackendType, other.PID, other.Name, format.Bytes(other.RSS))
			}
		}
		p := own[b.PID]
		if p == nil {
			continue // started or ended between the two snapshots: no figures is right
		}
		if r.rss != p.RSS || r.cpuOK != p.CPUValid || r.cpu != p.CPUPercent {
			t.Errorf("backend %d (%s): shows RSS %d CPU %v/%v, want its own host process %d's RSS %d CPU %v/%v",
				b.PID, b.BackendType, r.rss, r.cpu, r.cpuOK, p.PID, p.RSS, p.CPUPercent, p.CPUValid)
		}
	}
	if collisions == 0 {
		t.Log("no backend pid of the namespace is also a host pid here; the collision check did not bite")
	}
	// As the user sees it: the client's row carries its own RSS.
	p := own[client]
	if p == nil {
		t.Fatalf("the client backend %d has no process under postmaster %d on the host", client, postmaster)
	}
	if p.RSS == 0 {
		t.Fatalf("client backend process %d has RSS 0", p.PID)
	}
	row := ""
	for _, l := range frame {
		if strings.Contains(l, " "+strconv.Itoa(client)+" ") && strings.Contains(l, "SELECT pg_backend_pid()") {
			row = l
		}
	}
	if row == "" || !strings.Contains(row, format.Bytes(p.RSS)) {
		t.Errorf("the client's row does not show its own RSS %s:\n%s", format.Bytes(p.RSS), strings.Join(frame, "\n"))
	}
}

// TestLivePIDCollisionShowsNoStrangerFigures: a backend whose pid (in the
// server's namespace) is the host pid of an unrelated process — here made
// certain by checking the checkpointer, whose small pid the host gives to a
// kernel thread or init — is never shown with that process's figures, even
// when its own process cannot be found (the host table is from before the
// server started).
func TestLivePIDCollisionShowsNoStrangerFigures(t *testing.T) {
	hc := hs.New(hs.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	s, err := hc.Collect(ctx)
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	before := s.(*hs.Snapshot) // taken before the server exists: it holds none of its processes

	c := pgtest.Need(t, pgtest.Config{PIDNamespace: true})
	coll := liveCollector(t, "contained", c.SuperDSN("postgres"))
	snap := livePoll(t, coll, "the checkpointer", func(s *pg.Snapshot) bool { return hasType(s, "checkpointer") })
	byHostPID := map[int]*hs.Process{}
	for i := range before.Processes.List {
		byHostPID[int(before.Processes.List[i].PID)] = &before.Processes.List[i]
	}
	tab, vctx := liveTab(liveUpdate("contained", snap), Options{})
	tab.Update(collectors.Update{Source: collectors.SourceID{Kind: collectors.KindHost, Name: "local"}, Snapshot: before,
		LastGood: before.Taken, PolledAt: before.Taken, Interval: 2 * time.Second})
	_ = tab.View(vctx)
	collisions := 0
	for _, b := range snap.Activity {
		other := byHostPID[b.PID]
		if other == nil {
			continue
		}
		collisions++
		if r := tab.d.byPID[b.PID]; r.onHost {
			t.Errorf("backend %d (%s) shows host process %d %q's figures (RSS %s)", b.PID, b.BackendType, other.PID, other.Name, format.Bytes(r.rss))
		}
	}
	if collisions == 0 {
		t.Fatalf("no backend pid of the namespace (%v) is a host pid: the premise of the test does not hold", pids(snap))
	}
}

func hasType(s *pg.Snapshot, typ string) bool {
	for _, b := range s.Activity {
		if b.BackendType == typ {
			return true
		}
	}
	return false
}

func pids(s *pg.Snapshot) []int {
	out := make([]int, len(s.Activity))
	for i, b := range s.Activity {
		out[i] = b.PID
	}
	return out
}
