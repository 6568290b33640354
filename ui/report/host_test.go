package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stacktop/stacktop/collectors"
	"github.com/stacktop/stacktop/collectors/host"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func hostUpdate(s *host.Snapshot) collectors.Update {
	return collectors.Update{
		Source:   collectors.SourceID{Kind: collectors.KindHost, Name: "local"},
		Snapshot: s, LastGood: s.Taken, PolledAt: s.Taken, Interval: 2 * time.Second,
	}
}

func fixture() *host.Snapshot {
	rate := func(v float64) collectors.Rate { return collectors.Rate{PerSec: v, Valid: true} }
	s := &host.Snapshot{
		Taken: t0, Hostname: "web-1", OS: "debian 12.7", Kernel: "6.1.0-25-amd64", Uptime: 50 * time.Hour,
		Load: host.Load{Load1: 0.5, Load5: 0.25, Load15: 0.125},
		CPU: host.CPU{Valid: true, Cores: 2, Total: host.CPUUsage{Busy: 12.345, User: 8, System: 4, IOWait: 0.3, Steal: 0.045},
			PerCore: []host.CPUUsage{{Busy: 10}, {Busy: 14.69}}},
		Memory:      host.Memory{Total: 4 << 30, Used: 1 << 30, Available: 3 << 30, SwapTotal: 1 << 30, SwapUsed: 0},
		Filesystems: []host.Filesystem{{Mountpoint: "/", Device: "/dev/vda1", FSType: "ext4", Total: 100 << 30, Used: 40 << 30, Free: 60 << 30}},
		Disks:       []host.Disk{{Name: "vda", ReadBytes: rate(1024), WriteBytes: collectors.Rate{}}},
		Networks:    []host.NetInterface{{Name: "eth0", RxBytes: rate(2048), TxBytes: rate(512)}},
	}
	for i := range 15 {
		s.Processes.List = append(s.Processes.List, host.Process{PID: int32(100 + i), User: "app", Name: "worker",
			Command: fmt.Sprintf("worker --id %d", i), State: 'S', CPUPercent: float64(i), CPUValid: true, RSS: uint64(i) << 20})
	}
	s.Processes.List = append(s.Processes.List,
		host.Process{PID: 7, User: "evil", Name: "x", Command: "x \x1b]0;owned\x07\x1b[31mred", State: 'R', CPUPercent: 99, CPUValid: true},
		host.Process{PID: 8, User: "root", Name: "new", Command: "new", State: 'R', RSS: 1 << 40}) // first seen: no CPU figure
	s.Processes.Count = len(s.Processes.List)
	return s
}

func TestHostJSON(t *testing.T) {
	doc := Build(t0.Add(time.Second), []collectors.Update{hostUpdate(fixture())})
	raw, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	h := m["host"].(map[string]any)
	cpu := h["cpu"].(map[string]any)
	if cpu["total_percent"] != 12.35 || fmt.Sprint(cpu["per_core_percent"]) != "[10 14.69]" || cpu["steal_percent"] != 0.05 {
		t.Errorf("cpu = %v", cpu)
	}
	if h["uptime_seconds"] != float64(50*3600) {
		t.Errorf("uptime_seconds = %v", h["uptime_seconds"])
	}
	disk := h["disks"].([]any)[0].(map[string]any)
	if disk["read_bytes_per_sec"] != 1024.0 || disk["write_bytes_per_sec"] != nil {
		t.Errorf("disk rates = %v, want 1024 and null (no rate yet)", disk)
	}
	top := h["processes"].(map[string]any)["top"].([]any)
	if len(top) != TopProcesses {
		t.Fatalf("top has %d processes, want %d", len(top), TopProcesses)
	}
	first, last := top[0].(map[string]any), top[TopProcesses-1].(map[string]any)
	if first["pid"] != 7.0 || first["cpu_percent"] != 99.0 || first["state"] != "R" {
		t.Errorf("top[0] = %v, want pid 7 at 99%%", first)
	}
	if last["pid"] != 106.0 {
		t.Errorf("top[9] = %v, want pid 106 (tenth busiest)", last)
	}
	for _, p := range top {
		if p.(map[string]any)["pid"] == 8.0 {
			t.Error("a process without a CPU figure outranks ones with a figure")
		}
	}
	if m["postgres"] == nil || m["docker"] == nil {
		t.Error("postgres and docker must be [] when nothing is configured, not null")
	}
}

