package ui

import (
	"strconv"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/stacktop/stacktop/actions"
	"github.com/stacktop/stacktop/actions/actionstest"
)

// TestGolden records every tab and the help overlay at the smallest
// supported size and a large one, watching the fixture's host, three
// Postgres targets and two Docker engines. Regenerate with
// `go test ./ui -run TestGolden -update` and read every file before committing.
func TestGolden(t *testing.T) {
	screens := []struct {
		name string
		keys string
	}{
		{"overview", "1"},
		{"host", "2"},
		{"host_filter", "2/java<enter>"},
		{"postgres", "3"},
		{"docker", "4"},
		{"help", "2?"},
	}
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		for _, sc := range screens {
			name := sc.name + "_" + strconv.Itoa(size[0]) + "x" + strconv.Itoa(size[1])
			t.Run(name, func(t *testing.T) {
				m := newFleetModel(t, size[0], size[1], Options{})
				keys(m, sc.keys)
				frame := m.View()
				checkFrame(t, frame, size[0], size[1])
				golden.RequireEqual(t, []byte(frame))
			})
		}
	}
}

// checkFrame asserts what every frame must be: exactly the terminal's
// height, no line wider than the terminal, no escape sequence at all in
// the colourless profile.
func checkFrame(t *testing.T, frame string, w, h int) {
	t.Helper()
	ls := lines(frame)
	if len(ls) != h {
		t.Errorf("frame has %d lines, want %d", len(ls), h)
	}
	for i, l := range ls {
		if lw := ansi.StringWidth(l); lw > w {
			t.Errorf("line %d is %d cells wide, terminal is %d: %q", i+1, lw, w, l)
		}
	}
	for i := 0; i < len(frame); i++ {
		if frame[i] == 0x1b {
			t.Fatalf("escape sequence in a colourless frame at byte %d: %q", i, frame[max(i-20, 0):min(i+20, len(frame))])
		}
	}
}

// TestProtectedHeaderGolden records the header, at three widths, when
// pg:main and docker:build are protected = true: their health marks carry
// "protected", the others do not. Regenerate with
// `go test ./ui -run TestProtectedHeaderGolden -update`; read the file.
func TestProtectedHeaderGolden(t *testing.T) {
	prot, err := actions.ProtectedSources("pg:main", "docker:build")
	if err != nil {
		t.Fatal(err)
	}
	runner, _ := actionstest.NewRunner(t, actions.RunnerOptions{ProtectedTarget: prot})
	var out []string
	for _, w := range []int{120, 180, 220} {
		m := newFleetModel(t, w, 30, Options{Runner: runner})
		header := lines(m.View())[0]
		if w == 220 && (!strings.Contains(header, "pg:main ok protected") || !strings.Contains(header, "docker:build ok protected") ||
			strings.Count(header, "protected") != 2) {
			t.Errorf("header at %d columns does not mark exactly pg:main and docker:build protected:\n%s", w, header)
		}
		out = append(out, header)
	}
	golden.RequireEqual(t, []byte(strings.Join(out, "\n")+"\n"))
}
