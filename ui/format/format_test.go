package format

import (
	"math"
	"testing"
	"time"

	"github.com/stacktop/stacktop/collectors"
)

func TestBytes(t *testing.T) {
	cases := []struct {
		in   uint64
		want string
	}{
		{0, "0 B"}, {1, "1 B"}, {1023, "1023 B"}, {1024, "1.0 KiB"}, {1536, "1.5 KiB"},
		{100 * 1024, "100 KiB"}, {999 * 1024, "999 KiB"}, {1023 * 1024, "1.0 MiB"}, {1024*1024 - 1, "1.0 MiB"},
		{12*1024*1024 + 300*1024, "12.3 MiB"}, {5 << 30, "5.0 GiB"}, {3 << 40, "3.0 TiB"},
		{math.MaxUint64, "16.0 EiB"},
	}
	for _, c := range cases {
		if got := Bytes(c.in); got != c.want {
			t.Errorf("Bytes(%d) = %q, want %q", c.in, got, c.want)
		}
	}
	for _, bad := range []float64{-1, math.NaN(), math.Inf(1)} {
		if got := BytesFloat(bad); got != NA {
			t.Errorf("BytesFloat(%v) = %q, want %q", bad, got, NA)
		}
	}
}

func TestRates(t *testing.T) {
	if got := ByteRate(collectors.Rate{}); got != "n/a" {
		t.Errorf("invalid rate shows %q", got)
	}
	if got := ByteRate(collectors.Rate{PerSec: 1.5 * 1024 * 1024, Valid: true}); got != "1.5 MiB/s" {
		t.Errorf("got %q", got)
	}
	if got := ByteRate(collectors.Rate{Valid: true}); got != "0 B/s" {
		t.Errorf("a valid zero rate shows %q", got)
	}
	cases := map[float64]string{0: "0/s", 12.4: "12/s", 9999: "9999/s", 12345: "12.3k/s", 999960: "1.0M/s", 4.5e9: "4.5G/s"}
	for in, want := range cases {
		if got := CountRate(collectors.Rate{PerSec: in, Valid: true}); got != want {
			t.Errorf("CountRate(%v) = %q, want %q", in, got, want)
		}
	}
	if got := CountRate(collectors.Rate{}); got != NA {
		t.Errorf("invalid count rate shows %q", got)
	}
}

func TestPercent(t *testing.T) {
	cases := map[float64]string{0: "0.0%", 42.54: "42.5%", 99.96: "100%", 100: "100%", 350.2: "350%"}
	for in, want := range cases {
		if got := Percent(in); got != want {
			t.Errorf("Percent(%v) = %q, want %q", in, got, want)
		}
	}
	if Percent(math.NaN()) != NA || Percent(-3) != NA {
		t.Error("NaN or negative percent is not n/a")
	}
}

func TestDuration(t *testing.T) {
	cases := []struct {
		in   time.Duration
		want string
	}{
		{-time.Second, "0s"}, {0, "0s"}, {999 * time.Millisecond, "0s"}, {45 * time.Second, "45s"},
		{3*time.Minute + 12*time.Second, "3m12s"}, {time.Hour + 4*time.Minute + 59*time.Second, "1h04m"},
		{50*time.Hour + 10*time.Minute, "2d02h"}, {400 * 24 * time.Hour, "400d00h"},
	}
	for _, c := range cases {
		if got := Duration(c.in); got != c.want {
			t.Errorf("Duration(%v) = %q, want %q", c.in, got, c.want)
		}
	}
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	if got := Age(now, now.Add(-90*time.Second)); got != "1m30s" {
		t.Errorf("Age = %q", got)
	}
	if got := Age(now, time.Time{}); got != NA {
		t.Errorf("Age of nothing = %q", got)
	}
}

func TestIntervalAndFixed(t *testing.T) {
	if got := Interval(2 * time.Second); got != "2s" {
		t.Errorf("Interval(2s) = %q", got)
	}
	if got := Interval(500 * time.Millisecond); got != "500ms" {
		t.Errorf("Interval(500ms) = %q", got)
	}
	if got := Fixed(0.523, 2); got != "0.52" {
		t.Errorf("Fixed = %q", got)
	}
	if got := Fixed(math.Inf(1), 2); got != NA {
		t.Errorf("Fixed(Inf) = %q", got)
	}
}

func TestRough(t *testing.T) {
	for d, want := range map[time.Duration]string{
		45 * time.Second:                 "45s",
		time.Minute:                      "1m",
		3*time.Minute + 59*time.Second:   "3m",
		59*time.Minute + 59*time.Second:  "59m",
		time.Hour + 4*time.Minute + 30e9: "1h04m",
		51 * time.Hour:                   "2d03h",
	} {
		if got := Rough(d); got != want {
			t.Errorf("Rough(%v) = %q, want %q", d, got, want)
		}
	}
}
