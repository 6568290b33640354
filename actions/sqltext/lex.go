// Package sqltext reads PostgreSQL query text the way the server's lexer
// does, well enough to find its constants, comments and statement
// boundaries: ui/redact masks the constants for --redact, and the EXPLAIN
// action refuses multi-statement input. It is a tokenizer, not a parser.
package sqltext

import "strings"

// Lex splits q into spans, cautiously: whether a backslash escapes a quote
// in a plain '…' string depends on the server's standard_conforming_strings,
// so when q has a backslash it is read both ways and each byte takes the
// more hiding class of the two readings (Literal over Comment over QuotedIdent over Text).
func Lex(q string) []Span {
	spans := LexWith(q, false)
	if strings.IndexByte(q, '\\') >= 0 {
		spans = union(q, spans, LexWith(q, true))
	}
	return spans
}

// Class is what a span of query text is, ordered by how much it hides.
type Class uint8

const (
	// Text is keywords, plain identifiers, operators, $n parameters and
	// white space.
	Text Class = iota
	// QuotedIdent is a "…" identifier.
	QuotedIdent
	// Comment is a -- or /* */ comment.
	Comment
	// Literal is a constant: a string in any form, or a number.
	Literal
)

// Span is a run of query text of one class: q[Start:End].
type Span struct {
	Start, End int
	Class      Class
}

// union merges two readings of q byte by byte, keeping the more hiding
// class of each byte, into spans again.
func union(q string, a, b []Span) []Span {
	cls := make([]Class, len(q))
	for _, spans := range [][]Span{a, b} {
		for _, s := range spans {
			for i := s.Start; i < s.End; i++ {
				cls[i] = max(cls[i], s.Class)
			}
		}
	}
	var out []Span
	for i := 0; i < len(q); {
		j := i + 1
		for j < len(q) && cls[j] == cls[i] {
			j++
		}
		out = append(out, Span{i, j, cls[i]})
		i = j
	}
	return out
}

// lexer splits query text into spans by PostgreSQL's lexical rules.
// backslashQuotes reads plain '…' strings as standard_conforming_strings =
// off would (a backslash escapes the next character).
type lexer struct {
	q               string
	pos             int
	spans           []Span
	backslashQuotes bool
}

// LexWith splits q into spans as PostgreSQL reads it. backslashQuotes reads
// plain '…' strings as standard_conforming_strings = off does (a backslash
// escapes the next character); false is the server default.
func LexWith(q string, backslashQuotes bool) []Span {
	l := &lexer{q: q, backslashQuotes: backslashQuotes}
	for l.pos < len(q) {
		l.next()
	}
	return l.spans
}

func (l *lexer) emit(start int, c Class) {
	if n := len(l.spans); n > 0 && l.spans[n-1].Class == c && l.spans[n-1].End == start {
		l.spans[n-1].End = l.pos // merge neighbours of one class
		return
	}
	l.spans = append(l.spans, Span{start, l.pos, c})
}

func (l *lexer) peek(off int) byte {
	if i := l.pos + off; i < len(l.q) {
		return l.q[i]
	}
	return 0
}

// next consumes one token.
func (l *lexer) next() {
	start, c := l.pos, l.q[l.pos]
	switch {
	case c == '-' && l.peek(1) == '-':
		l.lineComment()
		l.emit(start, Comment)
	case c == '/' && l.peek(1) == '*':
		l.blockComment()
		l.emit(start, Comment)
	case c == '\'':
		l.quoted(l.backslashQuotes)
		l.emit(start, Literal)
	case c == '"':
		l.quotedIdent()
		l.emit(start, QuotedIdent)
	case c == '$':
		l.emit(start, l.dollar())
	case isDigit(c) || (c == '.' && isDigit(l.peek(1))):
		l.number()
		l.emit(start, Literal)
	case isIdentStart(c):
		l.emit(start, l.word())
	default:
		l.pos++
		l.emit(start, Text)
	}
}

func (l *lexer) lineComment() {
	if i := strings.IndexByte(l.q[l.pos:], '\n'); i >= 0 {
		l.pos += i // the newline itself stays, as text
		return
	}
	l.pos = len(l.q)
}

