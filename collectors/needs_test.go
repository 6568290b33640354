package collectors

import (
	"context"
	"sync"
	"testing"
	"time"
)

// needsRecorder is a collector that notes the needs of each poll.
type needsRecorder struct {
	mu    sync.Mutex
	polls []Needs
	next  Needs
}

func (r *needsRecorder) SetNeeds(n Needs) {
	r.mu.Lock()
	r.next = n
	r.mu.Unlock()
}

func (r *needsRecorder) Collect(context.Context) (Snapshot, error) {
	r.mu.Lock()
	r.polls = append(r.polls, r.next)
	r.mu.Unlock()
	return fakeSnap{at: time.Now()}, nil
}

func (r *needsRecorder) last() (Needs, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.polls) == 0 {
		return Needs{}, 0
	}
	return r.polls[len(r.polls)-1], len(r.polls)
}

// waitPoll waits (liveness bound only) for a poll after the first n whose
// needs are want.
func waitPoll(t *testing.T, r *needsRecorder, n int, want Needs) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if got, polls := r.last(); polls > n && got == want {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	got, polls := r.last()
	t.Fatalf("after %d polls the last ran for %+v, want a poll for %+v", polls, got, want)
}

// The collector gets the union of the subscriptions' needs before each
// poll; a subscription that needs more gets a poll at once, not an
// interval later (the interval here is an hour).
func TestNeedsReachCollectorsAndGrowthPollsAtOnce(t *testing.T) {
	rec := &needsRecorder{}
	h := NewHub(Source{ID: SourceID{Kind: KindHost, Name: "local"}, Collector: rec, Interval: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	defer func() { cancel(); h.Wait() }()
	pgOnly := Needs{Processes: ProcessesPostgres}

	a := h.Subscribe()
	a.SetNeeds(pgOnly)
	h.Run(ctx)
	waitPoll(t, rec, 0, pgOnly) // the first poll, for the one viewer

	_, n := rec.last()
	b := h.Subscribe() // states nothing: needs everything
	waitPoll(t, rec, n, Needs{})

	_, n = rec.last()
	b.SetNeeds(pgOnly) // shrinking needs no poll...
	h.PollNow(SourceID{Kind: KindHost, Name: "local"})
	waitPoll(t, rec, n, pgOnly) // ...but the next one reads less

	_, n = rec.last()
	a.SetNeeds(Needs{})
	waitPoll(t, rec, n, Needs{})

	h.Unsubscribe(a)
	h.Unsubscribe(b)
	h.mu.Lock()
	got := h.needsLocked()
	h.mu.Unlock()
	if got != (Needs{}) {
		t.Errorf("no viewer left: needs %+v, want everything", got)
	}
}
