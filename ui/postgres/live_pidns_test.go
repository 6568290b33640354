package postgres

import (
	"context"
	"os"
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
// A server in the host's namespace is joined as before.
func TestLivePIDNamespaceHostFigures(t *testing.T) {
	for _, pidns := range []bool{true, false} {
		t.Run(map[bool]string{true: "own_namespace", false: "host_namespace"}[pidns], func(t *testing.T) {
			testLiveHostFigures(t, pgtest.Need(t, pgtest.Config{PIDNamespace: pidns}), pidns)
		})
	}
}

func testLiveHostFigures(t *testing.T, c *pgtest.Cluster, pidns bool) {
	postmaster := int32(c.PostmasterHostPID())
	if postmaster <= 0 {
		t.Fatal("no postmaster found")
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
		if p.PPID == postmaster {
			own[int(p.InnerPID())] = p
		}
	}

	tab, vctx := liveTab(liveUpdate("contained", snap), Options{})
	tab.Update(collectors.Update{Source: collectors.SourceID{Kind: collectors.KindHost, Name: "local"}, Snapshot: host,
		LastGood: host.Taken, PolledAt: host.Taken, Interval: 2 * time.Second})
	press(tab, "i") // the open session is idle: show idle sessions too
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
	if pidns && collisions == 0 {
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
// server's namespace) is the host pid of an unrelated process — made
// certain by having the namespace give the backend this test's own host
// pid — never shows that process's figures: with a host table taken after
// it connected it shows its own, with one from before the server existed
// (which has this test's process but not the backend's) none.
func TestLivePIDCollisionShowsNoStrangerFigures(t *testing.T) {
	hc := hs.New(hs.Options{})
	before := hostSnap(t, hc)
	c := pgtest.Need(t, pgtest.Config{PIDNamespace: true})
	postmaster := int32(c.PostmasterHostPID())
	me := os.Getpid()

	// Other processes may take the pid first (an autovacuum worker): retry.
	backend := 0
	for try := 0; try < 5 && backend != me; try++ {
		if err := c.SetNextPID(me); err != nil {
			t.Fatal(err)
		}
		sess := pgtest.Session(t, c.SuperDSN("postgres"))
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := sess.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&backend)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
	}
	if backend != me {
		t.Fatalf("could not give a backend this test's pid %d (last got %d)", me, backend)
	}
	coll := liveCollector(t, "contained", c.SuperDSN("postgres"))
	snap := livePoll(t, coll, "the backend with this test's pid", func(s *pg.Snapshot) bool { _, ok := s.Backend(me); return ok })
	after := hostSnap(t, hc)
	var stranger, own *hs.Process
	for i := range after.Processes.List {
		p := &after.Processes.List[i]
		switch {
		case int(p.PID) == me:
			stranger = p
		case p.PPID == postmaster && int(p.InnerPID()) == me:
			own = p
		}
	}
	if stranger == nil || own == nil {
		t.Fatalf("host table lacks this test's process (%v) or the backend's (%v)", stranger, own)
	}

	row := func(host *hs.Snapshot) *actRow {
		tab, vctx := liveTab(liveUpdate("contained", snap), Options{})
		tab.Update(collectors.Update{Source: collectors.SourceID{Kind: collectors.KindHost, Name: "local"}, Snapshot: host,
			LastGood: host.Taken, PolledAt: host.Taken, Interval: 2 * time.Second})
		_ = tab.View(vctx)
		return tab.d.byPID[me]
	}
	if r := row(after); !r.onHost || r.rss != own.RSS || (stranger.RSS != own.RSS && r.rss == stranger.RSS) {
		t.Errorf("backend %d shows RSS %s (on host %v); its own process %d has %s, the test process with its number %s",
			me, format.Bytes(r.rss), r.onHost, own.PID, format.Bytes(own.RSS), format.Bytes(stranger.RSS))
	}
	if r := row(before); r.onHost {
		t.Errorf("with a host table from before the server started, backend %d shows RSS %s: the test process's (%s)",
			me, format.Bytes(r.rss), format.Bytes(stranger.RSS))
	}
}

// hostSnap is one poll of the real host collector.
func hostSnap(t *testing.T, hc *hs.Collector) *hs.Snapshot {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := hc.Collect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return s.(*hs.Snapshot)
}

func hasType(s *pg.Snapshot, typ string) bool {
	for _, b := range s.Activity {
		if b.BackendType == typ {
			return true
		}
	}
	return false
}
