package promtest

import (
	"fmt"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// Container is one container the fake cAdvisor reports.
type Container struct {
	Name, Image string
	// CPUPerSec is how many CPU-seconds it burns per second (1 = one core);
	// the exposed counter grows by that much per second.
	CPUPerSec float64
	// MemoryBytes is its working set.
	MemoryBytes float64
}

// CAdvisor serves cAdvisor's metric names — container_cpu_usage_seconds_total
// and container_memory_working_set_bytes, with name, image and id labels —
// on 127.0.0.1 for a real Prometheus to scrape. The CPU counter is computed
// from the wall clock, so its rate is exactly CPUPerSec.
type CAdvisor struct {
	Addr string

	srv   *http.Server
	mu    sync.Mutex
	start time.Time
	conts []Container
	reset time.Time // counters restart from 0 at this time (a cAdvisor restart)
}

// StartCAdvisor listens on a free port and serves the containers.
func StartCAdvisor(containers ...Container) (*CAdvisor, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	c := &CAdvisor{Addr: l.Addr().String(), start: time.Now(), conts: containers}
	c.reset = c.start
	c.srv = &http.Server{Handler: http.HandlerFunc(c.serve), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = c.srv.Serve(l) }()
	return c, nil
}

// ResetCounters makes every counter start again from zero, as after a
// cAdvisor or container restart.
func (c *CAdvisor) ResetCounters() {
	c.mu.Lock()
	c.reset = time.Now()
	c.mu.Unlock()
}

// Close stops serving.
func (c *CAdvisor) Close() { _ = c.srv.Close() }

func (c *CAdvisor) serve(w http.ResponseWriter, _ *http.Request) {
	c.mu.Lock()
	conts := append([]Container(nil), c.conts...)
	elapsed := time.Since(c.reset).Seconds()
	c.mu.Unlock()
	sort.Slice(conts, func(i, j int) bool { return conts[i].Name < conts[j].Name })
	var b strings.Builder
	b.WriteString("# HELP container_cpu_usage_seconds_total Cumulative cpu time consumed in seconds.\n")
	b.WriteString("# TYPE container_cpu_usage_seconds_total counter\n")
	for _, ct := range conts {
		fmt.Fprintf(&b, "container_cpu_usage_seconds_total{cpu=\"total\",id=\"/docker/%s\",image=%q,name=%q} %g\n",
			ct.Name, ct.Image, ct.Name, ct.CPUPerSec*elapsed)
	}
	b.WriteString("# HELP container_memory_working_set_bytes Current working set in bytes.\n")
	b.WriteString("# TYPE container_memory_working_set_bytes gauge\n")
	for _, ct := range conts {
		fmt.Fprintf(&b, "container_memory_working_set_bytes{id=\"/docker/%s\",image=%q,name=%q} %g\n",
			ct.Name, ct.Image, ct.Name, ct.MemoryBytes)
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	_, _ = w.Write([]byte(b.String()))
}
