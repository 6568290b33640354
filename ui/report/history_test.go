package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stacktop/stacktop/collectors"
)

// down turns a good update into the hub's next one after the target
// refused connections: the last snapshot kept, the latest poll failed.
func down(u collectors.Update) collectors.Update {
	u.PolledAt = u.LastGood.Add(4 * time.Second)
	u.Err = fmt.Errorf("%s: connect: %w", u.Source, syscall.ECONNREFUSED)
	u.Failures = 2
	return u
}

// Every source gets a summary line of its figures in the text snapshot,
// as the JSON has them: TPS, sessions, waiting and the longest query;
// containers running and needing attention; cpu, memory and load.
func TestWriteTextSummaries(t *testing.T) {
	updates := []collectors.Update{hostUpdate(fixture()), pgUpdate(pgFixture(), nil), dockerUpdate(dockerFixture(), nil)}
	var b bytes.Buffer
	if err := WriteText(&b, t0.Add(time.Second), updates); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"host \"local\": ok\n    cpu 12.3% · mem 25.0% · load 0.50 0.25 0.12",
		"postgres \"main\": ok\n    120 tps · 12/100 sessions (0 active) · 0 waiting · longest query 5s (pid 11)",
		"docker \"local\": ok\n    2 containers · 1 running · 1 need attention",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q:\n%s", want, out)
		}
	}
}

// A source that went down keeps its last figures only as history: in the
// text they are labelled "as of" without rates; in the JSON "state" is
// "down", "as_of" says when they were taken and every rate is null, while
// the other figures and the existing keys stay.
func TestDownSourcesAreHistory(t *testing.T) {
	now := t0.Add(5 * time.Second)
	updates := []collectors.Update{down(hostUpdate(fixture())), down(pgUpdate(pgFixture(), nil)), down(dockerUpdate(dockerFixture(), nil))}
	var b bytes.Buffer
	if err := WriteText(&b, now, updates); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	asOf := "as of " + t0.Format("15:04:05") + ": "
	for _, want := range []string{
		asOf + "mem 25.0% · load 0.50 0.25 0.12",
		asOf + "12/100 sessions (0 active) · 0 waiting · longest query 5s (pid 11)",
		asOf + "2 containers · 1 running · 1 need attention",
		"cpu     n/a (no live figure)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "tps") || strings.Contains(out, "12.3%") || strings.Contains(out, "KiB/s") {
		t.Errorf("text of down sources shows rates as current:\n%s", out)
	}

	raw, err := json.Marshal(Build(now, updates))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Host struct {
			State string  `json:"state"`
			AsOf  *string `json:"as_of"`
			CPU   struct {
				Total *float64 `json:"total_percent"`
			} `json:"cpu"`
			Networks []map[string]any `json:"networks"`
			Memory   map[string]any   `json:"memory"`
		} `json:"host"`
		Postgres []struct {
			State     string           `json:"state"`
			AsOf      *string          `json:"as_of"`
			Total     map[string]any   `json:"total"`
			Databases []map[string]any `json:"databases"`
			Server    map[string]any   `json:"server"`
		} `json:"postgres"`
		Docker []struct {
			State      string           `json:"state"`
			AsOf       *string          `json:"as_of"`
			Containers []map[string]any `json:"containers"`
		} `json:"docker"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	want := t0.UTC().Format(time.RFC3339)
	h, p, d := doc.Host, doc.Postgres[0], doc.Docker[0]
	if h.State != "down" || h.AsOf == nil || *h.AsOf != want || h.CPU.Total != nil || h.Networks[0]["rx_bytes_per_sec"] != nil ||
		h.Memory["used_bytes"] == nil {
		t.Errorf("host: %s", raw)
	}
	if p.State != "down" || p.AsOf == nil || *p.AsOf != want || p.Total["tps"] != nil || p.Databases[0]["tps"] != nil ||
		p.Server["connections_used"] != float64(12) {
		t.Errorf("postgres: %s", raw)
	}
	if d.State != "down" || d.AsOf == nil || *d.AsOf != want || d.Containers[0]["cpu_percent"] != nil ||
		d.Containers[0]["net_rx_bytes_per_sec"] != nil || d.Containers[0]["memory_bytes"] == nil {
		t.Errorf("docker: %s", raw)
	}

	// Live again: state ok, no as_of, rates back.
	fresh := Build(t0.Add(time.Second), []collectors.Update{pgUpdate(pgFixture(), nil)})
	if pd := fresh.Postgres[0]; pd.State != "ok" || pd.AsOf != nil || !pd.Total.TPS.Valid {
		t.Errorf("live target: state %q as_of %v tps %+v", pd.State, pd.AsOf, pd.Total.TPS)
	}
}
