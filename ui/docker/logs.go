package docker

import (
	"context"
	"sort"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	ds "github.com/stacktop/stacktop/collectors/docker"
	"github.com/stacktop/stacktop/ui/sanitize"
	"github.com/stacktop/stacktop/ui/widgets"
)

// logThrottle is the shortest time between two redraws caused by new log
// lines: a container printing 100k lines/s costs at most ten copies of the
// buffer a second, not one per line.
const logThrottle = 100 * time.Millisecond

// reopenAfterError is the shortest time between two attempts to reopen a
// stream that broke or failed to open while its container runs.
const reopenAfterError = 5 * time.Second

// logPane is the logs pane's state. The stream always follows (its buffer
// is bounded by the collector); "follow" here decides whether the pane
// takes new lines and sticks to the bottom, or stays still for reading.
type logPane struct {
	*env
	keys LogKeys
	eng  Engine // the container's engine, nil when this view has none

	paneTarget
	gen         uint64
	stream      LogStream // nil while opening, or when it failed
	opening     bool
	unavailable bool
	err         error // why the stream could not be opened

	lines   []ds.LogLine // as last pulled from the stream, oldest first
	dropped uint64
	tty     bool
	ended   bool
	endErr  error

	follow, timestamps, wrap bool
	top                      int // first line shown when not following

	// runStart is the start time of the container run the stream was
	// opened on. When the stream has ended and a snapshot shows the
	// container running with a later start, the pane opens the stream
	// again, so a restart does not leave the pane dead.
	runStart time.Time
	// openedAt is when (on the engine's clock, from the snapshot) the
	// stream was last asked for: a stream broken by an error (a daemon
	// restart) is asked for again at most every reopenAfterError.
	openedAt time.Time
	resumes  int // how many times the stream was opened again
	// project, service and created identify the container across a
	// compose recreate (or a `docker rm` + `docker run --name`): when it
	// is gone and a newer one of the same compose service (or, outside
	// compose, of the same name) appears, the pane follows that one.
	project, service string
	created          time.Time
	// recreatedFrom is the short ID of the container the pane followed
	// before it was recreated ("" when never).
	recreatedFrom string
	// opened is set once a stream was opened: only then is a failure to
	// open retried. A first open that fails (a logging driver that cannot
	// be read) would fail the same way every time.
	opened bool

	query  textinput.Model
	search ds.Search
	cur    int // current match, -1 for none

	earlierState
}

// logOpenedMsg is the answer to opening a log stream.
type logOpenedMsg struct {
	gen    uint64
	stream LogStream
	err    error
}

// logWakeMsg says the stream has new lines (or ended).
type logWakeMsg struct{ gen uint64 }

func newLogPane(e *env, tg paneTarget, width int) *logPane {
	q := widgets.NewPrompt(e.st, "search /", "text (smart case)")
	q.Width = max(width/3, 20)
	return &logPane{env: e, keys: newLogKeys(), eng: e.opts.Engines[tg.source], paneTarget: tg, follow: true, cur: -1, query: q}
}

// enableKeys switches the pane's bindings for what it holds.
func (l *logPane) enableKeys() {
	l.keys.enable(len(l.lines), len(l.search.Matches), l.query.Focused())
}

// openStream asks the pane's engine for a followed stream of the last
// LogLines lines; the answer comes back as a logOpenedMsg.
func (l *logPane) openStream() tea.Cmd {
	eng := l.eng
	if eng == nil {
		l.unavailable = true
		return nil
	}
	l.gen, l.opening = l.next(), true
	// A new stream's tail holds the lines earlier pages were fetched for.
	l.earlierState = earlierState{}
	gen, id, timeout, parent := l.gen, l.id, l.opts.CallTimeout, l.opts.Context
	opts := ds.LogOptions{Tail: l.opts.LogLines, Follow: true, Timestamps: true}
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(parent, timeout)
		defer cancel()
		s, err := eng.Logs(ctx, id, opts)
		return logOpenedMsg{gen: gen, stream: s, err: err}
	}
}

