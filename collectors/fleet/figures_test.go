package fleet

import (
	"bufio"
	"context"
	"math"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// procCPU is one reading of /proc/stat's "cpu" line.
type procCPU struct {
	at          time.Time
	idle, total float64
	memUsedPct  float64 // from /proc/meminfo at the same moment
}

func readProcCPU(t testing.TB) procCPU {
	t.Helper()
	f, err := os.Open("/proc/stat")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Scan()
	fields := strings.Fields(sc.Text())
	var r procCPU
	r.at = time.Now()
	// user nice system idle iowait irq softirq steal (guest is inside user).
	for i := 1; i <= 8 && i < len(fields); i++ {
		v, _ := strconv.ParseFloat(fields[i], 64)
		r.total += v
		if i == 4 || i == 5 {
			r.idle += v
		}
	}
	return r
}

func busyBetween(a, b procCPU) float64 {
	return 100 * (1 - (b.idle-a.idle)/(b.total-a.total))
}

// sampler reads /proc/stat every 100 ms until stopped.
type sampler struct {
	mu   sync.Mutex
	rows []procCPU
	stop chan struct{}
	done chan struct{}
}

func startSampler(t *testing.T) *sampler {
	s := &sampler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			r := readProcCPU(t)
			r.memUsedPct = memUsedPercent(t)
			s.mu.Lock()
			s.rows = append(s.rows, r)
			s.mu.Unlock()
			select {
			case <-s.stop:
				return
			case <-tick.C:
			}
		}
	}()
	t.Cleanup(func() { close(s.stop); <-s.done })
	return s
}

// nearest is the reading closest to at.
func (s *sampler) nearest(at time.Time) procCPU {
	s.mu.Lock()
	defer s.mu.Unlock()
	best := s.rows[0]
	for _, r := range s.rows {
		if r.at.Sub(at).Abs() < best.at.Sub(at).Abs() {
			best = r
		}
	}
	return best
}

// memRange is the lowest and highest memory use read between from and to.
func (s *sampler) memRange(from, to time.Time) (lo, hi float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, r := range s.rows {
		if !r.at.Before(from) && !r.at.After(to) {
			lo, hi = min(lo, r.memUsedPct), max(hi, r.memUsedPct)
		}
	}
	return lo, hi
}

// burn keeps one goroutine busy until the test ends (bounded: 2 minutes at most).
func burn(t *testing.T) {
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		limit := time.Now().Add(2 * time.Minute)
		x := 0
		for time.Now().Before(limit) {
			for range 100000 {
				x++
			}
			select {
			case <-stop:
				return
			default:
			}
		}
		_ = x
	}()
	t.Cleanup(func() { close(stop); <-done })
}

func memUsedPercent(t testing.TB) float64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		t.Fatal(err)
	}
	var total, avail float64
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		v, _ := strconv.ParseFloat(f[1], 64)
		switch f[0] {
		case "MemTotal:":
			total = v
		case "MemAvailable:":
			avail = v
		}
	}
	return 100 * (1 - avail/total)
}

