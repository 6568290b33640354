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

// needsLocked is the union of every subscription's needs; with no
// subscription, everything. h.mu is held.
func (h *Hub) needsLocked() Needs {
	if len(h.subs) == 0 {
		return Needs{}
	}
	var u Needs
	first := true
	for s := range h.subs {
		if first {
			u, first = s.needs, false
			continue
		}
		u = u.union(s.needs)
	}
	return u
}

// pokeGrownLocked polls at once every needs-aware source whose last poll
// ran for less than the subscriptions now need. h.mu is held.
func (h *Hub) pokeGrownLocked() {
	needs := h.needsLocked()
	for _, src := range h.sources {
		if _, ok := src.Collector.(NeedsSetter); !ok {
			continue
		}
		if prev, ok := h.polledFor[src.ID]; ok && !prev.covers(needs) {
			h.PollNow(src.ID)
		}
	}
}

// SetNeeds states what this viewer shows now (see Needs). When the
// sources' union of needs grows, the sources concerned are polled at once.
func (s *Subscription) SetNeeds(n Needs) {
	h := s.hub
	h.mu.Lock()
	defer h.mu.Unlock()
	if s.needs == n {
		return
	}
	s.needs = n
	h.pokeGrownLocked()
}
