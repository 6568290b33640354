package fleet

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stacktop/stacktop/collectors/fleet/promtest"
)

// benchScrape is the scale setup's scrape interval: 500 targets every
// second would be more than this 2-core machine can ingest.
const benchScrape = 10 * time.Second

// BenchmarkFleetRefresh measures one refresh of a fleet of 50, then 500
// hosts: a real Prometheus scraping real node_exporter output under that
// many distinct instance labels (relabelling; a cache in front of the
// node_exporter keeps it to one real scrape a second). It reports the
// requests per refresh, Prometheus' own evaluation time per refresh
// (prometheus_engine_query_duration_seconds, inner_eval + prepare_time,
// summed over the parallel queries), Prometheus' CPU per refresh (its
// process CPU less what scraping alone costs) and ours, and this process's
// heap and RSS with the snapshot held.
//
//	go test -run '^$' -bench BenchmarkFleetRefresh -benchtime 20x -timeout 20m ./collectors/fleet/
func BenchmarkFleetRefresh(b *testing.B) {
	if err := promtest.Available(); err != nil {
		b.Skip(err)
	}
	dir := b.TempDir()
	node, err := promtest.NodeExporter(dir, "--collector.disable-defaults", "--collector.cpu", "--collector.meminfo",
		"--collector.loadavg", "--collector.filesystem", "--collector.diskstats", "--collector.netdev",
		"--collector.stat", "--collector.time", "--collector.uname")
	if err != nil {
		b.Fatal(err)
	}
	if err := node.Start("/metrics"); err != nil {
		b.Fatal(err)
	}
	defer node.Stop()
	cache, err := promtest.StartCache(node.URL()+"/metrics", time.Second)
	if err != nil {
		b.Fatal(err)
	}
	defer cache.Close()
	cfg := func(n int) promtest.PromConfig {
		j := promtest.Job{Name: "node", Drop: "go_.*|process_.*|promhttp_.*|node_scrape_.*"}
		for i := range n {
			j.Targets = append(j.Targets, cache.Addr)
			j.Instances = append(j.Instances, fmt.Sprintf("host-%03d:9100", i))
		}
		return promtest.PromConfig{ScrapeInterval: benchScrape, Jobs: []promtest.Job{j}}
	}
	prom, err := promtest.StartPrometheus(dir, cfg(50))
	if err != nil {
		b.Fatal(err)
	}
	defer prom.Destroy()
	for _, n := range []int{50, 500} {
		if n != 50 {
			if err := prom.Reload(cfg(n)); err != nil {
				b.Fatal(err)
			}
		}
		b.Run(fmt.Sprintf("hosts=%d", n), func(b *testing.B) {
			c, err := New(Options{Name: "bench", Client: ClientOptions{URL: prom.URL(), Timeout: 30 * time.Second}, Interval: 15 * time.Second})
			if err != nil {
				b.Fatal(err)
			}
			waitForHosts(b, c, n)
			// Prometheus' CPU while only scraping, to subtract: wall-clock
			// figures swing with the machine's load, CPU seconds much less.
			idleFrom, idleCPU := time.Now(), promCPU(b, prom.URL())
			time.Sleep(benchScrape)
			idleRate := (promCPU(b, prom.URL()) - idleCPU) / time.Since(idleFrom).Seconds()
			before := engineSeconds(b, prom.URL())
			cpuBefore, ownBefore, loopFrom := promCPU(b, prom.URL()), ownCPU(), time.Now()
			b.ResetTimer()
			var s *Snapshot
			for range b.N {
				s, err = c.collect(context.Background())
				if err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			loop := time.Since(loopFrom).Seconds()
			promPer := (promCPU(b, prom.URL()) - cpuBefore - idleRate*loop) / float64(b.N)
			ownPer := (ownCPU() - ownBefore) / float64(b.N)
			after := engineSeconds(b, prom.URL())
			if len(s.Hosts) != n {
				b.Fatalf("%d hosts, want %d", len(s.Hosts), n)
			}
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			b.ReportMetric(float64(s.Queries), "requests/refresh")
			// Our queries only: the harness's own queries are not in the loop.
			b.ReportMetric((after-before)/float64(b.N)*1000, "prom-eval-ms/refresh")
			b.ReportMetric(promPer*1000, "prom-cpu-ms/refresh")
			b.ReportMetric(ownPer*1000, "own-cpu-ms/refresh")
			b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MiB")
			b.ReportMetric(rssMiB(b), "rss-MiB")
			runtime.KeepAlive(s)
		})
	}
}

// waitForHosts waits until every host has two scrapes in the rate window.
func waitForHosts(b *testing.B, c *Collector, n int) {
	deadline := time.Now().Add(3*benchScrape + time.Minute)
	for time.Now().Before(deadline) {
		s, err := c.collect(context.Background())
		if err == nil && len(s.Hosts) == n {
			ok := 0
			for _, h := range s.Hosts {
				if h.CPUBusyPercent.Valid && h.Up {
					ok++
				}
			}
			if ok == n {
				return
			}
		}
		time.Sleep(time.Second)
	}
	b.Fatalf("%d hosts with CPU figures not within %s", n, 3*benchScrape+time.Minute)
}

// promCPU is Prometheus' process_cpu_seconds_total.
func promCPU(b *testing.B, base string) float64 {
	return metricSum(b, base, func(line string) bool { return strings.HasPrefix(line, "process_cpu_seconds_total ") })
}

// ownCPU is this process's user+system CPU seconds.
func ownCPU() float64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// engineSeconds is Prometheus' cumulative query evaluation and preparation time.
func engineSeconds(b *testing.B, base string) float64 {
	return metricSum(b, base, func(line string) bool {
		return strings.HasPrefix(line, "prometheus_engine_query_duration_seconds_sum{") &&
			(strings.Contains(line, `slice="inner_eval"`) || strings.Contains(line, `slice="prepare_time"`))
	})
}

// metricSum adds the values of Prometheus' own metric lines that match.
func metricSum(b *testing.B, base string, match func(string) bool) float64 {
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	var total float64
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if match(line) {
			f := strings.Fields(line)
			v, _ := strconv.ParseFloat(f[len(f)-1], 64)
			total += v
		}
	}
	return total
}

func rssMiB(b *testing.B) float64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}
