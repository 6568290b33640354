package postgres

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lib/pq"
)

func TestParseToolVersion(t *testing.T) {
	for out, want := range map[string]string{
		"pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)\n": "15",
		"pg_dump (PostgreSQL) 12.22":                            "12",
		"pg_restore (PostgreSQL) 17devel":                       "17",
		"pg_dump (PostgreSQL) 9.6.24":                           "9.6",
		"pg_dump (PostgreSQL) 10.23":                            "10",
	} {
		got, ok := parseToolVersion(out)
		if !ok || got.String() != want {
			t.Errorf("parseToolVersion(%q) = %s %v, want %s", out, got, ok, want)
		}
	}
	if _, ok := parseToolVersion("bash: pg_dump: command not found"); ok {
		t.Error("parsed a version from noise")
	}
	for num, want := range map[int]string{150008: "15", 100023: "10", 90624: "9.6", 170000: "17"} {
		if got := majorOfNum(num).String(); got != want {
			t.Errorf("majorOfNum(%d) = %s, want %s", num, got, want)
		}
	}
	if !(majorOfNum(90624) < majorOfNum(100000)) {
		t.Error("9.6 does not sort before 10")
	}
}

func TestBackupNamesAreSafeAndParseBack(t *testing.T) {
	at := time.Date(2026, 11, 21, 14, 5, 1, 0, time.FixedZone("CET", 3600))
	for _, c := range []struct{ target, db, want string }{
		{"local", "app", "local-app-20261121T130501Z.dump"},
		{"prod-eu", "my.app-v2", "prod_eu-my_app_v2-20261121T130501Z.dump"},
		{"../etc", "", "___etc-_-20261121T130501Z.dump"},
		{"x", "bäckerei db", "x-b_ckerei_db-20261121T130501Z.dump"},
	} {
		name := backupFileName(c.target, c.db, at)
		if name != c.want {
			t.Errorf("backupFileName(%q, %q) = %q, want %q", c.target, c.db, name, c.want)
		}
		tg, db, ts, ok := parseBackupName(name)
		if !ok || tg != BackupNamePart(c.target) || db != BackupNamePart(c.db) || !ts.Equal(at.Truncate(time.Second)) {
			t.Errorf("parseBackupName(%q) = %q %q %s %v", name, tg, db, ts, ok)
		}
	}
	if long := BackupNamePart(strings.Repeat("a", 200)); len(long) != maxNamePart {
		t.Errorf("a 200-character name gave %d characters", len(long))
	}
	for _, bad := range []string{"a-b.dump", "a-b-c-20261121T130501Z.dump", "a-b-20261121.dump", "a-b-20261121T130501Z.dump.sha256", ".a-b-20261121T130501Z.dump"} {
		if _, _, _, ok := parseBackupName(bad); ok {
			t.Errorf("parseBackupName(%q) accepted it", bad)
		}
	}
}

func TestToolEnvFromDSN(t *testing.T) {
	cfg, err := pq.NewConfig("host=db1,db2 port=6432,6433 user=app password='s3cr:t' dbname=shop sslmode=verify-full sslrootcert=/etc/ca.pem connect_timeout=7")
	if err != nil {
		t.Fatal(err)
	}
	env, err := toolEnv([]string{"HOME=/root", "PGPASSWORD=stale", "PGSERVICE=other", "LANG=C"}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	got := "\n" + strings.Join(env, "\n") + "\n"
	for _, want := range []string{"HOME=/root", "LANG=C", "PGHOST=db1,db2", "PGPORT=6432,6433", "PGUSER=app",
		"PGPASSWORD=s3cr:t", "PGDATABASE=shop", "PGSSLMODE=verify-full", "PGSSLROOTCERT=/etc/ca.pem",
		"PGCONNECT_TIMEOUT=7", "PGAPPNAME=stacktop backup"} {
		if !strings.Contains(got, "\n"+want+"\n") {
			t.Errorf("env lacks %s:%s", want, got)
		}
	}
	for _, bad := range []string{"PGPASSWORD=stale", "PGSERVICE", "PGHOSTADDR"} {
		if strings.Contains(got, bad) {
			t.Errorf("env has %s:%s", bad, got)
		}
	}
	// A URL (single host; lib/pq does not split URL host lists), without a
	// password: none is set, so ~/.pgpass still works.
	cfg, err = pq.NewConfig("postgresql://app@[::1]:6432/shop%2Fx")
	if err != nil {
		t.Fatal(err)
	}
	env, _ = toolEnv(nil, cfg)
	if got := strings.Join(env, " "); got != "PGHOST=::1 PGPORT=6432 PGDATABASE=shop/x PGUSER=app PGAPPNAME=stacktop backup" {
		t.Errorf("URL env: %s", got)
	}
	// Run-time parameters of the DSN reach the tools as PGOPTIONS, after
	// the DSN's own options, spaces and backslashes escaped.
	cfg, err = pq.NewConfig(`host=db options='-c geqo=off' search_path='app, "my schema"' work_mem=64MB lc_messages=C\\x`)
	if err != nil {
		t.Fatal(err)
	}
	env, _ = toolEnv(nil, cfg)
	if got, want := strings.Join(env, "\n"), `PGOPTIONS=-c geqo=off -c lc_messages=C\\x -c search_path=app,\ "my\ schema" -c work_mem=64MB`; !strings.Contains(got, want) {
		t.Errorf("run-time parameters: want %s in\n%s", want, got)
	}
	cfg.SSLInline = true
	if _, err := toolEnv(nil, cfg); err == nil {
		t.Error("sslinline was accepted")
	}
}

func TestFailureLineAndBoundedStderr(t *testing.T) {
	stderr := "pg_dump: warning: something\npg_dump: error: query failed: ERROR:  permission denied for table t\npg_dump: detail: x\n"
	if got := failureLine(errors.New("exit status 1"), stderr); got != "query failed: ERROR:  permission denied for table t" {
		t.Errorf("failureLine = %q", got)
	}
	if got := failureLine(errors.New("exit status 1"), "\n  last words \n\n"); got != "last words" {
		t.Errorf("failureLine without error: = %q", got)
	}
	h := &headBuffer{max: 10}
	for range 1000 {
		if n, err := h.Write([]byte("0123456789abcdef")); n != 16 || err != nil {
			t.Fatal("headBuffer refused a write")
		}
	}
	if h.String() != "0123456789" {
		t.Errorf("headBuffer kept %q", h.String())
	}
}

// A file that appears under the final name while the dump is written is
// neither replaced nor touched; the temporary file goes away.
func TestPublishDoesNotReplaceAFileThatAppeared(t *testing.T) {
	dir := t.TempDir()
	final := filepath.Join(dir, "local-app-20261121T140501Z.dump")
	var reported int64
	d, err := createDump(final, func(n int64) { reported = n })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Write([]byte("dump bytes")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(final, []byte("someone else's"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := d.publish(); err == nil || !strings.Contains(err.Error(), "appeared while the backup was written") {
		t.Errorf("publish over an existing file: %v", err)
	}
	d.discard()
	if b, _ := os.ReadFile(final); string(b) != "someone else's" {
		t.Errorf("the existing file now holds %q", b)
	}
	if es, _ := os.ReadDir(dir); len(es) != 1 {
		t.Errorf("dir holds %d files, want only the existing one", len(es))
	}
	if reported != 10 {
		t.Errorf("progress reported %d bytes, want 10", reported)
	}
}
