// Package docker collects one Docker engine's containers with their stats,
// and follows the engine's event stream.
//
// Cost model. While the event stream follows the engine and is quiet, a
// poll makes one API call, a ping (so a gone engine still fails the poll
// at once), and reuses the last container list: listing 100 containers
// costs the engine ~9 ms of CPU. An event about a container (or an image
// tag), a stream that is not connected, or ListEvery passing brings a
// ContainerList, and the poll after an event-driven one lists again.
// Stats are read straight from each running container's cgroup files and
// /proc/<pid>/net/dev when the engine is local (found through the init
// pid's /proc/<pid>/cgroup, which must name the container), files held
// open between polls and read with one pread each; one-shot API stats are
// the per-container fallback. ContainerInspect only for containers that
// are new, changed state or health in the list, were named by an event,
// or were not inspected for InspectEvery. Measured with 100 idle
// containers on a busy 2-core machine (see bench_test.go and
// cost_test.go): a quiet poll takes about 4 ms wall and 2.3 ms of our CPU,
// next to nothing of the engine's (it was 13 ms and ~10 ms with a list a
// poll and files opened each time); a poll through one-shot API stats
// takes about 1.5 s and 520 ms of daemon CPU, because the engine answers
// each call at its stats collector's next 1 s tick and asks containerd
// for every container.
//
// Events (events.go) make the hub poll within ~100 ms of a change and mark
// containers for re-inspection; a broken stream reconnects with backoff and
// forces a full resync. Detail (Inspect), logs (Logs, LogTail) and stats
// history (Container.History) serve the detail panes.
package docker

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/versions"
	"github.com/docker/docker/client"

	"github.com/stacktop/stacktop/collectors"
	"github.com/stacktop/stacktop/collectors/docker/endpoint"
)

// Defaults for zero Options fields.
const (
	DefaultCallTimeout  = 5 * time.Second
	DefaultInspectEvery = time.Minute
	DefaultHistoryLen   = 60
	DefaultEventBuffer  = 100
	DefaultWorkers      = 8
	DefaultStatsWorkers = 128
	DefaultDebounce     = 100 * time.Millisecond
	DefaultListEvery    = 30 * time.Second
	// minAPIVersion is the oldest engine API stacktop talks to (Docker 1.13).
	minAPIVersion = "1.25"
)

// Options configure one Docker host.
type Options struct {
	// Name is the host's name as the user configured it ("local").
	Name string
	// Host is the daemon address, unix:///..., tcp://... or
	// ssh://[user@]host[:port]; Context names a docker CLI context instead.
	// Both empty: resolved as the docker CLI does (DOCKER_HOST,
	// DOCKER_CONTEXT, config.json's currentContext, the default socket).
	Host, Context string
	// Env is the environment the resolution reads (zero: the process's).
	Env endpoint.Env
	// TLS options for tcp:// hosts; empty paths mean no TLS. TLSVerify
	// checks the daemon's certificate against TLSCACert (the CLI's
	// --tlsverify); without it the connection is encrypted but unverified.
	TLSCACert, TLSCert, TLSKey string
	TLSVerify                  bool

	// StatsFrom forces a stats source: StatsAPI always uses one-shot API
	// calls; "" (auto) reads cgroup files when the engine is local and
	// falls back to the API per container.
	StatsFrom StatsSource
	// ProcRoot and CgroupRoot are where the engine host's /proc and
	// /sys/fs/cgroup are visible (for stacktop in a container with the
	// host's mounted elsewhere); defaults "/proc" and "/sys/fs/cgroup".
	ProcRoot, CgroupRoot string
	// CallTimeout bounds every API call (DefaultCallTimeout when zero).
	CallTimeout time.Duration
	// InspectEvery is how often a container nothing has happened to is
	// inspected again, as a safety net behind the event stream.
	InspectEvery time.Duration
	// HistoryLen is how many samples each container's History keeps.
	HistoryLen int
	// EventBuffer is how many recent events a snapshot carries.
	EventBuffer int
	// Workers bounds parallel inspect calls.
	Workers int
	// StatsWorkers bounds parallel one-shot stats calls (API path only).
	// It is high on purpose: the engine answers a one-shot call only at its
	// stats collector's next one-second tick, so calls wait, they do not
	// work; 100 containers at 8 in parallel took 13.7 s a poll, all at
	// once about one tick.
	StatsWorkers int
	// Debounce coalesces a burst of events into one early poll.
	Debounce time.Duration
	// ListEvery is how often the container list is read again while the
	// event stream is connected and quiet, as a safety net behind it (the
	// list is read on every poll while the stream is down).
	ListEvery time.Duration
}

