package docker

import (
	"context"
	"sync"
	"time"
)

// remoteSampler reads a remote engine's container stats in the background,
// one round at a time. A remote engine has no cgroup files here, and its
// one-shot stats call is answered only at the engine's next one-second stats
// tick; over ssh:// the calls also share a bounded set of connections. A
// poll that waited for them would take seconds, so each poll takes what the
// last round brought and starts the next one.
type remoteSampler struct {
	mu      sync.Mutex
	ready   map[string]counters // samples that arrived since the last take
	running bool
	wg      sync.WaitGroup
}

// take returns the samples that arrived since the last take.
func (s *remoteSampler) take() map[string]counters {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.ready
	s.ready = nil
	return out
}

// start begins a round over ids unless one is still running; fetch reads
// one container (false: no sample), at most workers at a time. The round
// stops with ctx.
func (s *remoteSampler) start(ctx context.Context, ids []string, workers int, fetch func(ctx context.Context, id string) (counters, bool)) {
	s.mu.Lock()
	if s.running || len(ids) == 0 {
		s.mu.Unlock()
		return
	}
	s.running = true
	s.mu.Unlock()
	s.wg.Go(func() {
		defer func() {
			s.mu.Lock()
			s.running = false
			s.mu.Unlock()
		}()
		parallel(len(ids), workers, func(i int) {
			if ctx.Err() != nil {
				return
			}
			c, ok := fetch(ctx, ids[i])
			if !ok {
				return
			}
			s.mu.Lock()
			if s.ready == nil {
				s.ready = map[string]counters{}
			}
			s.ready[ids[i]] = c
			s.mu.Unlock()
		})
	})
}

// wait blocks until the running round (if any) has stopped.
func (s *remoteSampler) wait() { s.wg.Wait() }

// keepFor is how long a remote container's last figures stay shown while
// its next sample is still on its way: a round over many containers can
// outlast a poll interval, and blanking the figures between rounds would
// make them flicker to n/a.
const keepFor = 10 * time.Second
