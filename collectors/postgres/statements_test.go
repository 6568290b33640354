package postgres

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stacktop/stacktop/collectors/postgres/pgtest"
)

// ensurePGSS creates pg_stat_statements in the postgres database.
func ensurePGSS(t testing.TB, cl *pgtest.Cluster) {
	t.Helper()
	if err := cl.Exec("postgres", "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"); err != nil {
		t.Fatal(err)
	}
}

// resetPGSS empties pg_stat_statements so a test's own query ranks in the
// top lists whatever ran before it (pgbench fills them otherwise).
func resetPGSS(t testing.TB, cl *pgtest.Cluster) {
	t.Helper()
	ensurePGSS(t, cl)
	if err := cl.Exec("postgres", "SELECT pg_stat_statements_reset()"); err != nil {
		t.Fatal(err)
	}
}

// A query run many times shows in the top list with its text and calls.
func TestStatementsTopQuery(t *testing.T) {
	cl := pg.Cluster(t)
	resetPGSS(t, cl)
	conn := pgtest.Session(t, cl.SuperDSN("postgres"))
	for i := 0; i < 50; i++ {
		pgtest.ExecOn(t, conn, "SELECT count(*) FROM generate_series(1, 20000) AS stacktop_top_query")
	}
	c := newCollector(t, "stmts", cl.SuperDSN("postgres"))
	s := collect(t, c)
	if !s.Statements.Available || s.Statements.At.IsZero() {
		t.Fatalf("statements not available: %+v", s.Statements)
	}
	var found *Statement
	for i, st := range s.Statements.Rows {
		if strings.Contains(st.Query, "stacktop_top_query") {
			found = &s.Statements.Rows[i]
		}
	}
	if found == nil {
		t.Fatalf("top query missing from %d rows", len(s.Statements.Rows))
	}
	if found.Calls < 50 || found.TotalTime <= 0 || found.MeanTime <= 0 || found.User != "postgres" || found.Database != "postgres" {
		t.Errorf("top query figures: %+v", *found)
	}
	if !s.Poll.Slow {
		t.Error("first poll should read the slow parts")
	}
	// The next poll is regular: one statement, statements carried forward.
	s2 := collect(t, c)
	if s2.Poll.Slow || s2.Poll.Statements != 1 || !s2.Statements.At.Equal(s.Statements.At) || len(s2.Statements.Rows) != len(s.Statements.Rows) {
		t.Errorf("regular poll: slow=%v statements=%d, carried=%v", s2.Poll.Slow, s2.Poll.Statements, s2.Statements.At.Equal(s.Statements.At))
	}
}

// Between two reads, a statement's calls per second and time per second
// are known; texts come from the cache.
func TestStatementRates(t *testing.T) {
	cl := pg.Cluster(t)
	resetPGSS(t, cl)
	conn := pgtest.Session(t, cl.SuperDSN("postgres"))
	const q = "SELECT count(*) FROM generate_series(1, 1000) AS stacktop_rate_query"
	for i := 0; i < 30; i++ {
		pgtest.ExecOn(t, conn, q)
	}
	c := newCollector(t, "rates", cl.SuperDSN("postgres"), func(o *Options) { o.SlowInterval = time.Nanosecond })
	first := collect(t, c)
	for i := 0; i < 20; i++ {
		pgtest.ExecOn(t, conn, q)
	}
	s := collect(t, c)
	if s.Poll.Statements > 4 { // fast, heavy, statements, texts of new entries only
		t.Errorf("slow poll ran %d statements", s.Poll.Statements)
	}
	before := statementByText(first, "stacktop_rate_query")
	for _, st := range s.Statements.Rows {
		if strings.Contains(st.Query, "stacktop_rate_query") {
			if before == nil {
				t.Fatal("rate query missing from the first read")
			}
			// The rates times the time between the reads give back the
			// change in calls (the 20 runs) and in execution time.
			el := s.Statements.At.Sub(first.Statements.At).Seconds()
			calls := float64(st.Calls - before.Calls)
			spent := (st.TotalTime - before.TotalTime).Seconds()
			if !st.CallsRate.Valid || calls < 20 || math.Abs(st.CallsRate.PerSec*el-calls) > 1e-6*calls {
				t.Errorf("calls rate %+v over %.3fs, want %.0f calls", st.CallsRate, el, calls)
			}
			if !st.TimeRate.Valid || spent <= 0 || math.Abs(st.TimeRate.PerSec*el-spent) > 1e-6+1e-6*spent {
				t.Errorf("time rate %+v over %.3fs, want %.6fs spent", st.TimeRate, el, spent)
			}
			if first.Statements.At.Equal(s.Statements.At) {
				t.Error("statements should have been re-read")
			}
			return
		}
	}
	t.Fatal("rate query missing")
}

// statementByText returns the first statement whose text contains sub.
func statementByText(s *Snapshot, sub string) *Statement {
	for i, st := range s.Statements.Rows {
		if strings.Contains(st.Query, sub) {
			return &s.Statements.Rows[i]
		}
	}
	return nil
}
