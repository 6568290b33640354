package report

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stacktop/stacktop/collectors"
	"github.com/stacktop/stacktop/collectors/fleet"
)

func fleetUpdate(s *fleet.Snapshot, err error) collectors.Update {
	u := collectors.Update{Source: collectors.SourceID{Kind: collectors.KindPrometheus, Name: "fleet"}, Err: err, PolledAt: t0, Interval: 15 * time.Second}
	if s != nil {
		u.Snapshot, u.LastGood = s, s.Taken
	}
	return u
}

func fleetFixture() *fleet.Snapshot {
	v := func(x float64) fleet.Value { return fleet.Value{V: x, Valid: true} }
	return &fleet.Snapshot{
		Taken: t0, Source: "fleet", URL: "http://prom:9090", RateWindow: time.Minute, Queries: 6,
		Exporters: fleet.Exporters{Node: 2, NodeUp: 1, Postgres: 1, PostgresUp: 1, CAdvisor: 1, CAdvisorUp: 1},
		Hosts: []fleet.Host{
			{Name: "db1", Instance: "db1:9100", Job: "node", Labels: map[string]string{"env": "prod"}, Up: true, Cores: 4,
				CPUBusyPercent: v(42.5), BusiestCorePercent: v(90), MemoryUsedPercent: v(61), MemoryTotalBytes: v(8 << 30),
				SwapTotalBytes: v(0), Load1: v(2), Load1PerCore: v(0.5), FullestFSPercent: v(77), FullestFSMount: "/var",
				DiskReadBytesPerSec: v(0), DiskWriteBytesPerSec: v(4096), NetRxBytesPerSec: v(1000), NetTxBytesPerSec: v(2000), Uptime: v(3600)},
			{Name: "web1", Instance: "web1:9100", Job: "node", ScrapeError: `Get "http://web1:9100/metrics": dial tcp: connection refused`},
		},
		Postgres: []fleet.PGServer{{Name: "db1", Instance: "db1:9187", Server: "db1:5432", Job: "postgres", Up: true, PGUp: v(1),
			Connections: map[string]float64{"active": 3, "idle": 7}, ConnectionsUsed: v(10), MaxConnections: v(100), TPS: v(250),
			DeadlocksPerSec: v(0), LongestTransactionSeconds: v(12)}},
		TopCPU:    []fleet.Container{{Host: "web1", Instance: "web1:8080", Name: "api", Image: "api:3", CPUPercent: v(150), MemoryBytes: v(1 << 20)}},
		TopMemory: []fleet.Container{{Host: "db1", Instance: "db1:8080", Name: "cache", Image: "redis", MemoryBytes: v(1 << 30)}, {Host: "web1", Instance: "web1:8080", Name: "api", Image: "api:3", MemoryBytes: v(1 << 20)}},
		Notes:     []string{"1 of 2 node_exporter targets down"},
	}
}

// TestFleetJSONKeys pins the documented keys and the null rules.
func TestFleetJSONKeys(t *testing.T) {
	raw, err := json.Marshal(Build(t0, []collectors.Update{fleetUpdate(fleetFixture(), nil)}))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Fleet []map[string]any `json:"fleet"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	f := m.Fleet[0]
	wantKeys(t, f, "name", "error", "stale", "taken_at", "url", "rate_window_seconds", "queries", "exporters", "hosts", "postgres", "containers", "notes")
	if f["name"] != "fleet" || f["error"] != nil || f["rate_window_seconds"] != 60.0 || f["queries"] != 6.0 {
		t.Errorf("source fields: %v", f)
	}
	hosts := f["hosts"].([]any)
	db, web := hosts[0].(map[string]any), hosts[1].(map[string]any)
	wantKeys(t, db, "name", "instance", "job", "labels", "up", "scrape_error", "cores", "cpu_busy_percent", "busiest_core_percent",
		"memory_used_percent", "memory_total_bytes", "swap_used_percent", "swap_total_bytes", "load1", "load1_per_core",
		"fullest_fs_percent", "fullest_fs_mount", "disk_read_bytes_per_sec", "disk_write_bytes_per_sec",
		"net_rx_bytes_per_sec", "net_tx_bytes_per_sec", "uptime_seconds")
	if db["cpu_busy_percent"] != 42.5 || db["swap_used_percent"] != nil || db["swap_total_bytes"] != 0.0 || db["scrape_error"] != nil || db["fullest_fs_mount"] != "/var" {
		t.Errorf("db1: %v", db)
	}
	if web["up"] != false || web["cpu_busy_percent"] != nil || web["scrape_error"] == nil || web["fullest_fs_mount"] != nil {
		t.Errorf("a down host keeps its error and has null figures: %v", web)
	}
	pg := f["postgres"].([]any)[0].(map[string]any)
	wantKeys(t, pg, "name", "instance", "server", "job", "labels", "up", "scrape_error", "pg_up", "connections", "connections_used",
		"connections_max", "tps", "cache_hit_ratio", "deadlocks_per_sec", "replication_lag_seconds", "longest_transaction_seconds")
	if pg["pg_up"] != true || pg["cache_hit_ratio"] != nil || pg["tps"] != 250.0 || pg["connections"].(map[string]any)["idle"] != 7.0 {
		t.Errorf("postgres: %v", pg)
	}
	cs := f["containers"].([]any)
	if len(cs) != 2 {
		t.Fatalf("containers merged from both lists: %v", cs)
	}
	api, cache := cs[0].(map[string]any), cs[1].(map[string]any)
	wantKeys(t, api, "host", "instance", "name", "image", "cpu_percent", "memory_bytes")
	if api["name"] != "api" || api["cpu_percent"] != 150.0 || cache["name"] != "cache" || cache["cpu_percent"] != nil {
		t.Errorf("containers: %v", cs)
	}
}

// A source that never answered: its error, null objects and empty lists.
func TestFleetJSONNeverAnswered(t *testing.T) {
	raw, err := json.Marshal(Build(t0, []collectors.Update{fleetUpdate(nil, errors.New(`prometheus "fleet": cannot connect`))}))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Fleet []map[string]any `json:"fleet"`
	}
	_ = json.Unmarshal(raw, &m)
	f := m.Fleet[0]
	if f["error"] != `prometheus "fleet": cannot connect` || f["exporters"] != nil || f["taken_at"] != nil ||
		len(f["hosts"].([]any)) != 0 || len(f["containers"].([]any)) != 0 {
		t.Errorf("never answered: %v", f)
	}
}
