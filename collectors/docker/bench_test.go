package docker

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"

	"github.com/stacktop/stacktop/collectors/docker/dockertest"
)

// FleetSize is the number of idle containers the scale tests and the
// benchmarks run against.
const FleetSize = 100

// hundred is the shared fleet of idle containers: starting 100 containers
// takes a while, so the scale test and every benchmark share one set,
// removed by dockertest.Main when the process ends.
var hundred struct {
	once sync.Once
	ids  []string
	err  error
	took time.Duration
}

func fleetOf100(tb testing.TB) []string {
	tb.Helper()
	e := dockertest.Start(tb)
	hundred.once.Do(func() {
		start := time.Now()
		hundred.ids, hundred.err = e.StartMany(FleetSize, dockertest.Spec{Name: "fleet"})
		hundred.took = time.Since(start)
	})
	if hundred.err != nil {
		tb.Fatalf("starting %d containers: %v", FleetSize, hundred.err)
	}
	tb.Logf("fleet of %d idle containers (started in %v)", FleetSize, hundred.took.Round(time.Millisecond))
	return hundred.ids
}

// TestHundredContainers: all 100 are listed, running, with memory, CPU and
// network figures on the second poll, and the poll after a change (one
// stopped by someone else) reflects it.
func TestHundredContainers(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 100 containers")
	}
	ids := fleetOf100(t)
	c := newCollector(t, Options{})
	// Normally the second poll has everything. On a loaded machine a
	// container may not be inspected yet (its pid unknown), and then it
	// rightly takes the API fallback for that poll; so poll, within a bound,
	// until every figure is there and all of it came from cgroup files.
	incomplete := func(s *Snapshot) string {
		for _, id := range ids {
			ct := mustFind(t, s, id)
			if ct.State != "running" || !ct.Stats.CPU.Valid || !ct.Stats.MemValid || ct.Stats.MemUsed == 0 || !ct.Stats.NetRx.Valid || ct.Stats.PIDs == 0 {
				return fmt.Sprintf("container %s: state %s stats %+v", ct.Name, ct.State, ct.Stats)
			}
		}
		if s.StatsFrom != StatsCgroup {
			return fmt.Sprintf("stats from %q on a local engine", s.StatsFrom)
		}
		return ""
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(500 * time.Millisecond) {
		why := incomplete(collect(t, c))
		if why == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 30 s of polls: %s", why)
		}
	}
	e := dockertest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := e.Client.ContainerKill(ctx, ids[0], "KILL"); err != nil {
		t.Fatal(err)
	}
	collectUntil(t, c, 5*time.Second, "the killed container shows exited", func(s *Snapshot) bool {
		return mustFind(t, s, ids[0]).State == "exited"
	})
	// Back to 100 running for the benchmarks.
	if err := e.Client.ContainerStart(ctx, ids[0], container.StartOptions{}); err != nil {
		t.Fatal(err)
	}
}

