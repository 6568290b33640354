package frametest

import (
	"slices"
	"strings"
	"testing"
)

func TestRowsBetweenHeaderAndRule(t *testing.T) {
	frame := "title\n─────\n PID  QUERY\n> 1  select\n\n  2  PID QUERY\n─────\n  3  after"
	got := Rows(frame, func(l string) bool { return strings.Contains(l, "PID") && strings.Contains(l, "QUERY") })
	if want := []string{"> 1  select", "  2  PID QUERY"}; !slices.Equal(got, want) {
		t.Errorf("Rows = %q, want %q", got, want)
	}
}
