package docker

import (
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stacktop/stacktop/collectors/docker/dockertest"
	"github.com/stacktop/stacktop/collectors/docker/endpoint"
	"github.com/stacktop/stacktop/collectors/docker/sshtest"
)

// sshEngine starts an sshd in front of the real engine and points
// DOCKER_HOST at it, as a user reaching a remote engine would; the client
// offers key.
func sshEngine(t *testing.T, key func(*sshtest.Server) string) *sshtest.Server {
	t.Helper()
	s := sshtest.Start(t)
	s.NewClient(t, key(s)).Use(t)
	t.Setenv("DOCKER_HOST", s.Host())
	return s
}

// sshProcesses counts the ssh client processes this test process started.
func sshProcesses(t testing.TB) int {
	t.Helper()
	out, _ := exec.Command("pgrep", "-c", "-x", "-P", strconv.Itoa(os.Getpid()), "ssh").Output()
	n, _ := strconv.Atoi(strings.TrimSpace(string(out)))
	return n
}

// TestSSHEngineThroughDockerHost: with DOCKER_HOST=ssh://root@127.0.0.1:PORT
// the collector reaches the real engine through the system ssh client —
// the list with API stats, an event within 2 s, a logs tail — and later
// polls reuse the same ssh processes.
func TestSSHEngineThroughDockerHost(t *testing.T) {
	e := dockertest.Start(t)
	sshEngine(t, func(s *sshtest.Server) string { return s.ClientKey })
	id, _ := e.Run(t, dockertest.Spec{Args: []string{"logs", "50", "20"}})
	c := newCollector(t, Options{Name: "remote"})

	// A liveness bound: stats come in background rounds over every
	// container of the (shared) engine, eight calls at a time.
	s := collectUntil(t, c, 90*time.Second, "the container with CPU figures over ssh", func(s *Snapshot) bool {
		x, ok := s.Container(id)
		return ok && x.Stats.CPU.Valid
	})
	if s.StatsFrom != StatsAPI {
		t.Errorf("stats from %q over ssh, want the API (no cgroup files of a remote engine)", s.StatsFrom)
	}
	if !strings.HasPrefix(s.Host, "http://") && !strings.HasPrefix(c.endpoint().Host, "ssh://") {
		t.Errorf("endpoint %q, want the ssh:// host", c.endpoint().Host)
	}
	ep := c.endpoint()
	if ep.From != "DOCKER_HOST" {
		t.Errorf("endpoint chosen by %q, want DOCKER_HOST", ep.From)
	}

	for range 10 {
		collect(t, c)
	}
	// Each poll makes several API calls; the ssh processes behind them are
	// kept alive and reused, never more than the bound.
	if n := sshProcesses(t); n == 0 || n > endpoint.MaxSSHConns {
		t.Errorf("%d ssh processes after a dozen polls, want 1 to %d", n, endpoint.MaxSSHConns)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	tail, err := c.Logs(ctx, id, LogOptions{Tail: 5})
	if err != nil {
		t.Fatalf("logs over ssh: %v", err)
	}
	defer tail.Close()
	deadline := time.Now().Add(20 * time.Second)
	for len(tail.Lines()) < 5 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := len(tail.Lines()); n != 5 {
		t.Errorf("logs tail over ssh: %d lines, want 5", n)
	}

	sub := runHub(t, c)
	waitUpdate(t, sub, 20*time.Second, "the running container", func(s *Snapshot) bool { return state(s, id) == "running" })
	if err := e.Client.ContainerKill(ctx, id, "KILL"); err != nil {
		t.Fatal(err)
	}
	// The die event must come through the stream over ssh within 2 s of
	// the engine's own event time (same clock: the engine runs here), so a
	// slow kill on a loaded machine does not count against it.
	var died, arrived time.Time
	for deadline := time.Now().Add(20 * time.Second); died.IsZero() && time.Now().Before(deadline); {
		evs, _ := c.events.recent()
		for _, ev := range evs {
			if ev.ID == id && ev.Action == "die" {
				died, arrived = ev.Time, time.Now()
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	switch d := arrived.Sub(died); {
	case died.IsZero():
		t.Fatal("no die event came through the event stream over ssh")
	case d > 2*time.Second:
		t.Errorf("the die event arrived %s after the engine's event time, want within 2 s", d.Round(time.Millisecond))
	default:
		t.Logf("the die event arrived %s after the engine's event time, over ssh", d.Round(time.Millisecond))
	}
	// What the next poll lists, through the same ssh connections. (The hub
	// polls on the event too, but a poll that failed on a loaded machine
	// would wait out the hub's one-minute interval: the event's arrival
	// above is what this test is about.)
	collectUntil(t, c, 20*time.Second, "the container exited", func(s *Snapshot) bool { return state(s, id) == "exited" })
}

// TestSSHWrongKeyOneLine: a key the server refuses gives one line naming
// the cause and what to try, at once, never a prompt.
func TestSSHWrongKeyOneLine(t *testing.T) {
	sshEngine(t, func(*sshtest.Server) string { return sshtest.OtherKey(t) })
	c := newCollector(t, Options{Name: "remote"})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	start := time.Now()
	_, err := c.Collect(ctx)
	if err == nil {
		t.Fatal("a refused key collected")
	}
	msg := err.Error()
	for _, want := range []string{`docker "remote"`, "ssh://root@127.0.0.1:", "(DOCKER_HOST)", "Permission denied (publickey)", "ssh-add"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if strings.Contains(msg, "\n") {
		t.Errorf("error over several lines: %q", msg)
	}
	if el := time.Since(start); el > 15*time.Second {
		t.Errorf("refusal took %s: was ssh waiting for a prompt?", el)
	}
}