// resumeLogs opens the stream again, seeing c in a snapshot taken at
// taken, when the container it followed has started a new run, or when
// the stream broke or could not be opened (a daemon restart) and c runs,
// at most every reopenAfterError. The engine keeps a container's output
// across runs, so the new tail holds the lines before the restart and
// those after it; the pane keeps its search, follow, timestamp and wrap
// settings.
func (l *logPane) resume(c ds.Container, taken time.Time) tea.Cmd {
	if l.opening || !c.Running() {
		return nil
	}
	newRun := l.ended && c.StartedAt.After(l.runStart)
	broken := (l.ended && l.endErr != nil) || (l.err != nil && l.opened)
	if !newRun && !(broken && taken.Sub(l.openedAt) >= reopenAfterError) {
		return nil
	}
	old := l.stream
	l.stream, l.ended, l.endErr, l.err = nil, false, nil, nil
	l.runStart, l.openedAt = c.StartedAt, taken
	l.resumes++
	cmd := l.openStream()
	if old != nil {
		cmd = tea.Batch(closeStream(old), cmd)
	}
	return cmd
}

// successor is the container that replaced the pane's one, now gone from
// s: created no earlier, of the same compose project and service (for a
// compose container) or else of the same name; among several (a scaled
// service) the one with the pane's name, then the newest.
func (l *logPane) successor(s *ds.Snapshot) (ds.Container, bool) {
	var best ds.Container
	found := false
	for _, c := range s.Containers {
		if c.ID == l.id || c.Created.Before(l.created) {
			continue
		}
		if l.project != "" && l.service != "" {
			if c.ComposeProject != l.project || c.ComposeService != l.service {
				continue
			}
		} else if c.Name != l.name {
			continue
		}
		named, bestNamed := c.Name == l.name, found && best.Name == l.name
		if !found || named && !bestNamed || named == bestNamed && c.Created.After(best.Created) {
			best, found = c, true
		}
	}
	return best, found
}

// followRecreated moves the pane to c, the container that replaced the
// one it followed, and opens c's stream; search, follow, timestamps and
// wrap stay as they were.
func (l *logPane) followRecreated(c ds.Container, taken time.Time) tea.Cmd {
	old := l.stream
	l.recreatedFrom = shortID(l.id)
	l.id, l.name, l.removed = c.ID, c.Name, false
	l.project, l.service, l.created = c.ComposeProject, c.ComposeService, c.Created
	l.stream, l.ended, l.endErr, l.err = nil, false, nil, nil
	l.lines, l.dropped, l.top = nil, 0, 0
	l.runStart, l.openedAt = c.StartedAt, taken
	cmd := l.openStream()
	if old != nil {
		cmd = tea.Batch(closeStream(old), cmd)
	}
	return cmd
}

// gotStream takes the stream opened for the pane.
func (l *logPane) gotStream(msg logOpenedMsg) tea.Cmd {
	l.opening, l.err, l.stream = false, msg.err, msg.stream
	if l.stream == nil {
		return nil
	}
	l.opened = true
	l.tty = l.stream.TTY()
	l.pull()
	return waitLogs(l.gen, l.stream)
}

// woke takes new lines (when following) and waits for more, unless the
// stream has ended; the pane shows rows lines of w cells.
func (l *logPane) woke(msg logWakeMsg, rows, w int) tea.Cmd {
	if msg.gen != l.gen || l.stream == nil {
		return nil
	}
	select {
	case <-l.stream.Done():
		l.ended, l.endErr = true, l.stream.Err()
		l.pull() // the last lines, whether following or not
		return nil
	default:
	}
	// A paused pane stays still for reading, unless its lines fit in it
	// (a stream just opened on a recreated container): then new lines
	// move nothing.
	if l.follow || l.bottomTop(rows, w) == 0 {
		l.pull()
	}
	return waitLogs(l.gen, l.stream)
}

