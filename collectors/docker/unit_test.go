package docker

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stacktop/stacktop/collectors"
)

// TestWindowSharesWithoutMutation: a history slice handed to a snapshot
// never changes afterwards, however many samples follow.
func TestWindowSharesWithoutMutation(t *testing.T) {
	w := newWindow(3)
	var views [][]Sample
	var want [][]uint64
	for i := range 20 {
		w.add(Sample{MemUsed: uint64(i)})
		v := w.view()
		views = append(views, v)
		var mem []uint64
		for _, s := range v {
			mem = append(mem, s.MemUsed)
		}
		want = append(want, mem)
		if len(v) > 3 || v[len(v)-1].MemUsed != uint64(i) {
			t.Fatalf("after %d: view %v", i, v)
		}
	}
	for i, v := range views {
		for j, s := range v {
			if s.MemUsed != want[i][j] {
				t.Fatalf("view %d changed: %v, was %v", i, v, want[i])
			}
		}
	}
	if v := w.view(); cap(v) != len(v) {
		t.Error("a view's capacity lets a caller's append write into shared memory")
	}
}

func TestComputeStats(t *testing.T) {
	t0 := time.Unix(1000, 0)
	prev := counters{at: t0, cpuNS: 1e9, cpuOK: true, memOK: true, netOK: true, netRx: 100, blkOK: true}
	cur := counters{at: t0.Add(2 * time.Second), cpuNS: 2e9, cpuOK: true, memUsage: 100 << 20, memInactive: 30 << 20, memLimit: 1 << 30, memOK: true,
		netOK: true, netRx: 2100, netTx: 0, blkOK: true, blkWrite: 4096, pids: 3}
	s := computeStats(prev, cur, true)
	if !s.CPU.Valid || s.CPU.PerSec != 50 {
		t.Errorf("1 s of CPU over 2 s = %+v, want 50%%", s.CPU)
	}
	if s.MemUsed != 70<<20 || s.MemPercent() < 6.8 || s.MemPercent() > 6.9 {
		t.Errorf("memory used %d (%.2f%%), want usage minus inactive file = 70 MiB", s.MemUsed, s.MemPercent())
	}
	if s.NetRx.PerSec != 1000 || s.BlockWrite.PerSec != 2048 || s.PIDs != 3 {
		t.Errorf("rates %+v", s)
	}
	if first := computeStats(counters{}, cur, false); first.CPU.Valid || first.NetRx.Valid || !first.MemValid {
		t.Errorf("first sample: %+v; want no rates but memory", first)
	}
	restarted := cur
	restarted.cpuNS = 5 // a new cgroup after a restart
	if r := computeStats(cur, restarted, true); r.CPU.Valid {
		t.Errorf("counter went backwards: CPU %+v, want n/a", r.CPU)
	}
}

func TestLogRingBounds(t *testing.T) {
	lt := newLogTail(LogOptions{MaxLines: 4, MaxBytes: 10, LineMax: 100}.withDefaults(), false)
	for i := range 10 {
		lt.push(LogLine{Text: fmt.Sprint(i)})
	}
	lines := lt.Lines()
	if len(lines) != 4 || lines[0].Text != "6" || lines[3].Seq != 10 || lt.Dropped() != 6 {
		t.Fatalf("count bound: %+v, dropped %d", lines, lt.Dropped())
	}
	lt.push(LogLine{Text: "abcdefgh"}) // 8 bytes: 10 in all, two old lines go
	lines = lt.Lines()
	if len(lines) != 3 || lines[0].Text != "8" || lines[2].Text != "abcdefgh" || lt.Dropped() != 8 {
		t.Fatalf("byte bound: %+v", lines)
	}
}

