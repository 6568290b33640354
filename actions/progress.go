package actions

import (
	"sync"
	"time"
)

// progressPump delivers an action's progress to a listener without ever
// letting a slow listener hold the action up: it keeps only the latest
// report (a progress bar needs the newest figure, not every one), and a
// goroutine hands that to the listener. After stop returns, the listener is
// never called again.
type progressPump struct {
	listener func(Progress)
	start    time.Time
	mu       sync.Mutex
	pending  *Progress
	closed   bool
	wake     chan struct{} // capacity 1: "something is pending or we closed"
	done     chan struct{}
}

func newProgressPump(listener func(Progress), start time.Time) *progressPump {
	p := &progressPump{listener: listener, start: start, wake: make(chan struct{}, 1), done: make(chan struct{})}
	if listener == nil {
		close(p.done)
		return p
	}
	go p.loop()
	return p
}

// send is the func(Progress) an action receives.
func (p *progressPump) send(pr Progress) {
	if p.listener == nil {
		return
	}
	pr.Elapsed = time.Since(p.start)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return // an abandoned action reporting late
	}
	p.pending = &pr
	select {
	case p.wake <- struct{}{}:
	default: // already woken; the loop will pick up the newest
	}
}

func (p *progressPump) loop() {
	defer close(p.done)
	for range p.wake {
		for {
			p.mu.Lock()
			pr, closed := p.pending, p.closed
			p.pending = nil
			p.mu.Unlock()
			if pr == nil {
				if closed {
					return
				}
				break
			}
			p.listener(*pr)
		}
	}
}

// stop delivers whatever is pending, then waits for the listener to return.
func (p *progressPump) stop() {
	if p.listener == nil {
		return
	}
	p.mu.Lock()
	if !p.closed {
		p.closed = true
		select {
		case p.wake <- struct{}{}:
		default:
		}
	}
	p.mu.Unlock()
	<-p.done
}
