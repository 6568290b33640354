package docker

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// checkFrame asserts what every body must be: at most h lines, none wider
// than w, and no escape byte in a colourless frame.
func checkFrame(t *testing.T, frame string, w, h int) {
	t.Helper()
	lines := strings.Split(frame, "\n")
	if len(lines) > h {
		t.Errorf("frame has %d lines, body is %d", len(lines), h)
	}
	for i, l := range lines {
		if lw := ansi.StringWidth(l); lw > w {
			t.Errorf("line %d is %d cells wide, body is %d: %q", i+1, lw, w, l)
		}
	}
	if i := strings.IndexByte(frame, 0x1b); i >= 0 {
		t.Fatalf("escape byte in a colourless frame at %d: %q", i, frame[max(i-20, 0):min(i+20, len(frame))])
	}
	if strings.ContainsAny(frame, "\a\u202e") {
		t.Errorf("bell or bidi override reached the frame")
	}
}
