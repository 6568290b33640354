package collectors

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

type fakeSnap struct{ at time.Time }

func (f fakeSnap) TakenAt() time.Time { return f.at }

// collectFunc adapts a function to Collector.
type collectFunc func(ctx context.Context) (Snapshot, error)

func (f collectFunc) Collect(ctx context.Context) (Snapshot, error) { return f(ctx) }

func ok() Collector {
	return collectFunc(func(context.Context) (Snapshot, error) { return fakeSnap{time.Now()}, nil })
}

// hangs blocks until its context ends, as a source behind a dead network does.
func hangs(calls *atomic.Int32) Collector {
	return collectFunc(func(ctx context.Context) (Snapshot, error) {
		calls.Add(1)
		<-ctx.Done()
		return nil, ctx.Err()
	})
}

func TestHungSourceDoesNotDelayOthers(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx, cancel := context.WithCancel(context.Background())
	var hungCalls atomic.Int32
	fast := SourceID{KindHost, "fast"}
	hung := SourceID{KindPostgres, "hung"}
	h := NewHub(
		Source{ID: hung, Collector: hangs(&hungCalls), Interval: MinInterval, Timeout: time.Hour},
		Source{ID: fast, Collector: ok(), Interval: MinInterval},
	)
	sub := h.Subscribe()
	h.Run(ctx)

	fastPolls := 0
	deadline := time.After(10 * time.Second)
	for fastPolls < 5 {
		select {
		case <-sub.Ready():
			for _, u := range sub.Drain() {
				if u.Source == fast && u.Health() == HealthOK {
					fastPolls++
				}
				if u.Source == hung && !u.PolledAt.IsZero() {
					t.Fatalf("hung source reported a finished poll: %+v", u)
				}
			}
		case <-deadline:
			t.Fatalf("fast source polled %d times while another source hung; want 5", fastPolls)
		}
	}
	if hungCalls.Load() != 1 {
		t.Fatalf("hung source polled %d times, want exactly one poll in flight", hungCalls.Load())
	}
	cancel()
	h.Wait()
}

func TestShutdownLeavesNoGoroutines(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx, cancel := context.WithCancel(context.Background())
	var calls atomic.Int32
	h := NewHub(
		Source{ID: SourceID{KindHost, "a"}, Collector: ok()},
		Source{ID: SourceID{KindDocker, "b"}, Collector: hangs(&calls)},
	)
	h.Run(ctx)
	time.Sleep(50 * time.Millisecond)
	cancel()
	h.Wait()
}

func TestErrorKeepsLastGoodSnapshot(t *testing.T) {
	defer goleak.VerifyNone(t)
	var n atomic.Int32
	boom := errors.New("connection refused")
	first := time.Now()
	c := collectFunc(func(context.Context) (Snapshot, error) {
		if n.Add(1) == 1 {
			return fakeSnap{first}, nil
		}
		return nil, boom
	})
	id := SourceID{KindPostgres, "main"}
	ctx, cancel := context.WithCancel(context.Background())
	defer func() { cancel() }()
	h := NewHub(Source{ID: id, Collector: c, Interval: MinInterval})
	h.Run(ctx)
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		u := h.Latest()[0]
		if u.Failures >= 1 {
			if u.Health() != HealthDegraded || !errors.Is(u.Err, boom) || u.Snapshot == nil || !u.LastGood.Equal(first) {
				t.Fatalf("after a failure: %+v", u)
			}
			if !u.Stale(first.Add(4*MinInterval)) || u.Stale(first.Add(2*MinInterval)) {
				t.Fatal("stale should flip after three intervals")
			}
			cancel()
			h.Wait()
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("no failed poll observed")
}

func TestNextWaitBacksOff(t *testing.T) {
	iv := 2 * time.Second
	want := []time.Duration{iv, iv, 4 * time.Second, 8 * time.Second, 16 * time.Second, 30 * time.Second, 30 * time.Second}
	for failures, w := range want {
		if got := nextWait(iv, failures); got != w {
			t.Errorf("nextWait(%v, %d) = %v, want %v", iv, failures, got, w)
		}
	}
}

func TestPollNowPollsImmediately(t *testing.T) {
	defer goleak.VerifyNone(t)
	var n atomic.Int32
	c := collectFunc(func(context.Context) (Snapshot, error) { n.Add(1); return fakeSnap{time.Now()}, nil })
	id := SourceID{KindDocker, "local"}
	ctx, cancel := context.WithCancel(context.Background())
	h := NewHub(Source{ID: id, Collector: c, Interval: time.Hour})
	sub := h.Subscribe()
	h.Run(ctx)
	waitPolls := func(want int32) {
		for deadline := time.Now().Add(5 * time.Second); n.Load() < want; {
			if time.Now().After(deadline) {
				t.Fatalf("polls = %d, want %d", n.Load(), want)
			}
			<-sub.Ready()
			sub.Drain()
		}
	}
	waitPolls(1)
	h.PollNow(id)
	waitPolls(2)
	cancel()
	h.Wait()
}

func TestNotFoundOnlyForImplicitAbsentSources(t *testing.T) {
	absent := fmt.Errorf("postgres %q: dial 127.0.0.1:5432: %w", "local", ErrSourceAbsent)
	cases := []struct {
		u    Update
		want bool
	}{
		{Update{Implicit: true, Err: absent, PolledAt: time.Now()}, true},
		{Update{Implicit: false, Err: absent, PolledAt: time.Now()}, false},
		{Update{Implicit: true, Err: errors.New("password authentication failed"), PolledAt: time.Now()}, false},
		{Update{Implicit: true, Err: absent, Snapshot: fakeSnap{time.Now()}, PolledAt: time.Now()}, false},
	}
	for i, c := range cases {
		if got := c.u.NotFound(); got != c.want {
			t.Errorf("case %d: NotFound() = %v, want %v", i, got, c.want)
		}
	}
}

func TestPanickingCollectorBecomesAnError(t *testing.T) {
	defer goleak.VerifyNone(t)
	var n atomic.Int32
	c := collectFunc(func(context.Context) (Snapshot, error) {
		if n.Add(1) == 1 {
			panic("index out of range")
		}
		return fakeSnap{time.Now()}, nil
	})
	id := SourceID{KindDocker, "local"}
	ctx, cancel := context.WithCancel(context.Background())
	h := NewHub(Source{ID: id, Collector: c, Interval: MinInterval})
	sub := h.Subscribe()
	h.Run(ctx)
	sawPanic := false
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
		<-sub.Ready()
		for _, u := range sub.Drain() {
			if u.Err != nil && strings.Contains(u.Err.Error(), "panicked: index out of range") {
				sawPanic = true
			}
			if sawPanic && u.Health() == HealthOK {
				cancel()
				h.Wait()
				return
			}
		}
	}
	t.Fatalf("panic seen: %v; the source should report it and then recover", sawPanic)
}
