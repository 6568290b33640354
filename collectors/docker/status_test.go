package docker

import (
	"context"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"

	"github.com/stacktop/stacktop/collectors/docker/dockertest"
)

func TestStatusText(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	ago := func(d time.Duration) time.Time { return now.Add(-d) }
	for _, tc := range []struct {
		state string
		in    inspectInfo
		want  string
	}{
		{"running", inspectInfo{startedAt: ago(3 * time.Minute)}, "Up 3 minutes"},
		{"running", inspectInfo{startedAt: ago(90 * time.Second), health: "healthy"}, "Up About a minute (healthy)"},
		{"running", inspectInfo{startedAt: ago(5 * time.Second), health: "starting"}, "Up 5 seconds (health: starting)"},
		{"running", inspectInfo{startedAt: ago(2 * time.Hour), health: "unhealthy"}, "Up 2 hours (unhealthy)"},
		{"paused", inspectInfo{startedAt: ago(3 * 24 * time.Hour), health: "healthy"}, "Up 3 days (Paused)"},
		{"restarting", inspectInfo{startedAt: ago(time.Minute), finishedAt: ago(time.Second), exitCode: 1}, "Restarting (1) 1 second ago"},
		{"exited", inspectInfo{startedAt: ago(time.Hour), finishedAt: ago(500 * time.Millisecond), exitCode: 137}, "Exited (137) Less than a second ago"},
		{"created", inspectInfo{}, "Created"},
		{"removing", inspectInfo{startedAt: ago(time.Hour)}, "Removal In Progress"},
		{"dead", inspectInfo{}, "Dead"},
		// Not inspected since the change: the list's words stay.
		{"exited", inspectInfo{startedAt: ago(time.Hour)}, "listed"},
		{"running", inspectInfo{}, "listed"},
		{"mystery", inspectInfo{}, "listed"},
	} {
		if got := statusText(tc.state, tc.in, now, "listed"); got != tc.want {
			t.Errorf("%s %+v: %q, want %q", tc.state, tc.in, got, tc.want)
		}
	}
}

// TestStatusAsTheEngineWordsIt: a poll that reuses the last list (the
// event stream is quiet) still words each container's status as the
// engine's list does at that moment, in every state.
func TestStatusAsTheEngineWordsIt(t *testing.T) {
	e := dockertest.Start(t)
	run := func(s dockertest.Spec) string {
		s.NetworkMode = "none"
		id, _ := e.Run(t, s)
		return id
	}
	ids := []string{
		run(dockertest.Spec{Name: "st-up"}),
		run(dockertest.Spec{Name: "st-created", NoStart: true}),
		run(dockertest.Spec{Name: "st-exit", Args: []string{"exit", "3"}}),
		run(dockertest.Spec{Name: "st-starting", Health: dockertest.HealthCheck(time.Hour)}),
		run(dockertest.Spec{Name: "st-healthy", Health: dockertest.HealthCheck(200 * time.Millisecond)}),
		run(dockertest.Spec{Name: "st-paused"}),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := e.Client.ContainerPause(ctx, ids[5]); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Client.ContainerUnpause(context.Background(), ids[5]) })

	c := newCollector(t, Options{})
	collectUntil(t, c, 20*time.Second, "the exit and the healthy status", func(s *Snapshot) bool {
		return mustFind(t, s, ids[2]).State == "exited" && mustFind(t, s, ids[4]).Health == "healthy"
	})
	waitConnected(t, c, 0)
	// Seconds tick between a poll and the list that checks it: a few tries.
	var diffs []string
	for range 5 {
		diffs = diffs[:0]
		s := collect(t, c)
		list, err := e.Client.ContainerList(ctx, container.ListOptions{All: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range list {
			for _, id := range ids {
				if l.ID == id {
					if got := mustFind(t, s, id).Status; got != l.Status {
						diffs = append(diffs, l.Names[0]+": "+got+" ≠ engine's "+l.Status)
					}
				}
			}
		}
		if len(diffs) == 0 {
			return
		}
		time.Sleep(300 * time.Millisecond)
	}
	t.Errorf("status text differs from the engine's: %q", diffs)
}
