package docker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/pkg/stdcopy"
)

// Log buffer defaults.
const (
	DefaultLogTail     = 500
	DefaultLogMaxLines = 10_000
	DefaultLogMaxBytes = 8 << 20
	DefaultLogLineMax  = 16 << 10
)

// Stream says where a log line came from.
type Stream uint8

// Streams. A TTY container has a single raw stream.
const (
	Stdout Stream = iota
	Stderr
	TTY
)

// String names the stream ("stdout", "stderr", "tty").
func (s Stream) String() string {
	return [...]string{"stdout", "stderr", "tty"}[s]
}

// LogOptions shape a LogTail. Zero fields take the defaults above.
type LogOptions struct {
	// Tail is how many past lines to fetch first (DefaultLogTail; -1 for all).
	Tail int
	// Follow keeps the stream open and appends new lines as they come.
	Follow bool
	// Timestamps asks the engine for each line's time (LogLine.Time).
	Timestamps bool
	// Until, when set, leaves out lines timestamped after it. The engine
	// applies it after Tail: the last Tail lines of the whole log are read,
	// then those after Until dropped — so to read the Tail lines before a
	// time, ask for as many more as the log holds after it.
	Until time.Time
	// MaxLines and MaxBytes bound the buffer: beyond either the oldest lines
	// are dropped (and counted in Dropped).
	MaxLines, MaxBytes int
	// LineMax caps one line's length; the rest is cut (LogLine.Cut).
	LineMax int
}

func (o LogOptions) withDefaults() LogOptions {
	if o.Tail == 0 {
		o.Tail = DefaultLogTail
	}
	orDefault(&o.MaxLines, DefaultLogMaxLines)
	orDefault(&o.MaxBytes, DefaultLogMaxBytes)
	orDefault(&o.LineMax, DefaultLogLineMax)
	return o
}

// LogLine is one line of a container's output.
type LogLine struct {
	// Seq numbers lines from 1 in arrival order; it survives dropping, so a
	// view can keep its place while old lines fall out of the buffer.
	Seq    uint64
	Stream Stream
	// Time is the engine's timestamp (zero unless LogOptions.Timestamps).
	Time time.Time
	// Text is the raw line without its newline: it may hold escape
	// sequences — sanitize before drawing.
	Text string
	// Cut is how many bytes beyond LineMax were dropped from this line.
	Cut int
}

// LogTail is a container's recent output in a bounded buffer, optionally
// following new lines. Its methods are safe for concurrent use.
type LogTail struct {
	opts    LogOptions
	tty     bool
	cancel  context.CancelFunc
	done    chan struct{}
	updated chan struct{}

	mu      sync.Mutex
	ring    []LogLine // fixed MaxLines slots, circular: oldest at head
	head, n int
	bytes   int
	seq     uint64
	dropped uint64
	err     error
	closed  bool
	timeout time.Duration // bound of a one-off read
}

// Logs starts reading a container's logs: the last opts.Tail lines, then
// (with Follow) new ones until Close. It returns at once; lines arrive in
// the background (watch Updated).
func (c *Collector) Logs(ctx context.Context, id string, opts LogOptions) (*LogTail, error) {
	cli, err := c.client()
	if err != nil {
		return nil, err
	}
	ictx, cancel := c.callCtx(ctx)
	in, err := cli.ContainerInspect(ictx, id)
	cancel()
	if err != nil {
		return nil, c.wrap(fmt.Sprintf("logs %.12s", id), err)
	}
	opts = opts.withDefaults()
	t := newLogTail(opts, in.Config != nil && in.Config.Tty)
	lctx, stop := context.WithCancel(context.Background())
	t.cancel, t.timeout = stop, c.opts.CallTimeout
	tail := "all"
	if opts.Tail > 0 {
		tail = strconv.Itoa(opts.Tail)
	}
	// The request itself must answer in time; a followed stream then stays
	// open until Close (a one-off read is bounded as a whole).
	guard := time.AfterFunc(c.opts.CallTimeout, stop)
	until := ""
	if !opts.Until.IsZero() {
		until = opts.Until.UTC().Format(time.RFC3339Nano)
	}
	rc, err := cli.ContainerLogs(lctx, id, container.LogsOptions{ShowStdout: true, ShowStderr: true, Follow: opts.Follow, Timestamps: opts.Timestamps, Tail: tail, Until: until})
	if opts.Follow && !guard.Stop() {
		err = errors.Join(err, context.DeadlineExceeded)
	}
	if err != nil {
		stop()
		return nil, c.wrap(fmt.Sprintf("logs %.12s", id), err)
	}
	go t.read(rc, guard)
	return t, nil
}

