package sanitize

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestLine(t *testing.T) {
	cases := map[string]string{
		"plain":                   "plain",
		"\x1b[31mred\x1b[0m":      "red",
		"a\x1b]0;evil title\x07b": "ab",
		"a\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\": "alink",
		"clear\x1b[2J\x1b[Hscreen":                  "clearscreen",
		"tab\there":                                 "tab here",
		"two\nlines\r\nend":                         "two lines end",
		"bell\x07 nul\x00 del\x7f":                  "bell nul del",
		"c1 \u009b31m csi":                          "c1  csi",
		"bidi \u202egnp.exe":                        "bidi gnp.exe",
		"isolate \u2066x\u2069":                     "isolate x",
		"bad \xff utf8":                             "bad \ufffd utf8",
		"ünïcödé 表 ok":                              "ünïcödé 表 ok",
		"trailing esc \x1b":                         "trailing esc ",
		"charset \x1b(Bdone":                        "charset done",
	}
	for in, want := range cases {
		if got := Line(in); got != want {
			t.Errorf("Line(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTextKeepsLineBreaks(t *testing.T) {
	got := Text("SELECT 1\r\nFROM t\rWHERE \x1b[1mx\x1b[0m\tIS NULL")
	want := "SELECT 1\nFROM t\nWHERE x IS NULL"
	if got != want {
		t.Fatalf("Text = %q, want %q", got, want)
	}
}

func TestSafeStringIsNotCopied(t *testing.T) {
	s := strings.Repeat("select * from t; ", 10)
	if allocs := testing.AllocsPerRun(100, func() { _ = Line(s) }); allocs != 0 {
		t.Fatalf("clean input allocated %v times", allocs)
	}
}

// assertSafe fails when out still carries anything a terminal would act on.
func assertSafe(t *testing.T, in, out string, keepNewlines bool) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Fatalf("invalid UTF-8 out of %q: %q", in, out)
	}
	for _, r := range out {
		if r == '\n' && keepNewlines {
			continue
		}
		if r < 0x20 || r == 0x7f || dropRune(r) {
			t.Fatalf("control %U survived in %q (from %q)", r, out, in)
		}
	}
}

func FuzzSanitize(f *testing.F) {
	for _, seed := range []string{
		"\x1b[31mred", "\x1b]0;t\x07", "\u009b2J", "\u202e", "\xff\xfe", "\x1bP1;2|x\x1b\\", "a\r\nb", "\x1b",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		line := Line(in)
		assertSafe(t, in, line, false)
		if strings.ContainsRune(line, '\n') {
			t.Fatalf("Line kept a newline: %q", line)
		}
		assertSafe(t, in, Text(in), true)
		if Line(line) != line {
			t.Fatalf("Line is not idempotent on %q", in)
		}
	})
}
