package pgtest

import (
	"context"
	"database/sql"
	"testing"
	"time"
)

// Session opens one dedicated connection for a scenario's session (a lock
// holder, a sleeper, an idle transaction); it is closed, ending whatever
// transaction it holds, when the test ends.
func Session(t testing.TB, dsn string) *sql.Conn {
	t.Helper()
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close(); _ = db.Close() })
	return conn
}

// ExecOn runs statements on conn, each with a 10 s limit.
func ExecOn(t testing.TB, conn *sql.Conn, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, err := conn.ExecContext(ctx, s)
		cancel()
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// BackendPID is the server process serving conn.
func BackendPID(t testing.TB, conn *sql.Conn) int {
	t.Helper()
	var pid int
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := conn.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&pid); err != nil {
		t.Fatal(err)
	}
	return pid
}

// Background starts a statement that blocks (a lock wait, a sleep) on conn
// and returns its backend's PID. The statement is cancelled at cleanup, which
// runs before Session's cleanup closes the connection; it is given at most a
// minute in any case.
func Background(t testing.TB, conn *sql.Conn, stmt string) int {
	t.Helper()
	pid := BackendPID(t, conn)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = conn.ExecContext(ctx, stmt)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			t.Errorf("background statement %q did not end", stmt)
		}
	})
	return pid
}
