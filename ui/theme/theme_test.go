package theme

import (
	"io"
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/muesli/termenv"
)

// env is a fake process environment for terminal detection.
type env map[string]string

func (e env) Environ() []string {
	out := make([]string, 0, len(e))
	for k, v := range e {
		out = append(out, k+"="+v)
	}
	return out
}

func (e env) Getenv(k string) string { return e[k] }

// stylesFor builds the styles a terminal with environment e would get.
func stylesFor(e env) *Styles {
	r := lipgloss.NewRenderer(io.Discard, termenv.WithTTY(true), termenv.WithEnvironment(e))
	return Default().Styles(r)
}

func TestNoColor(t *testing.T) {
	st := stylesFor(env{"TERM": "xterm-256color", "COLORTERM": "truecolor", "NO_COLOR": "1"})
	if !st.Plain {
		t.Error("NO_COLOR does not give plain styles")
	}
	for _, s := range []string{st.Bad.Render("down"), st.Selected.Render("row"), st.Badge.Render("READ-ONLY")} {
		if strings.Contains(s, "\x1b") {
			t.Errorf("NO_COLOR output has an escape sequence: %q", s)
		}
	}
}

func TestSixteenColours(t *testing.T) {
	st := stylesFor(env{"TERM": "xterm"})
	if st.Plain {
		t.Fatal("a 16-colour terminal is treated as colourless")
	}
	got := st.Bad.Render("down")
	// Basic ANSI red (31), never a 256-colour (38;5) or true-colour (38;2) code.
	if !strings.Contains(got, "31") || strings.Contains(got, "38;5") || strings.Contains(got, "38;2") {
		t.Errorf("16-colour red rendered as %q", got)
	}
}

func TestDumbTerminalIsPlain(t *testing.T) {
	if st := stylesFor(env{"TERM": "dumb"}); !st.Plain {
		t.Error("TERM=dumb is not plain")
	}
}

// TestGolden records every style's escape sequences on a 16-colour
// terminal, so a palette change is a reviewable diff (escapes shown quoted).
// Regenerate with `go test ./ui/theme -update`.
func TestGolden(t *testing.T) {
	st := stylesFor(env{"TERM": "xterm"})
	var b strings.Builder
	for _, s := range []struct {
		name  string
		style lipgloss.Style
	}{
		{"Brand", st.Brand}, {"Badge", st.Badge}, {"TabActive", st.TabActive}, {"TabIdle", st.TabIdle},
		{"Title", st.Title}, {"Label", st.Label}, {"TableHeader", st.TableHeader}, {"Selected", st.Selected},
		{"Muted", st.Muted}, {"OK", st.OK}, {"Warn", st.Warn}, {"Bad", st.Bad}, {"BarFull", st.BarFull},
		{"BarEmpty", st.BarEmpty}, {"Spark", st.Spark}, {"HelpKey", st.HelpKey}, {"HelpDesc", st.HelpDesc},
	} {
		b.WriteString(s.name + " " + s.style.Render("text") + "\n")
	}
	golden.RequireEqualEscape(t, []byte(b.String()), true)
}
