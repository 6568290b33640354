package docker

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"

	ds "github.com/stacktop/stacktop/collectors/docker"
	"github.com/stacktop/stacktop/collectors/docker/dockertest"
	"github.com/stacktop/stacktop/ui/internal/keytest"
)

// TestLiveStoppedHealthcheck runs a container whose healthcheck fails
// until the engine calls it unhealthy, then stops it: the list shows it
// exited with its code and no health, and neither the snapshot nor the
// Overview's Docker box says it needs attention. A container whose
// healthcheck leaves interval, timeout and retries unset shows the
// engine's defaults in the detail pane, not 0s and 0.
func TestLiveStoppedHealthcheck(t *testing.T) {
	e := dockertest.Start(t)
	id, name := e.Run(t, dockertest.Spec{Name: "hc-stop", Env: []string{"HELPER_HEALTH=fail"}, Health: dockertest.HealthCheck(300 * time.Millisecond), NetworkMode: "none"})
	_, plain := e.Run(t, dockertest.Spec{Name: "hc-default", NetworkMode: "none",
		Health: &container.HealthConfig{Test: []string{"CMD", "/helper", "health"}}})
	c := newLiveCollector(t)
	l := newLiveTab(t, c, 300, 50)
	l.show(collectLive(t, c))
	l.filter(e.RunID + "-hc-")
	l.checkUnhealthy(c, name)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	timeout := 5
	if err := e.Client.ContainerStop(ctx, id, container.StopOptions{Timeout: &timeout}); err != nil {
		t.Fatal(err)
	}
	s := pollUntil(t, c, 20*time.Second, func(s *ds.Snapshot) bool {
		x, ok := s.Container(name)
		return ok && x.State == "exited"
	})
	x, _ := s.Container(name)
	if x.Health != "" || x.Problem().String() != "" {
		t.Errorf("the snapshot says the stopped container has health %q, problem %q", x.Health, x.Problem())
	}
	l.show(s)
	frame := l.frame()
	r := drawnRow(frame, name)
	state, status, health := l.cell(frame, r, "STATE"), l.cell(frame, r, "STATUS"), l.cell(frame, r, "HEALTH")
	if state != "exited" || !strings.HasPrefix(status, "(0) ") || health != "" || strings.Contains(r, "unhealthy") {
		t.Errorf("stopped container drawn as state %q, status %q, health %q; want exited, (0) …, no health:\n%s", state, status, health, r)
	}
	if strings.Contains(frame, "need attention") {
		t.Errorf("a stopped container is counted as needing attention:\n%s", frame)
	}
	if box := l.tab.Summary(l.ctx, 80, 12); strings.Contains(box, "unhealthy") || strings.Contains(box, "hc-stop") {
		t.Errorf("the Overview's Docker box calls the stopped container unhealthy:\n%s", box)
	}

	selectName(t, l.tab, name)
	runWait(l.tab, l.tab.updateCmd(keytest.Msg("i")), 10*time.Second)
	frame = l.frame()
	if strings.Contains(frame, "!unhealthy") || !strings.Contains(frame, "not running · last run ended unhealthy") {
		t.Errorf("the detail pane of the stopped container flags it or does not say the run is over:\n%s", frame)
	}
	press(l.tab, "esc")

	selectName(t, l.tab, plain)
	runWait(l.tab, l.tab.updateCmd(keytest.Msg("i")), 10*time.Second)
	frame = l.frame()
	if !strings.Contains(frame, "every 30s · timeout 30s · start period 0s · retries 3") {
		t.Errorf("the detail pane does not show the engine's healthcheck defaults:\n%s", frame)
	}
	press(l.tab, "esc")
}
