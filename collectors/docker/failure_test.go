package docker

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"go.uber.org/goleak"

	"github.com/stacktop/stacktop/collectors"
	"github.com/stacktop/stacktop/collectors/docker/dockertest"
)

// TestNoDaemon: nothing at the address reads as "absent", one line, with
// the hint, for a missing socket and a refused TCP port.
func TestNoDaemon(t *testing.T) {
	for _, host := range []string{"unix://" + filepath.Join(t.TempDir(), "none.sock"), "tcp://127.0.0.1:1"} {
		c := newCollector(t, Options{Host: host})
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, err := c.Collect(ctx)
		cancel()
		if !errors.Is(err, collectors.ErrSourceAbsent) {
			t.Errorf("%s: err = %v, want ErrSourceAbsent", host, err)
			continue
		}
		msg := err.Error()
		if strings.Contains(msg, "\n") || !strings.Contains(msg, host) || !strings.Contains(msg, "is the Docker daemon running? Set [[docker]] host or DOCKER_HOST") {
			t.Errorf("%s: message %q is not one line with the address and hint", host, msg)
		}
	}
}

// TestPermissionDenied runs the collector as user nobody against the real
// socket (root:docker, 0660) and wants the docker-group hint.
func TestPermissionDenied(t *testing.T) {
	if sock := os.Getenv("STACKTOP_PERM_CHILD"); sock != "" {
		c := newCollector(t, Options{Host: "unix://" + sock})
		_, err := c.Collect(context.Background())
		if err == nil {
			t.Fatal("no error")
		}
		os.Stdout.WriteString("ERR: " + err.Error() + "\n")
		return
	}
	dockertest.Start(t)
	const sock = "/var/run/docker.sock"
	if os.Geteuid() != 0 {
		t.Skip("needs root to run a child as nobody")
	}
	if fi, err := os.Stat(sock); err != nil || fi.Mode().Perm()&0o006 != 0 {
		t.Skipf("socket %s is missing or world-accessible", sock)
	}
	// The test binary may sit in a directory nobody cannot read: copy it.
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "stacktop-perm-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	bin := filepath.Join(dir, "child.test")
	copyFile(t, self, bin)
	os.Chmod(dir, 0o755)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-test.run=^TestPermissionDenied$", "-test.v")
	cmd.Dir = dir
	cmd.Env = []string{"STACKTOP_PERM_CHILD=" + sock, "HOME=" + dir, "PATH=/usr/bin:/bin"}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, _ := cmd.CombinedOutput()
	line := ""
	for l := range strings.Lines(string(out)) {
		if strings.HasPrefix(l, "ERR: ") {
			line = strings.TrimSpace(strings.TrimPrefix(l, "ERR: "))
		}
	}
	if !strings.Contains(line, "permission denied on unix://"+sock) || !strings.Contains(line, "add your user to the docker group") {
		t.Fatalf("child's error %q lacks the permission hint; output:\n%s", line, out)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestRemovedWhileSelected: inspecting a container that was removed says so.
func TestRemovedWhileSelected(t *testing.T) {
	e := dockertest.Start(t)
	id, _ := e.Run(t, dockertest.Spec{Name: "gone", NetworkMode: "none"})
	c := newCollector(t, Options{})
	collect(t, c)
	e.Remove(id)
	_, err := c.Inspect(context.Background(), id, false)
	if !cerrdefs.IsNotFound(err) || !strings.Contains(err.Error(), "no such container") {
		t.Fatalf("Inspect of a removed container: %v", err)
	}
	if s := collect(t, c); func() bool { _, ok := s.Container(id); return ok }() {
		t.Error("removed container still listed")
	}
}

// socketProxy forwards a unix socket to the engine's, and can drop every
// connection and refuse new ones for a while: a daemon restart as the
// collector sees it, without restarting the machine's shared daemon.
type socketProxy struct {
	path, target string
	mu           sync.Mutex
	ln           net.Listener
	conns        []net.Conn
}

func newProxy(t *testing.T) *socketProxy {
	p := &socketProxy{path: filepath.Join(t.TempDir(), "proxy.sock"), target: "/var/run/docker.sock"}
	p.listen(t)
	t.Cleanup(p.down)
	return p
}

func (p *socketProxy) listen(t *testing.T) {
	ln, err := net.Listen("unix", p.path)
	if err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.DialTimeout("unix", p.target, 5*time.Second)
			if err != nil {
				in.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, in, out)
			p.mu.Unlock()
			go func() { io.Copy(out, in); out.Close() }()
			go func() { io.Copy(in, out); in.Close() }()
		}
	}()
}

