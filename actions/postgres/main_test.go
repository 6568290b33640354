package postgres_test

import (
	"context"
	"database/sql"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/lib/pq"

	"github.com/stacktop/stacktop/actions"
	"github.com/stacktop/stacktop/actions/actionstest"
	pga "github.com/stacktop/stacktop/actions/postgres"
	"github.com/stacktop/stacktop/collectors"
	pgc "github.com/stacktop/stacktop/collectors/postgres"
	"github.com/stacktop/stacktop/collectors/postgres/pgtest"
)

var pg = &pgtest.Shared{}

func TestMain(m *testing.M) { os.Exit(pg.Main(m, pgtest.Config{})) }

// fixture is a database of the test's own on the shared cluster, with the
// Postgres actions pointed at it as the target "local".
type fixture struct {
	c    *pgtest.Cluster
	db   string
	reg  *actions.Registry
	pool *sql.DB
}

func newFixture(t *testing.T, opts pga.Options, setup ...string) *fixture {
	t.Helper()
	c := pg.Cluster(t)
	name := "t_" + strings.ToLower(strings.NewReplacer("/", "_", "-", "_").Replace(t.Name()))
	if len(name) > 60 {
		name = name[:60]
	}
	// A fresh database each time, also under -count=N on the shared cluster.
	if err := c.Exec("postgres", `DROP DATABASE IF EXISTS "`+name+`" WITH (FORCE)`); err != nil {
		t.Fatal(err)
	}
	if err := c.CreateDatabase(name); err != nil {
		t.Fatal(err)
	}
	if err := c.Exec(name, setup...); err != nil {
		t.Fatal(err)
	}
	opts.DSNs = map[string]string{"local": c.SuperDSN(name)}
	reg, err := actions.NewRegistry(pga.Kinds(opts)...)
	if err != nil {
		t.Fatal(err)
	}
	pool, err := c.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pool.Close() })
	return &fixture{c: c, db: name, reg: reg, pool: pool}
}

func (f *fixture) target(object string) actions.Target {
	return actions.Target{Kind: collectors.KindPostgres, Source: "local", Object: object}
}

// query returns one value of a one-row query.
func (f *fixture) query(t testing.TB, q string, dest any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := f.pool.QueryRowContext(ctx, q).Scan(dest); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// sleeper is a session running pg_sleep in the background.
type sleeper struct {
	conn *sql.Conn
	pid  int
	done chan error
}

func (f *fixture) startSleep(t *testing.T) *sleeper {
	t.Helper()
	ctx := context.Background()
	conn, err := f.pool.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s := &sleeper{conn: conn, done: make(chan error, 1)}
	if err := conn.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&s.pid); err != nil {
		t.Fatal(err)
	}
	sctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	go func() { _, err := conn.ExecContext(sctx, "SELECT pg_sleep(50)"); s.done <- err }()
	t.Cleanup(func() { cancel(); _ = conn.Close() })
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		var n int
		f.query(t, "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE 'SELECT pg_sleep%' AND pid = "+itoa(s.pid), &n)
		if n == 1 {
			return s
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("the sleep never showed as active")
	return nil
}

// running reports whether the sleep is still going.
func (s *sleeper) running() bool {
	select {
	case err := <-s.done:
		s.done <- err
		return false
	default:
		return true
	}
}

// snapshotTarget names the sleeper the way the UI does: from a collector
// snapshot.
func (f *fixture) snapshotTarget(t *testing.T, pid int) actions.Target {
	t.Helper()
	col, err := pgc.New(pgc.Options{Name: "local", DSN: f.c.SuperDSN(f.db)})
	if err != nil {
		t.Fatal(err)
	}
	defer col.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	snap, err := col.Collect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s := snap.(*pgc.Snapshot)
	for _, b := range s.Activity {
		if b.PID == pid {
			return pga.BackendTarget(s, b)
		}
	}
	t.Fatalf("backend %d not in the snapshot", pid)
	return actions.Target{}
}

func itoa(n int) string { return strconv.Itoa(n) }

func newRunner(t *testing.T) (*actions.Runner, string) {
	return actionstest.NewRunner(t, actions.RunnerOptions{})
}
