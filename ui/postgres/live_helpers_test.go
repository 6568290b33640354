package postgres

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stacktop/stacktop/collectors"
	pg "github.com/stacktop/stacktop/collectors/postgres"
	"github.com/stacktop/stacktop/collectors/postgres/pgtest"
	"github.com/stacktop/stacktop/ui/view"
)

// liveCluster is the package's shared throwaway cluster for the live
// scenario tests; tests that stop the server start their own (pgtest.Need).
var liveCluster = &pgtest.Shared{}

func TestMain(m *testing.M) { os.Exit(liveCluster.Main(m, pgtest.Config{})) }

// liveWait bounds every wait for the server to reach a state: generous,
// because the tests must hold on a loaded 2-core machine.
const liveWait = 15 * time.Second

// liveCollector returns a collector for dsn, closed when the test ends.
func liveCollector(t testing.TB, name, dsn string) *pg.Collector {
	t.Helper()
	c, err := pg.New(pg.Options{Name: name, DSN: dsn})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// liveCollect polls once with a 10 s deadline.
func liveCollect(c *pg.Collector) (*pg.Snapshot, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := c.Collect(ctx)
	if err != nil {
		return nil, err
	}
	return s.(*pg.Snapshot), nil
}

// livePoll polls c until cond holds on a snapshot (bounded by liveWait).
func livePoll(t testing.TB, c *pg.Collector, what string, cond func(*pg.Snapshot) bool) *pg.Snapshot {
	t.Helper()
	deadline := time.Now().Add(liveWait)
	var lastErr error
	for time.Now().Before(deadline) {
		s, err := liveCollect(c)
		if err == nil && cond(s) {
			return s
		}
		lastErr = err
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s (last poll error: %v)", what, lastErr)
	return nil
}

// liveUpdate is the update the hub publishes after a good poll of name.
func liveUpdate(name string, s *pg.Snapshot) collectors.Update {
	return collectors.Update{Source: collectors.SourceID{Kind: collectors.KindPostgres, Name: name}, Snapshot: s,
		LastGood: s.Taken, PolledAt: s.Taken, Interval: 2 * time.Second}
}

// liveTab builds a 200×40 Postgres tab, feeds it u and presses keys; the
// returned context renders it as of the update's poll.
func liveTab(u collectors.Update, opts Options, keys ...string) (*Tab, view.Context) {
	vctx := testCtx(200, 40)
	vctx.Now = u.PolledAt
	tab := New(vctx.Styles, opts)
	tab.Update(view.SizeMsg{Width: 200, Height: 40})
	tab.Update(u)
	press(tab, keys...)
	return tab, vctx
}

// liveRender is the frame of a tab freshly fed u, after keys, as lines.
func liveRender(u collectors.Update, opts Options, keys ...string) []string {
	tab, vctx := liveTab(u, opts, keys...)
	return strings.Split(tab.View(vctx), "\n")
}

// lineWith returns the index of the first line containing every want, or -1.
func lineWith(lines []string, want ...string) int {
	for i, l := range lines {
		ok := true
		for _, w := range want {
			ok = ok && strings.Contains(l, w)
		}
		if ok {
			return i
		}
	}
	return -1
}