// The host's row shows what the host's own /proc says over the same window:
// CPU busy within 10 points while a burner runs, memory within 2 — through
// a real node_exporter and a real Prometheus, in a bounded number of queries.
func TestHostFiguresMatchProc(t *testing.T) {
	e := need(t)
	c := newTestCollector(t, e)
	procs := startSampler(t)
	burn(t)
	inst := e.node.Addr
	// Wait until the rate window holds only scrapes taken while burning.
	time.Sleep(500 * time.Millisecond)
	started := time.Now()
	s := waitFor(t, c, 60*time.Second, "host with a CPU figure over a burning window", func(s *Snapshot) bool {
		h := hostByInstance(s, inst)
		return h != nil && h.CPUBusyPercent.Valid && s.Taken.Add(-s.RateWindow).After(started)
	})
	h := hostByInstance(s, inst)
	// /proc/stat between the two scrapes the snapshot's rate() used, not
	// over the window's edges: at a scrape a second, those can be a
	// quarter of a 4 s window apart, and this machine's load moves.
	first, last := rateWindow(t, e, s, `node_cpu_seconds_total{instance=`+quote(inst)+`, mode="idle", cpu="0"}`)
	ours := busyBetween(procs.nearest(first), procs.nearest(last))
	t.Logf("CPU busy: fleet %.1f%%, /proc/stat %.1f%% between the scrapes at %s and %s; busiest core %.1f%%",
		h.CPUBusyPercent.V, ours, first.Format("15:04:05.000"), last.Format("15:04:05.000"), h.BusiestCorePercent.V)
	if math.Abs(h.CPUBusyPercent.V-ours) > 10 {
		t.Errorf("CPU busy %.1f%% differs from /proc/stat's %.1f%% by more than 10 points", h.CPUBusyPercent.V, ours)
	}
	if !h.BusiestCorePercent.Valid || h.BusiestCorePercent.V+0.01 < h.CPUBusyPercent.V {
		t.Errorf("busiest core %v is below the average %v", h.BusiestCorePercent, h.CPUBusyPercent)
	}
	// The figure is from the latest scrape, at most a scrape interval (and
	// a loaded scrape's delay) before the query: compare with what
	// /proc/meminfo said over that span — builds on a shared machine move
	// memory by hundreds of MB a second.
	lo, hi := procs.memRange(s.Taken.Add(-3*time.Second), s.Taken)
	t.Logf("memory used: fleet %.2f%%, /proc/meminfo %.2f%%–%.2f%%", h.MemoryUsedPercent.V, lo, hi)
	if !h.MemoryUsedPercent.Valid || h.MemoryUsedPercent.V < lo-2 || h.MemoryUsedPercent.V > hi+2 {
		t.Errorf("memory used %v, /proc/meminfo said %.2f%%–%.2f%% over the last 3 s", h.MemoryUsedPercent, lo, hi)
	}
	if h.Cores != runtime.NumCPU() || !h.Load1PerCore.Valid || !h.Uptime.Valid || h.FullestFSMount == "" || !h.FullestFSPercent.Valid {
		t.Errorf("host row incomplete: %+v", h)
	}
	if !h.Up || h.Labels["env"] != "test" || h.Job != "node" || h.Name != "127.0.0.1" {
		t.Errorf("host identity: %+v", h)
	}
	for _, r := range []Value{h.DiskReadBytesPerSec, h.DiskWriteBytesPerSec, h.NetRxBytesPerSec, h.NetTxBytesPerSec} {
		if !r.Valid || r.V < 0 {
			t.Errorf("a rate is missing or negative: %+v", h)
		}
	}
	if s.Queries > 10 {
		t.Errorf("%d requests in one refresh, want at most 10", s.Queries)
	}
	if s.Exporters.Node != 2 || s.Exporters.Postgres != 1 || s.Exporters.CAdvisor != 1 {
		t.Errorf("exporters found: %+v", s.Exporters)
	}
}