// down closes the listener (new connections are refused: the socket file
// is gone) and every open connection.
func (p *socketProxy) down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// TestDaemonRestart: the engine goes away mid-session; polls fail with the
// "absent" error, the event stream reconnects with backoff when it is back,
// and a container started meanwhile shows up without waiting for the next
// interval (the resync poll).
func TestDaemonRestart(t *testing.T) {
	e := dockertest.Start(t)
	p := newProxy(t)
	c := newCollector(t, Options{Host: "unix://" + p.path})
	sub := runHub(t, c)
	waitUpdate(t, sub, 10*time.Second, "the first poll", func(*Snapshot) bool { return true })
	waitConnected(t, c, 0)

	p.down()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	_, err := c.Collect(ctx)
	cancel()
	if !errors.Is(err, collectors.ErrSourceAbsent) {
		t.Errorf("poll while the daemon is away: %v, want ErrSourceAbsent", err)
	}
	id, _ := e.Run(t, dockertest.Spec{Name: "while-away", NetworkMode: "none"})
	time.Sleep(time.Second) // a few reconnect attempts fail
	if _, st := c.events.recent(); st.Connected || st.Err == "" {
		t.Errorf("stream status while away: %+v", st)
	}
	p.listen(t)
	s := waitUpdate(t, sub, 15*time.Second, "the container started while away", func(s *Snapshot) bool { return state(s, id) == "running" })
	if s.Stream.Reconnects < 1 || !s.Stream.Connected {
		// A regular poll may see the container before the stream is back
		// (on a loaded machine the backoff can outlast an interval): the
		// stream must still reconnect by itself.
		waitConnected(t, c, 1)
	}
}

