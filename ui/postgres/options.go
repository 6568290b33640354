package postgres

import (
	"time"

	"github.com/stacktop/stacktop/ui/view"
)

// Options configure the Postgres tab. cmd/stacktop fills them from the
// config file and flags; zero fields take their defaults.
type Options struct {
	// Thresholds decide which sessions are highlighted as problems.
	Thresholds Thresholds
	// Redact masks literals in query text and non-loopback client addresses
	// (through ui/redact) before they are drawn: for --redact and --demo.
	Redact bool
	// Allowed says whether an action may run on a target now; the action
	// keys are offered only when it says yes. Nil offers none.
	Allowed view.Allowed
}

// Thresholds are the limits past which a session or figure is shown as a
// problem: a "!" marker and the Bad style for critical, "~" and Warn for a
// warning.
type Thresholds struct {
	// LongQueryWarn and LongQueryCrit apply to the age of a running (active)
	// query; defaults 30 s and 5 min. LongQueryWarn is also where the
	// Maintenance view starts listing long transactions.
	LongQueryWarn, LongQueryCrit time.Duration
	// IdleInTransaction is how long a session may sit idle inside an open
	// transaction before it is flagged; default 10 s.
	IdleInTransaction time.Duration
	// ConnectionsPercent is the share of max_connections in use past which
	// the connection count is flagged; default 90.
	ConnectionsPercent float64
	// ReplicationLag is the standby replay lag (time) past which it is
	// flagged; default 30 s.
	ReplicationLag time.Duration
}

// DefaultThresholds are used for every threshold left at zero.
func DefaultThresholds() Thresholds {
	return Thresholds{
		LongQueryWarn:      30 * time.Second,
		LongQueryCrit:      5 * time.Minute,
		IdleInTransaction:  10 * time.Second,
		ConnectionsPercent: 90,
		ReplicationLag:     30 * time.Second,
	}
}

// WithDefaults returns t with every zero (or negative) field set to its default.
func (t Thresholds) WithDefaults() Thresholds {
	d := DefaultThresholds()
	dur := func(v, def time.Duration) time.Duration {
		if v <= 0 {
			return def
		}
		return v
	}
	out := Thresholds{
		LongQueryWarn:      dur(t.LongQueryWarn, d.LongQueryWarn),
		LongQueryCrit:      dur(t.LongQueryCrit, d.LongQueryCrit),
		IdleInTransaction:  dur(t.IdleInTransaction, d.IdleInTransaction),
		ConnectionsPercent: t.ConnectionsPercent,
		ReplicationLag:     dur(t.ReplicationLag, d.ReplicationLag),
	}
	if out.ConnectionsPercent <= 0 {
		out.ConnectionsPercent = d.ConnectionsPercent
	}
	return out
}