// waitLogs waits off the UI goroutine for the stream to change, then lets
// logThrottle pass so a flood is drawn in batches.
func waitLogs(gen uint64, s LogStream) tea.Cmd {
	return func() tea.Msg {
		select {
		case <-s.Updated():
		case <-s.Done():
			return logWakeMsg{gen: gen}
		}
		timer := time.NewTimer(logThrottle)
		defer timer.Stop()
		select {
		case <-timer.C:
		case <-s.Done():
		}
		return logWakeMsg{gen: gen}
	}
}

// closeStream stops a stream off the UI goroutine (Close waits for its reader).
func closeStream(s LogStream) tea.Cmd {
	return func() tea.Msg {
		s.Close()
		return nil
	}
}

// close stops the pane's stream; the pending wait command then returns.
func (l *logPane) close() tea.Cmd {
	l.gen = 0
	if l.stream == nil {
		return nil
	}
	s := l.stream
	l.stream = nil
	return closeStream(s)
}

// pull copies the stream's buffer after the earlier pages and searches
// it again. Stream lines are numbered from seqBase, so earlier pages can
// be numbered below them.
func (l *logPane) pull() {
	if l.stream == nil {
		return
	}
	ls := l.stream.Lines()
	l.dropped = l.stream.Dropped()
	if len(l.earlier) > 0 && l.dropped > l.earlierDropped {
		// The stream dropped the lines that joined it to the earlier pages.
		l.earlier, l.atStart = nil, false
	}
	for i := range ls {
		ls[i].Seq += seqBase
	}
	if len(ls) > 0 {
		l.newestSeq = ls[len(ls)-1].Seq
	}
	if len(l.earlier) > 0 {
		ls = append(append(make([]ds.LogLine, 0, len(l.earlier)+len(ls)), l.earlier...), ls...)
	}
	l.lines = ls
	if l.search.Query != "" {
		l.research()
	}
}

// research searches the lines for the query (in their sanitized form, so
// offsets match the screen), keeping the current match when it still exists.
func (l *logPane) research() {
	var keep ds.Match
	if l.cur >= 0 && l.cur < len(l.search.Matches) {
		keep = l.search.Matches[l.cur]
	}
	l.search = ds.FindMatches(l.lines, l.query.Value(), sanitize.Line)
	l.cur = -1
	for i, m := range l.search.Matches {
		if m == keep {
			l.cur = i
		}
	}
}

// firstMatch is the first match at or after the top of the pane, wrapping
// to the first one.
func (l *logPane) firstMatch(rows, width int) int {
	top := l.topLine(rows, width)
	if top < len(l.lines) {
		if i := l.search.From(l.lines[top].Seq); i >= 0 {
			return i
		}
	}
	return l.search.Next(-1)
}

// jump makes match i current and scrolls its line to a third of the pane;
// the pane stops following so it stays there.
func (l *logPane) jump(i, rows int) {
	if i < 0 || i >= len(l.search.Matches) {
		return
	}
	l.cur = i
	if idx := l.indexOf(l.search.Matches[i].Seq); idx >= 0 {
		l.follow = false
		l.top = max(idx-rows/3, 0)
	}
}

// indexOf finds the line with sequence number seq; -1 when it is not held.
func (l *logPane) indexOf(seq uint64) int {
	i := sort.Search(len(l.lines), func(i int) bool { return l.lines[i].Seq >= seq })
	if i < len(l.lines) && l.lines[i].Seq == seq {
		return i
	}
	return -1
}

// scrollBy moves the view by n lines; scrolling stops following, and
// scrolling down past the end follows again.
func (l *logPane) scrollBy(n, rows, width int) {
	top := l.topLine(rows, width)
	if l.follow && n >= 0 {
		return
	}
	l.follow = false
	l.top = max(top+n, 0)
	if l.top >= l.bottomTop(rows, width) && n > 0 {
		l.follow = true
		l.pull()
	}
}

// topLine is the first line shown in a pane of rows lines of width cells.
func (l *logPane) topLine(rows, width int) int {
	if l.follow {
		return l.bottomTop(rows, width)
	}
	return min(l.top, max(len(l.lines)-1, 0))
}

