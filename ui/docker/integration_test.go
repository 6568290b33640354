package docker

import (
	"context"
	"github.com/stacktop/stacktop/ui/internal/keytest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"

	"github.com/stacktop/stacktop/collectors"
	ds "github.com/stacktop/stacktop/collectors/docker"
	"github.com/stacktop/stacktop/collectors/docker/dockertest"
	"github.com/stacktop/stacktop/ui/view"
)

func TestMain(m *testing.M) { os.Exit(dockertest.Main(m)) }

// TestRealEngine runs a container that prints lines with escape sequences
// on stdout and stderr, and checks the tab as a person would: the container
// in the list under its compose project, then its logs in the logs pane,
// clean, with stderr marked and searchable.
func TestRealEngine(t *testing.T) {
	e := dockertest.Start(t)
	_, name := e.Run(t, dockertest.Spec{
		Name: "ui-logs", Args: []string{"logs", "50", "30"}, NetworkMode: "none",
		Labels: map[string]string{"com.docker.compose.project": "uitest", "com.docker.compose.service": "printer"},
	})
	c, err := ds.New(ds.Options{Name: "local"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// Wait until it has printed its 30 lines (at 50 a second); it then
	// idles, so the followed stream stays open with nothing new.
	snap := pollUntil(t, c, 20*time.Second, func(s *ds.Snapshot) bool {
		x, ok := s.Container(name)
		return ok && x.State == "running" && s.Taken.Sub(x.StartedAt) > 1500*time.Millisecond
	})

	const w, h = 300, 60
	ctx := testCtx(plainStyles(), w, h)
	ctx.Now = snap.Taken // the engine's clock, not the fixtures'
	tab := New(ctx.Styles, Options{Engines: map[string]Engine{"local": FromCollector(c)}})
	tab.Update(view.SizeMsg{Width: w, Height: h})
	tab.Update(collectors.Update{Source: source("local"), Snapshot: snap, LastGood: snap.Taken, PolledAt: snap.Taken, Interval: time.Second})
	press(tab, "/")
	press(tab, strings.Split(e.RunID+"-ui-logs", "")...)
	press(tab, "enter")
	frame := tab.View(ctx)
	checkFrame(t, frame, w, h)
	var row string
	for _, l := range listLines(frame) {
		if strings.Contains(l, name) {
			row = l
		}
	}
	if !strings.Contains(frame, "▾ uitest (1)") || !strings.Contains(row, "printer") || !strings.Contains(row, "running") || !strings.Contains(row, " up ") || strings.Contains(frame, "stale") {
		t.Fatalf("the container is not listed under its project as running:\n%s", frame)
	}

	selectName(t, tab, name)
	runWait(tab, tab.updateCmd(keytest.Msg("l")), 3*time.Second)
	frame = tab.View(ctx)
	checkFrame(t, frame, w, h)
	for _, want := range []string{"line 1 stdout", " E line 2 stderr", "line 5 red  bell", "line 30 red  bell", "following", "30 lines"} {
		if !strings.Contains(frame, want) {
			t.Errorf("logs pane lacks %q:\n%s", want, frame)
		}
	}
	press(tab, "/", "r", "e", "d", "enter")
	if n := len(tab.logs.search.Matches); n != 6 {
		t.Errorf("%d matches for red, want 6 (every fifth of 30 lines)", n)
	}
	checkFrame(t, tab.View(ctx), w, h)
	press(tab, "esc")
}

func pollUntil(t *testing.T, c *ds.Collector, timeout time.Duration, cond func(*ds.Snapshot) bool) *ds.Snapshot {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		s, err := c.Collect(ctx)
		cancel()
		if err != nil {
			t.Fatalf("Collect: %v", err)
		}
		if snap := s.(*ds.Snapshot); cond(snap) {
			return snap
		}
		if time.Now().After(deadline) {
			t.Fatalf("the test container was not up for 1.5 s within %s", timeout)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestRealEngineLogsFollowRestart restarts a container whose logs pane is
// open: the pane notices the stream end, then reopens it on the container's
// new run and shows the lines of both runs.
func TestRealEngineLogsFollowRestart(t *testing.T) {
	e := dockertest.Start(t)
	id, name := e.Run(t, dockertest.Spec{Name: "ui-restart", Args: []string{"logs", "50", "3"}, NetworkMode: "none"})
	c := newLiveCollector(t)
	first := pollUntil(t, c, 20*time.Second, func(s *ds.Snapshot) bool {
		x, ok := s.Container(name)
		return ok && x.State == "running" && s.Taken.Sub(x.StartedAt) > time.Second
	})
	l := newLiveTab(t, c, 200, 30)
	l.show(first)
	l.filter(e.RunID + "-ui-restart")
	selectName(t, l.tab, name)
	runWait(l.tab, l.tab.updateCmd(keytest.Msg("l")), 3*time.Second)
	if f := l.frame(); !strings.Contains(f, "3 lines") || !strings.Contains(f, "following") {
		t.Fatalf("logs pane before the restart:\n%s", f)
	}
	stream := l.tab.logs.stream

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	restartAt := time.Now()
	if err := e.Client.ContainerRestart(ctx, id, container.StopOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Logf("restart took %v", time.Since(restartAt).Round(time.Millisecond))
	// The stream ends with the old run; the pane hears it as it would from
	// its waiting command.
	select {
	case <-stream.Done():
	case <-ctx.Done():
		t.Fatal("the followed stream did not end when the container stopped")
	}
	run(l.tab, l.tab.updateCmd(logWakeMsg{gen: l.tab.logs.gen}))

	// Polls show the new run; the pane reopens and, after the new run's
	// three lines, holds six. Bounded by the context above.
	for {
		s := collectLive(t, c)
		l.ctx.Now = s.Taken
		runWait(l.tab, l.tab.updateCmd(collectors.Update{Source: source("local"), Snapshot: s, LastGood: s.Taken, PolledAt: s.Taken, Interval: time.Second}), 3*time.Second)
		if lp := l.tab.logs; lp != nil && lp.stream != nil {
			run(l.tab, l.tab.updateCmd(logWakeMsg{gen: lp.gen}))
		}
		f := l.frame()
		if strings.Contains(f, "6 lines") && strings.Contains(f, "reopened") {
			t.Logf("pane followed the new run %v after the restart call", time.Since(restartAt).Round(time.Millisecond))
			if strings.Count(f, "line 3 stdout") != 2 {
				t.Errorf("want line 3 of both runs:\n%s", f)
			}
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("the pane did not follow the new run within 30 s:\n%s", f)
		}
		time.Sleep(200 * time.Millisecond)
	}
	press(l.tab, "esc")
}
