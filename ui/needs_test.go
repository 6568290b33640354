package ui

import (
	"context"
	"io"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/stacktop/stacktop/collectors"
	"github.com/stacktop/stacktop/ui/internal/fixture"
	"github.com/stacktop/stacktop/ui/theme"
)

// hostNeeds records the needs the hub hands the host collector.
type hostNeeds struct{ got chan collectors.Needs }

func (h *hostNeeds) SetNeeds(n collectors.Needs) { h.got <- n }

func (h *hostNeeds) Collect(context.Context) (collectors.Snapshot, error) {
	return fixture.Host(time.Now(), 10, 1), nil
}

// The root tells the hub what the focused tab shows: the whole process
// table on the Overview and the Host tab, the PostgreSQL processes alone
// on the Postgres tab; going back to the Host tab reads the whole table at
// once, not an interval later.
func TestFocusedTabStatesItsNeeds(t *testing.T) {
	rec := &hostNeeds{got: make(chan collectors.Needs, 16)}
	hub := collectors.NewHub(collectors.Source{ID: collectors.SourceID{Kind: collectors.KindHost, Name: "local"}, Collector: rec, Interval: time.Hour})
	sub := hub.Subscribe()
	ctx, cancel := context.WithCancel(context.Background())
	defer func() { cancel(); hub.Wait() }()
	m := newModel(ctx, Options{Now: fixture.Now}, theme.Default().Styles(lipgloss.NewRenderer(io.Discard)), sub)
	send(m, tea.WindowSizeMsg{Width: 120, Height: 40})
	hub.Run(ctx)
	next := func(want collectors.Needs, what string) {
		t.Helper()
		select {
		case got := <-rec.got:
			if got != want {
				t.Fatalf("%s: the host collector polled for %+v, want %+v", what, got, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: no poll within 10 s (the interval is an hour)", what)
		}
	}
	next(collectors.Needs{}, "Overview")
	keys(m, "3")
	hub.PollNow(collectors.SourceID{Kind: collectors.KindHost, Name: "local"})
	next(collectors.Needs{Processes: collectors.ProcessesPostgres}, "Postgres tab")
	keys(m, "2")
	next(collectors.Needs{}, "back to the Host tab")
}
