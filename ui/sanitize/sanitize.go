// Package sanitize makes text from outside (query text, log lines, container
// names, labels, env values) safe to draw on a terminal. It is the one place
// on the way to the screen where control sequences are removed.
package sanitize

import (
	"strings"
	"unicode/utf8"
)

// Line returns s as a single safe line: escape sequences are removed whole
// (so "\x1b[31m" leaves nothing behind, not "[31m"), every other C0/C1
// control, DEL and bidi override is dropped, tabs and line breaks become
// spaces, and invalid UTF-8 becomes U+FFFD.
func Line(s string) string { return clean(s, false) }

// Text is like Line but keeps line breaks ("\n"; "\r\n" and lone "\r" become
// "\n"), for multi-line values such as full query text or log output.
func Text(s string) string { return clean(s, true) }

// IsSafe reports whether s needs no cleaning for a single line; callers on hot
// paths may use it to skip an allocation.
func IsSafe(s string) bool {
	for i := 0; i < len(s); i++ {
		if b := s[i]; b < 0x20 || b == 0x7f || b >= 0x80 {
			return isSafeSlow(s[i:])
		}
	}
	return true
}

func isSafeSlow(s string) bool {
	for _, r := range s {
		if r == utf8.RuneError || dropRune(r) || r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

func clean(s string, keepNewlines bool) string {
	if IsSafe(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == 0x1b:
			i = skipEscape(s, i)
			continue
		case c == '\r' || c == '\n':
			if keepNewlines {
				b.WriteByte('\n')
			} else {
				b.WriteByte(' ')
			}
			if c == '\r' && i+1 < len(s) && s[i+1] == '\n' {
				i++
			}
			i++
			continue
		case c == '\t':
			b.WriteByte(' ')
			i++
			continue
		case c < 0x20 || c == 0x7f:
			i++
			continue
		case c < 0x80:
			b.WriteByte(c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			b.WriteRune(utf8.RuneError)
		case r == 0x9b: // C1 CSI: a sequence like ESC [
			i = skipCSIBody(s, i+size)
			continue
		case r == 0x9d || r == 0x90 || r == 0x98 || r == 0x9e || r == 0x9f: // C1 OSC, DCS, SOS, PM, APC
			i = skipStringBody(s, i+size)
			continue
		case dropRune(r):
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// dropRune reports runes that change how the terminal or the text renders:
// C1 controls and bidirectional overrides/isolates.
func dropRune(r rune) bool {
	switch {
	case r >= 0x80 && r <= 0x9f:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
		return true
	}
	return false
}

// skipEscape returns the index just past the escape sequence starting at s[i] == ESC.
func skipEscape(s string, i int) int {
	i++ // ESC
	if i >= len(s) {
		return i
	}
	switch s[i] {
	case '[':
		return skipCSIBody(s, i+1)
	case ']', 'P', 'X', '^', '_': // OSC, DCS, SOS, PM, APC: run to a terminator
		return skipStringBody(s, i+1)
	}
	// Two- or three-byte sequences: intermediates 0x20-0x2f then one final byte.
	for i < len(s) && s[i] >= 0x20 && s[i] <= 0x2f {
		i++
	}
	if i < len(s) && s[i] >= 0x30 && s[i] <= 0x7e {
		i++
	}
	return i
}

// skipCSIBody skips parameter and intermediate bytes and the final byte of a CSI sequence.
func skipCSIBody(s string, i int) int {
	for i < len(s) && s[i] >= 0x20 && s[i] <= 0x3f {
		i++
	}
	if i < len(s) && s[i] >= 0x40 && s[i] <= 0x7e {
		i++
	}
	return i
}

// skipStringBody skips to just past BEL, ESC \ or C1 ST, or to the end of s.
func skipStringBody(s string, i int) int {
	for i < len(s) {
		switch {
		case s[i] == 0x07:
			return i + 1
		case s[i] == 0x1b:
			if i+1 < len(s) && s[i+1] == '\\' {
				return i + 2
			}
			return i // a new sequence begins; let the caller handle it
		case s[i] == 0xc2 && i+1 < len(s) && s[i+1] == 0x9c:
			return i + 2
		}
		i++
	}
	return i
}
