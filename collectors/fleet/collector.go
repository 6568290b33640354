// Package fleet watches a fleet through Prometheus: every host
// (node_exporter), PostgreSQL server (postgres_exporter) and container
// (cAdvisor) that one Prometheus scrapes, in a bounded number of queries per
// refresh whatever the fleet's size, each aggregated on the server by the
// host label. A host's detail and sparkline ranges are asked on demand.
package fleet

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stacktop/stacktop/collectors"
)

// Defaults of Options.
const (
	DefaultHostLabel     = "instance"
	DefaultTopContainers = 10
	// DefaultRateWindow is the rate() range when no scrape interval is
	// known: four times Prometheus' default 15 s.
	DefaultRateWindow = time.Minute
	// minRateWindow keeps rate() meaningful with very short scrape intervals.
	minRateWindow = 4 * time.Second
)

// Options configures one Prometheus source.
type Options struct {
	// Name is the [[prometheus]] entry's name.
	Name string
	// Client is how to reach the server; ignored when API is set.
	Client ClientOptions
	// API replaces the HTTP client (tests, front ends).
	API API
	// HostLabel ties a host's node, postgres and container series together;
	// DefaultHostLabel when "".
	HostLabel string
	// NodeJob, PostgresJob and CAdvisorJob restrict each exporter to one
	// job; "" recognises the exporter by its metric names in any job.
	NodeJob, PostgresJob, CAdvisorJob string
	// TopContainers is how many containers each top list holds.
	TopContainers int
	// Interval is the refresh interval: sparkline ranges are cached that long.
	Interval time.Duration
}

// Collector is one Prometheus source. Collect gives the fleet's table;
// HostDetail and Sparkline answer the UI on demand (call them from a
// tea.Cmd with a timeout). It is safe for concurrent use.
type Collector struct {
	name, url string
	timeout   time.Duration
	interval  time.Duration
	top       int
	api       API

	mu          sync.Mutex
	qb          queryBuilder
	scrapeEvery time.Duration // longest scrape interval seen
	last        *Snapshot
	ranges      map[rangeKey]rangeEntry
}

// New builds the collector; nothing is contacted until Collect.
func New(opts Options) (*Collector, error) {
	if opts.HostLabel == "" {
		opts.HostLabel = DefaultHostLabel
	}
	if opts.TopContainers <= 0 {
		opts.TopContainers = DefaultTopContainers
	}
	c := &Collector{name: opts.Name, url: safeURL(opts.Client.URL), timeout: opts.Client.Timeout,
		interval: opts.Interval, top: opts.TopContainers, api: opts.API,
		qb:     queryBuilder{host: opts.HostLabel, nodeJob: opts.NodeJob, postgresJob: opts.PostgresJob, cadJob: opts.CAdvisorJob},
		ranges: map[rangeKey]rangeEntry{}}
	if c.api == nil {
		u, err := url.Parse(opts.Client.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("prometheus %q: url %q must look like http://prometheus:9090", opts.Name, c.url)
		}
		api, err := NewClient(opts.Client)
		if err != nil {
			return nil, fmt.Errorf("prometheus %q: %w", opts.Name, err)
		}
		c.api = api
	}
	return c, nil
}

// Name is the source's name.
func (c *Collector) Name() string { return c.name }

// counter counts the requests of one refresh.
type counter struct {
	API
	n *atomic.Int32
}

func (k counter) Query(ctx context.Context, q string, ts time.Time) ([]Sample, error) {
	k.n.Add(1)
	return k.API.Query(ctx, q, ts)
}

func (k counter) QueryRange(ctx context.Context, q string, s, e time.Time, step time.Duration) ([]Series, error) {
	k.n.Add(1)
	return k.API.QueryRange(ctx, q, s, e, step)
}

func (k counter) Targets(ctx context.Context) ([]Target, error) {
	k.n.Add(1)
	return k.API.Targets(ctx)
}

// Collect runs one refresh: five instant queries and the targets list in
// parallel (the very first refresh asks for the targets list first, for
// the scrape interval), the queries all evaluated at the same instant. The snapshot is a *Snapshot.
func (c *Collector) Collect(ctx context.Context) (collectors.Snapshot, error) {
	s, err := c.collect(ctx)
	if err != nil {
		return nil, err
	}
	return s, nil
}

