package postgres

import (
	"context"
	"database/sql"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lib/pq"
)

// session is one connection to the server with its resolved SQL.
type session struct {
	db   *sql.DB
	conn *sql.Conn
	dial *trackingDialer
	info resolveRow
	q    Queries
	// prepared holds the statements run again and again (the regular poll,
	// the heavy reads), prepared once per connection so the server plans
	// them once, not every poll.
	prepared map[string]*sql.Stmt
	// statements counts SQL statements sent in the current poll.
	statements int
	// poisoned is set when a poll's deadline cut the socket: the
	// connection's protocol state is unknown, so it must be replaced.
	poisoned atomic.Bool
}

// connect opens the one connection of a target and resolves its SQL.
func connect(ctx context.Context, cfg pq.Config) (*session, error) {
	connector, err := pq.NewConnectorConfig(cfg)
	if err != nil {
		return nil, err
	}
	d := &trackingDialer{}
	connector.Dialer(d)
	db := sql.OpenDB(connector)
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	s := &session{db: db, dial: d}
	if err := s.open(ctx); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

func (s *session) open(ctx context.Context) error {
	var err error
	if err = s.guard(ctx, func() error { s.conn, err = s.db.Conn(ctx); return err }); err != nil {
		return err
	}
	var raw []byte
	if err := s.queryRow(ctx, resolveSQL, &raw); err != nil {
		return err
	}
	if err := decode(raw, &s.info); err != nil {
		return err
	}
	s.q, err = Resolve(s.info.VersionNum)
	return err
}

// prepare returns query prepared on the connection, preparing it on first use.
func (s *session) prepare(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := s.prepared[query]; ok {
		return st, nil
	}
	var st *sql.Stmt
	err := s.guard(ctx, func() (err error) { st, err = s.conn.PrepareContext(ctx, query); return err })
	if err != nil {
		return nil, err
	}
	if s.prepared == nil {
		s.prepared = map[string]*sql.Stmt{}
	}
	s.prepared[query] = st
	return st, nil
}

// queryRowPrepared is queryRow for a statement the session runs repeatedly.
func (s *session) queryRowPrepared(ctx context.Context, query string, dest ...any) error {
	st, err := s.prepare(ctx, query)
	if err != nil {
		return err
	}
	s.statements++
	err = s.guard(ctx, func() error { return st.QueryRowContext(ctx).Scan(dest...) })
	if err != nil {
		s.forget(query)
	}
	return err
}

// forget drops a prepared statement after an error, so a changed catalog
// ("cached plan must not change result type") heals with a fresh prepare.
func (s *session) forget(query string) {
	if st, ok := s.prepared[query]; ok {
		_ = st.Close()
		delete(s.prepared, query)
	}
}

// queryRow runs one statement returning one row, counting it.
func (s *session) queryRow(ctx context.Context, query string, dest ...any) error {
	s.statements++
	return s.guard(ctx, func() error { return s.conn.QueryRowContext(ctx, query).Scan(dest...) })
}

// fastRows runs the regular poll's statement with args (fastSQL's $1).
func (s *session) fastRows(ctx context.Context, args ...any) ([]fastRow, error) {
	st, err := s.prepare(ctx, s.q.Fast)
	if err != nil {
		return nil, err
	}
	s.statements++
	var out []fastRow
	err = s.guard(ctx, func() error {
		rows, err := st.QueryContext(ctx, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		if out, err = scanByName[fastRow](rows); err == nil {
			markKept(out)
		}
		return err
	})
	if err != nil {
		s.forget(s.q.Fast)
	}
	return out, err
}

// guard runs f and makes sure it returns when ctx ends: lib/pq cancels the
// query through a second connection, which does not help when the network
// or the server hangs, so the socket itself gets an expired deadline.
func (s *session) guard(ctx context.Context, f func() error) error {
	stop := context.AfterFunc(ctx, func() {
		s.poisoned.Store(true)
		s.dial.expire()
	})
	err := f()
	if !stop() {
		// The deadline cut the socket: report the deadline, not the
		// "i/o timeout" it caused.
		s.poisoned.Store(true)
		err = ctx.Err()
	}
	return err
}

// usable reports whether the session may serve the next poll after err.
func (s *session) usable(err error) bool {
	return !s.poisoned.Load() && keepConnection(err)
}

func (s *session) close() {
	for _, st := range s.prepared {
		_ = st.Close()
	}
	if s.conn != nil {
		_ = s.conn.Close()
	}
	_ = s.db.Close()
	s.dial.expire() // a conn database/sql still holds must not linger
}

// trackingDialer remembers the sockets it opened so a poll deadline can
// cut them.
type trackingDialer struct {
	mu    sync.Mutex
	conns []net.Conn
}

func (d *trackingDialer) Dial(network, address string) (net.Conn, error) {
	return d.DialContext(context.Background(), network, address)
}

func (d *trackingDialer) DialTimeout(network, address string, timeout time.Duration) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return d.DialContext(ctx, network, address)
}

func (d *trackingDialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	var nd net.Dialer
	c, err := nd.DialContext(ctx, network, address)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	// sslmode=prefer redials without TLS; only the latest socket is live.
	d.conns = append(d.conns[:0], c)
	d.mu.Unlock()
	return c, nil
}

// expire makes every blocked read or write on the sockets fail now.
func (d *trackingDialer) expire() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, c := range d.conns {
		_ = c.SetDeadline(time.Unix(1, 0))
	}
}

var _ pq.DialerContext = (*trackingDialer)(nil)
