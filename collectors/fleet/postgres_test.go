package fleet

import (
	"context"
	"math"
	"strconv"
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
	first := waitFor(t, c, 60*time.Second, "a TPS figure", func(s *Snapshot) bool { return tpsRow(s) != nil })
	// The exporter's own queries commit too: measure them over a window
	// that lies wholly after the first figure.
	base := waitFor(t, c, 60*time.Second, "a second TPS window", func(s *Snapshot) bool {
		return tpsRow(s) != nil && s.Taken.Add(-s.RateWindow).After(first.Taken)
	})
	baseline := tpsRow(base).TPS.V
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if out, err := e.cluster.ClientCommand(ctx, "pgbench", "-i", "-s", "1", "-q", "bench").CombinedOutput(); err != nil {
		t.Fatalf("pgbench -i: %v: %s", err, out)
	}
	bench := e.cluster.ClientCommand(ctx, "pgbench", "-n", "-R", strconv.Itoa(pgbenchRate), "-c", "2", "-j", "1", "-T", "90", "bench")
	if err := bench.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = bench.Process.Kill(); _ = bench.Wait() })
	// Three windows one after the other, each wholly inside pgbench's run
	// (a second after its start, to connect): pgbench -R schedules
	// transactions at random (Poisson), so one short window alone is noisy.
	var (
		got     *PGServer
		s       *Snapshot
		sum     float64
		windows int
	)
	after := time.Now().Add(time.Second)
	for windows < 3 {
		s = waitFor(t, c, 60*time.Second, "TPS of pgbench's rate", func(s *Snapshot) bool {
			return tpsRow(s) != nil && s.Taken.Add(-s.RateWindow).After(after)
		})
		got = tpsRow(s)
		sum += got.TPS.V
		windows++
		after = s.Taken
	}
	want := pgbenchRate + baseline
	avg := sum / float64(windows)
	t.Logf("TPS %.1f (mean of %d windows of %s); pgbench -R %d + %.1f before it", avg, windows, s.RateWindow, pgbenchRate, baseline)
	if math.Abs(avg-want)/want > 0.15 {
		t.Errorf("TPS %.1f, want %.1f ± 15%%", avg, want)
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

// tpsRow is the server row with a TPS figure, nil when none has one yet.
func tpsRow(s *Snapshot) *PGServer {
	for i := range s.Postgres {
		if s.Postgres[i].TPS.Valid {
			return &s.Postgres[i]
		}
	}
	return nil
}
