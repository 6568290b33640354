package docker

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/docker/docker/api/types/events"
	"github.com/docker/docker/api/types/filters"
)

// eventSource is the part of the Docker client the event feed needs.
type eventSource interface {
	Events(ctx context.Context, options events.ListOptions) (<-chan events.Message, <-chan error)
}

// Reconnect backoff of the event stream.
const (
	streamBackoffMin = 250 * time.Millisecond
	streamBackoffMax = 10 * time.Second
	// streamHealthy is how long a stream must live before its backoff resets.
	streamHealthy = 5 * time.Second
)

// stateActions are the container events that change what the list shows.
// Others (exec_* from every healthcheck run, attach, resize, top...) are
// ignored: they would make the hub poll for nothing.
var stateActions = []string{
	"create", "start", "restart", "stop", "die", "kill", "oom", "destroy",
	"pause", "unpause", "rename", "update", "health_status",
}

// imageActions are the image events that can change what the container
// list shows: a container's image is shown by its tag, or by ID once the
// tag has moved to another image.
var imageActions = []string{"tag", "untag"}

func isStateAction(a string) bool {
	// Health events read "health_status: healthy"; match on the verb.
	verb, _, _ := strings.Cut(a, ":")
	return slices.Contains(stateActions, verb)
}

// eventFeed follows the engine's event stream: it keeps the recent events,
// remembers which containers changed since the last poll, and pokes the hub.
type eventFeed struct {
	notify   chan struct{}
	debounce time.Duration

	mu      sync.Mutex
	ring    []Event // circular, len <= cap
	next    int     // where the next event goes once the ring is full
	dirty   map[string]struct{}
	resync  bool
	relist  bool // an event changed the list without naming a container (images)
	status  StreamStatus
	pending bool // a debounced notification is scheduled
	last    time.Time
}

func newEventFeed(size int, debounce time.Duration) *eventFeed {
	return &eventFeed{
		notify:   make(chan struct{}, 1),
		debounce: debounce,
		ring:     make([]Event, 0, size),
		dirty:    map[string]struct{}{},
	}
}

// run follows the stream until ctx ends, reconnecting with backoff. After a
// reconnect it asks for a resync poll and replays what it missed with since.
func (f *eventFeed) run(ctx context.Context, src eventSource, connectTimeout time.Duration) {
	backoff := streamBackoffMin
	for first := true; ctx.Err() == nil; first = false {
		started := time.Now()
		err := f.follow(ctx, src, connectTimeout, !first)
		if ctx.Err() != nil {
			return
		}
		f.mu.Lock()
		f.status.Connected = false
		f.status.Err = err.Error()
		f.mu.Unlock()
		if time.Since(started) > streamHealthy {
			backoff = streamBackoffMin
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, streamBackoffMax)
	}
}

// follow reads one stream until it breaks and returns why.
func (f *eventFeed) follow(ctx context.Context, src eventSource, connectTimeout time.Duration, reconnect bool) error {
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	opts := events.ListOptions{Filters: filters.NewArgs(filters.Arg("type", string(events.ContainerEventType)), filters.Arg("type", string(events.ImageEventType)))}
	for _, a := range append(slices.Clip(stateActions), imageActions...) {
		opts.Filters.Add("event", a)
	}
	f.mu.Lock()
	if !f.last.IsZero() {
		since := f.last.Add(time.Nanosecond)
		opts.Since = fmt.Sprintf("%d.%09d", since.Unix(), since.Nanosecond())
	}
	f.mu.Unlock()
	// Events blocks until the daemon answers the request: bound that wait.
	guard := time.AfterFunc(connectTimeout, cancel)
	msgs, errs := src.Events(sctx, opts)
	if !guard.Stop() {
		return fmt.Errorf("event stream: no answer within %s", connectTimeout)
	}
	f.mu.Lock()
	f.status.Connected = true
	if reconnect {
		f.status.Reconnects++
		f.resync = true // the list may have changed while we were away
	}
	f.mu.Unlock()
	if reconnect {
		f.poke()
	}
	for {
		select {
		case m := <-msgs:
			f.record(m)
		case err := <-errs:
			if err == nil {
				err = fmt.Errorf("event stream closed")
			}
			return fmt.Errorf("event stream: %w", err)
		}
	}
}