func TestHostJSONBeforeRatesExist(t *testing.T) {
	s := fixture()
	s.CPU = host.CPU{Cores: 2}
	raw, _ := json.Marshal(Build(t0, []collectors.Update{hostUpdate(s)}))
	if !bytes.Contains(raw, []byte(`"cpu":{"cores":2,"total_percent":null,"per_core_percent":null`)) {
		t.Errorf("first-poll CPU should be null, got %s", raw)
	}
}

func TestHostJSONWithoutData(t *testing.T) {
	u := collectors.Update{Source: collectors.SourceID{Kind: collectors.KindHost, Name: "local"}, Err: errors.New("boom"), PolledAt: t0}
	raw, _ := json.Marshal(Build(t0, []collectors.Update{u}))
	if !bytes.Contains(raw, []byte(`"error":"boom"`)) || !bytes.Contains(raw, []byte(`"cpu":null`)) || !bytes.Contains(raw, []byte(`"filesystems":[]`)) {
		t.Errorf("host without data: %s", raw)
	}
}

func TestWriteText(t *testing.T) {
	pgDown := collectors.Update{Source: collectors.SourceID{Kind: collectors.KindPostgres, Name: "main"}, PolledAt: t0,
		Err: errors.New(`postgres "main": connect: connection refused — is PostgreSQL running?`)}
	pgAbsent := collectors.Update{Source: collectors.SourceID{Kind: collectors.KindPostgres, Name: "local"}, PolledAt: t0, Implicit: true,
		Err: fmt.Errorf("dial: %w", collectors.ErrSourceAbsent)}
	var b bytes.Buffer
	if err := WriteText(&b, t0, []collectors.Update{hostUpdate(fixture()), pgDown, pgAbsent}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"web-1 — debian 12.7, kernel 6.1.0-25-amd64, up 2d02h",
		"cpu     12.3% busy (user 8.0%, system 4.0%, iowait 0.3%, steal 0.1%)",
		"memory  1.0 GiB used of 4.0 GiB (25.0%), 3.0 GiB available",
		"/      100 GiB  40.0 GiB  40.0%  /dev/vda1",
		"vda   1.0 KiB/s  n/a",
		"Processes: 17 (0 running, 0 threads); top 10 by CPU",
		"7    evil  99.0%  0 B       x red",
		`postgres "main": connect: connection refused — is PostgreSQL running?`,
		`postgres "local": not found (not configured)`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q:\n%s", want, out)
		}
	}
	if strings.ContainsRune(out, 0x1b) || strings.ContainsRune(out, 0x07) {
		t.Errorf("control characters reached the text output:\n%q", out)
	}
}

func TestFailed(t *testing.T) {
	id := collectors.SourceID{Kind: collectors.KindDocker, Name: "local"}
	absent := fmt.Errorf("x: %w", collectors.ErrSourceAbsent)
	cases := []struct {
		name string
		u    collectors.Update
		want bool
	}{
		{"ok", collectors.Update{Source: id, PolledAt: t0}, false},
		{"never polled", collectors.Update{Source: id}, true},
		{"configured and absent", collectors.Update{Source: id, PolledAt: t0, Err: absent}, true},
		{"default and absent", collectors.Update{Source: id, PolledAt: t0, Err: absent, Implicit: true}, false},
		{"default and broken", collectors.Update{Source: id, PolledAt: t0, Err: errors.New("permission denied"), Implicit: true}, true},
	}
	for _, tc := range cases {
		if got := Failed(tc.u); got != tc.want {
			t.Errorf("%s: Failed = %v, want %v", tc.name, got, tc.want)
		}
	}
}