// The fleet's top containers come from cAdvisor's metric names, with their
// host, biggest first; a counter reset never shows as a negative rate.
func TestContainersAndCounterReset(t *testing.T) {
	e := need(t)
	c := newTestCollector(t, e)
	s := waitFor(t, c, 60*time.Second, "three containers with CPU figures", func(s *Snapshot) bool {
		return len(s.TopCPU) == 3 && s.TopCPU[0].CPUPercent.Valid && math.Abs(s.TopCPU[0].CPUPercent.V-150) < 15
	})
	web := s.TopCPU[0]
	if web.Name != "web" || web.Image != "nginx:1.25" || web.Instance != e.cadvisor.Addr || web.Host != "127.0.0.1" || !web.MemoryBytes.Valid {
		t.Errorf("top CPU container: %+v", web)
	}
	if len(s.TopMemory) != 3 || s.TopMemory[0].Name != "db" || s.TopMemory[0].MemoryBytes.V != 2<<30 {
		t.Errorf("top memory: %+v", s.TopMemory)
	}
	e.cadvisor.ResetCounters()
	deadline := time.Now().Add(3 * s.RateWindow)
	for time.Now().Before(deadline) {
		s := collectOK(t, c)
		for _, ct := range s.TopCPU {
			if !ct.CPUPercent.Valid || ct.CPUPercent.V < 0 || math.IsInf(ct.CPUPercent.V, 0) {
				t.Fatalf("after a counter reset: %+v", ct)
			}
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// A host's detail: every core, the root filesystem, its NICs, its top
// containers; sparklines are one query_range each, cached for an interval.
func TestHostDetailAndSparklines(t *testing.T) {
	e := need(t)
	// A refresh interval of a minute: the two sparkline asks below fall
	// within one interval even when a loaded machine makes the first slow.
	c := newTestCollector(t, e, func(o *Options) { o.Interval = time.Minute })
	// Container CPU is a rate too: it needs cAdvisor's second scrape.
	waitFor(t, c, 60*time.Second, "CPU figures of the host and its containers", func(s *Snapshot) bool {
		h := hostByInstance(s, e.node.Addr)
		return h != nil && h.CPUBusyPercent.Valid && len(s.TopCPU) > 0 && s.TopCPU[0].CPUPercent.Valid
	})
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	d, err := c.HostDetail(ctx, e.node.Addr)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Cores) != runtime.NumCPU() || !d.Cores[0].BusyPercent.Valid || d.Cores[0].CPU != "0" {
		t.Errorf("cores: %+v", d.Cores)
	}
	root := false
	for _, f := range d.Filesystems {
		root = root || (f.Mount == "/" && f.SizeBytes.V > 0 && f.UsedPercent.Valid)
	}
	if !root || len(d.NICs) == 0 || d.Host.Instance != e.node.Addr || !d.Host.Up || d.Queries != 2 {
		t.Errorf("detail: %+v", d)
	}
	// cAdvisor's target is the same host on another port: its containers
	// are this host's.
	if len(d.TopCPU) != 3 || d.TopCPU[0].Name != "web" || d.TopCPU[0].Instance != e.cadvisor.Addr || len(d.TopMemory) != 3 {
		t.Errorf("containers of the host: %+v", d.TopCPU)
	}
	if len(d.Postgres) != 1 || d.Postgres[0].Name != "127.0.0.1" {
		t.Errorf("PostgreSQL servers of the host: %+v", d.Postgres)
	}

	counting := &countingAPI{API: c.api}
	c.api = counting
	pts, err := c.Sparkline(ctx, SeriesCPUBusy, e.node.Addr, "", time.Minute)
	if err != nil || len(pts) == 0 {
		t.Fatalf("sparkline: %v, %v", pts, err)
	}
	for _, p := range pts {
		if p.V < 0 || p.V > 100 {
			t.Errorf("CPU point out of range: %+v", p)
		}
	}
	if _, err := c.Sparkline(ctx, SeriesCPUBusy, e.node.Addr, "", time.Minute); err != nil {
		t.Fatal(err)
	}
	if n := counting.ranges.Load(); n != 1 {
		t.Errorf("two sparkline asks within an interval made %d range queries, want 1 (cached)", n)
	}
	for _, k := range []SeriesKind{SeriesMemoryUsed, SeriesLoad1, SeriesNetRx, SeriesNetTx, SeriesDiskRead, SeriesDiskWrite} {
		if pts, err := c.Sparkline(ctx, k, e.node.Addr, "", time.Minute); err != nil || len(pts) == 0 {
			t.Errorf("sparkline %s: %d points, %v", k, len(pts), err)
		}
	}
	if pts, err := c.Sparkline(ctx, SeriesContainerCPU, e.cadvisor.Addr, "web", time.Minute); err != nil || len(pts) == 0 {
		t.Errorf("container sparkline: %d points, %v", len(pts), err)
	}
}