// blockComment consumes /* … */, which nest in PostgreSQL.
func (l *lexer) blockComment() {
	depth := 0
	for l.pos < len(l.q) {
		switch {
		case l.q[l.pos] == '/' && l.peek(1) == '*':
			depth++
			l.pos += 2
		case l.q[l.pos] == '*' && l.peek(1) == '/':
			depth--
			l.pos += 2
			if depth == 0 {
				return
			}
		default:
			l.pos++
		}
	}
}

// quoted consumes a '…' string starting at the quote; ” is a quote inside
// it, and with backslashes a backslash escapes the next byte. An
// unterminated string runs to the end.
func (l *lexer) quoted(backslashes bool) {
	l.pos++
	for l.pos < len(l.q) {
		switch l.q[l.pos] {
		case '\\':
			if backslashes {
				l.pos++
			}
		case '\'':
			if l.peek(1) != '\'' {
				l.pos++
				return
			}
			l.pos++
		}
		l.pos++
	}
	l.pos = len(l.q)
}

// quotedIdent consumes a "…" identifier ("" is a quote inside it).
func (l *lexer) quotedIdent() {
	l.pos++
	for l.pos < len(l.q) {
		if l.q[l.pos] == '"' {
			if l.peek(1) != '"' {
				l.pos++
				return
			}
			l.pos++
		}
		l.pos++
	}
}

// dollar consumes $1 (a parameter, kept), $tag$…$tag$ (a literal) or a
// lone $.
func (l *lexer) dollar() Class {
	if isDigit(l.peek(1)) {
		l.pos++
		for l.pos < len(l.q) && isDigit(l.q[l.pos]) {
			l.pos++
		}
		return Text
	}
	end := l.pos + 1
	if end < len(l.q) && isIdentStart(l.q[end]) {
		for end < len(l.q) && isIdentCont(l.q[end]) && l.q[end] != '$' {
			end++
		}
	}
	if end >= len(l.q) || l.q[end] != '$' {
		l.pos++
		return Text
	}
	tag := l.q[l.pos : end+1]
	if i := strings.Index(l.q[end+1:], tag); i >= 0 {
		l.pos = end + 1 + i + len(tag)
	} else {
		l.pos = len(l.q)
	}
	return Literal
}

// number consumes a numeric constant: digits, a fraction, an exponent,
// 0x/0o/0b forms and _ separators; trailing letters go with it.
func (l *lexer) number() {
	for l.pos < len(l.q) {
		c := l.q[l.pos]
		switch {
		case isDigit(c) || isLetter(c) || c == '_' || c == '.':
			l.pos++
			if (c == 'e' || c == 'E') && (l.peek(0) == '+' || l.peek(0) == '-') && isDigit(l.peek(1)) {
				l.pos++
			}
		default:
			return
		}
	}
}

// word consumes an identifier or keyword; E, B, X, N and U& directly
// before a quote make the quote a literal of that kind instead.
func (l *lexer) word() Class {
	start := l.pos
	for l.pos < len(l.q) && isIdentCont(l.q[l.pos]) {
		l.pos++
	}
	w := l.q[start:l.pos]
	if len(w) == 1 {
		switch w[0] {
		case 'e', 'E':
			if l.peek(0) == '\'' {
				l.quoted(true)
				return Literal
			}
		case 'b', 'B', 'x', 'X', 'n', 'N':
			if l.peek(0) == '\'' {
				l.quoted(l.backslashQuotes)
				return Literal
			}
		case 'u', 'U':
			if l.peek(0) == '&' && l.peek(1) == '\'' {
				l.pos++
				l.quoted(l.backslashQuotes)
				return Literal
			}
		}
	}
	return Text
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

// isIdentStart: letters, _ and any non-ASCII byte (PostgreSQL allows
// multibyte letters in identifiers).
func isIdentStart(c byte) bool { return isLetter(c) || c == '_' || c >= 0x80 }

func isIdentCont(c byte) bool { return isIdentStart(c) || isDigit(c) || c == '$' }
