package report

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/stacktop/stacktop/collectors"
	"github.com/stacktop/stacktop/collectors/docker"
)

func dockerUpdate(s *docker.Snapshot, err error) collectors.Update {
	u := collectors.Update{Source: collectors.SourceID{Kind: collectors.KindDocker, Name: "local"}, Err: err, PolledAt: t0, Interval: 2 * time.Second}
	if s != nil {
		u.Snapshot, u.LastGood = s, s.Taken
	}
	return u
}

func dockerFixture() *docker.Snapshot {
	rate := func(v float64) collectors.Rate { return collectors.Rate{PerSec: v, Valid: true} }
	return &docker.Snapshot{
		Taken: t0, Host: "unix:///var/run/docker.sock", EngineVersion: "20.10.24", APIVersion: "1.41", Cores: 2,
		StatsFrom: docker.StatsCgroup,
		Containers: []docker.Container{
			{ID: "a1", Name: "web", Image: "nginx:1.25", State: "running", Status: "Up 2 hours (healthy)", Health: "healthy",
				ComposeProject: "shop", ComposeService: "web", StartedAt: t0.Add(-2 * time.Hour), RestartCount: 2,
				Ports: []docker.Port{{IP: "0.0.0.0", PrivatePort: 80, PublicPort: 8080, Type: "tcp"}, {PrivatePort: 443, Type: "tcp"}},
				Stats: docker.Stats{CPU: rate(150.456), MemValid: true, MemUsed: 64 << 20, MemLimit: 256 << 20,
					NetRx: rate(1000), NetTx: rate(500), BlockRead: collectors.Rate{}, BlockWrite: rate(4096), PIDs: 5}},
			{ID: "b2", Name: "job", Image: "busybox", State: "exited", Status: "Exited (3) 1 minute ago", ExitCode: 3,
				StartedAt: t0.Add(-time.Hour), FinishedAt: t0.Add(-time.Minute), OOMKilled: true},
		},
	}
}

// TestDockerJSONKeys pins the documented keys and the null rules.
func TestDockerJSONKeys(t *testing.T) {
	raw, err := json.Marshal(Build(t0, []collectors.Update{dockerUpdate(dockerFixture(), nil)}))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Docker []map[string]any `json:"docker"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	d := m.Docker[0]
	wantKeys(t, d, "name", "error", "stale", "state", "as_of", "taken_at", "host", "engine_version", "api_version", "cores", "stats_source", "containers")
	if d["name"] != "local" || d["error"] != nil || d["engine_version"] != "20.10.24" || d["stats_source"] != "cgroup" {
		t.Errorf("engine fields: %v", d)
	}
	cs := d["containers"].([]any)
	web, job := cs[0].(map[string]any), cs[1].(map[string]any)
	wantKeys(t, web, "id", "name", "image", "state", "status", "health", "exit_code", "restart_count", "oom_killed",
		"compose_project", "compose_service", "started_at", "finished_at", "cpu_percent", "host_cpu_percent",
		"memory_bytes", "memory_limit_bytes", "memory_percent", "net_rx_bytes_per_sec", "net_tx_bytes_per_sec",
		"block_read_bytes_per_sec", "block_write_bytes_per_sec", "pids", "ports")
	checks := []struct {
		c    map[string]any
		key  string
		want any
	}{
		{web, "cpu_percent", 150.46}, {web, "host_cpu_percent", 75.23}, {web, "memory_bytes", float64(64 << 20)},
		{web, "memory_limit_bytes", float64(256 << 20)}, {web, "memory_percent", 25.0}, {web, "pids", 5.0},
		{web, "net_rx_bytes_per_sec", 1000.0}, {web, "block_read_bytes_per_sec", nil}, {web, "block_write_bytes_per_sec", 4096.0},
		{web, "exit_code", nil}, {web, "health", "healthy"}, {web, "compose_project", "shop"}, {web, "restart_count", 2.0},
		{web, "finished_at", nil},
		{job, "exit_code", 3.0}, {job, "cpu_percent", nil}, {job, "memory_bytes", nil}, {job, "pids", nil},
		{job, "net_rx_bytes_per_sec", nil}, {job, "health", nil}, {job, "compose_project", nil}, {job, "oom_killed", true},
		{job, "finished_at", "2026-03-01T11:59:00Z"},
	}
	for _, c := range checks {
		if got := c.c[c.key]; got != c.want {
			t.Errorf("%s.%s = %v (%T), want %v", c.c["name"], c.key, got, got, c.want)
		}
	}
	ports := web["ports"].([]any)
	if p := ports[1].(map[string]any); len(ports) != 2 || p["public_port"] != nil || p["private_port"] != 443.0 {
		t.Errorf("ports %v", ports)
	}
}

// TestDockerJSONDown: an engine that never answered has its error, null
// data and an empty container list (never null).
func TestDockerJSONDown(t *testing.T) {
	raw, _ := json.Marshal(Build(t0, []collectors.Update{dockerUpdate(nil, errors.New(`docker "local": cannot connect`))}))
	var m struct {
		Docker []map[string]any `json:"docker"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	d := m.Docker[0]
	if d["error"] != `docker "local": cannot connect` || d["engine_version"] != nil || d["taken_at"] != nil {
		t.Errorf("down engine: %v", d)
	}
	if cs, ok := d["containers"].([]any); !ok || len(cs) != 0 {
		t.Errorf("containers = %#v, want []", d["containers"])
	}
}

func wantKeys(t *testing.T, m map[string]any, keys ...string) {
	t.Helper()
	var got []string
	for k := range m {
		got = append(got, k)
	}
	slices.Sort(got)
	slices.Sort(keys)
	if !slices.Equal(got, keys) {
		t.Errorf("keys %v, want %v", got, keys)
	}
}
