package ui

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/stacktop/stacktop/collectors"
	"github.com/stacktop/stacktop/ui/view"
)

// bomb is a tab that panics on "x" in Update, or in a command on "c".
type bomb struct{}

func (bomb) Title() string            { return "Bomb" }
func (bomb) Kinds() []collectors.Kind { return nil }
func (bomb) InputActive() bool        { return false }
func (bomb) KeyMap() help.KeyMap      { return bombKeys{} }
func (bomb) View(view.Context) string { return "tick tick" }
func (b bomb) Update(msg tea.Msg) (view.Tab, tea.Cmd) {
	if k, ok := msg.(tea.KeyMsg); ok {
		switch k.String() {
		case "x":
			panic("boom in Update")
		case "c":
			return b, func() tea.Msg { panic("boom in a command") }
		}
	}
	return b, nil
}

type bombKeys struct{}

func (bombKeys) ShortHelp() []key.Binding  { return nil }
func (bombKeys) FullHelp() [][]key.Binding { return nil }

// lockedBuffer is the program's terminal: written by the program, read by the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestPanicRestoresTerminal checks that a panic in a tab's Update or in a
// command ends the program with ErrProgramPanic after the terminal was given
// back: alternate screen left, cursor shown.
func TestPanicRestoresTerminal(t *testing.T) {
	for _, trigger := range []string{"x", "c"} {
		t.Run(trigger, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			m := newModel(ctx, Options{}, asciiStyles(), nil)
			m.tabs = append(m.tabs[:3], bomb{})
			var out lockedBuffer
			p := tea.NewProgram(m, tea.WithContext(ctx), tea.WithInput(nil), tea.WithOutput(&out),
				tea.WithAltScreen(), tea.WithoutSignals())
			done := make(chan error, 1)
			go func() { _, err := p.Run(); done <- err }()
			p.Send(tea.WindowSizeMsg{Width: 80, Height: 24})
			p.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("4")})
			p.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("?")}) // help overlay renders the keymap
			p.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("?")})
			p.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(trigger)})
			var err error
			select {
			case err = <-done:
			case <-time.After(5 * time.Second):
				t.Fatal("the program did not end after a panic")
			}
			if !errors.Is(err, tea.ErrProgramPanic) {
				t.Errorf("Run returned %v, want ErrProgramPanic", err)
			}
			screen := out.String()
			for name, seq := range map[string]string{"leave alternate screen": "\x1b[?1049l", "show cursor": "\x1b[?25h"} {
				if !bytes.Contains([]byte(screen), []byte(seq)) {
					t.Errorf("terminal not restored: no %s", name)
				}
			}
		})
	}
}

func TestRunWithoutHub(t *testing.T) {
	if err := Run(context.Background(), Options{}); err == nil {
		t.Error("Run without a hub succeeded")
	}
}
