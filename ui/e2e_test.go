package ui

import (
	"bytes"
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/stacktop/stacktop/collectors"
	"github.com/stacktop/stacktop/ui/internal/fixture"
)

// fakeHost is a collector serving fixture snapshots stamped with the real
// clock, so the hub treats them like fresh polls.
type fakeHost struct{ polls atomic.Int32 }

func (f *fakeHost) Collect(ctx context.Context) (collectors.Snapshot, error) {
	n := f.polls.Add(1)
	return fixture.Host(time.Now(), 50, int(n)), nil
}

// absent is a default source with nothing listening.
type absent struct{}

func (absent) Collect(ctx context.Context) (collectors.Snapshot, error) {
	return nil, fmt.Errorf("postgres \"local\": dial 127.0.0.1:5432: %w", collectors.ErrSourceAbsent)
}

// TestEndToEnd drives the real program with a real hub: polls flow from the
// collector through the hub and the subscription to the screen, keys switch
// tabs, and q ends the program.
func TestEndToEnd(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	host := &fakeHost{}
	hub := collectors.NewHub(
		collectors.Source{ID: fixture.HostID(), Collector: host, Interval: collectors.MinInterval},
		collectors.Source{ID: pgID, Collector: absent{}, Interval: collectors.MinInterval, Implicit: true},
	)
	hub.Run(ctx)
	sub := hub.Subscribe()
	defer hub.Unsubscribe(sub)

	m := newModel(ctx, Options{Hub: hub, Interval: collectors.MinInterval}, asciiStyles(), sub)
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(100, 30))
	out := tm.Output()
	waitFor := func(what string, wants ...string) {
		t.Helper()
		teatest.WaitFor(t, out, func(b []byte) bool {
			for _, w := range wants {
				if !bytes.Contains(b, []byte(w)) {
					return false
				}
			}
			return true
		}, teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
	}
	waitFor("the overview with live data", "db-prod-01", "host ok", "pg:local not found", "Top processes")
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("2")})
	waitFor("the Host tab", "[2 Host]", "Processes 50")
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("q")})
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	cancel()
	done := make(chan struct{})
	go func() { hub.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the hub did not stop after the program ended")
	}
}
