package fleet

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stacktop/stacktop/collectors/fleet/promtest"
	"github.com/stacktop/stacktop/collectors/postgres/pgtest"
)

// env is the package's shared fleet: a real Prometheus scraping every
// second a real node_exporter ("node" job, plus a second one the down/up
// test stops), a real postgres_exporter against a throwaway cluster, and
// the fake cAdvisor. Started once, by the first test that needs it;
// stopped in TestMain.
type env struct {
	dir      string
	prom     *promtest.Prometheus
	node     *promtest.Process // the machine this test runs on
	flaky    *promtest.Process // stopped and started by a test
	pgExp    *promtest.Process
	cadvisor *promtest.CAdvisor
	cluster  *pgtest.Cluster
	reason   string // why there is no fleet
	setupErr error  // a setup failure that fails every test needing the fleet
}

var fleetEnv = &env{}

// fleetOnce starts fleetEnv on the first test that needs it, so that a run
// of benchmarks alone (which build their own fleet) does not also run the
// shared one beside them and measure its load.
var fleetOnce sync.Once

// The fake cAdvisor's containers.
var testContainers = []promtest.Container{
	{Name: "web", Image: "nginx:1.25", CPUPerSec: 1.5, MemoryBytes: 300 << 20},
	{Name: "db", Image: "postgres:15", CPUPerSec: 0.25, MemoryBytes: 2 << 30},
	{Name: "cache", Image: "redis:7", CPUPerSec: 0.05, MemoryBytes: 64 << 20},
}

func TestMain(m *testing.M) {
	code := m.Run()
	fleetEnv.stop()
	os.Exit(code)
}

// setUp starts the shared fleet once; setupErr is set when it could not
// start for another reason than missing binaries.
func (e *env) setUp() {
	fleetOnce.Do(func() {
		err := e.start()
		if err == nil {
			return
		}
		if errors.Is(err, promtest.ErrNoBinaries) || errors.Is(err, pgtest.ErrNoServer) {
			e.reason = err.Error()
			if os.Getenv(promtest.RequireEnv) == "1" {
				e.setupErr = fmt.Errorf("%s=1 but %w", promtest.RequireEnv, err)
			} else {
				fmt.Fprintf(os.Stderr, "SKIP prometheus integration tests: %v\n", err)
			}
		} else {
			e.setupErr = fmt.Errorf("fleet test setup: %w", err)
		}
		e.stop()
	})
}

func (e *env) start() error {
	if err := promtest.Available(); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "stacktop-promtest-")
	if err != nil {
		return err
	}
	e.dir = dir
	if e.cluster, err = pgtest.Start(pgtest.Config{}); err != nil {
		return err
	}
	if err := e.cluster.CreateDatabase("bench"); err != nil {
		return err
	}
	if e.node, err = promtest.NodeExporter(dir); err != nil {
		return err
	}
	if e.flaky, err = promtest.NodeExporter(dir); err != nil {
		return err
	}
	if e.pgExp, err = promtest.PostgresExporter(dir, e.cluster.SuperDSN("postgres")); err != nil {
		return err
	}
	for _, p := range []*promtest.Process{e.node, e.flaky, e.pgExp} {
		if err := p.Start("/metrics"); err != nil {
			return err
		}
	}
	if e.cadvisor, err = promtest.StartCAdvisor(testContainers...); err != nil {
		return err
	}
	e.prom, err = promtest.StartPrometheus(dir, promtest.PromConfig{
		ScrapeInterval: time.Second,
		Jobs: []promtest.Job{
			{Name: "node", Targets: []string{e.node.Addr, e.flaky.Addr}, Labels: map[string]string{"env": "test"}},
			{Name: "postgres", Targets: []string{e.pgExp.Addr}},
			{Name: "cadvisor", Targets: []string{e.cadvisor.Addr}},
		},
	})
	return err
}

func (e *env) stop() {
	e.prom.Destroy()
	e.prom = nil
	for _, p := range []*promtest.Process{e.node, e.flaky, e.pgExp} {
		if p != nil {
			_ = p.Stop()
		}
	}
	if e.cadvisor != nil {
		e.cadvisor.Close()
	}
	e.cluster.Destroy()
	if e.dir != "" {
		_ = os.RemoveAll(e.dir)
	}
	// Stopped twice (a failed setup, then TestMain): the second time is a no-op.
	*e = env{reason: e.reason, setupErr: e.setupErr}
}

// need skips (loudly) when the fleet could not start for lack of binaries.
func need(t testing.TB) *env {
	t.Helper()
	fleetEnv.setUp()
	if fleetEnv.setupErr != nil {
		t.Fatal(fleetEnv.setupErr)
	}
	if fleetEnv.prom == nil {
		t.Skipf("SKIP: no test Prometheus: %s", fleetEnv.reason)
	}
	return fleetEnv
}

// newTestCollector is a collector for the shared Prometheus with any job
// (exporters recognised by their metric names).
func newTestCollector(t testing.TB, e *env, opts ...func(*Options)) *Collector {
	t.Helper()
	o := Options{Name: "fleet", Client: ClientOptions{URL: e.prom.URL(), Timeout: 10 * time.Second}, Interval: time.Second}
	for _, f := range opts {
		f(&o)
	}
	c, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// collectOK polls once with a 15 s deadline and fails the test on error.
func collectOK(t testing.TB, c *Collector) *Snapshot {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	s, err := c.Collect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return s.(*Snapshot)
}

// waitFor polls until ok accepts a snapshot, or fails after limit.
func waitFor(t testing.TB, c *Collector, limit time.Duration, what string, ok func(*Snapshot) bool) *Snapshot {
	t.Helper()
	deadline := time.Now().Add(limit)
	var last *Snapshot
	var lastErr error
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		s, err := c.Collect(ctx)
		cancel()
		if err == nil {
			last = s.(*Snapshot)
			if ok(last) {
				return last
			}
		}
		lastErr = err
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("%s: not within %s; last error %v, last snapshot %+v", what, limit, lastErr, last)
	return nil
}

func hostByInstance(s *Snapshot, inst string) *Host {
	for i := range s.Hosts {
		if s.Hosts[i].Instance == inst {
			return &s.Hosts[i]
		}
	}
	return nil
}
