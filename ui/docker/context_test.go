package docker

import (
	"context"
	"errors"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	ds "github.com/stacktop/stacktop/collectors/docker"
	"github.com/stacktop/stacktop/ui/internal/keytest"
)

// hungEngine is an engine that never answers: each call waits for its
// context to end.
type hungEngine struct{}

func (hungEngine) Inspect(ctx context.Context, _ string, _ bool) (ds.Detail, error) {
	<-ctx.Done()
	return ds.Detail{}, ctx.Err()
}

func (hungEngine) Logs(ctx context.Context, _ string, _ ds.LogOptions) (LogStream, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

// TestPaneCallsEndWithTheProgram: the inspect and log calls the panes make
// derive from the program's context, so quitting ends a call to a hung
// engine at once rather than after the call timeout.
func TestPaneCallsEndWithTheProgram(t *testing.T) {
	for _, k := range []string{"i", "l"} {
		ctx, cancel := context.WithCancel(t.Context())
		tab, _, _ := newTab(t, 120, 40, 0, Options{Engines: map[string]Engine{"local": hungEngine{}}, Context: ctx, CallTimeout: time.Hour})
		press(tab, "j") // from the first project row to a container
		cmd := tab.updateCmd(keytest.Msg(k))
		if cmd == nil {
			t.Fatalf("%s made no call", k)
		}
		got := make(chan tea.Msg, 1)
		go func() { got <- cmd() }()
		cancel()
		select {
		case msg := <-got:
			var err error
			switch m := msg.(type) {
			case detailMsg:
				err = m.err
			case logOpenedMsg:
				err = m.err
			}
			if !errors.Is(err, context.Canceled) {
				t.Errorf("%s: the call ended with %#v, want context.Canceled", k, msg)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: the call outlived the program's context", k)
		}
	}
}
