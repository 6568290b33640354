package collectors

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
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
	// maxBackoff caps the wait between polls that timed out.
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
	// Cause classifies Err (CauseNone when the latest poll succeeded).
	Cause Cause
	// DownSince is when the current run of failed polls began: the end of
	// the first failed poll (zero while the latest poll succeeded).
	DownSince time.Time
	// NextTry is when the hub will poll the source next, for "next try in 8s".
	NextTry time.Time
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
	HealthDegraded               // latest poll failed with an error from a server that answered
	HealthDown                   // the source cannot be reached (refused, unreachable, auth, timeout) or never answered
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

// Health classifies the update. A source that worked and then refuses
// connections, fails authentication, cannot be reached or stops answering
// is down from its first failed poll; only a server that answered with an
// error is degraded. Either way Snapshot is history, not current (see Live).
func (u Update) Health() Health {
	switch {
	case u.PolledAt.IsZero():
		return HealthUnknown
	case u.Err == nil:
		return HealthOK
	case u.Snapshot != nil && !u.cause().Down():
		return HealthDegraded
	default:
		return HealthDown
	}
}

// cause is Cause, or the error's classification for an Update the hub did
// not build (tests, fixtures).
func (u Update) cause() Cause {
	if u.Cause == CauseNone && u.Err != nil {
		return CauseOf(u.Err)
	}
	return u.Cause
}

// Live reports whether Snapshot's figures are current at now: the latest
// poll succeeded and it is not stale. Otherwise a view shows them only as
// history ("as of 17:06:49", dimmed, no rates).
func (u Update) Live(now time.Time) bool {
	return u.Snapshot != nil && u.Err == nil && !u.Stale(now)
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
	// polledFor is the union of needs each source's last poll was run
	// for, so a growing union can poll it at once.
	polledFor map[SourceID]Needs
	wg        sync.WaitGroup
	ran       bool
	log       *slog.Logger
}

// SetLogger makes the hub record every change of a source's state (ok,
// down with its cause, recovered after how long) to l. Call it before Run;
// without it nothing is logged.
func (h *Hub) SetLogger(l *slog.Logger) {
	h.mu.Lock()
	h.log = l
	h.mu.Unlock()
}

// NewHub builds a hub for sources; nothing is polled until Run.
func NewHub(sources ...Source) *Hub {
	h := &Hub{
		sources: sources,
		latest:  make(map[SourceID]Update, len(sources)),
		subs:    make(map[*Subscription]struct{}),
		pokes:   make(map[SourceID]chan struct{}, len(sources)),

		polledFor: make(map[SourceID]Needs, len(sources)),
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
	timer := time.NewTimer(0)
	defer timer.Stop()
	timeouts := 0
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
		wait, n, ok := h.pollOnce(ctx, s, timeouts)
		timeouts = n
		if !ok {
			return
		}
		timer.Stop()
		select { // drain a timer that fired while we were polling
		case <-timer.C:
		default:
		}
		timer.Reset(wait)
	}
}

// pollOnce runs one poll under the source's deadline, publishes the result
// and returns the wait until the next poll and the new count of
// consecutive polls that timed out; ok is false when shutting down.
func (h *Hub) pollOnce(ctx context.Context, s Source, timeouts int) (wait time.Duration, _ int, ok bool) {
	if ns, ok := s.Collector.(NeedsSetter); ok {
		h.mu.Lock()
		needs := h.needsLocked()
		h.polledFor[s.ID] = needs
		h.mu.Unlock()
		ns.SetNeeds(needs)
	}
	pctx, cancel := context.WithTimeout(ctx, s.timeout())
	snap, err := collectSafely(pctx, s)
	cancel()
	if ctx.Err() != nil {
		return 0, 0, false // shutting down: the result no longer matters
	}
	if err == nil && snap == nil {
		err = errors.New("collector returned no snapshot")
	}
	now := time.Now()
	h.mu.Lock()
	prev := h.latest[s.ID]
	u := advance(prev, snap, err, now)
	timeouts++
	if !u.Cause.Expensive() {
		timeouts = 0
	}
	wait = nextWait(s.interval(), timeouts)
	u.NextTry = now.Add(wait)
	h.latest[s.ID] = u
	for sub := range h.subs {
		sub.put(u)
	}
	log := h.log
	h.mu.Unlock()
	if log != nil {
		logChange(log, prev, u)
	}
	return wait, timeouts, true
}

// advance is the source's state after a poll that returned snap and err at
// now, given its previous state prev.
func advance(prev Update, snap Snapshot, err error, now time.Time) Update {
	u := prev
	u.PolledAt = now
	u.Err = err
	u.Cause = CauseOf(err)
	if err == nil {
		u.Snapshot = snap
		u.LastGood = snap.TakenAt()
		u.Failures = 0
		u.DownSince = time.Time{}
		return u
	}
	u.Failures = prev.Failures + 1
	if u.Failures == 1 {
		u.DownSince = now
	}
	if !u.LastGood.IsZero() {
		u.Err = &outageError{err: err, cause: u.Cause, lastGood: u.LastGood, since: u.DownSince}
	}
	return u
}

// logChange records a change of the source's state: down (with the cause
// and error), degraded, recovered (with how long it was out).
func logChange(log *slog.Logger, prev, u Update) {
	was, is := prev.Health(), u.Health()
	if was == is && (is == HealthOK || prev.Cause == u.Cause) {
		return
	}
	src := u.Source.String()
	switch is {
	case HealthOK:
		if was == HealthUnknown {
			log.Info("source ok", "source", src)
			return
		}
		log.Info("source recovered", "source", src, "state", "ok", "was", was.String(),
			"outage", u.PolledAt.Sub(prev.DownSince).Round(time.Millisecond),
			"down_since", prev.DownSince.Format(time.RFC3339Nano), "last_good", prev.LastGood.Format(time.RFC3339Nano),
			"failed_polls", prev.Failures)
	default:
		attrs := []any{"source", src, "state", is.String(), "cause", u.Cause.String(), "err", u.Err.Error()}
		if !u.LastGood.IsZero() {
			attrs = append(attrs, "last_good", u.LastGood.Format(time.RFC3339Nano))
		}
		msg := "source " + is.String()
		if was == is {
			msg += ", now " + u.Cause.String()
		}
		log.Warn(msg, attrs...)
	}
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

// nextWait is the wait before the next poll: the interval after a success
// and after a cheap failure (a refused connection costs nothing, and
// retrying it every interval finds a restarted server within two polls);
// after a run of polls that each timed out, an exponential backoff
// (2x, 4x, ... up to maxBackoff), since each such try costs the watched
// system and stacktop a whole deadline.
// timeouts counts the consecutive polls that timed out, this one included.
func nextWait(interval time.Duration, timeouts int) time.Duration {
	if timeouts <= 1 {
		return interval
	}
	wait := interval
	for i := 1; i < timeouts && wait < maxBackoff; i++ {
		wait *= 2
	}
	return min(wait, max(maxBackoff, interval))
}

// Subscribe returns a subscription that receives every source's updates,
// starting with the current state of each. A slow subscriber never blocks the
// hub: updates it has not taken yet are coalesced to the newest per source.
func (h *Hub) Subscribe() *Subscription {
	s := &Subscription{hub: h, pending: map[SourceID]Update{}, ready: make(chan struct{}, 1)}
	h.mu.Lock()
	defer h.mu.Unlock()
	defer h.pokeGrownLocked()
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
	hub *Hub
	// needs is what this viewer shows now (guarded by hub.mu).
	needs   Needs
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
