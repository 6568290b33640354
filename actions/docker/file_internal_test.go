package docker

import (
	"strings"
	"testing"
	"time"
)

func TestSafeName(t *testing.T) {
	for in, want := range map[string]string{
		"web":                    "web",
		"/var/lib/postgresql":    "var_lib_postgresql",
		"../../etc/passwd":       "_.._etc_passwd",
		".hidden":                "hidden",
		"a b\x1b[31m":            "a_b__31m",
		strings.Repeat("x", 100): strings.Repeat("x", 64),
	} {
		if got := safeName(in); got != want {
			t.Errorf("safeName(%q) = %q, want %q", in, got, want)
		}
	}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("X", 3600))
	if got := fileBase(at, "local", "web", "/"); got != "local-web-20260102T020405Z" {
		t.Errorf("fileBase = %q", got)
	}
}
