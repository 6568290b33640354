package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stacktop/stacktop/collectors/fleet/promtest"
)

// startFleet runs a real node_exporter, the fake cAdvisor and a real
// Prometheus scraping both every second, and waits until both are scraped.
func startFleet(t *testing.T) *promtest.Prometheus {
	t.Helper()
	if err := promtest.Available(); err != nil {
		if os.Getenv(promtest.RequireEnv) == "1" {
			t.Fatalf("%s=1 but %v", promtest.RequireEnv, err)
		}
		t.Skipf("SKIP: %v", err)
	}
	dir := t.TempDir()
	node, err := promtest.NodeExporter(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := node.Start("/metrics"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = node.Stop() })
	cad, err := promtest.StartCAdvisor(promtest.Container{Name: "web", Image: "nginx", CPUPerSec: 0.5, MemoryBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cad.Close)
	p, err := promtest.StartPrometheus(dir, promtest.PromConfig{Jobs: []promtest.Job{
		{Name: "node", Targets: []string{node.Addr}}, {Name: "cadvisor", Targets: []string{cad.Addr}}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Destroy)
	// Enough scrapes for a rate over 4 s.
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, p.URL()+`/api/v1/query?query=count(count_over_time(up[4s])>=3)`, nil)
		resp, err := http.DefaultClient.Do(req)
		var body struct {
			Data struct {
				Result []struct{ Value []any }
			}
		}
		if err == nil {
			_ = json.NewDecoder(resp.Body).Decode(&body)
			resp.Body.Close()
		}
		cancel()
		if len(body.Data.Result) == 1 && body.Data.Result[0].Value[1] == "2" {
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("Prometheus did not scrape both targets three times within a minute")
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// `stacktop check` says for each Prometheus source whether it answers and
// which exporters it found, with counts; `snapshot --json` has the fleet.
func TestCheckAndSnapshotFleet(t *testing.T) {
	p := startFleet(t)
	port := closedPort(t)
	cfg := writeConfig(t, hostOnly+fmt.Sprintf(`[[prometheus]]
name = "fleet"
url = %q
[[prometheus]]
name = "gone"
url = "http://127.0.0.1:%d"
`, p.URL(), port))
	stdout, stderr, code := runBinary(t, nil, "check", "--config", cfg)
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if code != 1 || len(lines) != 3 || lines[1] != `prometheus "fleet": ok — 1 node, 0 postgres, 1 cadvisor targets` ||
		!strings.HasPrefix(lines[2], `prometheus "gone": cannot connect to http://127.0.0.1:`) || !strings.Contains(lines[2], "is Prometheus running there?") {
		t.Errorf("check: exit %d\n%s\nstderr: %s", code, stdout, stderr)
	}

	stdout, stderr, code = runBinary(t, nil, "snapshot", "--json", "--config", cfg)
	if code != 1 {
		t.Errorf("snapshot exit %d, want 1 (one source down); stderr %s", code, stderr)
	}
	var doc struct {
		Fleet []map[string]json.RawMessage `json:"fleet"`
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, stdout)
	}
	if len(doc.Fleet) != 2 {
		t.Fatalf("fleet has %d entries, want 2:\n%s", len(doc.Fleet), stdout)
	}
	f := doc.Fleet[0]
	for _, k := range []string{"name", "error", "hosts", "postgres", "containers", "exporters", "queries", "rate_window_seconds", "notes"} {
		if _, ok := f[k]; !ok {
			t.Errorf("fleet[0] has no key %q", k)
		}
	}
	if string(f["name"]) != `"fleet"` || string(f["error"]) != "null" || string(f["postgres"]) != "[]" {
		t.Errorf("fleet[0]: name %s error %s postgres %s", f["name"], f["error"], f["postgres"])
	}
	var hosts []map[string]any
	_ = json.Unmarshal(f["hosts"], &hosts)
	if len(hosts) != 1 {
		t.Fatalf("hosts: %s", f["hosts"])
	}
	h := hosts[0]
	for _, k := range []string{"cpu_busy_percent", "busiest_core_percent", "memory_used_percent", "load1_per_core",
		"fullest_fs_percent", "disk_read_bytes_per_sec", "net_rx_bytes_per_sec", "uptime_seconds"} {
		if v, ok := h[k].(float64); !ok || v < 0 {
			t.Errorf("hosts[0].%s = %v, want a number ≥ 0", k, h[k])
		}
	}
	if h["up"] != true || h["scrape_error"] != nil || h["name"] != "127.0.0.1" {
		t.Errorf("hosts[0]: %v", h)
	}
	var conts []map[string]any
	_ = json.Unmarshal(f["containers"], &conts)
	if len(conts) != 1 || conts[0]["name"] != "web" || conts[0]["memory_bytes"] != float64(1<<20) {
		t.Errorf("containers: %s", f["containers"])
	}
	if g := doc.Fleet[1]; string(g["name"]) != `"gone"` || !strings.Contains(string(g["error"]), "connection refused") || string(g["hosts"]) != "[]" {
		t.Errorf("fleet[1]: %v", g)
	}
}
