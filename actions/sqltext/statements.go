package sqltext

import (
	"strconv"
	"strings"
)

// Statements splits q at the semicolons that end statements and returns the
// statements that hold anything besides white space and comments, trimmed.
// A ';' is a boundary when either reading of backslashes (see Lex) sees it
// outside a literal or comment: text the server might take for two
// statements is counted as two.
func Statements(q string) []string {
	bounds := map[int]bool{}
	mark := func(spans []Span) {
		for _, s := range spans {
			if s.Class != Text {
				continue
			}
			for i := s.Start; i < s.End; i++ {
				if q[i] == ';' {
					bounds[i] = true
				}
			}
		}
	}
	mark(LexWith(q, false))
	if strings.IndexByte(q, '\\') >= 0 {
		mark(LexWith(q, true))
	}
	var out []string
	start := 0
	for i := 0; i <= len(q); i++ {
		if i < len(q) && !bounds[i] {
			continue
		}
		if piece := strings.TrimSpace(q[start:i]); hasCode(piece) {
			out = append(out, piece)
		}
		start = i + 1
	}
	return out
}

// hasCode reports whether s holds anything but white space and comments.
func hasCode(s string) bool {
	for _, sp := range Lex(s) {
		if sp.Class == Literal || sp.Class == QuotedIdent || (sp.Class == Text && strings.TrimSpace(s[sp.Start:sp.End]) != "") {
			return true
		}
	}
	return false
}

// MaxParam returns the highest $n parameter number in q (0 when it has
// none), ignoring $n inside literals and comments.
func MaxParam(q string) int {
	top := 0
	for _, s := range Lex(q) {
		if s.Class != Text {
			continue
		}
		t := q[s.Start:s.End]
		for i := 0; i < len(t); i++ {
			// $n, but not the $ inside an identifier such as a$1.
			if t[i] != '$' || (i > 0 && isIdentCont(t[i-1])) {
				continue
			}
			j := i + 1
			for j < len(t) && isDigit(t[j]) {
				j++
			}
			if n, err := strconv.Atoi(t[i+1 : j]); err == nil && n > top {
				top = n
			}
			i = j - 1
		}
	}
	return top
}
