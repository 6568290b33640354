package docker

import (
	"context"
	"github.com/stacktop/stacktop/ui/internal/keytest"
	"os"
	"strings"
	"testing"
	"time"

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
