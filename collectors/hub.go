package collectors

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Scheduling defaults, shared by every source unless its Source says otherwise.
const (
	// DefaultInterval is how often a source is polled when nothing else is configured.
	DefaultInterval = 2 * time.Second
	// MinInterval is the floor for any configured interval: polling faster
	// costs the watched system more than it tells the user.
	MinInterval = 250 * time.Millisecond
	// StaleAfter is how many intervals may pass without a good poll before the
	// last good snapshot is marked stale.
	StaleAfter = 3
	// maxTimeout caps the per-poll deadline so a long interval cannot let a
	// hung poll go unnoticed for minutes.
	maxTimeout = 10 * time.Second
	// maxBackoff caps the wait between failed polls.
	maxBackoff = 30 * time.Second
)

// Source is one collector with its schedule.
type Source struct {
	ID        SourceID
	Collector Collector
	// Interval between polls; DefaultInterval when zero, never below MinInterval.
	Interval time.Duration
	// Timeout is each poll's deadline; the interval (capped at 10s, at least 1s) when zero.
	Timeout time.Duration
	// Implicit marks a source added by default (no config named it); when it
	// is absent the UI says "not found" and check/snapshot do not fail on it.
	Implicit bool
}

func (s Source) interval() time.Duration {
	if s.Interval <= 0 {
		return DefaultInterval
	}
	return max(s.Interval, MinInterval)
}

func (s Source) timeout() time.Duration {
	if s.Timeout > 0 {
		return s.Timeout
	}
	return min(max(s.interval(), time.Second), maxTimeout)
}

// Update is what the hub tells viewers after each poll of a source. It always
// carries the last good snapshot, so a viewer that missed earlier updates
// loses nothing.
type Update struct {
	Source SourceID
	// Snapshot is the last good snapshot, nil until the first successful poll.
	Snapshot Snapshot
	// Err is the latest poll's error; nil when it succeeded.
	Err error
	// LastGood is when Snapshot was taken (zero when there is none).
	LastGood time.Time
	// PolledAt is when the latest poll finished.
	PolledAt time.Time
	// Interval is the source's polling interval, for staleness.
	Interval time.Duration
	// Failures counts consecutive failed polls.
	Failures int
	// Implicit copies Source.Implicit.
	Implicit bool
}

// NotFound reports a default source that is simply not there: never
// answered, and the latest poll found nothing listening.
func (u Update) NotFound() bool {
	return u.Implicit && u.Snapshot == nil && errors.Is(u.Err, ErrSourceAbsent)
}

// Health summarises a source for the header.
type Health int

// Health states, worst last.
const (
	HealthUnknown  Health = iota // not polled yet
	HealthOK                     // latest poll succeeded
	HealthDegraded               // latest poll failed, earlier data still shown
	HealthDown                   // no good data at all
)

// String names the health state as the UI shows it.
func (h Health) String() string {
	switch h {
	case HealthOK:
		return "ok"
	case HealthDegraded:
		return "degraded"
	case HealthDown:
		return "down"
	default:
		return "waiting"
	}
}

// Health classifies the update.
func (u Update) Health() Health {
	switch {
	case u.PolledAt.IsZero():
		return HealthUnknown
	case u.Err == nil:
		return HealthOK
	case u.Snapshot != nil:
		return HealthDegraded
	default:
		return HealthDown
	}
}

// Stale reports whether the last good snapshot is older than StaleAfter intervals at now.
func (u Update) Stale(now time.Time) bool {
	return !u.LastGood.IsZero() && now.Sub(u.LastGood) > StaleAfter*u.Interval
}

// Age is how old the last good snapshot is at now (0 when there is none).
func (u Update) Age(now time.Time) time.Duration {
	if u.LastGood.IsZero() {
		return 0
	}
	return now.Sub(u.LastGood)
}

// Hub polls every source on its own goroutine and fans updates out to
// subscribers. A slow or hung source only ever delays itself.
type Hub struct {
	sources []Source

	mu     sync.Mutex
	latest map[SourceID]Update
	subs   map[*Subscription]struct{}
	pokes  map[SourceID]chan struct{}
	wg     sync.WaitGroup
	ran    bool
}

// NewHub builds a hub for sources; nothing is polled until Run.
func NewHub(sources ...Source) *Hub {
	h := &Hub{
		sources: sources,
		latest:  make(map[SourceID]Update, len(sources)),
		subs:    make(map[*Subscription]struct{}),
		pokes:   make(map[SourceID]chan struct{}, len(sources)),
	}
	for _, s := range sources {
		h.latest[s.ID] = Update{Source: s.ID, Interval: s.interval(), Implicit: s.Implicit}
		h.pokes[s.ID] = make(chan struct{}, 1)
	}
	return h
}

// Sources lists the IDs the hub polls, in configuration order.
func (h *Hub) Sources() []SourceID {
	ids := make([]SourceID, len(h.sources))
	for i, s := range h.sources {
		ids[i] = s.ID
	}
	return ids
}

