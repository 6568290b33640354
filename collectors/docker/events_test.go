package docker

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"

	"github.com/stacktop/stacktop/collectors"
	"github.com/stacktop/stacktop/collectors/docker/dockertest"
)

// runHub polls c through a real Hub at a one-minute interval, so anything
// seen sooner came through the event stream.
func runHub(t *testing.T, c *Collector) *collectors.Subscription {
	t.Helper()
	hub := collectors.NewHub(collectors.Source{ID: collectors.SourceID{Kind: collectors.KindDocker, Name: "local"}, Collector: c, Interval: time.Minute})
	ctx, cancel := context.WithCancel(context.Background())
	hub.Run(ctx)
	t.Cleanup(func() { cancel(); hub.Wait() })
	return hub.Subscribe()
}

// waitUpdate waits for a successful update whose snapshot satisfies ok.
func waitUpdate(t *testing.T, sub *collectors.Subscription, timeout time.Duration, what string, ok func(*Snapshot) bool) *Snapshot {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for {
		us, err := sub.Next(ctx)
		if err != nil {
			t.Fatalf("within %s: %s never showed", timeout, what)
		}
		for _, u := range us {
			if s, _ := u.Snapshot.(*Snapshot); s != nil && u.Err == nil && ok(s) {
				return s
			}
		}
	}
}

func waitConnected(t *testing.T, c *Collector, want int) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		_, st := c.events.recent()
		if st.Connected && st.Reconnects >= want {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("event stream not connected (reconnects >= %d) in time", want)
}

func state(s *Snapshot, id string) string {
	c, _ := s.Container(id)
	return c.State
}

// eventBound is how soon a change must show after the call that made it:
// a liveness bound, not the speed figure (that is logged: 100–300 ms on a
// quiet machine). The hub would only poll again after a minute, so
// anything sooner came through the event stream; three seconds, because on
// a loaded CI machine the poll an event triggers also inspects every
// container other packages' tests just created on the shared engine.
const eventBound = 3 * time.Second

// TestEventsShowWithinASecond starts and kills a container behind the
// collector's back and wants each change to show within eventBound
// (typically well under a second), although the hub would only poll again
// after a minute.
func TestEventsShowWithinASecond(t *testing.T) {
	e := dockertest.Start(t)
	c := newCollector(t, Options{})
	sub := runHub(t, c)
	waitUpdate(t, sub, 10*time.Second, "the first poll", func(*Snapshot) bool { return true })
	waitConnected(t, c, 0)

	id, _ := e.Run(t, dockertest.Spec{Name: "evt", NoStart: true, NetworkMode: "none"})
	waitUpdate(t, sub, eventBound, "the created container", func(s *Snapshot) bool { return state(s, id) == "created" })

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	start := time.Now()
	if err := e.Client.ContainerStart(ctx, id, container.StartOptions{}); err != nil {
		t.Fatal(err)
	}
	waitUpdate(t, sub, eventBound+time.Since(start), "the started container", func(s *Snapshot) bool { return state(s, id) == "running" })
	t.Logf("start seen %v after the start call began", time.Since(start).Round(time.Millisecond))

	start = time.Now()
	if err := e.Client.ContainerKill(ctx, id, "KILL"); err != nil {
		t.Fatal(err)
	}
	s := waitUpdate(t, sub, eventBound+time.Since(start), "the killed container", func(s *Snapshot) bool { return state(s, id) == "exited" })
	t.Logf("death seen %v after the kill call began", time.Since(start).Round(time.Millisecond))
	if got, _ := s.Container(id); got.ExitCode != 137 {
		t.Errorf("killed container exit code %d, want 137", got.ExitCode)
	}
	var actions []string
	for _, ev := range s.Events {
		if ev.ID == id {
			actions = append(actions, ev.Action)
		}
	}
	if !slices.Contains(actions, "start") || !slices.Contains(actions, "die") {
		t.Errorf("recent events for the container %v lack start and die", actions)
	}
}
