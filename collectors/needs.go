package collectors

// Needs are the costly parts of the sources' data that a viewer shows now.
// Work nobody looks at need not run at full rate: a viewer (a session's
// root model) says what its focused view needs through its Subscription,
// the hub hands every collector that implements NeedsSetter the union of
// all subscriptions' needs before each poll, and polls a source at once
// when that union grows, so a view that starts needing something gets it
// within a poll's time rather than an interval later.
//
// The zero value needs everything: a subscription that never states its
// needs (snapshot, check, a test) and a hub without subscriptions get
// every part at full rate, as before.
type Needs struct {
	// Processes is how much of the host's process table is read.
	Processes ProcessScope
}

// ProcessScope says which processes of the host's table a viewer needs.
type ProcessScope int

const (
	// ProcessesAll reads every process (the Host tab, the Overview's top
	// processes).
	ProcessesAll ProcessScope = iota
	// ProcessesPostgres reads the PostgreSQL server processes only (the
	// Postgres tab's per-backend CPU and memory).
	ProcessesPostgres
)

// union is what satisfies both n and o.
func (n Needs) union(o Needs) Needs {
	return Needs{Processes: min(n.Processes, o.Processes)}
}

// covers reports whether n includes everything o needs.
func (n Needs) covers(o Needs) bool { return n.union(o) == n }

// NeedsSetter is implemented by collectors that can skip parts no viewer
// needs. The hub calls SetNeeds on the poll goroutine right before each
// Collect, never concurrently with it.
type NeedsSetter interface {
	SetNeeds(Needs)
}