// record stores one event, marks its container for re-inspection and
// schedules a poll.
func (f *eventFeed) record(m events.Message) {
	if m.Type == events.ImageEventType && slices.Contains(imageActions, string(m.Action)) {
		f.mu.Lock()
		f.relist = true
		f.advance(eventTime(m))
		f.mu.Unlock()
		f.poke()
		return
	}
	if m.Type != events.ContainerEventType || !isStateAction(string(m.Action)) {
		return
	}
	at := eventTime(m)
	ev := Event{
		Time: at, Action: string(m.Action), ID: m.Actor.ID,
		Name: m.Actor.Attributes["name"], Image: m.Actor.Attributes["image"],
		ExitCode: m.Actor.Attributes["exitCode"],
	}
	f.mu.Lock()
	if len(f.ring) < cap(f.ring) {
		f.ring = append(f.ring, ev)
	} else {
		f.ring[f.next] = ev
		f.next = (f.next + 1) % len(f.ring)
	}
	f.dirty[ev.ID] = struct{}{}
	f.advance(at)
	f.mu.Unlock()
	f.poke()
}

// eventTime is when the engine says m happened.
func eventTime(m events.Message) time.Time {
	if m.TimeNano == 0 {
		return time.Unix(m.Time, 0)
	}
	return time.Unix(0, m.TimeNano)
}

// advance moves the reconnect point past an event at at. f.mu is held.
func (f *eventFeed) advance(at time.Time) {
	if at.After(f.last) {
		f.last = at
	}
}

// startFrom sets where the first connection replays from: the engine's
// clock before the first list, so a change between that list and the
// stream's start is not missed (the engine replays it from its buffer).
func (f *eventFeed) startFrom(engineTime time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.last.IsZero() && !engineTime.IsZero() {
		f.last = engineTime.Add(-time.Nanosecond) // follow asks for since last+1ns
	}
}

// following reports whether the stream is connected, so that a quiet
// stream means nothing changed.
func (f *eventFeed) following() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.status.Connected
}

// poke schedules one notification after the debounce delay, so a burst of
// events (compose up of 30 services) costs one early poll, not thirty.
func (f *eventFeed) poke() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.pending {
		return
	}
	f.pending = true
	time.AfterFunc(f.debounce, func() {
		f.mu.Lock()
		f.pending = false
		f.mu.Unlock()
		select {
		case f.notify <- struct{}{}:
		default: // a poll is already requested
		}
	})
}

// changes is what the event stream reported since the last poll took it.
type changes struct {
	// dirty names the containers events were about (to inspect again).
	dirty map[string]struct{}
	// resync: the stream reconnected; anything may have changed.
	resync bool
	// relist: the list may have changed (dirty is not empty, an image
	// event, a resync).
	relist bool
}

// take returns the changes since the last call and forgets them.
func (f *eventFeed) take() changes {
	f.mu.Lock()
	defer f.mu.Unlock()
	ch := changes{dirty: f.dirty, resync: f.resync, relist: f.relist || f.resync || len(f.dirty) > 0}
	f.dirty, f.resync, f.relist = map[string]struct{}{}, false, false
	return ch
}

// restore puts back what take returned when the poll that took it failed.
func (f *eventFeed) restore(ch changes) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for id := range ch.dirty {
		f.dirty[id] = struct{}{}
	}
	f.resync = f.resync || ch.resync
	f.relist = f.relist || ch.relist
}

// recent copies the ring, oldest first, and the stream's status.
func (f *eventFeed) recent() ([]Event, StreamStatus) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]Event, 0, len(f.ring))
	out = append(out, f.ring[f.next:]...)
	out = append(out, f.ring[:f.next]...)
	return out, f.status
}
