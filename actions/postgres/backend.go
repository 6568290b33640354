package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/stacktop/stacktop/actions"
	"github.com/stacktop/stacktop/collectors"
	pgc "github.com/stacktop/stacktop/collectors/postgres"
)

// Action kind IDs for backends.
const (
	CancelID    = "postgres.cancel"
	TerminateID = "postgres.terminate"
)

// BackendTarget names backend b of snapshot s (on the target s.Target) for
// cancel and terminate.
func BackendTarget(s *pgc.Snapshot, b pgc.Backend) actions.Target {
	t := actions.Target{Kind: collectors.KindPostgres, Source: s.Target, Object: strconv.Itoa(b.PID),
		Name: fmt.Sprintf("backend %d (%s@%s)", b.PID, b.User, b.Database)}
	if b.BackendAge.Valid && !s.Server.StartedAt.IsZero() {
		serverNow := s.Server.StartedAt.Add(s.Server.Uptime)
		t.Guard = "start:" + serverNow.Add(-b.BackendAge.D).UTC().Format(time.RFC3339Nano)
	}
	return t
}

// LookupBackend names backend pid on Postgres target source for cancel and
// terminate by asking the server for its backend_start: what the CLI uses
// where the dashboard has BackendTarget and a snapshot. Both give the same
// Guard, so a pid reused by a new session is never signalled either way.
func LookupBackend(ctx context.Context, opts Options, source string, pid int) (actions.Target, error) {
	opts = opts.withDefaults()
	t := actions.Target{Kind: collectors.KindPostgres, Source: source, Object: strconv.Itoa(pid)}
	s, err := opts.open(ctx, t, "", 1)
	if err != nil {
		return actions.Target{}, err
	}
	defer s.close()
	// The CLI's ctx has no deadline and this runs outside the Runner's
	// timeout: bound the look-up like the connection.
	qctx, cancel := context.WithTimeout(ctx, opts.ConnectTimeout)
	defer cancel()
	var start time.Time
	var user, database sql.NullString
	err = s.conn.QueryRowContext(qctx, `SELECT backend_start, usename, datname FROM pg_stat_activity WHERE pid = $1`, pid).
		Scan(&start, &user, &database)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return actions.Target{}, fmt.Errorf("postgres %q has no backend with pid %d — check pg_stat_activity", source, pid)
	case err != nil:
		return actions.Target{}, fmt.Errorf("postgres %q: look up backend %d: %w", source, pid, err)
	}
	t.Name = fmt.Sprintf("backend %d (%s@%s)", pid, user.String, database.String)
	t.Guard = "start:" + start.UTC().Format(time.RFC3339Nano)
	return t, nil
}

// backendRef is a parsed backend target.
type backendRef struct {
	pid   int
	start time.Time
	name  string
}

func parseBackend(t actions.Target) (backendRef, error) {
	pid, err := strconv.Atoi(t.Object)
	if err != nil || pid <= 0 {
		return backendRef{}, fmt.Errorf("%s: %q is not a backend pid", t, t.Object)
	}
	v, ok := strings.CutPrefix(t.Guard, "start:")
	start, err := time.Parse(time.RFC3339Nano, v)
	if !ok || err != nil {
		return backendRef{}, fmt.Errorf("%s: no backend start time, so a reused pid could be hit — pick the backend from the activity list", t)
	}
	return backendRef{pid: pid, start: start, name: t.Display()}, nil
}

// sameBackend is the SQL condition that a pg_stat_activity row is the
// backend the user saw: a backend is named by pid and start time, so a pid
// reused by a new session is never signalled. The start time is matched
// within a second, because the snapshot knows it only as the server's
// clock minus the backend's age, each rounded.
const sameBackend = `pid = $1 AND abs(extract(epoch FROM backend_start - $2::timestamptz)) < 1`

// backendKind is cancel (a query; Mutating, a yes) or terminate (the whole
// backend; Destructive, its pid typed): the same guarded signal, differing
// in what it ends and so in risk and confirmation.
func backendKind(opts Options, terminate bool) actions.Kind {
	id, title, risk := CancelID, "Cancel query", actions.Mutating
	if terminate {
		id, title, risk = TerminateID, "Terminate backend", actions.Destructive
	}
	return actions.Kind{ID: id, Title: title, Risk: risk, TargetKind: collectors.KindPostgres,
		New: func(t actions.Target, _ actions.Params) (actions.Action, error) {
			ref, err := parseBackend(t)
			if err != nil {
				return actions.Action{}, err
			}
			a := actions.Action{ID: id, Title: title, Target: t, Risk: risk,
				NeedsYes: !terminate, ConfirmByName: terminate,
				Description: fmt.Sprintf("Cancel the query %s is running on %s; its transaction is rolled back and the session stays.", ref.name, t.Source),
				Timeout:     opts.ConnectTimeout + 10*time.Second,
				Run: func(ctx context.Context, p func(actions.Progress)) error {
					return signalBackend(ctx, opts, t, ref, terminate, p)
				},
			}
			if terminate {
				a.Description = fmt.Sprintf("Terminate %s on %s: its connection is closed and any open transaction is rolled back.", ref.name, t.Source)
			}
			return a, nil
		}}
}

// signalBackend cancels or terminates the backend, then waits until its
// query (cancel) or the backend itself (terminate) is gone.
func signalBackend(ctx context.Context, opts Options, t actions.Target, ref backendRef, terminate bool, progress func(actions.Progress)) error {
	s, err := opts.open(ctx, t, "", 1)
	if err != nil {
		return err
	}
	defer s.close()
	fn, verb := "pg_cancel_backend", "cancel"
	if terminate {
		fn, verb = "pg_terminate_backend", "terminate"
	}
	var ok bool
	var queryStart sql.NullTime
	err = s.conn.QueryRowContext(ctx,
		`SELECT `+fn+`(pid), query_start FROM pg_stat_activity WHERE `+sameBackend, ref.pid, ref.start).Scan(&ok, &queryStart)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("%s is gone, or its pid now belongs to another session — nothing sent; refresh the list", ref.name)
	case err != nil:
		return fmt.Errorf("%s %s: %w", verb, ref.name, err)
	case !ok:
		return fmt.Errorf("could not %s %s — it may have just ended", verb, ref.name)
	}
	progress(actions.Progress{Message: fmt.Sprintf("sent %s to %s; waiting for it to take effect", verb, ref.name)})
	// The query (cancel) or backend (terminate) is still there while this
	// condition holds.
	still := `SELECT count(*) FROM pg_stat_activity WHERE ` + sameBackend
	args := []any{ref.pid, ref.start}
	if !terminate {
		still += ` AND state = 'active' AND query_start IS NOT DISTINCT FROM $3`
		args = append(args, queryStart)
	}
	return waitUntilZero(ctx, s.conn, still, args, ref.name, verb)
}

func waitUntilZero(ctx context.Context, conn *sql.Conn, query string, args []any, name, verb string) error {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		var n int
		if err := conn.QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
			return fmt.Errorf("sent %s to %s, then could not check it: %w", verb, name, err)
		}
		if n == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("sent %s to %s, but it has not taken effect yet: %w", verb, name, ctx.Err())
		case <-tick.C:
		}
	}
}