// bottomTop is the first line shown when the last line is at the bottom.
func (l *logPane) bottomTop(rows, width int) int {
	used := 0
	for i := len(l.lines) - 1; i >= 0; i-- {
		used += l.height(i, width)
		if used > rows {
			return i + 1
		}
	}
	return 0
}

// height is how many screen lines line i takes: one, or more when wrapped.
func (l *logPane) height(i, width int) int {
	if !l.wrap {
		return 1
	}
	avail := max(width-l.prefixWidth(), 1)
	w := ansi.StringWidth(sanitize.Line(l.lines[i].Text))
	return max((w+avail-1)/avail, 1)
}

// prefixWidth is the width of the gutter and, when shown, the timestamp.
func (l *logPane) prefixWidth() int {
	if l.timestamps {
		return gutterW + tsW
	}
	return gutterW
}

// Update handles a key in the logs pane, showing rows lines of w cells:
// it scrolls, follows, searches, fetches earlier pages, or asks the router
// for the detail pane or to close.
func (l *logPane) Update(msg tea.KeyMsg, rows, w int) (tea.Cmd, intent) {
	k := l.keys
	page := max(rows-1, 1)
	// Scrolling up past the oldest line held asks the engine for the page
	// before it; the rest of the scroll happens when it arrives.
	up := func(n int) tea.Cmd {
		var cmd tea.Cmd
		if l.topLine(rows, w)-n < 0 {
			cmd = l.fetchEarlier(min(l.topLine(rows, w)-n, 0))
		}
		l.scrollBy(-n, rows, w)
		return cmd
	}
	switch {
	case key.Matches(msg, k.Up):
		return up(1), stay
	case key.Matches(msg, k.Down):
		l.scrollBy(1, rows, w)
	case key.Matches(msg, k.PageUp):
		return up(page), stay
	case key.Matches(msg, k.PageDown):
		l.scrollBy(page, rows, w)
	case key.Matches(msg, k.Top):
		var cmd tea.Cmd
		if l.topLine(rows, w) == 0 {
			cmd = l.fetchEarlier(-page)
		}
		l.follow = false
		l.top = 0
		return cmd, stay
	case key.Matches(msg, k.Bottom):
		l.follow = true
		l.pull()
	case key.Matches(msg, k.Follow):
		l.follow = !l.follow
		if l.follow {
			l.pull()
		}
	case key.Matches(msg, k.Timestamps):
		l.timestamps = !l.timestamps
	case key.Matches(msg, k.Wrap):
		l.wrap = !l.wrap
	case key.Matches(msg, k.Search):
		return l.query.Focus(), stay
	case key.Matches(msg, k.Next):
		l.jump(l.search.Next(l.cur), rows)
	case key.Matches(msg, k.Prev):
		if l.cur == 0 && !l.atStart {
			// N at the oldest match loaded looks in earlier pages first.
			if cmd := l.searchEarlier(true); cmd != nil {
				return cmd, stay
			}
		}
		l.jump(l.search.Prev(l.cur), rows)
	case key.Matches(msg, k.Detail):
		return nil, wantDetail
	case key.Matches(msg, k.Close):
		return nil, wantClose
	}
	return nil, stay
}

// editSearch feeds a key to the logs search prompt; enter searches and
// jumps to the first match at or after the top of the pane (rows lines of
// w cells).
func (l *logPane) editSearch(msg tea.KeyMsg, rows, w int) tea.Cmd {
	switch {
	case key.Matches(msg, l.keys.Prompt.Accept):
		l.query.Blur()
		l.research()
		if len(l.search.Matches) == 0 {
			return l.searchEarlier(false) // what `docker logs` still has
		}
		l.jump(l.firstMatch(rows, w), rows)
		return nil
	case key.Matches(msg, l.keys.Prompt.Cancel):
		l.query.Blur()
		l.query.SetValue(l.search.Query)
		return nil
	}
	var cmd tea.Cmd
	l.query, cmd = l.query.Update(msg)
	return cmd
}