func TestLineWriter(t *testing.T) {
	lt := newLogTail(LogOptions{LineMax: 40, Timestamps: true}.withDefaults(), true)
	w := lt.writer(TTY)
	fmt.Fprint(w, "2026-01-02T03:04:05.123456789Z hel")
	fmt.Fprint(w, "lo\r\nno-stamp\r\n2026-01-02T03:04:05Z ")
	fmt.Fprint(w, strings.Repeat("é", 20)+"\n")
	lines := lt.Lines()
	if len(lines) != 3 {
		t.Fatalf("%+v", lines)
	}
	if lines[0].Text != "hello" || lines[0].Time.Nanosecond() != 123456789 || lines[0].Stream != TTY {
		t.Errorf("split line with timestamp: %+v", lines[0])
	}
	if lines[1].Text != "no-stamp" || !lines[1].Time.IsZero() {
		t.Errorf("line without a timestamp: %+v", lines[1])
	}
	// 61 bytes with LineMax 40: 21 cut, and the half "é" at the cut dropped.
	if lines[2].Cut != 21 || lines[2].Text != strings.Repeat("é", 9) || lines[2].Time.IsZero() {
		t.Errorf("long line: %+v", lines[2])
	}
}

func TestFindMatchesFolding(t *testing.T) {
	lines := []LogLine{{Seq: 1, Text: "Error: disk"}, {Seq: 2, Text: "no error here, error"}, {Seq: 3, Text: "İstanbul error"}}
	s := FindMatches(lines, "error", nil)
	if len(s.Matches) != 4 || s.Matches[0].Seq != 1 || s.Matches[2] != (Match{Seq: 2, Start: 15, End: 20}) {
		t.Errorf("smart-case search: %+v", s.Matches)
	}
	if s := FindMatches(lines, "Error", nil); len(s.Matches) != 1 {
		t.Errorf("an upper-case query is exact: %+v", s.Matches)
	}
	if s := FindMatches(lines, "", nil); s.Next(-1) != -1 || s.Prev(0) != -1 || s.From(0) != -1 {
		t.Error("an empty search has no positions")
	}
}

func TestIsStateAction(t *testing.T) {
	for a, want := range map[string]bool{"start": true, "health_status: unhealthy": true, "die": true, "exec_create: /helper health": false, "attach": false} {
		if isStateAction(a) != want {
			t.Errorf("isStateAction(%q) = %v", a, !want)
		}
	}
}

func TestSortAndFilter(t *testing.T) {
	pct := func(v float64) collectors.Rate { return collectors.Rate{PerSec: v, Valid: true} }
	t0 := time.Unix(1000, 0)
	cs := []Container{
		{ID: "1", Name: "api", Image: "shop/api:2", ComposeProject: "shop", State: "running", StartedAt: t0, Stats: Stats{CPU: pct(5), MemValid: true, MemUsed: 300}},
		{ID: "2", Name: "db", Image: "postgres:16", ComposeProject: "shop", State: "running", StartedAt: t0.Add(-time.Hour), Health: "unhealthy", Stats: Stats{CPU: pct(80), MemValid: true, MemUsed: 900}},
		{ID: "3", Name: "job", Image: "busybox", State: "exited", ExitCode: 1},
		{ID: "4", Name: "new", Image: "redis", State: "running", StartedAt: t0.Add(time.Minute), Stats: Stats{MemValid: true, MemUsed: 100}}, // first poll: no CPU
	}
	names := func(cs []Container) string {
		var n []string
		for _, c := range cs {
			n = append(n, c.Name)
		}
		return strings.Join(n, ",")
	}
	for key, want := range map[SortKey]string{
		SortName:   "job,new,api,db", // standalone first, then project shop
		SortCPU:    "db,api,job,new", // no figure last, by name
		SortMemory: "db,api,new,job",
		SortState:  "db,job,new,api", // unhealthy, exited with error, then running
		SortUptime: "db,api,new,job",
	} {
		if got := names(SortContainers(cs, key)); got != want {
			t.Errorf("sort %d: %s, want %s", key, got, want)
		}
	}
	if got := names(Filter(cs, "SHOP run")); got != "api,db" {
		t.Errorf("filter: %s", got)
	}
	if got := names(Filter(cs, "")); got != "api,db,job,new" {
		t.Errorf("empty filter: %s", got)
	}
}
