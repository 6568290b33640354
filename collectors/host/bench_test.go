package host

import (
	"context"
	"flag"
	"strings"
	"syscall"
	"testing"
	"time"
)

// extraSleepers is how many idle processes the benchmarks add to the
// machine's own, to measure a busy server's process table.
const extraSleepers = 1000

// cpuTime is the CPU (user + system) this process has used so far. It
// counts every thread, so garbage collection caused by a poll is included.
func cpuTime(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func pollOnce(b *testing.B, c *Collector) *Snapshot {
	snap, err := c.Collect(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	return snap.(*Snapshot)
}

// BenchmarkCollect is one full host poll with the machine's processes plus
// 1,000 sleeping children, back to back. cpu-ms/poll is the CPU the poll
// costs this process; the target is <= 30.
func BenchmarkCollect(b *testing.B) {
	startSleepers(b, extraSleepers)
	c := New(Options{})
	// The first poll reads every command line and user name once; steady
	// state is what a running dashboard pays.
	procs := pollOnce(b, c).Processes.Count
	b.Run("extra=1000", func(b *testing.B) {
		b.ReportAllocs()
		b.ResetTimer()
		before := cpuTime(b)
		for range b.N {
			pollOnce(b, c)
		}
		used := cpuTime(b) - before
		b.ReportMetric(float64(used)/float64(time.Millisecond)/float64(b.N), "cpu-ms/poll")
		b.ReportMetric(float64(procs), "procs")
	})
}

// BenchmarkCollectSpaced polls as the dashboard does, 2 s apart, and
// reports the CPU per poll measured only around the Collect calls. Sleeping
// between polls lets the caches go cold and the processes change the way
// they do in real use. Run it with -benchtime=30x (about a minute); with a
// time-based -benchtime the stopped timer would make it run for ages.
func BenchmarkCollectSpaced(b *testing.B) {
	if bt := flag.Lookup("test.benchtime"); bt == nil || !strings.HasSuffix(bt.Value.String(), "x") {
		b.Skip("only meaningful with -benchtime=30x (polls 2 s apart)")
	}
	startSleepers(b, extraSleepers)
	c := New(Options{})
	procs := pollOnce(b, c).Processes.Count
	b.Run("extra=1000", func(b *testing.B) {
		b.ReportAllocs()
		var used time.Duration
		for range b.N {
			b.StopTimer()
			time.Sleep(2 * time.Second)
			b.StartTimer()
			before := cpuTime(b)
			pollOnce(b, c)
			used += cpuTime(b) - before
		}
		b.ReportMetric(float64(used)/float64(time.Millisecond)/float64(b.N), "cpu-ms/poll")
		b.ReportMetric(float64(procs), "procs")
	})
}

// BenchmarkProcScan isolates the process table, the part that grows with
// the number of processes.
func BenchmarkProcScan(b *testing.B) {
	startSleepers(b, extraSleepers)
	c := New(Options{})
	pollOnce(b, c)
	b.Run("extra=1000", func(b *testing.B) {
		b.ReportAllocs()
		before := cpuTime(b)
		for range b.N {
			if _, _, err := c.procs.scan(context.Background(), false); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(cpuTime(b)-before)/float64(time.Millisecond)/float64(b.N), "cpu-ms/poll")
	})
}

// BenchmarkProcFirstScan is the first scan of a fresh reader: every
// process is new, so it pays for the command line, the owner and the PID
// namespace of each once. Later scans pay that only for new processes.
func BenchmarkProcFirstScan(b *testing.B) {
	startSleepers(b, extraSleepers)
	b.Run("extra=1000", func(b *testing.B) {
		b.ReportAllocs()
		before := cpuTime(b)
		for range b.N {
			r := newProcReader("/proc", time.Unix(0, 0))
			if _, _, err := r.scan(context.Background(), false); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(cpuTime(b)-before)/float64(time.Millisecond)/float64(b.N), "cpu-ms/scan")
	})
}
