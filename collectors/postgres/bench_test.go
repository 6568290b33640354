package postgres

import (
	"context"
	"database/sql"
	"fmt"
	osexec "os/exec"
	"sync"
	"testing"
	"time"

	"github.com/stacktop/stacktop/collectors/postgres/pgtest"
)

// benchRole is stacktop's dedicated role in the benchmarks, so
// pg_stat_statements can sum exactly what stacktop cost the server.
const benchRole = "stacktop_bench"

// benchEnv is the speed setup: 500 idle client backends and pgbench
// running at a fixed rate.
type benchEnv struct {
	cl  *pgtest.Cluster
	dsn string
}

func setupBenchEnv(b *testing.B) *benchEnv {
	b.Helper()
	cl := pg.Cluster(b)
	ensurePGSS(b, cl)
	for _, r := range []string{benchRole, "pga_bench", "floor_bench"} {
		if err := cl.CreateRole(r, r+"-pw", "pg_monitor"); err != nil {
			b.Fatal(err)
		}
	}
	initPgbench(b, cl, "bench")
	openIdle(b, cl, 500)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := cl.ClientCommand(ctx, "pgbench", "-n", "-R", "200", "-c", "4", "-j", "2", "-T", "3600", "bench")
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cancel(); _ = cmd.Wait() })
	time.Sleep(2 * time.Second) // let pgbench connect and settle
	return &benchEnv{cl: cl, dsn: cl.DSN(benchRole, benchRole+"-pw", "postgres")}
}

// openIdle opens n idle sessions that each ran one query, held until cleanup.
func openIdle(b *testing.B, cl *pgtest.Cluster, n int) {
	b.Helper()
	db, err := sql.Open("postgres", cl.SuperDSN("postgres")+" application_name=idle_app")
	if err != nil {
		b.Fatal(err)
	}
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	conns := make([]*sql.Conn, n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < n; i += 8 {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				c, err := db.Conn(ctx)
				if err == nil {
					_, err = c.ExecContext(ctx, "SELECT 1 /* idle session */")
					conns[i] = c
				}
				cancel()
				if err != nil {
					errs <- err
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		for _, c := range conns {
			_ = c.Close()
		}
		_ = db.Close()
	})
}

// serverCost returns the execution plus planning time (ms) and calls that
// pg_stat_statements recorded for role since the last reset.
func (e *benchEnv) serverCost(b *testing.B, role string) (ms float64, calls int64) {
	b.Helper()
	db, err := e.cl.Open("postgres")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = db.QueryRowContext(ctx, `SELECT coalesce(sum(total_exec_time + total_plan_time), 0), coalesce(sum(calls), 0)
		FROM pg_stat_statements WHERE userid = (SELECT oid FROM pg_roles WHERE rolname = $1)`, role).Scan(&ms, &calls)
	if err != nil {
		b.Fatal(err)
	}
	return ms, calls
}

// logCost logs role's statements by server time, for the closing note.
func (e *benchEnv) logCost(b *testing.B, role string) {
	b.Helper()
	db, err := e.cl.Open("postgres")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rows, err := db.QueryContext(ctx, `SELECT calls, total_exec_time, total_plan_time, left(regexp_replace(query, '\s+', ' ', 'g'), 70)
		FROM pg_stat_statements WHERE userid = (SELECT oid FROM pg_roles WHERE rolname = $1)
		ORDER BY total_exec_time + total_plan_time DESC LIMIT 8`, role)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var calls int64
		var exec, plan float64
		var q string
		if err := rows.Scan(&calls, &exec, &plan, &q); err != nil {
			b.Fatal(err)
		}
		b.Logf("%s: %4d calls %8.1f ms exec %6.1f ms plan  %s", role, calls, exec, plan, q)
	}
}

func (e *benchEnv) resetCost(b *testing.B, role string) {
	b.Helper()
	if err := e.cl.Exec("postgres", fmt.Sprintf(
		"SELECT pg_stat_statements_reset((SELECT oid FROM pg_roles WHERE rolname = '%s'))", role)); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkCollect measures one poll with 500 idle backends and pgbench
// running: wall time (ns/op), SQL statements per poll as counted by the
// collector, and the server time per poll from pg_stat_statements for
// stacktop's own role. "regular" is the every-interval poll; "slow" is a
// poll that also refreshes the slow-cadence parts (every 30 s by default).
func BenchmarkCollect(b *testing.B) {
	env := setupBenchEnv(b)
	for _, mode := range []struct {
		name string
		slow time.Duration
	}{{"regular", time.Hour}, {"slow", time.Nanosecond}} {
		b.Run(mode.name, func(b *testing.B) {
			c := newCollector(b, "bench", env.dsn, func(o *Options) { o.SlowInterval = mode.slow })
			first := collect(b, c) // connect and first slow read, outside the measurement
			env.resetCost(b, benchRole)
			statements := 0
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				statements += collect(b, c).Poll.Statements
			}
			b.StopTimer()
			ms, calls := env.serverCost(b, benchRole)
			b.ReportMetric(float64(statements)/float64(b.N), "statements/op")
			b.ReportMetric(float64(calls)/float64(b.N), "server-calls/op")
			b.ReportMetric(ms/float64(b.N), "server-ms/op")
			b.ReportMetric(float64(len(first.Activity)), "backends")
		})
	}
}