func (o Options) withDefaults() Options {
	orDefault(&o.CallTimeout, DefaultCallTimeout)
	orDefault(&o.InspectEvery, DefaultInspectEvery)
	orDefault(&o.Debounce, DefaultDebounce)
	orDefault(&o.ListEvery, DefaultListEvery)
	orDefault(&o.HistoryLen, DefaultHistoryLen)
	orDefault(&o.EventBuffer, DefaultEventBuffer)
	orDefault(&o.Workers, DefaultWorkers)
	orDefault(&o.StatsWorkers, DefaultStatsWorkers)
	if o.ProcRoot == "" {
		o.ProcRoot = "/proc"
	}
	if o.CgroupRoot == "" {
		o.CgroupRoot = "/sys/fs/cgroup"
	}
	return o
}

// orDefault sets *v to def when it is unset (zero) or nonsensical (negative).
func orDefault[T int | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// Collector polls one Docker engine. Collect is called by one goroutine at
// a time (the hub's); Inspect, Logs and History may be called concurrently
// from elsewhere.
type Collector struct {
	opts   Options
	events *eventFeed

	mu     sync.Mutex // guards the connection fields below
	cli    *client.Client
	ep     endpoint.Endpoint // where cli talks to, resolved with it
	engine engineInfo
	closed bool
	stop   context.CancelFunc
	done   chan struct{}

	pollMu sync.Mutex // one Collect at a time; guards poll state
	poll   pollState

	// bg bounds background work (remote stats rounds); Close cancels it.
	bg       context.Context
	bgCancel context.CancelFunc
	remote   remoteSampler
}

// engineInfo is read once per connection (and again after a resync).
type engineInfo struct {
	version, api string
	cores        int
	memTotal     uint64
	// clock is the engine's time when it was asked (its own clock, for
	// the event stream's first "since").
	clock time.Time
}

// New validates opts and returns a collector; it does not connect yet.
func New(opts Options) (*Collector, error) {
	opts = opts.withDefaults()
	switch opts.StatsFrom {
	case "", StatsAPI, StatsCgroup:
	default:
		return nil, fmt.Errorf("docker %q: unknown stats source %q — use \"api\" or leave it empty", opts.Name, opts.StatsFrom)
	}
	if (opts.TLSCert == "") != (opts.TLSKey == "") {
		return nil, fmt.Errorf("docker %q: TLS needs both a certificate and a key — set both or neither", opts.Name)
	}
	bg, cancel := context.WithCancel(context.Background())
	return &Collector{
		opts:   opts,
		events: newEventFeed(opts.EventBuffer, opts.Debounce),
		poll:   newPollState(opts.HistoryLen),
		bg:     bg, bgCancel: cancel,
	}, nil
}

// Changes implements collectors.ChangeNotifier: it fires (coalesced over
// Options.Debounce) after container events and after the event stream
// reconnects, so the hub polls at once.
func (c *Collector) Changes() <-chan struct{} { return c.events.notify }

// Close implements collectors.Closer: it stops the event stream and closes
// the connection. The collector cannot be used afterwards.
func (c *Collector) Close() error {
	c.mu.Lock()
	c.closed = true
	stop, done, cli := c.stop, c.done, c.cli
	c.cli, c.stop = nil, nil
	c.mu.Unlock()
	c.bgCancel()
	c.remote.wait()
	if stop != nil {
		stop()
		<-done
	}
	var err error
	if cli != nil {
		err = cli.Close()
	}
	// After the client: a poll in flight fails fast, and no poll starts
	// again (closed is set), so no file opens after this.
	c.pollMu.Lock()
	c.poll.closeAll()
	c.pollMu.Unlock()
	return err
}

// client returns the connection, creating it (and starting the event
// stream) on first use. Creating a client does no I/O.
func (c *Collector) client() (*client.Client, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, fmt.Errorf("docker %q: collector closed", c.opts.Name)
	}
	if c.cli != nil {
		return c.cli, nil
	}
	ep, err := c.opts.Endpoint()
	if err != nil {
		return nil, fmt.Errorf("docker %q: %w", c.opts.Name, err)
	}
	opts, err := ep.ClientOpts()
	if err == nil {
		c.cli, err = client.NewClientWithOpts(opts...)
	}
	if err != nil {
		return nil, fmt.Errorf("docker %q: %s (from %s): %w — check [[docker]] host, context and TLS settings or DOCKER_HOST", c.opts.Name, ep.Host, ep.From, err)
	}
	c.ep = ep
	return c.cli, nil
}

// endpoint is where the collector talks to (zero before the first poll).
func (c *Collector) endpoint() endpoint.Endpoint {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ep
}

// startEvents starts following the event stream once the API version is
// negotiated (the client's negotiation must not race the stream's first
// request).
func (c *Collector) startEvents(cli *client.Client) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stop != nil || c.closed || c.cli != cli {
		return
	}
	ctx, stop := context.WithCancel(context.Background())
	c.stop, c.done = stop, make(chan struct{})
	go func() {
		defer close(c.done)
		c.events.run(ctx, cli, c.opts.CallTimeout)
	}()
}

