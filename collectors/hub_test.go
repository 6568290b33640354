package collectors

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync/atomic"
	"syscall"
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
	boom := fmt.Errorf("dial tcp 127.0.0.1:5432: %w", syscall.ECONNREFUSED)
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
			// Refused after it worked: down at once, the last snapshot kept as history.
			if u.Health() != HealthDown || !errors.Is(u.Err, boom) || u.Snapshot == nil || !u.LastGood.Equal(first) ||
				u.Cause != CauseRefused || u.Live(u.PolledAt) || u.DownSince.IsZero() {
				t.Fatalf("after a failure: %+v", u)
			}
			want := "was reachable until " + first.Format("15:04:05") + "; refused since " + u.DownSince.Format("15:04:05")
			if !strings.Contains(u.Err.Error(), want) {
				t.Errorf("error %q lacks %q", u.Err, want)
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

func TestNextWaitBacksOffOnlyAfterTimeouts(t *testing.T) {
	iv := 2 * time.Second
	want := []time.Duration{iv, iv, 4 * time.Second, 8 * time.Second, 16 * time.Second, 30 * time.Second, 30 * time.Second}
	for timeouts, w := range want {
		if got := nextWait(iv, timeouts); got != w {
			t.Errorf("nextWait(%v, %d) = %v, want %v", iv, timeouts, got, w)
		}
	}
}

// The backoff rule as the hub applies it: refused connections are retried
// at the interval however long they last; polls that hit their deadline
// are spaced out exponentially; NextTry says when the next poll is due.
func TestBackoffOnlyWhenTheTryWasExpensive(t *testing.T) {
	iv := time.Second
	src := Source{ID: SourceID{KindPostgres, "main"}, Interval: iv}
	refused := fmt.Errorf("dial: %w", syscall.ECONNREFUSED)
	timedOut := fmt.Errorf("poll: %w", context.DeadlineExceeded)
	h := NewHub(src)
	now := time.Now()
	try := func(err error, timeouts int) (time.Duration, int, Update) {
		c := collectFunc(func(context.Context) (Snapshot, error) {
			if err != nil {
				return nil, err
			}
			return fakeSnap{now}, nil
		})
		s := src
		s.Collector = c
		wait, n, ok := h.pollOnce(context.Background(), s, timeouts)
		if !ok {
			t.Fatal("pollOnce reported shutdown")
		}
		return wait, n, h.Latest()[0]
	}
	_, n, _ := try(nil, 0)
	for i := range 6 {
		wait, m, u := try(refused, n)
		if wait != iv || m != 0 || u.Cause != CauseRefused {
			t.Fatalf("refused #%d: wait %v (timeouts %d, cause %v), want the interval", i+1, wait, m, u.Cause)
		}
		if got := u.NextTry.Sub(u.PolledAt); got != iv {
			t.Errorf("refused #%d: NextTry is %v after the poll, want %v", i+1, got, iv)
		}
		n = m
	}
	for i, want := range []time.Duration{iv, 2 * iv, 4 * iv, 8 * iv} {
		wait, m, u := try(timedOut, n)
		if wait != want || u.Cause != CauseTimeout || u.NextTry.Sub(u.PolledAt) != want {
			t.Errorf("timeout #%d: wait %v, NextTry in %v, want %v", i+1, wait, u.NextTry.Sub(u.PolledAt), want)
		}
		n = m
	}
	// A cheap failure after timeouts goes back to the interval.
	if wait, _, _ := try(refused, n); wait != iv {
		t.Errorf("refused after timeouts: wait %v, want %v", wait, iv)
	}
}

func TestCauseOf(t *testing.T) {
	cases := []struct {
		err  error
		want Cause
	}{
		{nil, CauseNone},
		{fmt.Errorf("dial: %w", syscall.ECONNREFUSED), CauseRefused},
		{fmt.Errorf("x: %w", ErrSourceAbsent), CauseRefused},
		{fmt.Errorf("x: %w", ErrAuth), CauseAuth},
		{&net.OpError{Op: "dial", Err: syscall.EHOSTUNREACH}, CauseUnreachable},
		{&net.DNSError{Err: "no such host", Name: "db"}, CauseUnreachable},
		{fmt.Errorf("read: %w", io.EOF), CauseLost},
		{fmt.Errorf("x: %w", ErrConnectionLost), CauseLost},
		{fmt.Errorf("read: %w", syscall.ECONNRESET), CauseLost},
		{fmt.Errorf("poll: %w", context.DeadlineExceeded), CauseTimeout},
		{errors.New("permission denied for table pg_stat_activity"), CauseError},
	}
	for _, c := range cases {
		if got := CauseOf(c.err); got != c.want {
			t.Errorf("CauseOf(%v) = %v, want %v", c.err, got, c.want)
		}
	}
	// Only a server that answered with an error leaves the source degraded.
	u := Update{PolledAt: time.Now(), Snapshot: fakeSnap{time.Now()}, Err: errors.New("permission denied")}
	if u.Health() != HealthDegraded {
		t.Errorf("answered with an error: %v, want degraded", u.Health())
	}
	u.Err = fmt.Errorf("x: %w", ErrAuth)
	if u.Health() != HealthDown {
		t.Errorf("authentication failed: %v, want down", u.Health())
	}
}

// Every change of state reaches the log: down with its cause, a change of
// cause while down, recovery with the outage's duration.
func TestStateChangesAreLogged(t *testing.T) {
	var buf bytes.Buffer
	h := NewHub(Source{ID: SourceID{KindPostgres, "main"}, Interval: time.Second})
	h.SetLogger(slog.New(slog.NewTextHandler(&buf, nil)))
	src := h.sources[0]
	for _, err := range []error{nil, nil, fmt.Errorf("read: %w", io.EOF), fmt.Errorf("dial: %w", syscall.ECONNREFUSED),
		fmt.Errorf("dial: %w", syscall.ECONNREFUSED), nil, nil} {
		src.Collector = collectFunc(func(context.Context) (Snapshot, error) {
			if err != nil {
				return nil, err
			}
			return fakeSnap{time.Now()}, nil
		})
		h.pollOnce(context.Background(), src, 0)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	want := [][]string{
		{`msg="source ok"`, `source="postgres \"main\""`},
		{`msg="source down"`, "cause=\"connection lost\"", "last_good="},
		{`msg="source down, now refused"`, "cause=refused", "was reachable until"},
		{`msg="source recovered"`, "state=ok", "outage=", "down_since=", "failed_polls=3"},
	}
	if len(lines) != len(want) {
		t.Fatalf("log has %d lines, want %d:\n%s", len(lines), len(want), buf.String())
	}
	for i, w := range want {
		for _, part := range w {
			if !strings.Contains(lines[i], part) {
				t.Errorf("log line %d %q lacks %q", i+1, lines[i], part)
			}
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
