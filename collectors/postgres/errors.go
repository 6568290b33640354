package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"

	"github.com/lib/pq"
	"github.com/lib/pq/pqerror"

	"github.com/stacktop/stacktop/collectors"
)

// Error is a collector failure as the user reads it: one line, the cause
// and then what to try. It wraps the underlying error, and
// collectors.ErrSourceAbsent when nothing listens at the address.
type Error struct {
	// Target is the configured target name.
	Target string
	// Op is what failed: "connect", "poll", ...
	Op string
	// Cause is the underlying error.
	Cause error
	// Hint says what to try; may be empty.
	Hint string
	// Absent marks "nothing is listening there".
	Absent bool
	// Auth marks a server that refused the credentials; Lost a session
	// that broke (shutdown, crash, network).
	Auth, Lost bool
	// secret is removed from the message (a password echoed back in an error).
	secret string
}

// Error renders `postgres "name": op: cause — hint` on one line.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "postgres %q: %s: %s", e.Target, e.Op, causeText(e.Cause))
	if e.Hint != "" {
		b.WriteString(" — ")
		b.WriteString(e.Hint)
	}
	s := strings.Join(strings.Fields(b.String()), " ")
	if len(e.secret) >= 3 {
		s = strings.ReplaceAll(s, e.secret, "********")
	}
	return s
}

// WithoutHint implements collectors.Hinted: the line without its advice.
func (e *Error) WithoutHint() string {
	c := *e
	c.Hint = ""
	return c.Error()
}

// Advice implements collectors.Hinted.
func (e *Error) Advice() string { return e.Hint }

// Unwrap exposes the cause and, for an absent server, ErrSourceAbsent
// (collectors.ErrAuth, ErrConnectionLost likewise), so the hub can tell
// a server that is down from one that answered with an error.
func (e *Error) Unwrap() []error {
	errs := []error{e.Cause}
	if e.Absent {
		errs = append(errs, collectors.ErrSourceAbsent)
	}
	if e.Auth {
		errs = append(errs, collectors.ErrAuth)
	}
	if e.Lost {
		errs = append(errs, collectors.ErrConnectionLost)
	}
	return errs
}

// causeText is the cause without lib/pq's query excerpt (pq.Error.Error
// appends the failing SQL's line), which is noise for an operator.
func causeText(err error) string {
	var pe *pq.Error
	if errors.As(err, &pe) {
		return pe.Message
	}
	return strings.TrimPrefix(err.Error(), "pq: ")
}

// classify wraps err with the target's context and a hint.
func (c *Collector) classify(op string, err error) error {
	var already *Error
	if errors.As(err, &already) {
		return err
	}
	e := &Error{Target: c.opts.Name, Op: op, Cause: err, secret: c.cfg.Password}
	e.Hint, e.Absent = hintFor(err, c.cfg.User)
	e.Auth = e.Hint == passwordHint || isAuth(err)
	e.Lost = lostSession(err)
	return e
}

// isAuth reports whether the server refused the role or its credentials.
func isAuth(err error) bool {
	var pe *pq.Error
	return errors.As(err, &pe) && (pe.Code == pqerror.InvalidPassword || pe.Code == pqerror.InvalidAuthorizationSpecification)
}

// lostSession reports whether the server ended the session or refuses new
// ones (shutting down, starting up, crashed) rather than failing one
// statement. Network errors (EOF, reset) need no mark: the hub knows them.
func lostSession(err error) bool {
	if errors.Is(err, sql.ErrConnDone) {
		return true // database/sql: the session was closed under the poll
	}
	var pe *pq.Error
	if !errors.As(err, &pe) {
		return false
	}
	switch pe.Code {
	case pqerror.AdminShutdown, pqerror.CrashShutdown, pqerror.CannotConnectNow:
		return true
	}
	return pe.Code.Class() == pqerror.ClassConnectionException
}

// hintFor returns what to try for err, and whether it means nothing is
// listening at the address.
func hintFor(err error, user string) (hint string, absent bool) {
	var pe *pq.Error
	var opErr *net.OpError
	switch {
	case errors.Is(err, syscall.ECONNREFUSED),
		errors.As(err, &opErr) && opErr.Op == "dial" && errors.Is(err, syscall.ENOENT):
		return "is PostgreSQL running? Set [[postgres]] dsn or PGHOST", true
	case errors.Is(err, pq.ErrSSLNotSupported):
		return "the server does not offer SSL: set sslmode=prefer or sslmode=disable", false
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return "no answer in time: is the server overloaded or the network down?", false
	case errors.As(err, &pe) && pe.Code == pqerror.InsufficientPrivilege && strings.Contains(pe.Message, "for database"):
		return fmt.Sprintf("the role may not connect to that database: GRANT CONNECT ON DATABASE ... TO %s, or set dbname", pq.QuoteIdentifier(user)), false
	case errors.As(err, &pe):
		return hintForCode(pe.Code, user), false
	case strings.Contains(err.Error(), "SCRAM"), strings.Contains(err.Error(), "password"):
		return passwordHint, false
	}
	return "", false
}

const passwordHint = "check the password in ~/.pgpass, PGPASSWORD or the target's password_env"

func hintForCode(code pqerror.Code, user string) string {
	switch code {
	case pqerror.InvalidPassword:
		return passwordHint
	case pqerror.InvalidAuthorizationSpecification:
		return "check the user name and pg_hba.conf (is there an entry for this host, user and database?)"
	case pqerror.InsufficientPrivilege:
		return fmt.Sprintf("grant the monitoring role: GRANT pg_monitor TO %s", pq.QuoteIdentifier(user))
	case pqerror.InvalidCatalogName:
		return "set dbname in the [[postgres]] dsn or PGDATABASE to an existing database"
	case pqerror.TooManyConnections:
		return "the server is out of connection slots: raise max_connections or close idle sessions"
	case pqerror.CannotConnectNow:
		return "the server is starting up or shutting down; stacktop retries"
	case pqerror.AdminShutdown, pqerror.CrashShutdown:
		return "the server shut down or restarted; stacktop reconnects"
	case pqerror.QueryCanceled:
		return "the server took longer than statement_timeout: it is overloaded; stacktop retries"
	case pqerror.LockNotAvailable:
		return "a catalog lock was held longer than lock_timeout; stacktop retries"
	}
	return ""
}

// keepConnection reports whether the connection survives err: a server-side
// error on a healthy session does; network trouble, shutdowns and cancelled
// polls do not, and the next poll reconnects.
func keepConnection(err error) bool {
	var pe *pq.Error
	if !errors.As(err, &pe) {
		return false
	}
	switch pe.Code.Class() {
	case pqerror.ClassConnectionException, pqerror.ClassOperatorIntervention:
		return pe.Code == pqerror.QueryCanceled // a statement_timeout leaves the session usable
	}
	return pe.Severity != pqerror.SeverityFatal && pe.Severity != pqerror.SeverityPanic
}
