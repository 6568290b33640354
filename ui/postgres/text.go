package postgres

import (
	"strings"
	"unicode/utf8"

	"github.com/stacktop/stacktop/ui/redact"
	"github.com/stacktop/stacktop/ui/sanitize"
)

// queryLineBytes caps the query text a table row is made from: a row never
// shows more, and a megabyte query must not cost a megabyte per poll.
const queryLineBytes = 1024

// prefix returns at most n bytes of s, cut at a rune boundary, and whether
// it cut anything.
func prefix(s string, n int) (string, bool) {
	if len(s) <= n {
		return s, false
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n], true
}

// queryLine is query text as one safe line for a table: capped, redacted
// when asked, sanitized, with runs of white space (indentation, line
// breaks) folded into one space.
func queryLine(q string, redactSQL bool) string {
	p, cut := prefix(q, queryLineBytes)
	if redactSQL {
		p = redact.SQL(p)
	}
	line := fold(sanitize.Line(p))
	if cut {
		line += "…"
	}
	return line
}

// fold trims s and folds runs of spaces into one.
func fold(s string) string {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, "  ") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' {
			if space {
				continue
			}
			space = true
		} else {
			space = false
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// clientAddr is a client address for display: "[local]" for a unix-socket
// client, masked under redaction by redact.Addr's one rule.
func clientAddr(addr string, isClient, redactAddr bool) string {
	if addr == "" {
		if isClient {
			return "[local]"
		}
		return ""
	}
	if redactAddr {
		addr = redact.Addr(addr)
	}
	return sanitize.Line(addr)
}

// containsFold reports whether s contains the lower-case q, ignoring ASCII
// case, without allocating.
func containsFold(s, q string) bool {
	if q == "" {
		return true
	}
	for i := 0; i+len(q) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(q)], q) {
			return true
		}
	}
	return false
}