// BenchmarkLoadPerMinute runs stacktop at a 2 s interval for one minute
// (default slow cadence) and, when installed, pg_activity at its default
// 2 s refresh for the same minute in the same setup, and reports each one's
// total server time (execution + planning) from pg_stat_statements. As a
// floor, a third role reads "SELECT count(*) FROM pg_stat_activity" at the
// same 2 s interval: the least any activity monitor pays. Run with
// -benchtime=1x.
func BenchmarkLoadPerMinute(b *testing.B) {
	env := setupBenchEnv(b)
	for _, r := range []string{benchRole, "pga_bench", "floor_bench"} {
		env.resetCost(b, r)
	}
	pga := startPgActivity(b, env)
	c := newCollector(b, "load", env.dsn)
	floor := pgtest.Session(b, env.cl.DSN("floor_bench", "floor_bench-pw", "postgres"))
	b.ResetTimer()
	for tick := 0; tick < 30; tick++ {
		start := time.Now()
		collect(b, c)
		pgtest.ExecOn(b, floor, "SELECT count(*) FROM pg_stat_activity")
		time.Sleep(2*time.Second - time.Since(start))
	}
	b.StopTimer()
	ms, calls := env.serverCost(b, benchRole)
	env.logCost(b, benchRole)
	b.ReportMetric(ms, "stacktop-server-ms/min")
	b.ReportMetric(float64(calls), "stacktop-statements/min")
	fms, _ := env.serverCost(b, "floor_bench")
	b.ReportMetric(fms, "floor-server-ms/min")
	if pga {
		pms, pcalls := env.serverCost(b, "pga_bench")
		env.logCost(b, "pga_bench")
		b.ReportMetric(pms, "pg_activity-server-ms/min")
		b.ReportMetric(float64(pcalls), "pg_activity-statements/min")
		if ms > 0 {
			b.ReportMetric(pms/ms, "pg_activity/stacktop")
		}
	}
}

// startPgActivity runs pg_activity (default options, 2 s refresh) in a
// detached tmux session for the benchmark's duration; false when it or
// tmux is not installed.
func startPgActivity(b *testing.B, env *benchEnv) bool {
	b.Helper()
	pga, err1 := osexec.LookPath("pg_activity")
	tmux, err2 := osexec.LookPath("tmux")
	if err1 != nil || err2 != nil {
		b.Log("pg_activity or tmux not installed: measuring stacktop only")
		return false
	}
	session := fmt.Sprintf("stacktop-pga-%d", time.Now().UnixNano())
	cmdline := fmt.Sprintf("PGPASSWORD=pga_bench-pw %s -h %s -p %d -U pga_bench -d postgres", pga, env.cl.Host, env.cl.Port)
	if out, err := osexec.Command(tmux, "new-session", "-d", "-s", session, "-x", "200", "-y", "50", cmdline).CombinedOutput(); err != nil {
		b.Fatalf("tmux: %v: %s", err, out)
	}
	b.Cleanup(func() { _ = osexec.Command(tmux, "kill-session", "-t", session).Run() })
	return true
}

// BenchmarkBuild measures the client side of a regular poll alone: turning
// 500 backend rows and the summary row into a snapshot (rates, lock tree),
// without a server.
func BenchmarkBuild(b *testing.B) {
	str := func(s string) *string { return &s }
	f := func(v float64) *float64 { return &v }
	rows := []fastRow{{Server: []byte(`{"now":"2026-03-01T12:00:00+00:00","started_at":"2026-03-01T10:00:00+00:00","is_standby":false}`),
		Databases: []byte(`[{"oid":5,"name":"postgres","backends":500,"xact_commit":1000,"blks_hit":10,"blks_read":1},
			{"oid":16384,"name":"bench","backends":4,"xact_commit":90000,"blks_hit":100000,"blks_read":100}]`),
		Checkpoints: []byte(`{"timed":1,"requested":0}`)}}
	for i := 0; i < 500; i++ {
		pid := 1000 + i
		rows = append(rows, fastRow{activityRow: activityRow{PID: &pid, Database: str("postgres"), User: str("app"),
			Application: str("idle_app"), ClientAddr: str("127.0.0.1"), BackendType: str("client backend"),
			State: str("idle"), WaitEventType: str("Client"), WaitEvent: str("ClientRead"),
			BackendAge: f(60), QueryAge: f(30), StateAge: f(30), Query: str("SELECT 1 /* idle session */")}})
	}
	c := &Collector{}
	s := &session{info: resolveRow{VersionNum: 150000, MaxConnections: 600}}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := c.build(s, rows); err != nil {
			b.Fatal(err)
		}
	}
}