// TestOldEngineAPI: an engine whose API predates what stacktop needs is
// refused with the version and the fix. No such engine exists here, so a
// minimal HTTP endpoint plays one: it answers the client's version
// negotiation (/_ping) and /version as Docker 1.12 did.
func TestOldEngineAPI(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Api-Version", "1.24")
		switch {
		case strings.HasSuffix(r.URL.Path, "/_ping"):
			io.WriteString(w, "OK")
		case strings.HasSuffix(r.URL.Path, "/version"):
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"Version":"1.12.6","ApiVersion":"1.24","MinAPIVersion":"1.12"}`)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	c := newCollector(t, Options{Host: "tcp://" + strings.TrimPrefix(srv.URL, "http://")})
	_, err := c.Collect(context.Background())
	if err == nil || !strings.Contains(err.Error(), "engine API 1.24 is older than 1.25 — upgrade Docker") {
		t.Fatalf("old engine: %v", err)
	}
}

// TestCloseStopsEverything: after Close (and a tail's Close) no goroutine
// of the collector is left: the event stream, its reconnect loop and the
// client's connections are gone.
func TestCloseStopsEverything(t *testing.T) {
	e := dockertest.Start(t)
	id, _ := e.Run(t, dockertest.Spec{Name: "leak", Args: []string{"logs", "50"}, NetworkMode: "none"})
	ignore := goleak.IgnoreCurrent()
	c, err := New(Options{Name: "local"})
	if err != nil {
		t.Fatal(err)
	}
	collect(t, c)
	waitConnected(t, c, 0)
	lt, err := c.Logs(context.Background(), id, LogOptions{Follow: true})
	if err != nil {
		t.Fatal(err)
	}
	waitLines(t, lt, 1, 10*time.Second)
	lt.Close()
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	goleak.VerifyNone(t, ignore)
	if _, err := c.Collect(context.Background()); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("Collect after Close: %v", err)
	}
}

// pollRecord is one Collect as the hub ran it.
type pollRecord struct {
	start, end time.Time
	err        error
}

// timedCollector records every poll of the collector it wraps. It hides
// the event stream from the hub on purpose: recovery must come from the
// regular polls, not from an event.
type timedCollector struct {
	c     *Collector
	mu    sync.Mutex
	polls []pollRecord
}

func (tc *timedCollector) Collect(ctx context.Context) (collectors.Snapshot, error) {
	start := time.Now()
	s, err := tc.c.Collect(ctx)
	tc.mu.Lock()
	tc.polls = append(tc.polls, pollRecord{start, time.Now(), err})
	tc.mu.Unlock()
	return s, err
}

// firstOKAfter is the first successful poll that ended after t.
func (tc *timedCollector) firstOKAfter(t time.Time) (pollRecord, bool) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	for _, p := range tc.polls {
		if p.err == nil && p.end.After(t) {
			return p, true
		}
	}
	return pollRecord{}, false
}

// TestEngineOutageDownAtOnceAndRecovery: a hub polls the engine every
// 500 ms through a socket that goes away (as in a daemon restart) and
// comes back. The host is down from the first failed poll, with its last
// snapshot kept and the error saying since when; the log records the
// outage with its cause and the recovery with its duration; and the hub
// is ok again within two intervals of the socket accepting connections.
func TestEngineOutageDownAtOnceAndRecovery(t *testing.T) {
	dockertest.Start(t)
	p := newProxy(t)
	tc := &timedCollector{c: newCollector(t, Options{Host: "unix://" + p.path})}
	const interval = 500 * time.Millisecond
	id := collectors.SourceID{Kind: collectors.KindDocker, Name: "local"}
	hub := collectors.NewHub(collectors.Source{ID: id, Collector: tc, Interval: interval, Timeout: 5 * time.Second})
	logPath := filepath.Join(t.TempDir(), "stacktop.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	hub.SetLogger(slog.New(slog.NewTextHandler(logFile, nil)))
	sub := hub.Subscribe()
	ctx, cancel := context.WithCancel(context.Background())
	hub.Run(ctx)
	t.Cleanup(func() { cancel(); hub.Wait() })

	next := func(what string, cond func(collectors.Update) bool) collectors.Update {
		t.Helper()
		wctx, wcancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer wcancel()
		for {
			us, err := sub.Next(wctx)
			if err != nil {
				t.Fatalf("within 15s: %s never showed", what)
			}
			for _, u := range us {
				if cond(u) {
					return u
				}
			}
		}
	}
	good := next("the first good poll", func(u collectors.Update) bool { return u.Health() == collectors.HealthOK })

	p.down()
	u := next("a failed poll", func(u collectors.Update) bool { return u.Err != nil })
	if u.Health() != collectors.HealthDown || u.Cause != collectors.CauseRefused || u.Snapshot != good.Snapshot {
		t.Errorf("after the socket went away: health %v cause %v (failures %d), snapshot kept %v; want down at once with the last snapshot",
			u.Health(), u.Cause, u.Failures, u.Snapshot == good.Snapshot)
	}
	if msg := u.Err.Error(); !strings.Contains(msg, "was reachable until "+good.LastGood.Format("15:04:05")+"; refused since") ||
		strings.Contains(msg, "is the Docker daemon running?") {
		t.Errorf("error of an engine that worked before: %q", msg)
	}
	if d := u.NextTry.Sub(u.PolledAt); d != interval {
		t.Errorf("a refused connection is retried after %v, want the interval %v", d, interval)
	}
	// Stay away for a few cheap failures: no backoff may build up.
	next("three failed polls", func(u collectors.Update) bool { return u.Failures >= 3 })

	p.listen(t)
	up := time.Now()
	next("recovery", func(u collectors.Update) bool { return u.Health() == collectors.HealthOK })
	first, ok := tc.firstOKAfter(up)
	if !ok {
		t.Fatal("no successful poll recorded after the socket came back")
	}
	took, poll := first.end.Sub(up), first.end.Sub(first.start)
	t.Logf("ok %v after the engine's socket accepted connections again (interval %v, that poll took %v)", took, interval, poll)
	if took > 2*interval+poll {
		t.Errorf("recovered %v after the engine accepted connections, want within two intervals (%v)", took, 2*interval+poll)
	}
	// The hub writes the record just after publishing the update.
	var logText []byte
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if logText, _ = os.ReadFile(logPath); strings.Contains(string(logText), "source recovered") {
			break
		}
	}
	t.Logf("log:\n%s", logText)
	for _, want := range []string{`msg="source down"`, "cause=refused", `msg="source recovered"`, "outage="} {
		if !strings.Contains(string(logText), want) {
			t.Errorf("log lacks %q", want)
		}
	}
}
