package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/stacktop/stacktop/collectors"
	"github.com/stacktop/stacktop/ui/internal/fixture"
	"github.com/stacktop/stacktop/ui/theme"
)

// asciiStyles are the styles of a terminal without colour, as golden files
// are recorded (and as NO_COLOR users see them).
func asciiStyles() *theme.Styles {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	return theme.Default().Styles(r)
}

var (
	pgID     = collectors.SourceID{Kind: collectors.KindPostgres, Name: "local"}
	dockerID = collectors.SourceID{Kind: collectors.KindDocker, Name: "local"}
)

// otherSources are a Postgres default that is not there and a Docker host
// that refuses us, as a fresh machine without setup would report.
func otherSources(now time.Time) []collectors.Update {
	return []collectors.Update{
		{Source: pgID, Implicit: true, PolledAt: now, Interval: fixture.Interval,
			Err: fmt.Errorf("postgres \"local\": dial 127.0.0.1:5432: %w", collectors.ErrSourceAbsent)},
		{Source: dockerID, PolledAt: now, Interval: fixture.Interval,
			Err: errors.New("docker \"local\": permission denied on /var/run/docker.sock — add your user to the docker group or run with sudo")},
	}
}

// newFedModel is a root model at w×h fed with a history of nprocs-process
// host snapshots and the other sources, on the fixture's fixed clock.
func newFedModel(t testing.TB, w, h, nprocs int, readOnly bool) *model {
	t.Helper()
	m := newModel(context.Background(), Options{ReadOnly: readOnly, Now: fixture.Now}, asciiStyles(), nil)
	send(m, tea.WindowSizeMsg{Width: w, Height: h})
	send(m, hubMsg(fixture.HostSeries(150, nprocs)))
	send(m, hubMsg(otherSources(fixture.Now())))
	return m
}

// newFleetModel is a root model at w×h with opts (on the fixture's clock)
// fed with the fixture's host history, its three Postgres targets (30
// polls) and its two Docker engines: what a user watching a real backend
// sees.
func newFleetModel(t testing.TB, w, h int, opts Options) *model {
	t.Helper()
	opts.Now = fixture.Now
	m := newModel(context.Background(), opts, asciiStyles(), nil)
	send(m, tea.WindowSizeMsg{Width: w, Height: h})
	send(m, hubMsg(fixture.HostSeries(150, 300)))
	send(m, hubMsg(fixture.PostgresSeries(30)))
	send(m, hubMsg(fixture.DockerUpdates()))
	return m
}

// send delivers msg as the program would and drops the returned command:
// these tests drive the model directly, without a hub.
func send(m *model, msg tea.Msg) {
	m.Update(msg)
}

// keys types s one key at a time; names in angle brackets are special keys.
func keys(m *model, s string) {
	for _, k := range splitKeys(s) {
		send(m, k)
	}
}

func splitKeys(s string) []tea.KeyMsg {
	special := map[string]tea.KeyType{
		"<tab>": tea.KeyTab, "<shift+tab>": tea.KeyShiftTab, "<esc>": tea.KeyEsc, "<enter>": tea.KeyEnter,
		"<down>": tea.KeyDown, "<up>": tea.KeyUp, "<pgdown>": tea.KeyPgDown, "<ctrl+c>": tea.KeyCtrlC,
	}
	var out []tea.KeyMsg
	for s != "" {
		if s[0] == '<' {
			if end := strings.IndexByte(s, '>'); end > 0 {
				if kt, ok := special[s[:end+1]]; ok {
					out = append(out, tea.KeyMsg{Type: kt})
					s = s[end+1:]
					continue
				}
			}
		}
		r := []rune(s)[0]
		out = append(out, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
		s = s[len(string(r)):]
	}
	return out
}

// lines splits a frame for assertions about a particular row.
func lines(frame string) []string { return strings.Split(frame, "\n") }