// callCtx bounds one API call.
func (c *Collector) callCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, c.opts.CallTimeout)
}

// engineInfo returns the engine's version and machine, fetching them when
// unknown or when forced (after a resync: the daemon may have been upgraded).
func (c *Collector) engineInfo(ctx context.Context, cli *client.Client, force bool) (engineInfo, error) {
	c.mu.Lock()
	e := c.engine
	c.mu.Unlock()
	if e.version != "" && !force {
		return e, nil
	}
	cctx, cancel := c.callCtx(ctx)
	defer cancel()
	v, err := cli.ServerVersion(cctx)
	if err != nil {
		return e, c.wrap("version", err)
	}
	if versions.LessThan(v.APIVersion, minAPIVersion) {
		return e, fmt.Errorf("docker %q: engine API %s is older than %s — upgrade Docker (1.13 or later)", c.opts.Name, v.APIVersion, minAPIVersion)
	}
	info, err := cli.Info(cctx)
	if err != nil {
		return e, c.wrap("info", err)
	}
	e = engineInfo{version: v.Version, api: cli.ClientVersion(), cores: info.NCPU, memTotal: uint64(max(info.MemTotal, 0)), clock: parseTime(info.SystemTime)}
	c.mu.Lock()
	c.engine = e
	c.mu.Unlock()
	return e, nil
}

// Collect implements collectors.Collector.
func (c *Collector) Collect(ctx context.Context) (collectors.Snapshot, error) {
	c.pollMu.Lock()
	defer c.pollMu.Unlock()
	cli, err := c.client()
	if err != nil {
		return nil, err
	}
	ch := c.events.take()
	eng, err := c.engineInfo(ctx, cli, ch.resync)
	if err != nil {
		c.events.restore(ch)
		return nil, err
	}
	// Read before the stream starts: a quiet stream that is following
	// says the list is as it was; one still connecting says nothing yet.
	following := c.events.following()
	c.events.startFrom(eng.clock)
	c.startEvents(cli)
	snap, err := c.poll.collect(ctx, c, cli, eng, ch, following)
	if err != nil {
		c.events.restore(ch) // not seen yet: keep for the next poll
		return nil, err
	}
	snap.Host = cli.DaemonHost()
	snap.EngineVersion, snap.APIVersion = eng.version, eng.api
	snap.Cores, snap.MemTotal = eng.cores, eng.memTotal
	snap.Events, snap.Stream = c.events.recent()
	return snap, nil
}

// wrap turns a client error into one line of cause and hint, wrapping
// collectors.ErrSourceAbsent when nothing answers at the address. The
// client's own wording is dropped from the text (it repeats the address and
// guesses) but kept for errors.Is/As.
func (c *Collector) wrap(what string, err error) error {
	ep := c.endpoint()
	host := ep.Host + " (" + ep.From + ")"
	prefix := fmt.Sprintf("docker %q: %s", c.opts.Name, what)
	if ep.SSH() {
		if msg, ok := endpoint.SSHFailure(err); ok {
			// The connection failed, whatever the call was: name the host, not the call.
			return &hintError{err: errors.Join(collectors.ErrSourceAbsent, err), msg: fmt.Sprintf("docker %q: %s: %s", c.opts.Name, host, msg)}
		}
	}
	switch {
	case errors.Is(err, os.ErrPermission):
		return &hintError{err: errors.Join(collectors.ErrAuth, err), msg: fmt.Sprintf("%s: permission denied on %s", prefix, host),
			hint: "add your user to the docker group or run with access to the socket"}
	case client.IsErrConnectionFailed(err) || errors.Is(err, os.ErrNotExist):
		return &hintError{err: errors.Join(collectors.ErrSourceAbsent, err), msg: fmt.Sprintf("%s: cannot connect to %s", prefix, host),
			hint: "is the Docker daemon running? Set [[docker]] host or DOCKER_HOST"}
	case errors.Is(err, context.DeadlineExceeded):
		return &hintError{err: err, msg: fmt.Sprintf("%s: the engine did not answer within %s", prefix, c.opts.CallTimeout),
			hint: "it may be overloaded; try a longer interval"}
	case cerrdefs.IsNotFound(err):
		return &hintError{err: err, msg: prefix + ": no such container", hint: "it was removed; pick another"}
	}
	return fmt.Errorf("%s: %w", prefix, err)
}

// hintError is one line for the user, the cause then what to try, with the
// underlying error kept for errors.Is and errors.As.
type hintError struct {
	msg, hint string
	err       error
}

func (e *hintError) Error() string { return e.msg + " — " + e.hint }
func (e *hintError) Unwrap() error { return e.err }

// WithoutHint implements collectors.Hinted.
func (e *hintError) WithoutHint() string { return e.msg }

// Advice implements collectors.Hinted.
func (e *hintError) Advice() string { return e.hint }
