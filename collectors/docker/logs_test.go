package docker

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stacktop/stacktop/collectors/docker/dockertest"
)

// waitLines waits until the tail holds at least n lines (or it ended).
func waitLines(t *testing.T, lt *LogTail, n int, timeout time.Duration) []LogLine {
	t.Helper()
	deadline := time.After(timeout)
	for {
		if l := lt.Lines(); len(l) >= n {
			return l
		}
		select {
		case <-lt.Updated():
		case <-lt.Done():
			return lt.Lines()
		case <-deadline:
			t.Fatalf("only %d of %d log lines after %s (err %v)", len(lt.Lines()), n, timeout, lt.Err())
		}
	}
}

// stripEscapes stands in for the view's sanitizer in the search test.
var escapes = regexp.MustCompile(`\x1b\[[0-9;]*m|\x1b\][^\x07]*\x07`)

func stripEscapes(s string) string { return escapes.ReplaceAllString(s, "") }

// TestLogsTail: the last N lines, exactly, then the stream ends.
func TestLogsTail(t *testing.T) {
	e := dockertest.Start(t)
	// 99 lines: the last ten are short (the engine splits a very long line
	// into 16 kB entries, and --tail counts entries).
	id, _ := e.Run(t, dockertest.Spec{Name: "logs-tail", Args: []string{"logs", "500", "99"}, NetworkMode: "none"})
	c := newCollector(t, Options{})
	// Take non-follow tails until the last line has been printed: a fixed
	// sleep flaked when other test packages loaded the machine.
	var lines []LogLine
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		lines = tailOnce(t, c, id, 10)
		if lineNumbered(lines, 99) != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("line 99 never appeared; the last tail held %d lines", len(lines))
		}
	}
	// The engine copies stdout and stderr on separate goroutines, so on a
	// busy machine two lines printed 2 ms apart on different streams can be
	// logged in either order: the last ten entries are lines 90-99 give or
	// take a neighbour, never an older one.
	if len(lines) != 10 {
		t.Fatalf("tail 10 gave %d lines: %+v", len(lines), lines)
	}
	for _, l := range lines {
		var n int
		if _, err := fmt.Sscanf(l.Text, "line %d ", &n); err != nil || n < 88 {
			t.Errorf("line %q is not one of the last lines printed", l.Text)
			continue
		}
		if want := map[bool]Stream{true: Stderr, false: Stdout}[n%2 == 0]; l.Stream != want {
			t.Errorf("line %d came on %v, want %v (even lines go to stderr)", n, l.Stream, want)
		}
	}
	// Line 95 sits mid-tail, where no reordering at the edges can move it out.
	if l := lineNumbered(lines, 95); l == nil || !strings.Contains(l.Text, "\x1b[31mred") {
		t.Errorf("line 95 missing or without its escape sequence (the buffer keeps raw text for the sanitizer): %+v", l)
	}
}

// lineNumbered finds the helper's line n ("line N ...") in lines.
func lineNumbered(lines []LogLine, n int) *LogLine {
	prefix := "line " + strconv.Itoa(n) + " "
	for i := range lines {
		if strings.HasPrefix(lines[i].Text, prefix) {
			return &lines[i]
		}
	}
	return nil
}

// tailOnce reads the last n lines without following and waits for the end.
func tailOnce(t *testing.T, c *Collector, id string, n int) []LogLine {
	t.Helper()
	lt, err := c.Logs(context.Background(), id, LogOptions{Tail: n})
	if err != nil {
		t.Fatal(err)
	}
	defer lt.Close()
	select {
	case <-lt.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("a non-follow tail did not end")
	}
	return lt.Lines()
}

