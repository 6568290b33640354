package postgres_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stacktop/stacktop/actions"
	"github.com/stacktop/stacktop/actions/actionstest"
	pga "github.com/stacktop/stacktop/actions/postgres"
	"github.com/stacktop/stacktop/collectors/postgres/pgtest"
)

// BenchmarkBackup measures the backup action on a ~1 GiB database against
// a plain `pg_dump -Fc > file` of the same database run by hand, each
// iteration running both. It reports the action's and the plain dump's
// throughput (of the database's on-disk size), their ratio, the peak RSS
// of this process during the action (VmHWM, reset before each run) and the
// largest child's peak RSS (pg_dump or pg_restore). It creates the data
// first, which takes a minute or two, so it runs only when asked:
//
//	STACKTOP_BENCH_BACKUP=1 go test ./actions/postgres -run '^$' -bench BenchmarkBackup -benchtime 3x
//
// STACKTOP_BENCH_BACKUP_MB sets the database size (default 1024). The
// dumps go to a temp dir (about half the database's size each) and are
// removed after each iteration.
func BenchmarkBackup(b *testing.B) {
	if os.Getenv("STACKTOP_BENCH_BACKUP") != "1" {
		b.Skip("set STACKTOP_BENCH_BACKUP=1 to run the 1 GiB backup benchmark (needs ~2 GiB free disk)")
	}
	c := pg.Cluster(b)
	sizeMB := 1024
	if v, err := strconv.Atoi(os.Getenv("STACKTOP_BENCH_BACKUP_MB")); err == nil && v > 0 {
		sizeMB = v
	}
	br := &benchRound{c: c, db: "bench_backup", dir: b.TempDir()}
	br.dbBytes = fillBenchDB(b, c, br.db, int64(sizeMB)<<20)
	opts := pga.Options{BackupDir: br.dir, DSNs: map[string]string{"local": c.SuperDSN(br.db)}}
	var err error
	if br.reg, err = actions.NewRegistry(pga.Kinds(opts)...); err != nil {
		b.Fatal(err)
	}
	br.runner, _ = actionstest.NewRunner(b, actions.RunnerOptions{})
	b.ResetTimer()
	for i := range b.N {
		// Alternate the order, so drift in the machine's load (other
		// processes, the page cache) does not favour one side.
		var took, plain time.Duration
		if i%2 == 1 {
			plain = br.plain(b)
		}
		took = br.action(b)
		if i%2 == 0 {
			plain = br.plain(b)
		}
		br.ratios = append(br.ratios, 100*plain.Seconds()/took.Seconds())
		b.Logf("round %d: action %s, plain pg_dump -Fc %s (%.0f%%)", i, took.Round(time.Millisecond), plain.Round(time.Millisecond), br.ratios[i])
	}
	b.StopTimer()
	br.report(b)
}

// benchRound holds BenchmarkBackup's setup and its running totals.
type benchRound struct {
	c       *pgtest.Cluster
	db, dir string
	dbBytes int64
	reg     *actions.Registry
	runner  *actions.Runner

	actionTime, plainTime, cpu, actionKids, plainKids time.Duration
	peak, dumpSize                                    int64
	ratios                                            []float64
}

// action runs the backup action once (timed) and removes its files.
func (br *benchRound) action(b *testing.B) time.Duration {
	a, err := br.reg.New(pga.BackupID, actions.Target{Kind: "postgres", Source: "local"}, actions.Params{"database": br.db})
	if err != nil {
		b.Fatal(err)
	}
	resetPeakRSS(b)
	cpu0, kids0 := selfCPU(), childCPU()
	start := time.Now()
	res, err := br.runner.Run(context.Background(), a, actions.Confirmation{}, nil)
	took := time.Since(start)
	br.cpu += selfCPU() - cpu0
	br.actionKids += childCPU() - kids0
	if err != nil {
		b.Fatal(err)
	}
	br.peak = max(br.peak, peakRSS(b))
	br.dumpSize = res.Output.(pga.BackupResult).Size
	br.actionTime += took
	b.StopTimer()
	removeAll(b, br.dir)
	b.StartTimer()
	return took
}

// plain runs the plain pg_dump once, outside the benchmark's timer.
func (br *benchRound) plain(b *testing.B) time.Duration {
	b.StopTimer()
	defer b.StartTimer()
	kids0 := childCPU()
	took := plainDump(b, br.c, br.db, filepath.Join(br.dir, "plain.dump"))
	br.plainKids += childCPU() - kids0
	br.plainTime += took
	removeAll(b, br.dir)
	return took
}

