package ui

import (
	"context"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/stacktop/stacktop/actions"
	"github.com/stacktop/stacktop/actions/actionstest"
	"github.com/stacktop/stacktop/collectors"
	"github.com/stacktop/stacktop/ui/internal/fixture"
	"github.com/stacktop/stacktop/ui/view"
)

// savedThing is an action output of a type the dashboard has never heard
// of; it is a file, so it says so through actions.FileOutput.
type savedThing struct{}

func (savedThing) SavedFile() actions.SavedFile {
	return actions.SavedFile{What: "logs of web saved", Path: "/var/backups/local-web-20261207T101010Z.log", Size: 1522242, SHA256: "ab12"}
}

// TestFinishedFileNamesIt: any action whose output is a file names it on
// the status line — what it holds, its size and full path — with no case
// for its type in the dashboard.
func TestFinishedFileNamesIt(t *testing.T) {
	runner, _ := actionstest.NewRunner(t, actions.RunnerOptions{})
	kind := actions.Kind{ID: "test.save", Title: "Save logs", Risk: actions.Read, TargetKind: collectors.KindDocker,
		New: func(tg actions.Target, _ actions.Params) (actions.Action, error) {
			return actions.Action{ID: "test.save", Title: "Save logs", Risk: actions.Read, Target: tg, Description: "Save them.",
				Run:    func(context.Context, func(actions.Progress)) error { return nil },
				Output: func() any { return savedThing{} }}, nil
		}}
	reg, err := actions.NewRegistry(kind)
	if err != nil {
		t.Fatal(err)
	}
	m := newModel(t.Context(), Options{Now: fixture.Now, Runner: runner, Registry: reg}, asciiStyles(), nil)
	send(m, tea.WindowSizeMsg{Width: 100, Height: 30})
	send(m, hubMsg(fixture.HostSeries(150, 300)))
	d := newDriver(t, m)
	d.send(view.ActionRequest{Kind: "test.save", Target: actions.Target{Kind: collectors.KindDocker, Source: "local", Object: "web"}})
	d.until("the outcome", func() bool { return m.flow.run == nil && strings.Contains(m.View(), "✓") })
	if last := lines(m.View())[29]; !strings.Contains(last, "✓ logs of web saved (1.5 MiB): /var/backups/local-web-20261207T101010Z.log") {
		t.Errorf("status line %q, want what was saved, its size and path", last)
	}
}
