package postgres

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/stacktop/stacktop/collectors/postgres/pgtest"
)

// pg is the package's shared cluster; max_connections 600 leaves room for
// the benchmark's 500 idle sessions.
var pg = &pgtest.Shared{}

func TestMain(m *testing.M) {
	os.Exit(pg.Main(m, pgtest.Config{MaxConnections: 600,
		// Planning time counts as server time in the speed figures.
		Settings: []string{"pg_stat_statements.track_planning = on"}}))
}

// newCollector returns a collector for dsn, closed when the test ends.
func newCollector(t testing.TB, name, dsn string, opts ...func(*Options)) *Collector {
	t.Helper()
	o := Options{Name: name, DSN: dsn}
	for _, f := range opts {
		f(&o)
	}
	c, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// collect polls once with a 10 s deadline and fails the test on error.
func collect(t testing.TB, c *Collector) *Snapshot {
	t.Helper()
	s, err := tryCollect(c)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func tryCollect(c *Collector) (*Snapshot, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := c.Collect(ctx)
	if err != nil {
		return nil, err
	}
	return s.(*Snapshot), nil
}
