package collectors

import (
	"encoding/json"
	"testing"
	"time"
)

func TestCounterRate(t *testing.T) {
	cases := []struct {
		name      string
		prev, cur uint64
		elapsed   time.Duration
		want      Rate
	}{
		{"first sample", 0, 500, 0, Rate{}},
		{"normal", 1000, 3000, 2 * time.Second, Rate{PerSec: 1000, Valid: true}},
		{"unchanged", 7, 7, time.Second, Rate{PerSec: 0, Valid: true}},
		{"counter reset", 5000, 10, 2 * time.Second, Rate{}},
		{"zero interval", 10, 20, 0, Rate{}},
		{"negative interval", 10, 20, -time.Second, Rate{}},
		{"sub-second", 0, 50, 500 * time.Millisecond, Rate{PerSec: 100, Valid: true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := CounterRate(c.prev, c.cur, c.elapsed); got != c.want {
				t.Fatalf("CounterRate(%d, %d, %v) = %+v, want %+v", c.prev, c.cur, c.elapsed, got, c.want)
			}
		})
	}
}

func TestElapsed(t *testing.T) {
	now := time.Now()
	if d := Elapsed(time.Time{}, now); d != 0 {
		t.Fatalf("no previous sample: got %v, want 0", d)
	}
	if d := Elapsed(now, now.Add(-time.Second)); d != 0 {
		t.Fatalf("clock went backwards: got %v, want 0", d)
	}
	if d := Elapsed(now, now.Add(2*time.Second)); d != 2*time.Second {
		t.Fatalf("got %v, want 2s", d)
	}
}

func TestRateJSON(t *testing.T) {
	out, err := json.Marshal(struct {
		A Rate `json:"a"`
		B Rate `json:"b"`
	}{Rate{}, Rate{PerSec: 12.5, Valid: true}})
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != `{"a":null,"b":12.5}` {
		t.Fatalf("got %s", out)
	}
}