func (c *Collector) collect(ctx context.Context) (_ *Snapshot, err error) {
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	var n atomic.Int32
	api := counter{API: c.api, n: &n}
	now := time.Now()
	defer func() {
		if err != nil {
			err = c.explain(err)
		}
	}()
	snap := &Snapshot{Taken: now, Source: c.name, URL: c.url}
	c.mu.Lock()
	every, qb := c.scrapeEvery, c.qb
	c.mu.Unlock()
	// The targets list sets the rate window (four scrape intervals): the
	// first refresh waits for it; later ones use the interval seen last
	// time and ask for the list alongside the queries.
	var (
		targets []Target
		tErr    error
		wg      sync.WaitGroup
	)
	if every == 0 {
		targets, tErr = api.Targets(ctx)
		if tErr != nil && !errors.Is(tErr, ErrNoTargetsAPI) && !isQueryError(tErr) {
			return nil, tErr // unreachable or refusing: the queries would fail alike
		}
		every = longestInterval(targets)
	} else {
		wg.Go(func() { targets, tErr = api.Targets(ctx) })
	}
	snap.RateWindow = DefaultRateWindow
	if every > 0 {
		snap.RateWindow = max(4*every, minRateWindow)
	}
	w := window(snap.RateWindow)
	queries := []string{qb.upQuery(), qb.hostGaugeQuery(), qb.hostRateQuery(w), qb.postgresQuery(w), qb.containerQuery(w, c.top)}
	results := make([][]Sample, len(queries))
	errs := make([]error, len(queries))
	for i, q := range queries {
		wg.Go(func() { results[i], errs[i] = api.Query(ctx, q, now) })
	}
	wg.Wait()
	switch {
	case errors.Is(tErr, ErrNoTargetsAPI):
		snap.Notes = append(snap.Notes, "the server has no /api/v1/targets: scrape errors are not shown")
	case isQueryError(tErr):
		snap.Notes = append(snap.Notes, "targets list: "+tErr.Error())
	case tErr != nil:
		return nil, tErr
	}
	if err := errors.Join(errs...); err != nil {
		return nil, firstErr(errs)
	}
	c.mu.Lock()
	c.scrapeEvery = max(c.scrapeEvery, longestInterval(targets))
	c.mu.Unlock()
	b := newAssembler(snap, qb.host)
	b.up(results[0])
	b.targets(targets)
	for _, r := range results[1:] {
		b.figures(r)
	}
	b.finish()
	snap.Queries = int(n.Load())

	c.mu.Lock()
	c.rememberJobs(snap)
	c.last = snap
	c.mu.Unlock()
	return snap, nil
}

// longestInterval is the longest scrape interval of the targets (0 when
// none says).
func longestInterval(ts []Target) time.Duration {
	var d time.Duration
	for _, t := range ts {
		d = max(d, t.ScrapeInterval)
	}
	return d
}

func firstErr(errs []error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

func isQueryError(err error) bool {
	var qe *QueryError
	return errors.As(err, &qe)
}

// rememberJobs keeps the jobs found for each exporter, so that a job whose
// targets are all down still lists them next time.
func (c *Collector) rememberJobs(s *Snapshot) {
	add := func(dst *[]string, job string) {
		if job != "" && !slices.Contains(*dst, job) {
			*dst = append(*dst, job)
			slices.Sort(*dst)
		}
	}
	for _, h := range s.Hosts {
		add(&c.qb.nodeJobs, h.Job)
	}
	for _, p := range s.Postgres {
		add(&c.qb.postgresJobs, p.Job)
	}
}

// Last is the latest snapshot Collect returned (nil before the first).
func (c *Collector) Last() *Snapshot {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.last
}

// DisplayName strips the port from a host label's value ("db1:9100" →
// "db1"); other values are kept as they are.
func DisplayName(instance string) string {
	if h, _, err := net.SplitHostPort(instance); err == nil && h != "" {
		return h
	}
	return instance
}

// safeURL drops credentials written into the URL.
func safeURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	u.User = nil
	return u.String()
}

// sortHosts orders hosts by name, then instance, for a stable table.
func sortHosts(hs []Host) {
	slices.SortFunc(hs, func(a, b Host) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Instance, b.Instance))
	})
}

// labelsOf copies a series' labels without the internal ones.
func labelsOf(m map[string]string) map[string]string {
	out := maps.Clone(m)
	delete(out, "__name__")
	delete(out, tagLabel)
	return out
}