// benchCollect measures one steady-state poll of 100 running containers
// and reports the daemon processes' CPU per poll beside the wall time.
func benchCollect(b *testing.B, opts Options) {
	fleetOf100(b)
	c, err := New(opts)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	for range 2 { // connect, inspect everything, take a first sample
		if _, err := c.Collect(ctx); err != nil {
			b.Fatal(err)
		}
	}
	daemon0, self0 := daemonCPU(), selfCPU()
	b.ResetTimer()
	for b.Loop() {
		if _, err := c.Collect(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(daemonCPU()-daemon0)/float64(b.N), "daemon-cpu-ms/op")
	b.ReportMetric(float64(selfCPU()-self0)/float64(b.N), "self-cpu-ms/op")
}

// BenchmarkList100 is the ContainerList call alone, the floor of any poll.
func BenchmarkList100(b *testing.B) {
	fleetOf100(b)
	e := dockertest.Start(b)
	ctx := context.Background()
	daemon0 := daemonCPU()
	for b.Loop() {
		if _, err := e.Client.ContainerList(ctx, container.ListOptions{All: true}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(daemonCPU()-daemon0)/float64(b.N), "daemon-cpu-ms/op")
}

// BenchmarkInspect is one ContainerInspect call, what the engine spends on
// each safety-net or event-driven inspect (100 containers: ~100 a minute).
func BenchmarkInspect(b *testing.B) {
	ids := fleetOf100(b)
	e := dockertest.Start(b)
	ctx := context.Background()
	daemon0 := daemonCPU()
	i := 0
	for b.Loop() {
		if _, err := e.Client.ContainerInspect(ctx, ids[i%len(ids)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(daemonCPU()-daemon0)/float64(b.N), "daemon-cpu-ms/op")
}

// BenchmarkPing is one /_ping, what a quiet poll asks of the engine.
func BenchmarkPing(b *testing.B) {
	fleetOf100(b)
	e := dockertest.Start(b)
	ctx := context.Background()
	daemon0 := daemonCPU()
	for b.Loop() {
		if _, err := e.Client.Ping(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(daemonCPU()-daemon0)/float64(b.N), "daemon-cpu-ms/op")
}

// BenchmarkCgroupRead100 is reading the cgroup files of 100 containers
// alone (design (b)'s own cost, without the list call).
func BenchmarkCgroupRead100(b *testing.B) {
	ids := fleetOf100(b)
	c := newBenchCollector(b)
	s := c.poll
	fs := cgroupFS{procRoot: "/proc", cgroupRoot: "/sys/fs/cgroup", memTotal: 1 << 40}
	now := time.Now()
	var buf fileBuf
	self0 := selfCPU()
	for b.Loop() {
		for _, id := range ids {
			if _, ok := s.readCgroup(fs, s.known[id], id, now, &buf); !ok {
				b.Fatalf("no cgroup sample for %.12s", id)
			}
		}
	}
	b.ReportMetric(float64(selfCPU()-self0)/float64(b.N), "self-cpu-ms/op")
}

// newBenchCollector is a collector that has polled twice (everything
// inspected and located).
func newBenchCollector(b *testing.B) *Collector {
	c, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	for range 2 {
		if _, err := c.Collect(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	return c
}

// selfCPU is this process's CPU time so far, in milliseconds.
func selfCPU() int64 { return procCPUTicks(os.Getpid(), false) * 1000 / clockTicks }

// BenchmarkCollect100 is one poll as shipped (cgroup files on a local engine).
func BenchmarkCollect100(b *testing.B) { benchCollect(b, Options{}) }

// BenchmarkCollect100API is one poll with one-shot API stats for every
// container (design (a)), for comparison.
func BenchmarkCollect100API(b *testing.B) { benchCollect(b, Options{StatsFrom: StatsAPI}) }

// daemonCPU is the CPU time, in milliseconds, used so far by the engine's
// processes (dockerd, containerd, every containerd-shim) including children
// they reaped (runc invocations).
func daemonCPU() int64 {
	var ticks int64
	for _, pid := range daemonPIDs() {
		ticks += procCPUTicks(pid, true)
	}
	return ticks * 1000 / clockTicks
}

// clockTicks is USER_HZ, 100 on every Linux architecture Go supports.
const clockTicks = 100

func daemonPIDs() []int {
	ents, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		comm, _ := os.ReadFile("/proc/" + e.Name() + "/comm")
		switch name := strings.TrimSpace(string(comm)); {
		case name == "dockerd", name == "containerd", strings.HasPrefix(name, "containerd-shim"):
			pids = append(pids, pid)
		}
	}
	return pids
}

// procCPUTicks is utime+stime (and, with children, cutime+cstime) of pid.
func procCPUTicks(pid int, children bool) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:]) // fields from 3 (state) on
	sum := int64(0)
	last := 15
	if children {
		last = 17
	}
	for i := 14; i <= last; i++ { // utime stime [cutime cstime], 1-based
		n, _ := strconv.ParseInt(f[i-3], 10, 64)
		sum += n
	}
	return sum
}
