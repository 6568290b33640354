package postgres

import (
	"context"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stacktop/stacktop/collectors"
	pg "github.com/stacktop/stacktop/collectors/postgres"
	"github.com/stacktop/stacktop/collectors/postgres/pgtest"
	"github.com/stacktop/stacktop/ui/view"
)

// hubScreen is a Postgres tab fed by a real hub's subscription, as the root
// model feeds it.
type hubScreen struct {
	tab  *Tab
	vctx view.Context
	sub  *collectors.Subscription
	last collectors.Update // the latest update of the target
	// poke, when set, runs before every wait for updates: it asks the hub
	// for a poll now, so a backoff grown on a slow machine cannot outlast
	// the bounded wait.
	poke func()
}

// until feeds the hub's updates to the tab and renders it with the wall
// clock (so staleness shows) until cond holds on the frame (bounded by
// liveWait); it returns the frame.
func (h *hubScreen) until(t *testing.T, what string, cond func(frame string) bool) string {
	t.Helper()
	deadline := time.Now().Add(liveWait)
	var frame string
	for time.Now().Before(deadline) {
		if h.poke != nil {
			h.poke()
		}
		ctx, cancel := context.WithTimeout(context.Background(), 250*time.Millisecond)
		us, _ := h.sub.Next(ctx)
		cancel()
		for _, u := range us {
			h.tab.Update(u)
			h.last = u
		}
		h.vctx.Now = time.Now()
		frame = h.tab.View(h.vctx)
		if cond(frame) {
			return frame
		}
	}
	t.Fatalf("timed out waiting for %s; last frame:\n%s", what, frame)
	return ""
}

// containsAll reports whether s contains every want.
func containsAll(s string, want ...string) bool {
	for _, w := range want {
		if !strings.Contains(s, w) {
			return false
		}
	}
	return true
}

// The server stops under a running hub: the tab keeps the last data, marked
// degraded and then stale, with the error and its hint; once the server is
// back the same hub and tab recover to fresh data without restarting
// anything.
func TestLiveServerStopAndRecovery(t *testing.T) {
	cl := pgtest.Need(t, pgtest.Config{MaxConnections: 20})
	coll, err := pg.New(pg.Options{Name: "restart", DSN: cl.SuperDSN("postgres")})
	if err != nil {
		t.Fatal(err)
	}
	id := collectors.SourceID{Kind: collectors.KindPostgres, Name: "restart"}
	hub := collectors.NewHub(collectors.Source{ID: id, Collector: coll, Interval: 500 * time.Millisecond, Timeout: 5 * time.Second})
	ctx, cancel := context.WithCancel(context.Background())
	sub := hub.Subscribe()
	hub.Run(ctx)
	t.Cleanup(func() { cancel(); hub.Wait() }) // the hub closes the collector

	h := &hubScreen{vctx: testCtx(200, 40), sub: sub}
	h.tab = New(h.vctx.Styles, Options{})
	h.tab.Update(view.SizeMsg{Width: 200, Height: 40})
	h.until(t, "data from the running server", func(f string) bool {
		return containsAll(f, "[restart ok]", "PostgreSQL 15", "Sessions")
	})
	before := h.last.Snapshot.(*pg.Snapshot)

	if err := cl.Stop(); err != nil {
		t.Fatal(err)
	}
	// Failed polls during a slow shutdown may have grown the backoff; the
	// first poll after it must tell the server is gone.
	hub.PollNow(id)
	frame := h.until(t, "the error with its hint over the last data, marked stale", func(f string) bool {
		return containsAll(f, "! degraded:", "is PostgreSQL running?", "(last good data shown)",
			"[restart stale]", "STALE: data from")
	})
	t.Logf("server down:\n%s", frame)
	if !containsAll(frame, "Sessions", "PID", "DATABASE") || h.last.Snapshot != before {
		t.Errorf("the last good data should stay on screen while the server is down:\n%s", frame)
	}

	if err := cl.Start(); err != nil {
		t.Fatal(err)
	}
	// Skip the backoff the failures built up; neither the hub, the
	// collector nor the tab is restarted.
	h.poke = func() { hub.PollNow(id) }
	frame = h.until(t, "recovery to fresh data", func(f string) bool {
		return containsAll(f, "[restart ok]", "Sessions") && !strings.Contains(f, "degraded") && !strings.Contains(f, "STALE")
	})
	after, _ := h.last.Snapshot.(*pg.Snapshot)
	if after == nil || !after.Server.StartedAt.After(before.Server.StartedAt) || h.last.Err != nil {
		t.Errorf("want a snapshot from the restarted server, got err=%v", h.last.Err)
	}
	t.Logf("recovered:\n%s", frame)
}

