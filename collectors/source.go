// Package collectors holds what every source shares: the Collector contract,
// the Hub that schedules polls and fans updates out to viewers, and the rate
// helper that turns counters into per-second figures.
package collectors

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Kind names the family a source belongs to.
type Kind string

// The source families stacktop watches.
const (
	KindHost     Kind = "host"
	KindPostgres Kind = "postgres"
	KindDocker   Kind = "docker"
	// KindPrometheus is a fleet seen through one Prometheus ([[prometheus]]).
	KindPrometheus Kind = "prometheus"
)

// SourceID names one polled source, such as the Postgres target "main".
type SourceID struct {
	Kind Kind
	Name string
}

// String renders the ID the way errors and the UI name a source: postgres "main".
func (id SourceID) String() string { return fmt.Sprintf("%s %q", id.Kind, id.Name) }

// Snapshot is the immutable, timestamped result of one poll. Implementations
// are values (or pointers never mutated after Collect returns them).
type Snapshot interface {
	TakenAt() time.Time
}

// Collector polls one source. Collect must honour ctx: the hub gives each poll
// a deadline and cancels everything on shutdown.
type Collector interface {
	Collect(ctx context.Context) (Snapshot, error)
}

// ChangeNotifier is implemented by collectors that learn of changes between
// polls (Docker's event stream). A value on Changes asks the hub to poll now
// instead of waiting for the next interval.
type ChangeNotifier interface {
	Changes() <-chan struct{}
}

// Closer is implemented by collectors holding connections; the hub calls
// Close once its poll loop for that source has stopped.
type Closer interface {
	Close() error
}

// ErrSourceAbsent is wrapped by a collector's error when nothing answers at
// the source's address at all (connection refused, no socket file), as
// opposed to a server that answers badly. For a source stacktop added by
// default rather than by configuration, this means "not found", not "down".
var ErrSourceAbsent = errors.New("nothing is listening there")
