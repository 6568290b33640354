package host

import (
	"strings"
	"testing"
	"time"

	hs "github.com/stacktop/stacktop/collectors/host"
	"github.com/stacktop/stacktop/ui/internal/fixture"
)

// procSnap is a host snapshot taken at at with the given processes.
func procSnap(at time.Time, ps ...hs.Process) *hs.Snapshot {
	s := fixture.Host(at, 0, 0)
	s.Processes = hs.Processes{Count: len(ps), List: ps}
	return s
}

func proc(pid int32, cpu float64, rss uint64) hs.Process {
	return hs.Process{PID: pid, User: "app", Name: "p" + string(rune('a'+pid%26)), Command: "/bin/p", State: 'S',
		CPUValid: true, CPUPercent: cpu, RSS: rss, Threads: 1, StartTime: fixture.Now().Add(-time.Hour)}
}

// A change of one clock tick (0.5% at 2 s) or of less than the last digit
// of RSS leaves the row as it was drawn, in its place; a larger change
// shows at once and reorders.
func TestHeldFiguresKeepRowsStill(t *testing.T) {
	tab, ctx := newTab(120, 30, 0)
	at := fixture.Now()
	const mib = 1 << 20
	tab.Update(fixture.HostUpdate(procSnap(at, proc(10, 4.4, 219*mib/10), proc(11, 4.0, 50*mib), proc(12, 0, 3*mib))))
	before := tableRows(tab.View(ctx))

	// 10 drops a tick below 11 and grows 0.1 MiB; 11 gains a tick: no
	// figure leaves its band, so nothing on screen moves.
	at = at.Add(2 * time.Second)
	tab.Update(fixture.HostUpdate(procSnap(at, proc(10, 3.9, 219*mib/10+90<<10), proc(11, 4.5, 50*mib+4096), proc(12, 0.5, 3*mib))))
	if after := tableRows(tab.View(ctx)); strings.Join(after, "\n") != strings.Join(before, "\n") {
		t.Fatalf("one-tick changes moved the table:\nbefore\n%s\nafter\n%s", strings.Join(before, "\n"), strings.Join(after, "\n"))
	}

	// Two ticks are a real change: 11 moves to the top with its figure.
	at = at.Add(2 * time.Second)
	tab.Update(fixture.HostUpdate(procSnap(at, proc(10, 4.4, 219*mib/10), proc(11, 5.0, 50*mib), proc(12, 0, 3*mib))))
	rows := tableRows(tab.View(ctx))
	if pidOf(t, rows[0]) != 11 || !strings.Contains(rows[0], " 5.0%") {
		t.Fatalf("a two-tick rise did not show: first row %q", rows[0])
	}
	// The held figure follows the newest measure, not the first one seen.
	at = at.Add(2 * time.Second)
	tab.Update(fixture.HostUpdate(procSnap(at, proc(10, 4.4, 23*mib), proc(11, 5.0, 50*mib), proc(12, 0, 3*mib))))
	rows = tableRows(tab.View(ctx))
	if !strings.Contains(rows[1], "23.0 MiB") {
		t.Fatalf("an RSS change past the last digit did not show: %q", rows[1])
	}
}

// A reused pid is a new process: nothing is held from the old one.
func TestHeldFiguresForgetReusedPIDs(t *testing.T) {
	tab, ctx := newTab(120, 30, 0)
	at := fixture.Now()
	tab.Update(fixture.HostUpdate(procSnap(at, proc(10, 4.4, 1<<20))))
	p := proc(10, 4.8, 1<<20)
	p.StartTime = at.Add(-time.Second)
	tab.Update(fixture.HostUpdate(procSnap(at.Add(2*time.Second), p)))
	if rows := tableRows(tab.View(ctx)); !strings.Contains(rows[0], " 4.8%") {
		t.Fatalf("a new process with a reused pid shows the old one's figure: %q", rows[0])
	}
}

func TestBytesUnit(t *testing.T) {
	for _, c := range []struct {
		v, want float64
	}{{512, 1}, {1536, 102.4}, {150 << 10, 1024}, {21.9 * (1 << 20), 0.1 * (1 << 20)}, {1023.99 * (1 << 20), 0.1 * (1 << 30)}} {
		if got := bytesUnit(c.v); got != c.want {
			t.Errorf("bytesUnit(%v) = %v, want %v", c.v, got, c.want)
		}
	}
}