// A wrong password: the tab shows the target down, and the cause with the
// hint where passwords come from, never the password.
func TestLiveWrongPassword(t *testing.T) {
	cl := liveCluster.Cluster(t)
	if err := cl.CreateRole("st_ui_pw", "right-password"); err != nil {
		t.Fatal(err)
	}
	coll := liveCollector(t, "pw", cl.DSN("st_ui_pw", "wrong-password", "postgres"))
	_, err := liveCollect(coll)
	if err == nil {
		t.Fatal("want an error")
	}
	polled := time.Now()
	// What the hub publishes after a failed first poll: no snapshot yet.
	u := collectors.Update{Source: collectors.SourceID{Kind: collectors.KindPostgres, Name: "pw"}, Err: err,
		PolledAt: polled, Interval: 2 * time.Second, Failures: 1}
	lines := liveRender(u, Options{})
	frame := strings.Join(lines, "\n")
	t.Logf("wrong password:\n%s", frame)
	if lineWith(lines, "[pw down]") < 0 || lineWith(lines, "unreachable") < 0 {
		t.Errorf("want the target marked down and unreachable:\n%s", frame)
	}
	// The error is wrapped to the width: judge the words, not the breaks.
	text := strings.Join(strings.Fields(frame), " ")
	for _, want := range []string{`unreachable: postgres "pw": connect:`, "password authentication failed",
		"~/.pgpass", "PGPASSWORD", "password_env"} {
		if !strings.Contains(text, want) {
			t.Errorf("the error line lacks %q:\n%s", want, frame)
		}
	}
	if strings.Contains(frame, "wrong-password") {
		t.Errorf("the password reached the screen:\n%s", frame)
	}
}

// pgbench at a fixed rate: the databases view shows a TPS figure within 15%
// of pgbench's own.
func TestLivePgbenchTPSRendered(t *testing.T) {
	if testing.Short() {
		t.Skip("pgbench run takes 10 s")
	}
	cl := liveCluster.Cluster(t)
	if err := cl.CreateDatabase("uibench"); err != nil {
		t.Fatal(err)
	}
	ictx, icancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer icancel()
	if out, err := cl.ClientCommand(ictx, "pgbench", "-i", "-q", "-s", "1", "uibench").CombinedOutput(); err != nil {
		t.Fatalf("pgbench -i: %v\n%s", err, out)
	}
	coll := liveCollector(t, "tps", cl.SuperDSN("postgres"))
	watcher := liveCollector(t, "watch", cl.SuperDSN("postgres"))
	first, err := liveCollect(coll)
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := cl.ClientCommand(ctx, "pgbench", "-n", "-R", "50", "-T", "10", "-c", "2", "-j", "2", "uibench").CombinedOutput()
	if err != nil {
		t.Fatalf("pgbench: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`tps = ([0-9.]+) \(without initial connection time\)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("no tps in pgbench output:\n%s", out)
	}
	want, _ := strconv.ParseFloat(string(m[1]), 64)
	// Backends flush their counters as they exit, shortly after pgbench does.
	livePoll(t, watcher, "pgbench backends gone", func(s *pg.Snapshot) bool {
		for _, d := range s.Databases {
			if d.Name == "uibench" {
				return d.Backends == 0
			}
		}
		return false
	})
	s, err := liveCollect(coll)
	if err != nil {
		t.Fatal(err)
	}

	// The tab sees both polls, as it would from the hub.
	tab, vctx := liveTab(liveUpdate("tps", first), Options{}, "d")
	u := liveUpdate("tps", s)
	vctx.Now = u.PolledAt
	tab.Update(u)
	lines := strings.Split(tab.View(vctx), "\n")
	i := lineWith(lines, " uibench ")
	if i < 0 {
		t.Fatalf("no uibench row in the databases view:\n%s", strings.Join(lines, "\n"))
	}
	// DATABASE, CONNS, TPS are the row's first three cells.
	f := strings.Fields(lines[i])
	if len(f) < 3 || f[0] != "uibench" {
		t.Fatalf("unexpected databases row: %q", lines[i])
	}
	got, err := strconv.ParseFloat(f[2], 64)
	if err != nil || math.Abs(got-want)/want > 0.15 {
		t.Errorf("databases view shows TPS %q, pgbench reports %.1f:\n%s", f[2], want, strings.Join(lines[:i+2], "\n"))
	}
	t.Logf("databases row: %s (pgbench %.1f tps)", lines[i], want)
}
