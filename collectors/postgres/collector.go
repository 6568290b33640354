// Package postgres collects one PostgreSQL server's activity, locks,
// throughput, replication, maintenance and statement statistics.
//
// A Collector holds one connection (application_name=stacktop,
// statement_timeout, lock_timeout and default_transaction_read_only set as
// startup parameters, sslmode=prefer unless configured). A regular poll is
// one prepared SQL statement (queries.go): a row per backend plus a summary
// row carrying JSON aggregates, where idle backends unchanged since the
// previous poll are only named and keep their previous row (idle.go);
// version-specific fragments come from tables
// keyed by minimum server version, resolved once per connection. Heavy
// parts (database sizes, tables, indexes, slots, pg_stat_statements) are
// read on a slow cadence and carried forward with their own timestamps.
// When the connection breaks, the poll fails with a one-line error and the
// next Collect reconnects and re-resolves; there is no backoff here (the
// hub retries a refused connection at the normal interval, so a restarted
// server is seen within two polls).
package postgres

import (
	"context"
	"net/netip"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/lib/pq"

	"github.com/stacktop/stacktop/collectors"
)

// Defaults for the zero Options fields.
const (
	DefaultSlowInterval     = time.Minute
	DefaultStatementTimeout = 5 * time.Second
	DefaultLockTimeout      = time.Second
	DefaultConnectTimeout   = 5 * time.Second
	// ApplicationName is what pg_stat_activity shows for stacktop's session.
	ApplicationName = "stacktop"
)

// Options configure one Postgres target. cmd/stacktop resolves config
// (dsn or host/port/..., password_env, sslmode default) into DSN.
type Options struct {
	// Name is the target's name as the user configured it ("local").
	Name string
	// DSN is a lib/pq connection string (URL or key=value), password included
	// when it came from password_env; never printed unmasked. Unset fields
	// come from PG* variables and libpq defaults; ~/.pgpass is read. When it
	// sets no sslmode (nor PGSSLMODE), sslmode=prefer applies, as in libpq.
	DSN string
	// SlowInterval is the cadence of the heavy reads (database sizes, tables,
	// indexes, slots, pg_stat_statements); DefaultSlowInterval when zero.
	SlowInterval time.Duration
	// StatementTimeout and LockTimeout bound every statement stacktop runs
	// (session settings); ConnectTimeout bounds connection setup.
	// Defaults: 5 s, 1 s, 5 s.
	StatementTimeout, LockTimeout, ConnectTimeout time.Duration
}

// Collector polls one Postgres target. Collect must not be called
// concurrently (the hub runs at most one poll per source).
type Collector struct {
	opts  Options
	cfg   pq.Config
	local bool

	mu   sync.Mutex // guards sess against Close from another goroutine
	sess *session
	// state carried between polls: previous counters for rates, slow
	// parts, idle backends the next poll may name by pid only.
	prev counters
	slow slowState
	idle idleState
}

// New validates opts and returns a collector; it does not connect yet.
func New(opts Options) (*Collector, error) {
	if opts.SlowInterval <= 0 {
		opts.SlowInterval = DefaultSlowInterval
	}
	if opts.StatementTimeout <= 0 {
		opts.StatementTimeout = DefaultStatementTimeout
	}
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = DefaultLockTimeout
	}
	if opts.ConnectTimeout <= 0 {
		opts.ConnectTimeout = DefaultConnectTimeout
	}
	cfg, err := pq.NewConfig(opts.DSN)
	if err != nil {
		// Parse errors may quote the DSN; never echo it.
		return nil, &Error{Target: opts.Name, Op: "config", Cause: err,
			Hint: "check the [[postgres]] dsn (URL or key=value) and PG* variables"}
	}
	c := &Collector{opts: opts, cfg: sessionConfig(cfg, opts), local: isLocal(cfg)}
	c.slow.texts = map[int64]string{}
	return c, nil
}

// sessionConfig applies stacktop's session settings to the user's config.
func sessionConfig(cfg pq.Config, opts Options) pq.Config {
	if cfg.SSLMode == "" { // lib/pq would default to require; libpq prefers
		cfg.SSLMode = pq.SSLModePrefer
	}
	cfg.ApplicationName = ApplicationName
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = opts.ConnectTimeout
	}
	rt := make(map[string]string, len(cfg.Runtime)+4)
	for k, v := range cfg.Runtime {
		rt[k] = v
	}
	// Startup parameters cost no round trip. Read-only guards against any
	// stray write; UTC keeps timestamps in the JSON the queries build uniform.
	rt["statement_timeout"] = strconv.FormatInt(opts.StatementTimeout.Milliseconds(), 10)
	rt["lock_timeout"] = strconv.FormatInt(opts.LockTimeout.Milliseconds(), 10)
	rt["default_transaction_read_only"] = "on"
	rt["TimeZone"] = "UTC"
	cfg.Runtime = rt
	return cfg
}

// isLocal reports whether the server is on this host: a unix socket or a
// loopback address.
func isLocal(cfg pq.Config) bool {
	if cfg.Hostaddr.IsValid() {
		return cfg.Hostaddr.IsLoopback()
	}
	h := cfg.Host
	if filepath.IsAbs(h) || strings.HasPrefix(h, "@") || h == "localhost" || h == "" {
		return true
	}
	a, err := netip.ParseAddr(strings.Trim(h, "[]"))
	return err == nil && a.IsLoopback()
}

// Collect implements collectors.Collector: one poll.
func (c *Collector) Collect(ctx context.Context) (collectors.Snapshot, error) {
	start := time.Now()
	sess, connected, err := c.session(ctx)
	if err != nil {
		return nil, err
	}
	sess.statements = 0
	if connected {
		sess.statements = 1 // the resolve query
	}
	snap, err := c.poll(ctx, sess)
	if err != nil {
		if !sess.usable(err) {
			c.drop(sess)
		}
		return nil, c.classify("poll", err)
	}
	if sess.poisoned.Load() { // a slow read was cut by the deadline
		c.drop(sess)
	}
	snap.Poll.Statements = sess.statements
	snap.Poll.Connected = connected
	snap.Taken = time.Now()
	snap.Poll.Wall = snap.Taken.Sub(start)
	return snap, nil
}

// session returns the live session, connecting first when there is none.
func (c *Collector) session(ctx context.Context) (*session, bool, error) {
	c.mu.Lock()
	s := c.sess
	c.mu.Unlock()
	if s != nil {
		return s, false, nil
	}
	s, err := connect(ctx, c.cfg)
	if err != nil {
		return nil, false, c.classify("connect", err)
	}
	c.mu.Lock()
	c.sess = s
	c.mu.Unlock()
	// A new connection may be a restarted or different server: forget the
	// counters so no rate spans the gap.
	c.prev = counters{}
	c.idle = idleState{}
	return s, true, nil
}

func (c *Collector) drop(s *session) {
	c.mu.Lock()
	if c.sess == s {
		c.sess = nil
	}
	c.mu.Unlock()
	s.close()
}

// Close implements collectors.Closer.
func (c *Collector) Close() error {
	c.mu.Lock()
	s := c.sess
	c.sess = nil
	c.mu.Unlock()
	if s != nil {
		s.close()
	}
	return nil
}
