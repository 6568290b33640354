package docker

import (
	"context"
	"errors"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	ds "github.com/stacktop/stacktop/collectors/docker"
)

// The logs pane reads lines older than its stream's tail a page at a time,
// on demand: scrolling up past the oldest line, or searching for what the
// loaded lines do not hold. The engine has no "before this line" cursor;
// it has Until (no line after a time) applied after Tail (the last N
// lines of the whole log). So a page is asked for as Until = the oldest
// line's time (see boundary) and Tail = every line held after it plus a
// page: what comes back ends at the boundary, and the lines the pane
// already holds (same time, stream and text) are dropped.
const (
	// seqBase numbers the stream's lines in the pane, leaving room below
	// for earlier pages (whose lines come before the stream's first).
	seqBase = 1 << 40
	// earlierSlack is added to a page request for lines that reached the
	// engine's log after the pane's last count of them.
	earlierSlack = 64
	// maxSearchPages bounds the pages one search reads looking for a match.
	maxSearchPages = 10
	// maxWiden bounds how often an empty page is asked for again over a
	// window twice as wide before the pane says the log starts there: the
	// engine counts a line longer than 16 KiB as several in Tail, so a
	// window sized in lines can fall short of the boundary.
	maxWiden = 3
)

// earlierState is the logs pane's earlier pages and the fetch in flight.
type earlierState struct {
	earlier        []ds.LogLine // lines before the stream's, oldest first
	earlierDropped uint64       // the stream's Dropped when earlier was joined to it
	newestSeq      uint64       // the newest stream line in lines (with seqBase)
	fetching       bool
	atStart        bool  // the engine has no line before the oldest held
	earlierErr     error // why the last page could not be read
	// scrollAfter is the scroll asked for when the page was requested,
	// applied once it arrives (negative: up).
	scrollAfter int
	// searching counts the pages read for the current search; 0 when the
	// page was asked for by scrolling.
	searching int
	// prev is set when N at the oldest match asked for the page: if no
	// earlier match turns up, N then wraps to the newest match as usual.
	prev  bool
	widen int // doublings of the window after empty pages
}

// logEarlierMsg is the answer to a request for an earlier page.
type logEarlierMsg struct {
	gen   uint64
	until time.Time // the page's Until
	lines []ds.LogLine
	err   error
}

// canFetchEarlier says whether an earlier page may be asked for now.
func (l *logPane) canFetchEarlier() bool {
	return !l.fetching && !l.atStart && !boundary(l.lines).IsZero() &&
		len(l.earlier) < ds.DefaultLogMaxLines && l.eng != nil
}

// fetchEarlier asks the engine for the page before the oldest line held,
// off the UI goroutine under the call timeout; scroll is applied when it
// arrives.
func (l *logPane) fetchEarlier(scroll int) tea.Cmd {
	if !l.canFetchEarlier() {
		return nil
	}
	eng := l.eng
	after := len(l.lines)
	if l.stream != nil {
		if ls := l.stream.Lines(); len(ls) > 0 {
			after += int(max(ls[len(ls)-1].Seq+seqBase, l.newestSeq) - l.newestSeq)
		}
	}
	page := l.opts.LogLines
	opts := ds.LogOptions{
		Tail: after + page<<l.widen + earlierSlack, Until: boundary(l.lines), Timestamps: true,
		MaxLines: page + 2*earlierSlack,
	}
	l.fetching, l.earlierErr, l.scrollAfter = true, nil, scroll
	gen, id, timeout, parent := l.gen, l.id, l.opts.CallTimeout, l.opts.Context
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(parent, timeout)
		defer cancel()
		s, err := eng.Logs(ctx, id, opts)
		if err != nil {
			return logEarlierMsg{gen: gen, err: err}
		}
		defer s.Close()
		select {
		case <-s.Done():
		case <-ctx.Done():
			return logEarlierMsg{gen: gen, err: errors.New("reading earlier lines took longer than " + timeout.String() + " — try again")}
		}
		return logEarlierMsg{gen: gen, until: opts.Until, lines: s.Lines(), err: s.Err()}
	}
}

