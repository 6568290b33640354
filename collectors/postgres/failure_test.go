package postgres

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/stacktop/stacktop/collectors"
	"github.com/stacktop/stacktop/collectors/postgres/pgtest"
)

// A wrong password fails with one line naming the cause and where passwords
// come from, and never echoes the password.
func TestWrongPassword(t *testing.T) {
	cl := pg.Cluster(t)
	if err := cl.CreateRole("st_pw", "right-password"); err != nil {
		t.Fatal(err)
	}
	c := newCollector(t, "pw", cl.DSN("st_pw", "wrong-password", "postgres"))
	_, err := tryCollect(c)
	if err == nil {
		t.Fatal("want an error")
	}
	msg := err.Error()
	t.Log(msg)
	for _, want := range []string{`postgres "pw": connect:`, "password authentication failed", "~/.pgpass", "PGPASSWORD", "password_env"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if strings.Contains(msg, "wrong-password") || strings.Contains(msg, "\n") || errors.Is(err, collectors.ErrSourceAbsent) {
		t.Errorf("error must be one line, without the password, not 'absent': %q", msg)
	}
}

// Nothing listening: the error wraps ErrSourceAbsent and says what to try.
func TestConnectionRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	c := newCollector(t, "local", fmt.Sprintf("host=127.0.0.1 port=%d user=x password=secret-pw dbname=x", port))
	_, err = tryCollect(c)
	if !errors.Is(err, collectors.ErrSourceAbsent) {
		t.Fatalf("want ErrSourceAbsent, got %v", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "is PostgreSQL running?") || strings.Contains(msg, "secret-pw") {
		t.Errorf("message: %q", msg)
	}
}

// sslmode: unset means prefer (falls back to plain on a server without SSL);
// require fails with a hint.
func TestSSLModeDefaultsToPrefer(t *testing.T) {
	cl := pg.Cluster(t)
	noSSLMode := fmt.Sprintf("host=%s port=%d user=%s password=%s dbname=postgres",
		cl.Host, cl.Port, pgtest.SuperUser, pgtest.SuperPassword)
	t.Setenv("PGSSLMODE", "restored-after-test")
	os.Unsetenv("PGSSLMODE")
	collect(t, newCollector(t, "prefer", noSSLMode))
	collect(t, newCollector(t, "url", cl.URL(pgtest.SuperUser, pgtest.SuperPassword, "postgres", "")))

	_, err := tryCollect(newCollector(t, "require", noSSLMode+" sslmode=require"))
	if err == nil || !strings.Contains(err.Error(), "sslmode=prefer") {
		t.Errorf("sslmode=require against a server without SSL: %v", err)
	}
}

// The server stops mid-session: polls fail with a clear error, and the same
// collector recovers by itself once the server is back; no rate spans the
// restart.
func TestServerRestartRecovery(t *testing.T) {
	cl := pgtest.Need(t, pgtest.Config{MaxConnections: 20})
	c := newCollector(t, "restart", cl.SuperDSN("postgres"))
	before := collect(t, c)
	collect(t, c)
	if err := cl.Stop(); err != nil {
		t.Fatal(err)
	}
	_, err := tryCollect(c)
	if err == nil || !strings.HasPrefix(err.Error(), `postgres "restart": poll:`) {
		t.Fatalf("poll against a stopped server: %v", err)
	}
	_, err = tryCollect(c)
	if !errors.Is(err, collectors.ErrSourceAbsent) || !strings.Contains(err.Error(), "connect") {
		t.Fatalf("next poll should fail to connect (absent): %v", err)
	}
	if err := cl.Start(); err != nil {
		t.Fatal(err)
	}
	var after *Snapshot
	for i := 0; i < 50 && after == nil; i++ {
		after, _ = tryCollect(c)
		time.Sleep(100 * time.Millisecond)
	}
	if after == nil {
		t.Fatal("collector did not recover")
	}
	if !after.Server.StartedAt.After(before.Server.StartedAt) || !after.Poll.Connected {
		t.Errorf("want a reconnect to a restarted server: %v -> %v", before.Server.StartedAt, after.Server.StartedAt)
	}
	if after.Total.TPS.Valid {
		t.Error("no rate may span a restart")
	}
}

// A stats reset gives no rate, never a spike or a negative figure.
func TestStatsResetGivesNoRate(t *testing.T) {
	cl := pg.Cluster(t)
	conn := pgtest.Session(t, cl.SuperDSN("postgres"))
	c := newCollector(t, "reset", cl.SuperDSN("postgres"))
	collect(t, c)
	time.Sleep(1100 * time.Millisecond) // stats flush at most once a second
	s := collect(t, c)
	if !s.Total.TPS.Valid {
		t.Fatal("second poll should have rates")
	}
	pgtest.ExecOn(t, conn, "SELECT pg_stat_reset()")
	s = collect(t, c)
	pgdb := findDB(t, s, "postgres")
	if pgdb.Rates.TPS.Valid || s.Total.TPS.Valid {
		t.Errorf("rates after reset: db=%+v total=%+v", pgdb.Rates.TPS, s.Total.TPS)
	}
	time.Sleep(1100 * time.Millisecond)
	s = collect(t, c)
	if r := findDB(t, s, "postgres").Rates.TPS; !r.Valid || r.PerSec < 0 {
		t.Errorf("rates should resume after a reset: %+v", r)
	}
}

func findDB(t *testing.T, s *Snapshot, name string) Database {
	t.Helper()
	for _, d := range s.Databases {
		if d.Name == name {
			return d
		}
	}
	t.Fatalf("no database %q", name)
	return Database{}
}

func TestTooOldServer(t *testing.T) {
	_, err := Resolve(130011)
	if err == nil || err.Error() != "PostgreSQL 13.11 is too old: stacktop supports 14 and newer" {
		t.Errorf("Resolve(130011) = %v", err)
	}
	_, err = Resolve(90624)
	if err == nil || !strings.Contains(err.Error(), "9.6.24 is too old") {
		t.Errorf("Resolve(90624) = %v", err)
	}
}

// A missing unix socket is "absent" too.
func TestMissingSocketIsAbsent(t *testing.T) {
	c := newCollector(t, "sock", "host="+t.TempDir()+" user=x dbname=x")
	_, err := tryCollect(c)
	if !errors.Is(err, collectors.ErrSourceAbsent) {
		t.Fatalf("want ErrSourceAbsent, got %v", err)
	}
}

// A server that accepts TCP and never answers must not hold a poll past
// its deadline, and the collector leaks no goroutines once closed.
func TestHungServerHonoursDeadline(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	held := make(chan net.Conn, 4)
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				close(held)
				return
			}
			held <- conn // accept, then say nothing
		}
	}()
	port := l.Addr().(*net.TCPAddr).Port
	c, err := New(Options{Name: "hung", DSN: fmt.Sprintf("host=127.0.0.1 port=%d user=x dbname=x sslmode=disable connect_timeout=30", port)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = c.Collect(ctx)
	if took := time.Since(start); err == nil || took > 2*time.Second {
		t.Fatalf("poll against a hung server: err=%v after %v", err, took)
	}
	if !strings.Contains(err.Error(), "no answer in time") {
		t.Errorf("want the timeout hint, got %q", err)
	}
	_ = c.Close()
	l.Close()
	for conn := range held {
		conn.Close()
	}
}

// A role without CONNECT on the database gets a hint about CONNECT, not
// about pg_monitor.
func TestPermissionDeniedForDatabase(t *testing.T) {
	cl := pg.Cluster(t)
	if err := cl.CreateRole("st_noconnect", "pw-noconnect"); err != nil {
		t.Fatal(err)
	}
	if err := cl.CreateDatabase("st_private"); err != nil {
		t.Fatal(err)
	}
	if err := cl.Exec("postgres", "REVOKE CONNECT ON DATABASE st_private FROM PUBLIC"); err != nil {
		t.Fatal(err)
	}
	_, err := tryCollect(newCollector(t, "private", cl.DSN("st_noconnect", "pw-noconnect", "st_private")))
	if err == nil || !strings.Contains(err.Error(), "permission denied for database") || !strings.Contains(err.Error(), "GRANT CONNECT") {
		t.Errorf("want a CONNECT hint, got %v", err)
	}
}

func TestBackendLookupOnFixture(t *testing.T) {
	s := &Snapshot{Activity: []Backend{{PID: 7, State: StateActive}}}
	if b, ok := s.Backend(7); !ok || b.State != StateActive {
		t.Errorf("lookup on a hand-built snapshot: %+v %v", b, ok)
	}
	if _, ok := s.Backend(8); ok {
		t.Error("found a pid that is not there")
	}
}

// Passwords come from ~/.pgpass (PGPASSFILE) and PGPASSWORD when the DSN has none.
func TestPasswordFromPgpassAndEnv(t *testing.T) {
	cl := pg.Cluster(t)
	if err := cl.CreateRole("st_pgpass", "from-pgpass"); err != nil {
		t.Fatal(err)
	}
	passfile := t.TempDir() + "/pgpass"
	line := fmt.Sprintf("%s:%d:*:st_pgpass:from-pgpass\n", cl.Host, cl.Port)
	if err := os.WriteFile(passfile, []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	dsn := fmt.Sprintf("host=%s port=%d user=st_pgpass dbname=postgres sslmode=disable", cl.Host, cl.Port)
	t.Setenv("PGPASSFILE", passfile)
	collect(t, newCollector(t, "pgpass", dsn))

	t.Setenv("PGPASSFILE", t.TempDir()+"/none")
	t.Setenv("PGPASSWORD", "from-pgpass")
	collect(t, newCollector(t, "env", dsn))
}