func (br *benchRound) report(b *testing.B) {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru)
	n := float64(b.N)
	mb := float64(br.dbBytes) / (1 << 20)
	sort.Float64s(br.ratios)
	b.ReportMetric(mb/(br.actionTime.Seconds()/n), "action-MB/s")
	b.ReportMetric(mb/(br.plainTime.Seconds()/n), "plain-MB/s")
	b.ReportMetric(br.ratios[len(br.ratios)/2], "median-speed-%")
	b.ReportMetric(br.cpu.Seconds()/n, "stacktop-CPU-s/op")
	b.ReportMetric(br.actionKids.Seconds()/n, "action-tools-CPU-s/op")
	b.ReportMetric(br.plainKids.Seconds()/n, "plain-pg_dump-CPU-s/op")
	b.ReportMetric(float64(br.peak)/(1<<20), "peak-RSS-MiB")
	b.ReportMetric(float64(ru.Maxrss)/1024, "child-RSS-MiB")
	b.ReportMetric(float64(br.dumpSize)/(1<<20), "dump-MiB")
	b.ReportMetric(mb, "db-MiB")
}

// childCPU is the CPU time of this process's waited-for children (pg_dump,
// pg_restore, the Debian wrapper).
func childCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// selfCPU is the user and system CPU time this process has used: what a
// backup costs stacktop itself (a plain pg_dump costs it nothing).
func selfCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// fillBenchDB makes db about size bytes on disk (once per cluster) and
// returns its size.
func fillBenchDB(b *testing.B, c *pgtest.Cluster, db string, size int64) int64 {
	b.Helper()
	if err := c.CreateDatabase(db); err != nil {
		b.Fatal(err)
	}
	if err := c.Exec(db, `CREATE TABLE IF NOT EXISTS big (id bigint, n int, payload text, at timestamptz)`); err != nil {
		b.Fatal(err)
	}
	pool, err := c.Open(db)
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	const batch = 500000 // rows of ~110 bytes: ~55 MB, a few seconds per INSERT
	for next := int64(1); ; next += batch {
		var have int64
		if err := pool.QueryRow(`SELECT pg_database_size(current_database())`).Scan(&have); err != nil {
			b.Fatal(err)
		}
		if have >= size {
			// Set hint bits and the visibility map now, so the first dump
			// does not pay for them and the comparison stays fair.
			if _, err := pool.Exec(`VACUUM (FREEZE, ANALYZE) big`); err != nil {
				b.Fatal(err)
			}
			b.Logf("database %s: %d MiB", db, have>>20)
			return have
		}
		// md5 hex is as compressible as typical text-heavy rows (~2:1).
		if err := c.Exec(db, fmt.Sprintf(`INSERT INTO big SELECT g, ((g * 7919) %% 100000)::int,
			md5(g::text) || md5((g * 31)::text), now() - g * interval '1 second'
			FROM generate_series(%d::bigint, %d) g`, next, next+batch-1)); err != nil {
			b.Fatal(err)
		}
	}
}

// plainDump times `pg_dump -Fc` with its stdout on the file itself: what
// an operator would run by hand.
func plainDump(b *testing.B, c *pgtest.Cluster, db, path string) time.Duration {
	b.Helper()
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	cmd := c.ClientCommand(ctx, "pg_dump", "-Fc", db)
	var stderr strings.Builder
	cmd.Stdout, cmd.Stderr = f, &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		b.Fatalf("pg_dump -Fc: %v %s", err, stderr.String())
	}
	if err := f.Sync(); err != nil { // the action fsyncs too
		b.Fatal(err)
	}
	return time.Since(start)
}

func removeAll(b *testing.B, dir string) {
	b.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		b.Fatal(err)
	}
	for _, e := range es {
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
			b.Fatal(err)
		}
	}
}

// resetPeakRSS resets this process's VmHWM (Linux: clear_refs 5).
func resetPeakRSS(b *testing.B) {
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		b.Fatalf("reset peak RSS: %v", err)
	}
}

// peakRSS is this process's VmHWM in bytes.
func peakRSS(b *testing.B) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	b.Fatal("no VmHWM in /proc/self/status")
	return 0
}
