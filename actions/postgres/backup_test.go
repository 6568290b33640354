package postgres_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stacktop/stacktop/actions"
	"github.com/stacktop/stacktop/actions/atomicfile"
	pga "github.com/stacktop/stacktop/actions/postgres"
	"github.com/stacktop/stacktop/collectors"
)

// runBackup runs the backup action for db with opts through a Runner,
// returning the result, the error and every progress report.
func runBackup(t *testing.T, f *fixture, opts pga.Options, db string) (actions.Result, []actions.Progress, error) {
	t.Helper()
	opts.DSNs = map[string]string{"local": f.c.SuperDSN(f.db)}
	reg, err := actions.NewRegistry(pga.Kinds(opts)...)
	if err != nil {
		t.Fatal(err)
	}
	a, err := reg.New(pga.BackupID, f.target(""), actions.Params{"database": db})
	if err != nil {
		t.Fatal(err)
	}
	if a.Risk != actions.Mutating || a.NeedsConfirmation() {
		t.Errorf("backup: risk %s, confirmation %v; want mutating without a yes", a.Risk, a.NeedsConfirmation())
	}
	r, _ := newRunner(t)
	var mu sync.Mutex
	var reports []actions.Progress
	res, err := r.Run(t.Context(), a, actions.Confirmation{}, func(p actions.Progress) {
		mu.Lock()
		reports = append(reports, p)
		mu.Unlock()
	})
	mu.Lock()
	defer mu.Unlock()
	return res, append([]actions.Progress(nil), reports...), err
}

// backupOutput is the BackupResult of a successful run.
func backupOutput(t *testing.T, res actions.Result, err error) pga.BackupResult {
	t.Helper()
	if err != nil {
		t.Fatalf("backup: %v", err)
	}
	out, ok := res.Output.(pga.BackupResult)
	if !ok {
		t.Fatalf("backup output is %T, want BackupResult", res.Output)
	}
	return out
}

// pgbench fills the fixture's database with pgbench -i -s scale.
func pgbench(t *testing.T, f *fixture, scale string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	if out, err := f.c.ClientCommand(ctx, "pgbench", "-i", "-q", "-s", scale, f.db).CombinedOutput(); err != nil {
		t.Fatalf("pgbench -i: %v\n%s", err, out)
	}
}