func newLogTail(opts LogOptions, tty bool) *LogTail {
	return &LogTail{
		opts: opts, tty: tty, ring: make([]LogLine, opts.MaxLines),
		done: make(chan struct{}), updated: make(chan struct{}, 1), cancel: func() {},
	}
}

// read copies the stream into the buffer until it ends or Close.
func (t *LogTail) read(rc io.ReadCloser, guard *time.Timer) {
	defer close(t.done)
	defer rc.Close()
	defer guard.Stop()
	var err error
	out, errw := t.writer(Stdout), t.writer(Stderr)
	if t.tty {
		out = t.writer(TTY)
		_, err = io.Copy(out, rc)
	} else {
		_, err = stdcopy.StdCopy(out, errw, rc)
	}
	for _, w := range []*lineWriter{out, errw} {
		if len(w.cur) > 0 || w.cut > 0 {
			w.flush() // a last line without its newline
		}
	}
	t.mu.Lock()
	switch {
	case err == nil || t.closed:
	case errors.Is(err, context.Canceled):
		// Only the guard cancels besides Close: a one-off read ran too long.
		t.err = fmt.Errorf("reading the logs took longer than %s — showing what arrived; ask for fewer lines", t.timeout)
	default:
		t.err = err
	}
	t.mu.Unlock()
	t.signal()
}

// Close stops following and waits for the reader to finish.
func (t *LogTail) Close() {
	t.mu.Lock()
	t.closed = true
	t.mu.Unlock()
	t.cancel()
	<-t.done
}

// Done is closed when the stream has ended (EOF without Follow, the
// container's removal, an error, or Close).
func (t *LogTail) Done() <-chan struct{} { return t.done }

// Updated receives a value (coalesced) whenever lines were added or the
// stream ended; a view waits on it in a tea.Cmd and then calls Lines.
func (t *LogTail) Updated() <-chan struct{} { return t.updated }

// TTY reports whether the container has a terminal (one raw stream, no
// stdout/stderr distinction).
func (t *LogTail) TTY() bool { return t.tty }

// Err is why the stream ended early, if it did (nil after Close or EOF).
func (t *LogTail) Err() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.err
}

// Dropped is how many lines fell out of the buffer to keep it bounded.
func (t *LogTail) Dropped() uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.dropped
}

// Lines copies the buffered lines, oldest first.
func (t *LogTail) Lines() []LogLine {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]LogLine, t.n)
	for i := range t.n {
		out[i] = t.ring[(t.head+i)%len(t.ring)]
	}
	return out
}

func (t *LogTail) signal() {
	select {
	case t.updated <- struct{}{}:
	default:
	}
}

// push appends one line, first dropping the oldest while either bound
// (line count, text bytes) would be exceeded.
func (t *LogTail) push(l LogLine) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.seq++
	l.Seq = t.seq
	for t.n > 0 && (t.n == len(t.ring) || t.bytes+len(l.Text) > t.opts.MaxBytes) {
		t.bytes -= len(t.ring[t.head].Text)
		t.ring[t.head] = LogLine{} // release the text
		t.head = (t.head + 1) % len(t.ring)
		t.n--
		t.dropped++
	}
	t.ring[(t.head+t.n)%len(t.ring)] = l
	t.n++
	t.bytes += len(l.Text)
}
