package postgres

import (
	"context"
	"database/sql"
	"log/slog"
	"math"
	"os"
	"path/filepath"
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
	last collectors.Update   // the latest update of the target
	all  []collectors.Update // every update taken, in order
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
			h.all = append(h.all, u)
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

// The server stops under a running hub polling every 500 ms: the target is
// down from the first failed poll, its last figures stay on screen only as
// history ("as of", no TPS, here and in the Overview box), the error says
// it was reachable until when; the log in the state directory records the
// outage with its cause and then the recovery with its duration; and the
// hub, neither poked nor restarted, is ok again within two intervals of
// the server accepting connections.
func TestLiveServerStopAndRecovery(t *testing.T) {
	cl := pgtest.Need(t, pgtest.Config{MaxConnections: 20})
	coll, err := pg.New(pg.Options{Name: "restart", DSN: cl.SuperDSN("postgres")})
	if err != nil {
		t.Fatal(err)
	}
	const interval = 500 * time.Millisecond
	id := collectors.SourceID{Kind: collectors.KindPostgres, Name: "restart"}
	hub := collectors.NewHub(collectors.Source{ID: id, Collector: coll, Interval: interval, Timeout: 5 * time.Second})
	logPath := filepath.Join(t.TempDir(), "stacktop.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	hub.SetLogger(slog.New(slog.NewTextHandler(logFile, nil)))
	ctx, cancel := context.WithCancel(context.Background())
	sub := hub.Subscribe()
	hub.Run(ctx)
	t.Cleanup(func() { cancel(); hub.Wait() }) // the hub closes the collector

	h := &hubScreen{vctx: testCtx(200, 40), sub: sub}
	h.tab = New(h.vctx.Styles, Options{})
	h.tab.Update(view.SizeMsg{Width: 200, Height: 40})
	h.until(t, "data with rates from the running server", func(f string) bool {
		return containsAll(f, "[restart ok]", "PostgreSQL 15", "Sessions", " tps")
	})
	before := h.last.Snapshot.(*pg.Snapshot)

	if err := cl.Stop(); err != nil {
		t.Fatal(err)
	}
	frame := h.until(t, "the target down, its last figures as history", func(f string) bool {
		return containsAll(f, "[restart down]", "as of ", "! down:", "was reachable until", "since")
	})
	t.Logf("server down:\n%s", frame)
	if !containsAll(frame, "Sessions", "PID", "DATABASE") || h.last.Snapshot != before {
		t.Errorf("the last good data should stay on screen while the server is down:\n%s", frame)
	}
	if strings.Contains(frame, "tps") || strings.Contains(frame, "is PostgreSQL running?") {
		t.Errorf("a down target shows a live rate or the first-run hint:\n%s", frame)
	}
	box := strings.Join(strings.Fields(h.tab.Summary(h.vctx, 70, 10)), " ") // unwrapped
	if !containsAll(box, "restart down", "as of ", "was reachable until") || strings.Contains(box, "tps") {
		t.Errorf("Overview box of a down target:\n%s", box)
	}
	for _, u := range h.all {
		if u.Err != nil && u.Health() != collectors.HealthDown {
			t.Errorf("failed poll #%d (%v) left the target %v, want down at once", u.Failures, u.Err, u.Health())
		}
	}

	accepted := make(chan time.Time, 1)
	go func() { accepted <- firstAccepted(cl) }()
	if err := cl.Start(); err != nil {
		t.Fatal(err)
	}
	frame = h.until(t, "recovery to fresh data", func(f string) bool {
		return containsAll(f, "[restart ok]", "Sessions") && !strings.Contains(f, "as of") && !strings.Contains(f, "down")
	})
	up := <-accepted
	var firstOK collectors.Update
	for _, u := range h.all {
		if u.Err == nil && u.PolledAt.After(up) {
			firstOK = u
			break
		}
	}
	after, _ := firstOK.Snapshot.(*pg.Snapshot)
	if after == nil || !after.Server.StartedAt.After(before.Server.StartedAt) {
		t.Fatalf("want a snapshot from the restarted server, got %+v", firstOK)
	}
	took := firstOK.PolledAt.Sub(up)
	t.Logf("ok %v after the server accepted connections again (interval %v, first poll took %v)", took, interval, after.Poll.Wall)
	if limit := 2*interval + after.Poll.Wall; took > limit {
		t.Errorf("recovered %v after the server accepted connections, want within two intervals (%v)", took, limit)
	}
	t.Logf("recovered:\n%s", frame)

	// The hub writes the record just after publishing the update.
	var logText []byte
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if logText, _ = os.ReadFile(logPath); strings.Contains(string(logText), "source recovered") {
			break
		}
	}
	t.Logf("log:\n%s", logText)
	for _, want := range []string{`msg="source down"`, "cause=", "restart", `msg="source recovered"`, "outage="} {
		if !strings.Contains(string(logText), want) {
			t.Errorf("log lacks %q", want)
		}
	}
}

// firstAccepted is when cl first accepts a session, tried every 20 ms.
func firstAccepted(cl *pgtest.Cluster) time.Time {
	db, err := sql.Open("postgres", cl.SuperDSN("postgres")+" connect_timeout=1")
	if err != nil {
		return time.Now()
	}
	defer db.Close()
	for deadline := time.Now().Add(2 * liveWait); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := db.PingContext(ctx)
		cancel()
		if err == nil {
			return time.Now()
		}
	}
	return time.Now()
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
