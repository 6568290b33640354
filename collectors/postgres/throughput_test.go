package postgres

import (
	"context"
	"math"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/stacktop/stacktop/collectors/postgres/pgtest"
)

// pgbench at a fixed rate: the database's TPS over the run matches
// pgbench's own figure within 15%.
func TestPgbenchTPS(t *testing.T) {
	if testing.Short() {
		t.Skip("pgbench run takes 10 s")
	}
	cl := pg.Cluster(t)
	initPgbench(t, cl, "bench")
	c := newCollector(t, "tps", cl.SuperDSN("postgres"))
	watcher := newCollector(t, "watch", cl.SuperDSN("postgres"))
	collect(t, c)

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := cl.ClientCommand(ctx, "pgbench", "-n", "-R", "50", "-T", "10", "-c", "2", "-j", "2", "bench").CombinedOutput()
	if err != nil {
		t.Fatalf("pgbench: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`tps = ([0-9.]+) \(without initial connection time\)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("no tps in pgbench output:\n%s", out)
	}
	want, _ := strconv.ParseFloat(string(m[1]), 64)
	// Backends flush their counters as they exit, shortly after pgbench does.
	waitFor(t, watcher, "pgbench backends gone", func(s *Snapshot) bool {
		for _, d := range s.Databases {
			if d.Name == "bench" {
				return d.Backends == 0
			}
		}
		return false
	})
	s := collect(t, c)
	got := findDB(t, s, "bench").Rates.TPS
	if !got.Valid || math.Abs(got.PerSec-want)/want > 0.15 {
		t.Errorf("bench TPS %+v, pgbench reports %.1f", got, want)
	}
	t.Logf("stacktop TPS %.1f, pgbench %.1f", got.PerSec, want)
	if s.Total.TPS.PerSec < got.PerSec || !findDB(t, s, "bench").Rates.CacheHitRatio.Valid {
		t.Errorf("total %+v below bench %+v, or no cache hit ratio", s.Total.TPS, got)
	}
}

// initPgbench creates db and fills it with pgbench tables (scale 1).
func initPgbench(t testing.TB, cl *pgtest.Cluster, db string) {
	t.Helper()
	if err := cl.CreateDatabase(db); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if out, err := cl.ClientCommand(ctx, "pgbench", "-i", "-q", "-s", "1", db).CombinedOutput(); err != nil {
		t.Fatalf("pgbench -i: %v\n%s", err, out)
	}
}

// Requested checkpoints (CHECKPOINT, a full WAL) are counted, and their
// rate is the change over the time between the polls on the server's clock.
func TestRequestedCheckpointsRate(t *testing.T) {
	cl := pg.Cluster(t)
	c := newCollector(t, "ckpt", cl.SuperDSN("postgres"))
	first := collect(t, c)
	if first.Server.CheckpointsRequestedRate.Valid {
		t.Errorf("checkpoint rate on the first poll: %+v", first.Server.CheckpointsRequestedRate)
	}
	if err := cl.Exec("postgres", "CHECKPOINT", "CHECKPOINT"); err != nil {
		t.Fatal(err)
	}
	// The checkpointer wakes the CHECKPOINT caller before it publishes its
	// counters, so the second checkpoint may not be counted yet. A second
	// collector waits for it; c's own next poll then spans both.
	watcher := newCollector(t, "ckpt-watch", cl.SuperDSN("postgres"))
	waitFor(t, watcher, "both checkpoints counted", func(s *Snapshot) bool {
		return s.Server.CheckpointsRequested >= first.Server.CheckpointsRequested+2
	})
	s := collect(t, c)
	n := float64(s.Server.CheckpointsRequested) - float64(first.Server.CheckpointsRequested)
	el := (s.Server.Uptime - first.Server.Uptime).Seconds()
	r := s.Server.CheckpointsRequestedRate
	if n < 2 || !r.Valid || math.Abs(r.PerSec*el-n) > 1e-9*n {
		t.Errorf("%v checkpoints requested over %.3fs, rate %+v", n, el, r)
	}
}