// Run starts one poll loop per source and returns at once. Every loop stops
// when ctx is cancelled; Wait blocks until they have.
func (h *Hub) Run(ctx context.Context) {
	h.mu.Lock()
	if h.ran {
		h.mu.Unlock()
		panic("collectors: Hub.Run called twice")
	}
	h.ran = true
	h.mu.Unlock()
	for _, s := range h.sources {
		h.wg.Add(1)
		go h.loop(ctx, s)
	}
}

// Wait blocks until every poll loop has returned and collectors are closed.
func (h *Hub) Wait() { h.wg.Wait() }

// PollNow asks for an immediate poll of id (coalesced with any pending request).
func (h *Hub) PollNow(id SourceID) {
	if c, ok := h.pokes[id]; ok {
		select {
		case c <- struct{}{}:
		default:
		}
	}
}

// Latest returns the most recent update of every source, in configuration order.
func (h *Hub) Latest() []Update {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]Update, len(h.sources))
	for i, s := range h.sources {
		out[i] = h.latest[s.ID]
	}
	return out
}

func (h *Hub) loop(ctx context.Context, s Source) {
	defer h.wg.Done()
	if c, ok := s.Collector.(Closer); ok {
		defer c.Close()
	}
	var changes <-chan struct{}
	if n, ok := s.Collector.(ChangeNotifier); ok {
		changes = n.Changes()
	}
	interval := s.interval()
	timer := time.NewTimer(0)
	defer timer.Stop()
	failures := 0
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		case <-h.pokes[s.ID]:
		case <-changes:
		}
		if ctx.Err() != nil {
			return
		}
		failures = h.pollOnce(ctx, s, failures)
		timer.Stop()
		select { // drain a timer that fired while we were polling
		case <-timer.C:
		default:
		}
		timer.Reset(nextWait(interval, failures))
	}
}

// pollOnce runs one poll under the source's deadline, publishes the result
// and returns the new count of consecutive failures.
func (h *Hub) pollOnce(ctx context.Context, s Source, failures int) int {
	pctx, cancel := context.WithTimeout(ctx, s.timeout())
	snap, err := collectSafely(pctx, s)
	cancel()
	if ctx.Err() != nil {
		return failures // shutting down: the result no longer matters
	}
	if err == nil && snap == nil {
		err = errors.New("collector returned no snapshot")
	}
	now := time.Now()
	h.mu.Lock()
	u := h.latest[s.ID]
	u.PolledAt = now
	u.Err = err
	if err == nil {
		u.Snapshot = snap
		u.LastGood = snap.TakenAt()
		u.Failures = 0
	} else {
		u.Failures = failures + 1
	}
	h.latest[s.ID] = u
	for sub := range h.subs {
		sub.put(u)
	}
	h.mu.Unlock()
	return u.Failures
}

// collectSafely runs one Collect and turns a panic into an error: a bug in
// one collector must not kill the process (leaving the terminal raw) or stop
// the other sources.
func collectSafely(ctx context.Context, s Source) (snap Snapshot, err error) {
	defer func() {
		if r := recover(); r != nil {
			snap, err = nil, fmt.Errorf("%s: collector panicked: %v — please report this as a bug", s.ID, r)
		}
	}()
	return s.Collector.Collect(ctx)
}

// nextWait is the interval after a success and an exponential backoff
// (interval, 2x, 4x, ... up to maxBackoff) after consecutive failures.
func nextWait(interval time.Duration, failures int) time.Duration {
	if failures <= 1 {
		return interval
	}
	wait := interval
	for i := 1; i < failures && wait < maxBackoff; i++ {
		wait *= 2
	}
	return min(wait, max(maxBackoff, interval))
}

// Subscribe returns a subscription that receives every source's updates,
// starting with the current state of each. A slow subscriber never blocks the
// hub: updates it has not taken yet are coalesced to the newest per source.
func (h *Hub) Subscribe() *Subscription {
	s := &Subscription{pending: map[SourceID]Update{}, ready: make(chan struct{}, 1)}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, src := range h.sources {
		s.put(h.latest[src.ID])
	}
	h.subs[s] = struct{}{}
	return s
}

// Unsubscribe stops deliveries to s.
func (h *Hub) Unsubscribe(s *Subscription) {
	h.mu.Lock()
	delete(h.subs, s)
	h.mu.Unlock()
}

// Subscription is one viewer's mailbox of pending updates.
type Subscription struct {
	mu      sync.Mutex
	pending map[SourceID]Update
	order   []SourceID
	ready   chan struct{}
}

func (s *Subscription) put(u Update) {
	s.mu.Lock()
	if _, ok := s.pending[u.Source]; !ok {
		s.order = append(s.order, u.Source)
	}
	s.pending[u.Source] = u
	s.mu.Unlock()
	select {
	case s.ready <- struct{}{}:
	default:
	}
}

// Ready is signalled when updates are pending.
func (s *Subscription) Ready() <-chan struct{} { return s.ready }

// Drain takes the pending updates, oldest source first.
func (s *Subscription) Drain() []Update {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Update, 0, len(s.order))
	for _, id := range s.order {
		out = append(out, s.pending[id])
	}
	clear(s.pending)
	s.order = s.order[:0]
	return out
}

// Next waits until updates are pending or ctx ends, then drains them.
func (s *Subscription) Next(ctx context.Context) ([]Update, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-s.ready:
		return s.Drain(), nil
	}
}
