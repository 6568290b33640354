package fleet

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"
)

// pgbenchRate is the fixed rate pgbench runs at (transactions per second).
const pgbenchRate = 50

// xactSampler reads the server's own transaction counter (commits plus
// rollbacks over every database) every 100 ms: the truth the exporter's
// figure is checked against. Each reading is a new connection, whose
// backend flushes its statistics as it exits; a kept connection would add
// its own readings to the counter in steps of up to a second (PostgreSQL
// 15 flushes a busy backend's statistics at most once a second).
type xactSampler struct {
	mu   sync.Mutex
	rows []xactRow
}

type xactRow struct {
	at time.Time
	n  float64
}

func startXactSampler(t *testing.T, e *env) *xactSampler {
	db, err := e.cluster.Open("postgres")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(0)
	x := &xactSampler{}
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			var n float64
			err := db.QueryRowContext(ctx, `SELECT sum(xact_commit + xact_rollback) FROM pg_stat_database`).Scan(&n)
			at := time.Now()
			cancel()
			if err == nil {
				x.mu.Lock()
				x.rows = append(x.rows, xactRow{at, n})
				x.mu.Unlock()
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	t.Cleanup(func() { close(stop); <-done; _ = db.Close() })
	return x
}

// at is the counter at a moment, interpolated between the readings around
// it; ok is false outside the readings.
func (x *xactSampler) at(when time.Time) (float64, bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for i := 1; i < len(x.rows); i++ {
		a, b := x.rows[i-1], x.rows[i]
		if !when.Before(a.at) && !when.After(b.at) {
			f := when.Sub(a.at).Seconds() / max(b.at.Sub(a.at).Seconds(), 1e-9)
			return a.n + f*(b.n-a.n), true
		}
	}
	return 0, false
}

// rateWindow is what the snapshot's rate() saw: the first and last scrape
// of the series selector names inside the rate window ending at s.Taken,
// read back from Prometheus with the same evaluation time and range.
func rateWindow(t *testing.T, e *env, s *Snapshot, selector string) (first, last time.Time) {
	t.Helper()
	ts := strconv.FormatFloat(float64(s.Taken.Unix())+float64(s.Taken.Nanosecond())/1e9, 'f', -1, 64)
	q := url.Values{"query": {selector + `[` + window(s.RateWindow) + `]`}, "time": {ts}}
	resp, err := http.Get(e.prom.URL() + "/api/v1/query?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct {
		Data struct {
			Result []struct {
				Values [][2]any `json:"values"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Data.Result) != 1 || len(doc.Data.Result[0].Values) < 2 {
		t.Fatalf("samples of the rate window: %+v", doc.Data.Result)
	}
	v := doc.Data.Result[0].Values
	stamp := func(p [2]any) time.Time {
		f, _ := p[0].(float64)
		return time.UnixMilli(int64(math.Round(f * 1000)))
	}
	return stamp(v[0]), stamp(v[len(v)-1])
}

// A postgres_exporter against a throwaway cluster while pgbench runs at a
// fixed rate (-R): the server's TPS is within 15% of what the server's own
// counters say between the two scrapes its rate() used, and its
// connections, max_connections and cache hit ratio are there. pgbench
// connects for each transaction (-C), so that every transaction reaches
// the counters as it ends, not in a backend's once-a-second flush; on a
// loaded machine pgbench may fall short of its rate, and the counters say
// what really ran.
func TestPostgresTPS(t *testing.T) {
	e := need(t)
	c := newTestCollector(t, e)
	truth := startXactSampler(t, e)
	waitFor(t, c, 60*time.Second, "a TPS figure", func(s *Snapshot) bool { return tpsRow(s) != nil })
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if out, err := e.cluster.ClientCommand(ctx, "pgbench", "-i", "-s", "1", "-q", "bench").CombinedOutput(); err != nil {
		t.Fatalf("pgbench -i: %v: %s", err, out)
	}
	bench := e.cluster.ClientCommand(ctx, "pgbench", "-n", "-C", "-R", strconv.Itoa(pgbenchRate), "-c", "2", "-j", "1", "-T", "90", "bench")
	if err := bench.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = bench.Process.Kill(); _ = bench.Wait() })
	// Three windows one after the other, each wholly inside pgbench's run
	// (a second after its start, to connect): pgbench -R schedules
	// transactions at random (Poisson), so one short window alone is noisy.
	var (
		got          *PGServer
		s            *Snapshot
		ours, theirs float64
		windows      int
	)
	after := time.Now().Add(time.Second)
	for windows < 3 {
		s = waitFor(t, c, 60*time.Second, "TPS while pgbench runs", func(s *Snapshot) bool {
			return tpsRow(s) != nil && s.Taken.Add(-s.RateWindow).After(after)
		})
		got = tpsRow(s)
		first, last := rateWindow(t, e, s, `pg_stat_database_xact_commit{datname="postgres"}`)
		a, okA := truth.at(first)
		b, okB := truth.at(last)
		if !okA || !okB {
			t.Fatalf("no counter readings around the scrapes at %s and %s", first, last)
		}
		server := (b - a) / last.Sub(first).Seconds()
		t.Logf("window %d: TPS %.1f; the server's counters %.1f between the scrapes at %s and %s",
			windows+1, got.TPS.V, server, first.Format("15:04:05.000"), last.Format("15:04:05.000"))
		ours += got.TPS.V
		theirs += server
		windows++
		after = s.Taken
	}
	ours, theirs = ours/float64(windows), theirs/float64(windows)
	t.Logf("TPS %.1f (mean of %d windows of %s); the server's counters %.1f; pgbench -R %d", ours, windows, s.RateWindow, theirs, pgbenchRate)
	if theirs < pgbenchRate/2 {
		t.Logf("pgbench ran well below its rate: the machine is loaded")
	}
	if math.Abs(ours-theirs)/theirs > 0.15 {
		t.Errorf("TPS %.1f, the server's counters say %.1f: more than 15%% apart", ours, theirs)
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