// gotEarlier puts an earlier page before the lines held. A page with
// nothing new means the log starts there. A search that asked for it
// jumps to the newest match the page holds, or asks for another page. The
// pane shows rows lines.
func (l *logPane) gotEarlier(msg logEarlierMsg, rows int) tea.Cmd {
	if msg.gen != l.gen || !l.fetching {
		return nil
	}
	l.fetching = false
	searching, prev := l.searching, l.prev
	l.searching, l.prev = 0, false
	// A search that ends without an earlier match leaves N its usual wrap.
	giveUp := func() tea.Cmd {
		if prev {
			l.jump(l.search.Prev(l.cur), rows)
		}
		return nil
	}
	if msg.err != nil {
		l.earlierErr, l.widen = msg.err, 0
		return giveUp()
	}
	page := notHeld(msg.lines, l.lines, msg.until)
	if len(page) == 0 {
		if l.widen < maxWiden {
			l.widen++
			cmd := l.fetchEarlier(l.scrollAfter)
			l.searching, l.prev = searching, prev
			return cmd
		}
		l.atStart, l.widen = true, 0
		return giveUp()
	}
	l.widen = 0
	firstSeq := l.lines[0].Seq
	for i := range page {
		page[i].Seq = firstSeq - uint64(len(page)-i)
	}
	l.earlier = append(page, l.earlier...)
	if l.stream != nil {
		l.earlierDropped = l.stream.Dropped()
	}
	l.lines = append(append(make([]ds.LogLine, 0, len(page)+len(l.lines)), page...), l.lines...)
	if !l.follow {
		l.top = max(l.top+len(page)+l.scrollAfter, 0)
	}
	l.scrollAfter = 0
	if l.search.Query == "" {
		return nil
	}
	l.research()
	if searching == 0 {
		return nil
	}
	if i := l.search.From(firstSeq); i != 0 && len(l.search.Matches) > 0 {
		if i < 0 {
			i = len(l.search.Matches)
		}
		l.jump(i-1, rows) // the newest match before the old first line
		return nil
	}
	if searching >= maxSearchPages {
		return giveUp()
	}
	cmd := l.fetchEarlier(0)
	if cmd == nil {
		return giveUp()
	}
	l.searching, l.prev = searching+1, prev
	return cmd
}

// searchEarlier starts reading earlier pages for the current search
// (after enter found nothing, or N at the oldest match: prev).
func (l *logPane) searchEarlier(prev bool) tea.Cmd {
	if l.search.Query == "" {
		return nil
	}
	cmd := l.fetchEarlier(0)
	if cmd != nil {
		l.searching, l.prev = 1, prev
	}
	return cmd
}

// boundary is the time before which an earlier page is asked for: every
// line stamped after it is held. The engine writes stdout and stderr
// through one copier each, so its file is in time order per stream only,
// and Tail, which cuts by file position, leaves a ragged edge: one
// stream's lines may start later than the other's. Per stream the lines
// held are all those from its oldest held on, so the latest of those
// oldest times is the boundary. Zero when the lines carry no time.
func boundary(held []ds.LogLine) time.Time {
	var oldest [ds.TTY + 1]time.Time
	for _, l := range held {
		if s := l.Stream; s <= ds.TTY && !l.Time.IsZero() && (oldest[s].IsZero() || l.Time.Before(oldest[s])) {
			oldest[s] = l.Time
		}
	}
	var b time.Time
	for _, t := range oldest {
		if t.After(b) {
			b = t
		}
	}
	return b
}

// lineKey identifies a log line for deduplication at the boundary.
type lineKey struct {
	at     int64
	stream ds.Stream
	text   string
}

// notHeld is the part of page (lines stamped up to until) that the pane
// does not hold yet: lines with the same time, stream and text as a held
// one are dropped once each, so same-time lines and the ragged edge of
// the held tail are neither lost nor shown twice.
func notHeld(page, held []ds.LogLine, until time.Time) []ds.LogLine {
	seen := map[lineKey]int{}
	for _, h := range held {
		if !h.Time.After(until) {
			seen[lineKey{h.Time.UnixNano(), h.Stream, h.Text}]++
		}
	}
	out := make([]ds.LogLine, 0, len(page))
	for _, p := range page {
		if p.Time.After(until) {
			continue // Until keeps these out; never show them twice
		}
		k := lineKey{p.Time.UnixNano(), p.Stream, p.Text}
		if seen[k] > 0 {
			seen[k]--
			continue
		}
		out = append(out, p)
	}
	return out
}

// earlierNote says what the pane knows about lines before its oldest, for
// its title ("" when nothing worth saying).
func (l *logPane) earlierNote() string {
	switch {
	case l.fetching && l.searching > 0:
		return "searching earlier lines…"
	case l.fetching:
		return "fetching earlier lines…"
	case l.earlierErr != nil:
		return "earlier lines: " + l.earlierErr.Error()
	case l.atStart && !l.follow:
		return "start of the log"
	}
	return ""
}
