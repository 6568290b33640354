package docker

import (
	"bytes"
	"strings"
	"time"
	"unicode/utf8"
)

// lineWriter splits one stream's bytes into lines for a LogTail. A line
// longer than LineMax keeps its first LineMax bytes; the rest up to the
// newline is counted in Cut, never stored, so a newline-less flood cannot
// grow memory either.
type lineWriter struct {
	t      *LogTail
	stream Stream
	cur    []byte
	cut    int
}

func (t *LogTail) writer(s Stream) *lineWriter { return &lineWriter{t: t, stream: s} }

// Write implements io.Writer for stdcopy.StdCopy and io.Copy.
func (w *lineWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		chunk := p
		if i >= 0 {
			chunk = p[:i]
		}
		room := w.t.opts.LineMax - len(w.cur)
		if room >= len(chunk) {
			w.cur = append(w.cur, chunk...)
		} else {
			w.cur = append(w.cur, chunk[:max(room, 0)]...)
			w.cut += len(chunk) - max(room, 0)
		}
		if i < 0 {
			break
		}
		w.flush()
		p = p[i+1:]
	}
	w.t.signal()
	return n, nil
}

// flush emits the pending line.
func (w *lineWriter) flush() {
	line := w.cur
	if w.stream == TTY {
		line = bytes.TrimSuffix(line, []byte{'\r'}) // a terminal ends lines with \r\n
	}
	l := LogLine{Stream: w.stream, Cut: w.cut}
	if w.t.opts.Timestamps {
		l.Time, line = splitTimestamp(line)
	}
	if w.cut > 0 {
		line = trimPartialRune(line)
	}
	l.Text = string(line)
	w.t.push(l)
	w.cur, w.cut = w.cur[:0], 0
}

// splitTimestamp removes the engine's "2006-01-02T15:04:05.999999999Z "
// prefix and parses it; a line without one is returned unchanged.
func splitTimestamp(line []byte) (time.Time, []byte) {
	sp := bytes.IndexByte(line, ' ')
	if sp < 20 || sp > 40 {
		return time.Time{}, line
	}
	t, err := time.Parse(time.RFC3339Nano, string(line[:sp]))
	if err != nil {
		return time.Time{}, line
	}
	return t, line[sp+1:]
}

// trimPartialRune drops a multi-byte character cut in half at the end.
func trimPartialRune(b []byte) []byte {
	for i := 1; i <= utf8.UTFMax && i <= len(b); i++ {
		if utf8.RuneStart(b[len(b)-i]) {
			if !utf8.FullRune(b[len(b)-i:]) {
				return b[:len(b)-i]
			}
			break
		}
	}
	return b
}

// Match is one occurrence of a search query in a log line: Text[Start:End]
// of the line with that Seq (in the text as passed through clean).
type Match struct {
	Seq        uint64
	Start, End int
}

// Search is the result of searching lines for a query, in line order.
type Search struct {
	Query   string
	Matches []Match
}

// FindMatches searches lines for query (case-insensitively unless the query
// has an upper-case letter, like less's smart case). clean, when not nil,
// is applied to each line first — the view passes its sanitizer so offsets
// match exactly the text on screen and escape sequences are never matched.
func FindMatches(lines []LogLine, query string, clean func(string) string) Search {
	s := Search{Query: query}
	if query == "" {
		return s
	}
	fold := strings.ToLower(query) == query
	for _, l := range lines {
		text := l.Text
		if clean != nil {
			text = clean(text)
		}
		hay := text
		if fold {
			hay = strings.ToLower(text)
			if len(hay) != len(text) {
				hay, fold = text, false // lowering changed byte lengths: match exactly
			}
		}
		for off := 0; ; {
			i := strings.Index(hay[off:], query)
			if i < 0 {
				break
			}
			s.Matches = append(s.Matches, Match{Seq: l.Seq, Start: off + i, End: off + i + len(query)})
			off += i + len(query)
		}
		fold = strings.ToLower(query) == query
	}
	return s
}

// Next returns the index of the first match after position cur (wrapping
// to the first); -1 when there are none. Pass cur = -1 to start.
func (s Search) Next(cur int) int {
	if len(s.Matches) == 0 {
		return -1
	}
	return (cur + 1 + len(s.Matches)) % len(s.Matches)
}

// Prev returns the index of the match before cur (wrapping to the last).
func (s Search) Prev(cur int) int {
	if len(s.Matches) == 0 {
		return -1
	}
	if cur <= 0 {
		return len(s.Matches) - 1
	}
	return cur - 1
}

// From returns the index of the first match in a line with Seq >= seq, so a
// view can keep its place after re-searching; -1 when none.
func (s Search) From(seq uint64) int {
	for i, m := range s.Matches {
		if m.Seq >= seq {
			return i
		}
	}
	return -1
}
