package docker

import (
	"context"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"

	"github.com/stacktop/stacktop/collectors/docker/dockertest"
)

// countingProxy is an HTTP reverse proxy on a unix socket in front of the
// engine's socket that counts requests by route ("GET /containers/{id}/json").
type countingProxy struct {
	path string
	mu   sync.Mutex
	n    map[string]int
}

// routeIDs matches the API version prefix and a container ID in a path.
var (
	routeVersion = regexp.MustCompile(`^/v[0-9.]+`)
	routeID      = regexp.MustCompile(`/[0-9a-f]{64}`)
)

func newCountingProxy(t *testing.T) *countingProxy {
	p := &countingProxy{path: filepath.Join(t.TempDir(), "count.sock"), n: map[string]int{}}
	target, _ := url.Parse("http://docker")
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.FlushInterval = -1 // the event stream must pass at once
	rp.Transport = &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", "/var/run/docker.sock")
	}}
	ln, err := net.Listen("unix", p.path)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		route := r.Method + " " + routeID.ReplaceAllString(routeVersion.ReplaceAllString(r.URL.Path, ""), "/{id}")
		p.mu.Lock()
		p.n[route]++
		p.mu.Unlock()
		rp.ServeHTTP(w, r)
	})}
	go srv.Serve(ln)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		srv.Close()
	})
	return p
}

// counts returns the requests so far, by route, and resets them.
func (p *countingProxy) counts() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := p.n
	p.n = map[string]int{}
	return out
}

func formatCounts(n map[string]int) string {
	var b strings.Builder
	total := 0
	for _, k := range slices.Sorted(maps.Keys(n)) {
		fmt.Fprintf(&b, "\n  %5d  %s", n[k], k)
		total += n[k]
	}
	fmt.Fprintf(&b, "\n  %5d  in all", total)
	return b.String()
}

// pollCalls reads the collector's API call counts.
func pollCalls(c *Collector) apiCalls {
	c.pollMu.Lock()
	defer c.pollMu.Unlock()
	return c.poll.calls
}

// since formats the calls made after c0.
func (c apiCalls) since(c0 apiCalls) string {
	return fmt.Sprintf("%d lists, %d pings, %d inspects", c.list-c0.list, c.ping-c0.ping, c.inspect-c0.inspect)
}

// TestAPICallsPerMinute counts the engine API requests the collector makes
// over two minutes of 2 s polls with 100 idle containers, minute by minute,
// after a warm-up poll (the first poll inspects every container once). The
// other users of the shared engine make events that cost lists too. It is the daemon
// side of the cost TestCostVersusDockerStats measures, broken down by call.
//
//	STACKTOP_DOCKER_COST=1 go test -count=1 -race=false -run TestAPICallsPerMinute -v ./collectors/docker/
func TestAPICallsPerMinute(t *testing.T) {
	if os.Getenv(CostEnv) != "1" {
		t.Skipf("set %s=1 to run the 2-minute API call count", CostEnv)
	}
	fleetOf100(t)
	p := newCountingProxy(t)
	c := newCollector(t, Options{Host: "unix://" + p.path})
	s := collect(t, c)
	t.Logf("warm-up poll (%d containers):%s", len(s.Containers), formatCounts(p.counts()))
	const window, interval = 60 * time.Second, 2 * time.Second
	for _, minute := range []string{"first", "second (steady: safety-net re-inspections due)"} {
		polls := 0
		for end := time.Now().Add(window); time.Now().Before(end); time.Sleep(interval) {
			collect(t, c)
			polls++
		}
		t.Logf("%s minute, %d polls:%s", minute, polls, formatCounts(p.counts()))
	}
}

// TestListOnlyWhenChanged: while the event stream follows the engine and
// nothing happens, a poll pings instead of listing; a change behind the
// collector's back is listed on the poll its event brings, and while the
// stream is down every poll lists. A stopped container's files are closed.
func TestListOnlyWhenChanged(t *testing.T) {
	e := dockertest.Start(t)
	id, _ := e.Run(t, dockertest.Spec{Name: "quiet", NetworkMode: "none"})
	p := newCountingProxy(t)
	c := newCollector(t, Options{Host: "unix://" + p.path})
	collect(t, c)
	waitConnected(t, c, 0)
	// Other tests share the engine: a phase in which any event arrived
	// (the stream's position moved) proves nothing; try again.
	quiet := false
	for range 5 {
		// The stream's position is read before the two polls that take
		// what arrived before it: an event recorded after them but before
		// the read would otherwise make the quiet polls list unseen.
		c.events.mu.Lock()
		last := c.events.last
		c.events.mu.Unlock()
		collect(t, c) // takes what arrived before,
		collect(t, c) // and lists once more after a change
		p.counts()
		for range 3 {
			collect(t, c)
		}
		n := p.counts()
		c.events.mu.Lock()
		moved := !c.events.last.Equal(last)
		c.events.mu.Unlock()
		if moved {
			continue
		}
		quiet = true
		if n["GET /containers/json"] != 0 || n["HEAD /_ping"] != 3 {
			t.Errorf("three quiet polls made:%s\nwant 3 pings and no list", formatCounts(n))
		}
		break
	}
	if !quiet {
		t.Log("the shared engine was never quiet for three polls; the quiet phase is not checked")
	}
	c.pollMu.Lock()
	open := c.poll.known[id].files != nil
	c.pollMu.Unlock()
	if !open {
		t.Error("a running container's files are not kept open between polls")
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := e.Client.ContainerKill(ctx, id, "KILL"); err != nil {
		t.Fatal(err)
	}
	collectUntil(t, c, 10*time.Second, "the killed container shows exited", func(s *Snapshot) bool {
		return mustFind(t, s, id).State == "exited"
	})
	if n := p.counts(); n["GET /containers/json"] == 0 {
		t.Errorf("the poll after a kill did not list:%s", formatCounts(n))
	}
	c.pollMu.Lock()
	open = c.poll.known[id].files != nil
	c.pollMu.Unlock()
	if open {
		t.Error("a stopped container's files are still open")
	}

	// Stream down (the feed says so): every poll lists.
	c.events.mu.Lock()
	c.events.status.Connected = false
	c.events.mu.Unlock()
	collect(t, c)
	if n := p.counts(); n["GET /containers/json"] != 1 {
		t.Errorf("a poll while the stream is down made:%s\nwant one list", formatCounts(n))
	}
}

// TestMemoryLimitUpdate: `docker update --memory` shows on the poll its
// event brings, although the container's files stay open between polls
// and its limit is read once when they are located.
func TestMemoryLimitUpdate(t *testing.T) {
	e := dockertest.Start(t)
	id, _ := e.Run(t, dockertest.Spec{Name: "limited", NetworkMode: "none", Memory: 64 << 20})
	c := newCollector(t, Options{})
	collectUntil(t, c, 10*time.Second, "the 64 MiB limit", func(s *Snapshot) bool {
		return mustFind(t, s, id).Stats.MemLimit == 64<<20
	})
	waitConnected(t, c, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := e.Client.ContainerUpdate(ctx, id, container.UpdateConfig{Resources: container.Resources{Memory: 96 << 20, MemorySwap: -1}}); err != nil {
		t.Fatal(err)
	}
	collectUntil(t, c, 10*time.Second, "the updated 96 MiB limit", func(s *Snapshot) bool {
		return mustFind(t, s, id).Stats.MemLimit == 96<<20
	})
}
