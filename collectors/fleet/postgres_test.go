package fleet

import (
	"context"
	"math"
	"testing"
	"time"
)

// pgbenchRate is the fixed rate pgbench runs at (transactions per second).
const pgbenchRate = 100

// A postgres_exporter against a throwaway cluster while pgbench runs at a
// fixed rate: the server's TPS is within 15% of that rate (plus what the
// exporter's own queries commit, measured before pgbench starts), and its
// connections, max_connections and cache hit ratio are there.
func TestPostgresTPS(t *testing.T) {
	e := need(t)
	c := newTestCollector(t, e)
	base := waitFor(t, c, 60*time.Second, "a TPS figure", func(s *Snapshot) bool {
		return len(s.Postgres) > 0 && s.Postgres[0].TPS.Valid
	})
	baseline := base.Postgres[0].TPS.V
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if out, err := e.cluster.ClientCommand(ctx, "pgbench", "-i", "-s", "1", "-q", "bench").CombinedOutput(); err != nil {
		t.Fatalf("pgbench -i: %v: %s", err, out)
	}
	bench := e.cluster.ClientCommand(ctx, "pgbench", "-n", "-R", "100", "-c", "2", "-j", "1", "-T", "90", "bench")
	if err := bench.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = bench.Process.Kill(); _ = bench.Wait() })
	started := time.Now()
	var got *PGServer
	want := pgbenchRate + baseline
	s := waitFor(t, c, 60*time.Second, "TPS of pgbench's rate", func(s *Snapshot) bool {
		// The window must hold only pgbench time (and a second to connect).
		if !s.Taken.Add(-s.RateWindow).After(started.Add(time.Second)) {
			return false
		}
		for i := range s.Postgres {
			if p := &s.Postgres[i]; p.TPS.Valid {
				got = p
			}
		}
		return got != nil
	})
	t.Logf("TPS %.1f over %s; pgbench -R %d + %.1f before it", got.TPS.V, s.RateWindow, pgbenchRate, baseline)
	if math.Abs(got.TPS.V-want)/want > 0.15 {
		t.Errorf("TPS %.1f, want %.1f ± 15%%", got.TPS.V, want)
	}
	if !got.Up || !got.PGUp.Valid || got.PGUp.V != 1 || got.MaxConnections.V != 100 || !got.ConnectionsUsed.Valid ||
		got.Connections["active"] < 1 || !got.CacheHitRatio.Valid || got.CacheHitRatio.V <= 0 || got.CacheHitRatio.V > 1 {
		t.Errorf("server row: %+v", got)
	}
	pts, err := c.Sparkline(ctx, SeriesPGTPS, got.Instance, got.Server, time.Minute)
	if err != nil || len(pts) == 0 || pts[len(pts)-1].V < 0 {
		t.Errorf("TPS sparkline: %v, %v", pts, err)
	}
	if !got.DeadlocksPerSec.Valid || got.DeadlocksPerSec.V != 0 || !got.LongestTransactionSeconds.Valid || got.Server == "" {
		t.Errorf("server row: %+v", got)
	}
}
