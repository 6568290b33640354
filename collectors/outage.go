package collectors

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"os"
	"syscall"
	"time"
)

// ErrAuth is wrapped by a collector's error when the server answered but
// refused stacktop's credentials (a wrong password, no pg_hba entry, no
// access to the Docker socket).
var ErrAuth = errors.New("authentication failed")

// ErrConnectionLost is wrapped by a collector's error when an established
// connection broke (the server shut down, crashed or reset it).
var ErrConnectionLost = errors.New("connection lost")

// Cause says why a poll failed, as far as its error tells. It decides the
// source's health (a server that cannot be reached is down at once) and the
// backoff (only a try that cost its whole deadline is worth spacing out).
type Cause int

// Causes of a failed poll.
const (
	CauseNone        Cause = iota // the poll succeeded
	CauseRefused                  // nothing listens at the address (refused, no socket)
	CauseAuth                     // the server refused the credentials
	CauseUnreachable              // no route to the host, name does not resolve
	CauseLost                     // the connection broke mid-poll
	CauseTimeout                  // no answer before the poll's deadline
	CauseError                    // the server answered, with an error
)

// String is the cause as the log and the "since" wording name it.
func (c Cause) String() string {
	switch c {
	case CauseNone:
		return "ok"
	case CauseRefused:
		return "refused"
	case CauseAuth:
		return "authentication failed"
	case CauseUnreachable:
		return "unreachable"
	case CauseLost:
		return "connection lost"
	case CauseTimeout:
		return "timed out"
	default:
		return "error"
	}
}

// since is how an outage of this cause reads after "was reachable until
// 17:06:49; ": "refused since 17:06:52".
func (c Cause) since() string {
	switch c {
	case CauseRefused:
		return "refused since"
	case CauseAuth:
		return "authentication failing since"
	case CauseUnreachable:
		return "unreachable since"
	case CauseLost, CauseTimeout:
		return "not answering since"
	default:
		return "failing since"
	}
}

// Expensive reports whether a try that failed this way cost its whole
// deadline: only those are retried with backoff. A refused or broken
// connection fails in microseconds, so retrying it every interval is
// cheap and finds a restarted server at once.
func (c Cause) Expensive() bool { return c == CauseTimeout }

// Down reports whether a failure of this cause means the source is down:
// anything but a server that answered with an error.
func (c Cause) Down() bool { return c != CauseNone && c != CauseError }

// CauseOf classifies a poll's error.
func CauseOf(err error) Cause {
	var dns *net.DNSError
	var nerr net.Error
	switch {
	case err == nil:
		return CauseNone
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded),
		errors.As(err, &nerr) && nerr.Timeout():
		return CauseTimeout
	case errors.Is(err, ErrAuth):
		return CauseAuth
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH),
		errors.Is(err, syscall.EHOSTDOWN), errors.As(err, &dns):
		return CauseUnreachable
	case errors.Is(err, ErrSourceAbsent), errors.Is(err, syscall.ECONNREFUSED):
		return CauseRefused
	case errors.Is(err, ErrConnectionLost), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, driver.ErrBadConn):
		return CauseLost
	}
	return CauseError
}

// Hinted is implemented by collector errors whose text ends in advice for a
// first run ("— is PostgreSQL running? Set [[postgres]] dsn or PGHOST").
// For a source that worked before, the hub replaces that advice with what
// it knows ("was reachable until 17:06:49; refused since 17:06:52").
type Hinted interface {
	error
	// WithoutHint is the error's line without its advice.
	WithoutHint() string
	// Advice is the advice alone ("" when there is none).
	Advice() string
}

// outageError is a poll's error on a source that answered before: the
// collector's cause, then when the source was last good and since when it
// fails. It unwraps to the collector's error.
type outageError struct {
	err             error
	cause           Cause
	lastGood, since time.Time
}

func (e *outageError) Error() string {
	line, hint := e.err.Error(), ""
	if h, ok := e.err.(Hinted); ok {
		line = h.WithoutHint()
		if a := h.Advice(); a != "" && (e.cause == CauseAuth || e.cause == CauseError) {
			hint = " — " + a // the advice still fits: the credentials or a grant changed
		}
	}
	return line + " — " + outageText(e.cause, e.lastGood, e.since) + hint
}

// outageText is "was reachable until 17:06:49; refused since 17:06:52".
func outageText(c Cause, lastGood, since time.Time) string {
	return "was reachable until " + lastGood.Format("15:04:05") + "; " + c.since() + " " + since.Format("15:04:05")
}

// Outage is what the hub knows of a source that worked and now fails:
// "was reachable until 17:06:49; refused since 17:06:52"; "" while it
// works or before it ever did.
func (u Update) Outage() string {
	if u.Err == nil || u.LastGood.IsZero() || u.DownSince.IsZero() {
		return ""
	}
	return outageText(u.cause(), u.LastGood, u.DownSince)
}

func (e *outageError) Unwrap() error { return e.err }

// WithoutHint implements Hinted: the collector's cause alone.
func (e *outageError) WithoutHint() string {
	if h, ok := e.err.(Hinted); ok {
		return h.WithoutHint()
	}
	return e.err.Error()
}

// Advice implements Hinted: what the hub knows of the outage.
func (e *outageError) Advice() string { return outageText(e.cause, e.lastGood, e.since) }