// TestLogsFollowAndSearch follows a container printing 200 lines/s with
// timestamps, then searches the buffer.
func TestLogsFollowAndSearch(t *testing.T) {
	e := dockertest.Start(t)
	id, _ := e.Run(t, dockertest.Spec{Name: "logs-follow", Args: []string{"logs", "200"}, NetworkMode: "none"})
	c := newCollector(t, Options{})
	lt, err := c.Logs(context.Background(), id, LogOptions{Tail: 5, Follow: true, Timestamps: true})
	if err != nil {
		t.Fatal(err)
	}
	defer lt.Close()
	first := waitLines(t, lt, 1, 10*time.Second)
	lines := waitLines(t, lt, 120, 10*time.Second)
	if lines[len(lines)-1].Seq <= first[len(first)-1].Seq {
		t.Fatal("follow added no lines")
	}
	for i, l := range lines {
		if l.Time.IsZero() || strings.HasPrefix(l.Text, "20") {
			t.Fatalf("line %d: time %v text %.40q: the timestamp was not split off", i, l.Time, l.Text)
		}
		if i > 0 && l.Seq != lines[i-1].Seq+1 {
			t.Fatalf("seq jumps from %d to %d", lines[i-1].Seq, l.Seq)
		}
	}
	long := 0
	for _, l := range lines {
		if strings.Contains(l.Text, " long xxx") {
			long++
			// LineMax counts the timestamp prefix the engine sent, too.
			if len(l.Text) > DefaultLogLineMax || len(l.Text) < DefaultLogLineMax-40 || l.Cut < 80_000 {
				t.Errorf("a 100 kB line kept %d bytes and cut %d; want %d kept", len(l.Text), l.Cut, DefaultLogLineMax)
			}
		}
	}
	if long == 0 {
		t.Error("no long line among the 120 followed")
	}
	s := FindMatches(lines, "RED", stripEscapes)
	if len(s.Matches) != 0 {
		t.Errorf("upper-case query matched case-insensitively: %v", s.Matches)
	}
	s = FindMatches(lines, "red", stripEscapes)
	if len(s.Matches) < 10 {
		t.Fatalf("%d matches of \"red\" in %d lines", len(s.Matches), len(lines))
	}
	m := s.Matches[0]
	text := ""
	for _, l := range lines {
		if l.Seq == m.Seq {
			text = stripEscapes(l.Text)
		}
	}
	if text[m.Start:m.End] != "red" {
		t.Errorf("match %+v points at %q in %q", m, text[m.Start:m.End], text)
	}
	if s.Next(len(s.Matches)-1) != 0 || s.Prev(0) != len(s.Matches)-1 || s.Next(-1) != 0 {
		t.Error("next/previous do not wrap around")
	}
	if i := s.From(m.Seq + 1); i < 1 || s.Matches[i].Seq <= m.Seq {
		t.Errorf("From(%d) = %d", m.Seq+1, i)
	}
	if FindMatches(lines, "\x1b[31m", stripEscapes).Matches != nil {
		t.Error("search matched an escape sequence the screen never shows")
	}
}

// TestLogsTTY: a terminal container has one stream, lines without "\r".
func TestLogsTTY(t *testing.T) {
	e := dockertest.Start(t)
	id, _ := e.Run(t, dockertest.Spec{Name: "logs-tty", Args: []string{"logs", "0", "30"}, Tty: true, NetworkMode: "none"})
	c := newCollector(t, Options{})
	lines := func() []LogLine {
		deadline := time.Now().Add(10 * time.Second)
		for {
			lt, err := c.Logs(context.Background(), id, LogOptions{Tail: -1})
			if err != nil {
				t.Fatal(err)
			}
			<-lt.Done()
			if l := lt.Lines(); len(l) >= 30 || time.Now().After(deadline) {
				if !lt.TTY() {
					t.Error("tail does not know the container has a TTY")
				}
				return l
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()
	if len(lines) != 30 {
		t.Fatalf("%d lines from a TTY container, want 30", len(lines))
	}
	for _, l := range lines {
		if l.Stream != TTY || strings.HasSuffix(l.Text, "\r") {
			t.Fatalf("TTY line %+.40v", l)
		}
	}
}

// TestLogsBounded: a container printing as fast as it can never grows the
// buffer past its bounds; the oldest lines are dropped and counted.
func TestLogsBounded(t *testing.T) {
	e := dockertest.Start(t)
	id, _ := e.Run(t, dockertest.Spec{Name: "logs-flood", Args: []string{"logs", "0"}, NetworkMode: "none", LogMaxSize: "20m"})
	c := newCollector(t, Options{})
	const maxLines, maxBytes = 1000, 256 << 10
	lt, err := c.Logs(context.Background(), id, LogOptions{Tail: 10, Follow: true, MaxLines: maxLines, MaxBytes: maxBytes, LineMax: 4096})
	if err != nil {
		t.Fatal(err)
	}
	defer lt.Close()
	// Three times the line bound is enough to show the ring drops the
	// oldest and never grows; larger counts flaked when a loaded machine
	// slowed the flood (4,877 lines in 60 s once).
	const flood = 3 * maxLines
	deadline := time.Now().Add(60 * time.Second)
	for lt.Dropped() < flood && time.Now().Before(deadline) {
		lines := lt.Lines()
		total := 0
		for _, l := range lines {
			total += len(l.Text)
		}
		if len(lines) > maxLines || total > maxBytes {
			t.Fatalf("buffer holds %d lines, %d bytes: over its bounds", len(lines), total)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if lt.Dropped() < flood {
		t.Fatalf("only %d lines dropped; the flood did not reach the bound", lt.Dropped())
	}
	if lines := lt.Lines(); len(lines) == 0 || lines[0].Seq <= flood {
		t.Errorf("the buffer still starts at an old line: %d lines held", len(lines))
	}
}
