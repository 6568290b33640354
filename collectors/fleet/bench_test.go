package fleet

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"slices"
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

// benchNodeFlags are the scale fleet's node_exporter collectors: those the
// Fleet tab reads. Its NICs leave out the containers' virtual ones
// (veth*, br-*, docker*): on this machine other work starts and stops
// containers, and a hundred veths per host — 1,900 series a host instead
// of 200 — would make the fleet and the figures change from run to run.
var benchNodeFlags = []string{"--collector.disable-defaults", "--collector.cpu", "--collector.meminfo",
	"--collector.loadavg", "--collector.filesystem", "--collector.diskstats", "--collector.netdev",
	"--collector.stat", "--collector.time", "--collector.uname",
	"--collector.netdev.device-exclude=^(lo|veth.*|br-.*|docker.*)$"}

// BenchmarkFleetRefresh measures one refresh of a fleet of 50, 100, 250
// and 500 hosts: a real Prometheus scraping real node_exporter output
// under that many distinct instance labels (relabelling; a cache in front
// of the node_exporter keeps it to one real scrape a second), every 10 s.
// Each host has this machine's series (about 200: its cores, filesystems,
// disks and NICs). It reports, per refresh:
//
//   - ns/op: the wall time of one refresh (Collect), the figure the
//     issue's 300 ms target is about;
//   - requests/refresh: the queries and the targets list (at most 10);
//   - prom-query-ms/refresh: Prometheus' own time on our queries
//     (prometheus_engine_query_duration_seconds: queue, prepare, inner
//     eval and sort, summed over the queries, which run in parallel);
//   - prom-cpu-ms/refresh and own-cpu-ms/refresh: CPU seconds of
//     Prometheus and of this process (Collect plus the scrape cache), less
//     what each spends in the same time without refreshes — wall time
//     swings with the machine's load, CPU much less;
//   - heap-MiB and rss-MiB: this process with the last snapshot held (the
//     RSS includes the test binary and the scrape cache: an upper bound
//     for stacktop's);
//   - q-NAME-ms: each query of a refresh alone, Prometheus' evaluation
//     time for it (stats=all), to see which one to work on.
//
// Run it alone (nothing else of the package starts then):
//
//	go test -run '^$' -bench BenchmarkFleetRefresh -benchtime 20x -timeout 30m ./collectors/fleet/
//
// and -bench 'BenchmarkFleetRefresh/hosts=500' for one size.
func BenchmarkFleetRefresh(b *testing.B) {
	if err := promtest.Available(); err != nil {
		b.Skip(err)
	}
	dir := b.TempDir()
	node, err := promtest.NodeExporter(dir, benchNodeFlags...)
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
	var prom *promtest.Prometheus
	defer func() { prom.Destroy() }()
	for _, n := range []int{50, 100, 250, 500} {
		b.Run(fmt.Sprintf("hosts=%d", n), func(b *testing.B) {
			// Sizes grow: the smaller fleet's hosts are the first of the
			// bigger one, so no stale series of a dropped host linger.
			if prom == nil {
				if prom, err = promtest.StartPrometheus(dir, cfg(n)); err != nil {
					b.Fatal(err)
				}
			} else if err := prom.Reload(cfg(n)); err != nil {
				b.Fatal(err)
			}
			c, err := New(Options{Name: "bench", Client: ClientOptions{URL: prom.URL(), Timeout: 30 * time.Second}, Interval: 15 * time.Second})
			if err != nil {
				b.Fatal(err)
			}
			waitForHosts(b, c, n)
			// Prometheus' CPU (and ours, serving the scrapes) while only
			// scraping, to subtract.
			idleFrom, idleCPU, idleOwn := time.Now(), promCPU(b, prom.URL()), ownCPU()
			time.Sleep(benchScrape)
			idleSec := time.Since(idleFrom).Seconds()
			idleRate := (promCPU(b, prom.URL()) - idleCPU) / idleSec
			ownIdleRate := (ownCPU() - idleOwn) / idleSec
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
			ownPer := (ownCPU() - ownBefore - ownIdleRate*loop) / float64(b.N)
			after := engineSeconds(b, prom.URL())
			if len(s.Hosts) != n {
				b.Fatalf("%d hosts, want %d", len(s.Hosts), n)
			}
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			b.ReportMetric(float64(s.Queries), "requests/refresh")
			// Our queries only: the harness's own queries are not in the loop.
			b.ReportMetric((after-before)/float64(b.N)*1000, "prom-query-ms/refresh")
			b.ReportMetric(promPer*1000, "prom-cpu-ms/refresh")
			b.ReportMetric(ownPer*1000, "own-cpu-ms/refresh")
			b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MiB")
			b.ReportMetric(rssMiB(b), "rss-MiB")
			// Where Prometheus spends it: each query alone, its engine
			// time (stats=all evalTotalTime), the median of five.
			w := window(s.RateWindow)
			for _, q := range []struct{ name, promql string }{
				{"up", c.qb.upQuery()}, {"gauges", c.qb.hostGaugeQuery()}, {"rates", c.qb.hostRateQuery(w)},
				{"postgres", c.qb.postgresQuery(w)}, {"containers", c.qb.containerQuery(w, c.top)},
			} {
				b.ReportMetric(evalMillis(b, prom.URL(), q.promql), "q-"+q.name+"-ms")
			}
			runtime.KeepAlive(s)
		})
	}
}

// evalMillis is Prometheus' own evaluation time of one instant query
// (stats=all's evalTotalTime), the median of five runs.
func evalMillis(b *testing.B, base, q string) float64 {
	var ms []float64
	for range 5 {
		resp, err := http.PostForm(base+"/api/v1/query", url.Values{"query": {q}, "stats": {"all"}})
		if err != nil {
			b.Fatal(err)
		}
		var doc struct {
			Data struct {
				Stats struct {
					Timings struct {
						EvalTotalTime float64 `json:"evalTotalTime"`
					} `json:"timings"`
				} `json:"stats"`
			} `json:"data"`
		}
		err = json.NewDecoder(resp.Body).Decode(&doc)
		resp.Body.Close()
		if err != nil {
			b.Fatal(err)
		}
		ms = append(ms, doc.Data.Stats.Timings.EvalTotalTime*1000)
	}
	slices.Sort(ms)
	return ms[len(ms)/2]
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

// engineSeconds is Prometheus' cumulative query time: every slice of
// prometheus_engine_query_duration_seconds (queue, prepare, inner eval,
// result sort).
func engineSeconds(b *testing.B, base string) float64 {
	return metricSum(b, base, func(line string) bool {
		return strings.HasPrefix(line, "prometheus_engine_query_duration_seconds_sum{")
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
