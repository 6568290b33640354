package docker

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stacktop/stacktop/collectors"
	ds "github.com/stacktop/stacktop/collectors/docker"
	"github.com/stacktop/stacktop/collectors/docker/dockertest"
	"github.com/stacktop/stacktop/ui/internal/keytest"
)

// TestLiveLogsFollowComposeRecreate removes a compose-labelled container
// whose logs pane is open and creates another of the same project and
// service (under another name, so only the labels can tie them), as
// `docker compose up` does on a change: the pane follows the new
// container, says so, shows its lines and keeps its search.
func TestLiveLogsFollowComposeRecreate(t *testing.T) {
	e := dockertest.Start(t)
	labels := map[string]string{"com.docker.compose.project": "rc-" + e.RunID, "com.docker.compose.service": "web"}
	oldID, oldName := e.Run(t, dockertest.Spec{Name: "rc-web-1", Args: []string{"logs", "50", "3"}, Labels: labels, NetworkMode: "none"})
	c := newLiveCollector(t)
	first := pollUntil(t, c, 20*time.Second, func(s *ds.Snapshot) bool {
		x, ok := s.Container(oldName)
		return ok && x.State == "running" && s.Taken.Sub(x.StartedAt) > time.Second
	})
	l := newLiveTab(t, c, 200, 30)
	l.show(first)
	l.filter(e.RunID + "-rc-")
	selectName(t, l.tab, oldName)
	runWait(l.tab, l.tab.updateCmd(keytest.Msg("l")), 3*time.Second)
	press(l.tab, "/", "l", "i", "n", "e", "enter")
	if f := l.frame(); !strings.Contains(f, "3 lines") || !strings.Contains(f, "“line” 1/3") {
		t.Fatalf("logs pane before the recreate:\n%s", f)
	}

	e.Remove(oldID)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	gone := pollUntil(t, c, 20*time.Second, func(s *ds.Snapshot) bool { _, ok := s.Container(oldName); return !ok })
	runWait(l.tab, l.tab.updateCmd(collectors.Update{Source: source("local"), Snapshot: gone, LastGood: gone.Taken, PolledAt: gone.Taken, Interval: time.Second}), 3*time.Second)
	if f := l.frame(); !strings.Contains(f, "container removed") {
		t.Fatalf("the pane does not say its container is gone:\n%s", f)
	}

	_, newName := e.Run(t, dockertest.Spec{Name: "rc-web-new", Args: []string{"logs", "50", "5"}, Labels: labels, NetworkMode: "none"})
	for {
		s := collectLive(t, c)
		l.ctx.Now = s.Taken
		runWait(l.tab, l.tab.updateCmd(collectors.Update{Source: source("local"), Snapshot: s, LastGood: s.Taken, PolledAt: s.Taken, Interval: time.Second}), 3*time.Second)
		if lp := l.tab.logs; lp != nil && lp.stream != nil {
			run(l.tab, l.tab.updateCmd(logWakeMsg{gen: lp.gen}))
		}
		f := l.frame()
		if strings.Contains(f, "5 lines") {
			if !strings.Contains(f, "logs "+newName) || !strings.Contains(f, "recreated: was "+oldID[:12]) || strings.Contains(f, "container removed") {
				t.Errorf("the pane's title does not say it follows the new container:\n%s", f)
			}
			if !strings.Contains(f, "« 5 red") {
				t.Errorf("the new container's lines are not shown:\n%s", f)
			}
			if !strings.Contains(f, "“line” ") || len(l.tab.logs.search.Matches) != 5 {
				t.Errorf("the search was not kept across the recreate (%d matches):\n%s", len(l.tab.logs.search.Matches), f)
			}
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("the pane did not follow the new container within 30 s:\n%s", f)
		}
		time.Sleep(200 * time.Millisecond)
	}
	press(l.tab, "esc")
}