// rowCounts counts the rows of every user table in db.
func rowCounts(t *testing.T, f *fixture, db string) map[string]int64 {
	t.Helper()
	pool, err := f.c.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	rows, err := pool.QueryContext(ctx, `SELECT format('%I.%I', table_schema, table_name) FROM information_schema.tables
		WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, name)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	counts := make(map[string]int64, len(tables))
	for _, tb := range tables {
		var n int64
		if err := pool.QueryRowContext(ctx, "SELECT count(*) FROM "+tb).Scan(&n); err != nil {
			t.Fatal(err)
		}
		counts[tb] = n
	}
	return counts
}

var finalNameRE = regexp.MustCompile(`^local-t_testbackuprestoresidenticalrows-\d{8}T\d{6}Z\.dump$`)

// A pgbench database backed up and restored with pg_restore into a new
// database has identical row counts in every table; the file is private,
// named TARGET-DB-TIMESTAMP.dump, its sidecar is sha256sum's format, and
// progress counted the bytes.
func TestBackupRestoresIdenticalRows(t *testing.T) {
	f := newFixture(t, pga.Options{})
	pgbench(t, f, "2")
	dir := t.TempDir()
	res, reports, err := runBackup(t, f, pga.Options{BackupDir: dir}, f.db)
	out := backupOutput(t, res, err)

	if !finalNameRE.MatchString(filepath.Base(out.Path)) || filepath.Dir(out.Path) != dir {
		t.Errorf("backup written as %s", out.Path)
	}
	info, err := os.Stat(out.Path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Size() != out.Size || out.Size < 1000 || info.Mode().Perm() != 0o600 {
		t.Errorf("file %s: size %d (reported %d), mode %s", out.Path, info.Size(), out.Size, info.Mode())
	}
	data, err := os.ReadFile(out.Path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	side, err := os.ReadFile(out.Path + ".sha256")
	if want := hex.EncodeToString(sum[:]) + "  " + filepath.Base(out.Path) + "\n"; err != nil || string(side) != want || out.SHA256 != want[:64] {
		t.Errorf("sidecar %q (%v), result sum %s; want %q", side, err, out.SHA256, want)
	}
	if got := entries(t, dir); strings.Join(got, " ") != filepath.Base(out.Path)+" "+filepath.Base(out.Path)+".sha256" {
		t.Errorf("backup dir holds %v, want the dump and its checksum only", got)
	}
	var maxDone int64
	for _, p := range reports {
		maxDone = max(maxDone, p.Done)
		if p.Done > 0 && p.Unit != actions.ProgressBytes {
			t.Errorf("progress %+v does not say it counts bytes", p)
		}
	}
	if maxDone != out.Size {
		t.Errorf("progress reached %d bytes, the file has %d", maxDone, out.Size)
	}

	restored := f.db + "_restored"
	if err := f.c.Exec("postgres", `DROP DATABASE IF EXISTS "`+restored+`"`, `CREATE DATABASE "`+restored+`"`); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	if b, err := f.c.ClientCommand(ctx, "pg_restore", "--exit-on-error", "-d", restored, out.Path).CombinedOutput(); err != nil {
		t.Fatalf("pg_restore: %v\n%s", err, b)
	}
	want, got := rowCounts(t, f, f.db), rowCounts(t, f, restored)
	if want["public.pgbench_accounts"] != 200000 || len(want) != 4 {
		t.Fatalf("pgbench -s 2 made %v", want)
	}
	for tb, n := range want {
		if got[tb] != n {
			t.Errorf("%s: %d rows restored, %d in the original", tb, got[tb], n)
		}
	}
	if len(got) != len(want) {
		t.Errorf("restored tables %v, original %v", got, want)
	}
}

// entries lists every name in dir, hidden ones included, sorted.
func entries(t testing.TB, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

// assertNoBackupFiles fails t if dir holds anything at all: no final
// name, no partial file, no checksum.
func assertNoBackupFiles(t testing.TB, dir string) {
	t.Helper()
	if got := entries(t, dir); len(got) != 0 {
		t.Errorf("backup dir holds %v after a failed or refused backup", got)
	}
}

func TestBackupOfMissingDatabaseLeavesNoFile(t *testing.T) {
	f := newFixture(t, pga.Options{})
	dir := t.TempDir()
	res, _, err := runBackup(t, f, pga.Options{BackupDir: dir}, "no_such_db")
	if res.Outcome != actions.OutcomeFailed || err == nil ||
		!strings.Contains(err.Error(), `database "no_such_db" does not exist`) || !strings.Contains(err.Error(), "check the database name") {
		t.Errorf("backup of a missing database: %s: %v", res.Outcome, err)
	}
	if err != nil && strings.Contains(err.Error(), "\n") {
		t.Errorf("the error is more than one line: %q", err)
	}
	t.Log(err)
	assertNoBackupFiles(t, dir)
}

// fakeTool writes an executable shell script named name into a new temp
// dir and returns its path.
func fakeTool(t *testing.T, name, script string) string {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// versionCase answers --version like a pg_dump of major.
func versionCase(major string) string {
	return `case "$1" in --version) echo "pg_dump (PostgreSQL) ` + major + `.4 (Debian)"; exit 0;; esac` + "\n"
}

// A pg_dump killed mid-way (it wrote 3 MB, then SIGKILL) leaves neither
// a final nor a partial file, and says it was killed.
func TestBackupKilledMidwayLeavesNoFile(t *testing.T) {
	f := newFixture(t, pga.Options{})
	dir := t.TempDir()
	dump := fakeTool(t, "pg_dump", versionCase(f.c.Version)+"head -c 3000000 /dev/zero\nkill -9 $$\n")
	res, _, err := runBackup(t, f, pga.Options{BackupDir: dir, PgDumpPath: dump}, f.db)
	if res.Outcome != actions.OutcomeFailed || err == nil || !strings.Contains(err.Error(), "killed by signal 9 (killed)") {
		t.Errorf("pg_dump killed mid-way: %s: %v", res.Outcome, err)
	}
	t.Log(err)
	assertNoBackupFiles(t, dir)
}

// Cancelling (esc) while pg_dump streams stops it — a wrapper script's
// child included, even one that ignores SIGTERM — and leaves no file.
func TestBackupCancelledMidwayLeavesNoFile(t *testing.T) {
	f := newFixture(t, pga.Options{})
	dir := t.TempDir()
	dump := fakeTool(t, "pg_dump", versionCase(f.c.Version)+"trap '' TERM\nhead -c 2000000 /dev/zero\nsleep 60\n")
	opts := pga.Options{BackupDir: dir, PgDumpPath: dump, DSNs: map[string]string{"local": f.c.SuperDSN(f.db)}}
	reg, err := actions.NewRegistry(pga.Kinds(opts)...)
	if err != nil {
		t.Fatal(err)
	}
	a, err := reg.New(pga.BackupID, f.target(""), actions.Params{"database": f.db})
	if err != nil {
		t.Fatal(err)
	}
	r, _ := newRunner(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var once sync.Once
	start := time.Now()
	res, err := r.Run(ctx, a, actions.Confirmation{}, func(p actions.Progress) {
		if p.Done > 0 {
			once.Do(cancel) // bytes are flowing: press esc
		}
	})
	if res.Outcome != actions.OutcomeCancelled || err == nil {
		t.Errorf("cancelled backup: %s: %v", res.Outcome, err)
	}
	t.Logf("cancelled after %s: %v", time.Since(start), err)
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("the cancelled backup took %s to stop", d)
	}
	assertNoBackupFiles(t, dir)
}

// A pg_dump older than the server is refused before anything is written,
// with the version needed. (Only PostgreSQL 15's binaries are installed
// here, so the old pg_dump is a script answering --version like 12.)
func TestBackupWithTooOldPgDump(t *testing.T) {
	f := newFixture(t, pga.Options{})
	dir := t.TempDir()
	dump := fakeTool(t, "pg_dump", `echo "pg_dump (PostgreSQL) 12.22"`+"\n")
	_, _, err := runBackup(t, f, pga.Options{BackupDir: dir, PgDumpPath: dump}, f.db)
	v := f.c.Version
	want := "pg_dump 12 cannot dump a PostgreSQL " + v + " server — install pg_dump " + v +
		" or newer (package postgresql-client-" + v + ") or set [actions] pg_dump_path"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("too-old pg_dump: %v\nwant %q", err, want)
	}
	assertNoBackupFiles(t, dir)
}

// When PATH's pg_dump is older than the server, the one in
// /usr/lib/postgresql/<major>/bin is used instead.
func TestBackupPrefersNewEnoughPgDumpOverPath(t *testing.T) {
	f := newFixture(t, pga.Options{}, `CREATE TABLE t (v int)`, `INSERT INTO t VALUES (1)`)
	old := fakeTool(t, "pg_dump", `echo "pg_dump (PostgreSQL) 12.22"; exit 1`+"\n")
	t.Setenv("PATH", filepath.Dir(old)+":/usr/bin:/bin")
	res, _, err := runBackup(t, f, pga.Options{BackupDir: t.TempDir()}, f.db)
	out := backupOutput(t, res, err)
	if want := filepath.Join(f.c.BinDir, "pg_dump"); out.PgDump != want {
		t.Errorf("used %s, want %s", out.PgDump, want)
	}
}

// The connection reaches pg_dump through its environment, the password
// included; the command line carries nothing but the format. The target
// is configured as a URL here.
func TestBackupPassesConnectionInEnvironment(t *testing.T) {
	f := newFixture(t, pga.Options{}, `CREATE TABLE t (v int)`)
	rec := t.TempDir()
	dump := fakeTool(t, "pg_dump", versionCase(f.c.Version)+
		`echo "$@" > `+rec+"/args\nenv | grep '^PG' | sort > "+rec+"/env\nexec "+filepath.Join(f.c.BinDir, "pg_dump")+` "$@"`+"\n")
	t.Setenv("PGDATABASE", "postgres") // the environment's database must not win over the one chosen
	if err := f.c.CreateRole("backup_reader", "pw:with@odd/chars", "pg_read_all_data"); err != nil {
		t.Fatal(err)
	}
	opts := pga.Options{BackupDir: t.TempDir(), PgDumpPath: dump,
		DSNs: map[string]string{"local": f.c.URL("backup_reader", "pw:with@odd/chars", f.db, "sslmode=disable&work_mem=8MB")}}
	reg, _ := actions.NewRegistry(pga.Kinds(opts)...)
	a, err := reg.New(pga.BackupID, f.target(f.db), nil)
	if err != nil {
		t.Fatal(err)
	}
	r, _ := newRunner(t)
	if _, err := r.Run(t.Context(), a, actions.Confirmation{}, nil); err != nil {
		t.Fatalf("backup via URL dsn: %v", err)
	}
	args, _ := os.ReadFile(filepath.Join(rec, "args"))
	if strings.TrimSpace(string(args)) != "--format=custom --no-password" {
		t.Errorf("pg_dump's command line: %q", args)
	}
	env, _ := os.ReadFile(filepath.Join(rec, "env"))
	for _, want := range []string{"PGPASSWORD=pw:with@odd/chars", "PGHOST=127.0.0.1", "PGPORT=" + itoa(f.c.Port),
		"PGUSER=backup_reader", "PGDATABASE=" + f.db, "PGSSLMODE=disable", "PGAPPNAME=stacktop backup",
		"PGOPTIONS=-c work_mem=8MB"} { // a run-time parameter of the DSN, which the real pg_dump then accepted
		if !strings.Contains(string(env), want+"\n") {
			t.Errorf("pg_dump's environment lacks %s:\n%s", want, env)
		}
	}
	if strings.Contains(string(env), "PGDATABASE=postgres") {
		t.Errorf("stacktop's own PGDATABASE reached pg_dump:\n%s", env)
	}
}

// Retention keeps the newest N of that target and database, deleting the
// older ones with their checksums, and leaves every other file alone —
// the partial file of a writer still alive included. The partial file no
// live writer holds (its writer was killed) is removed, and said.
func TestBackupRetentionDeletesOnlyTheOldestOfThatDatabase(t *testing.T) {
	f := newFixture(t, pga.Options{}, `CREATE TABLE t (v int)`)
	dir := t.TempDir()
	same := "local-" + f.db + "-"
	keep := []string{
		same + "20250102T000000Z.dump", same + "20250102T000000Z.dump.sha256",
		"local-otherdb-20200101T000000Z.dump", "local-otherdb-20200101T000000Z.dump.sha256",
		"remote-" + f.db + "-20200101T000000Z.dump",
		same + "20190101T000000Z.dump.bak", "notes.txt",
	}
	gone := []string{same + "20250101T000000Z.dump", same + "20250101T000000Z.dump.sha256",
		same + "20240101T000000Z.dump"}
	killed := "." + same + "20170101T000000Z.dump.partial"
	for _, name := range append(append([]string{killed}, keep...), gone...) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	live, err := atomicfile.Create(dir, same+"20180101T000000Z", ".dump", atomicfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer live.Abort()
	keep = append(keep, "."+same+"20180101T000000Z.dump.partial")
	res, _, err := runBackup(t, f, pga.Options{BackupDir: dir, Retention: 2}, f.db)
	out := backupOutput(t, res, err)
	if len(out.Deleted) != 2 {
		t.Errorf("retention deleted %v", out.Deleted)
	}
	if len(out.SweptPartials) != 1 || !strings.HasPrefix(out.SweptPartials[0], filepath.Join(dir, killed)+" (") {
		t.Errorf("swept %v, want only the killed writer's %s", out.SweptPartials, killed)
	}
	want := append(keep, filepath.Base(out.Path), filepath.Base(out.Path)+".sha256")
	sort.Strings(want)
	if got := entries(t, dir); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("after retention 2 the dir holds\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// The backup action is not offered without a backup directory, with a
// line that says what to set.
func TestBackupNeedsADirectory(t *testing.T) {
	reg, err := actions.NewRegistry(pga.Kinds(pga.Options{DSNs: map[string]string{"local": "host=127.0.0.1"}})...)
	if err != nil {
		t.Fatal(err)
	}
	_, err = reg.New(pga.BackupID, actions.Target{Kind: collectors.KindPostgres, Source: "local"}, actions.Params{"database": "app"})
	if err == nil || !strings.Contains(err.Error(), "set [actions] backup_dir") {
		t.Errorf("backup without backup_dir: %v", err)
	}
}

// A backup never replaces an existing file of the same name: with files
// already under every name the next seconds could give, it refuses and
// leaves them as they were.
func TestBackupNeverOverwrites(t *testing.T) {
	f := newFixture(t, pga.Options{}, `CREATE TABLE t (v int)`)
	dir := t.TempDir()
	now := time.Now().UTC()
	var names []string
	for s := range 20 {
		name := "local-" + f.db + "-" + now.Add(time.Duration(s)*time.Second).Format("20060102T150405Z") + ".dump"
		if err := os.WriteFile(filepath.Join(dir, name), []byte("precious"), 0o600); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	_, _, err := runBackup(t, f, pga.Options{BackupDir: dir}, f.db)
	if err == nil || !strings.Contains(err.Error(), "already exists — nothing is overwritten") {
		t.Errorf("backup onto an existing name: %v", err)
	}
	if got := entries(t, dir); strings.Join(got, " ") != strings.Join(names, " ") {
		t.Errorf("dir now holds %v", got)
	}
	for _, n := range names {
		if b, _ := os.ReadFile(filepath.Join(dir, n)); string(b) != "precious" {
			t.Errorf("%s was changed to %q", n, b)
		}
	}
}

// Esc during a real pg_dump stops it: no file is left, and its session
// is gone from the server soon after.
func TestBackupCancelStopsRealPgDump(t *testing.T) {
	f := newFixture(t, pga.Options{})
	pgbench(t, f, "5")
	dir := t.TempDir()
	opts := pga.Options{BackupDir: dir, DSNs: map[string]string{"local": f.c.SuperDSN(f.db)}}
	reg, _ := actions.NewRegistry(pga.Kinds(opts)...)
	a, err := reg.New(pga.BackupID, f.target(f.db), nil)
	if err != nil {
		t.Fatal(err)
	}
	r, _ := newRunner(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var once sync.Once
	res, err := r.Run(ctx, a, actions.Confirmation{}, func(p actions.Progress) {
		if p.Done > 0 {
			once.Do(cancel)
		}
	})
	if res.Outcome != actions.OutcomeCancelled {
		t.Fatalf("esc during pg_dump: %s: %v", res.Outcome, err)
	}
	assertNoBackupFiles(t, dir)
	deadline := time.Now().Add(10 * time.Second)
	for {
		var n int
		f.query(t, `SELECT count(*) FROM pg_stat_activity WHERE application_name = 'stacktop backup'`, &n)
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("pg_dump's session is still on the server 10 s after esc")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
