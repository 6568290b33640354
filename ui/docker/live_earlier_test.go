package docker

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	ds "github.com/stacktop/stacktop/collectors/docker"
	"github.com/stacktop/stacktop/collectors/docker/dockertest"
	"github.com/stacktop/stacktop/ui/internal/keytest"
	"github.com/stacktop/stacktop/ui/view"
)

var lineNo = regexp.MustCompile(`line (\d+) `)

// numbered is the "line N" numbers of lines, skipping the pieces of a
// long line the engine split.
func numbered(lines []ds.LogLine) []int {
	var out []int
	for _, l := range lines {
		if m := lineNo.FindStringSubmatch(l.Text + " "); m != nil && strings.HasPrefix(l.Text, "line ") {
			n, _ := strconv.Atoi(m[1])
			out = append(out, n)
		}
	}
	return out
}

// TestLiveLogsEarlierPages opens the logs of a container that printed
// more lines than the pane's tail: scrolling up past the oldest line
// brings the lines before it from the engine, without a gap or a
// duplicate at the boundary, and a search for a line only an earlier page
// holds finds it.
func TestLiveLogsEarlierPages(t *testing.T) {
	e := dockertest.Start(t)
	// A steady rate, not as fast as possible: the engine copies stdout and
	// stderr on separate goroutines, so a flood lets one stream run far
	// ahead of the other in the log file, and its last 200 entries can then
	// hold one stream only (seen with `docker logs --tail 200` itself).
	id, name := e.Run(t, dockertest.Spec{Name: "early", Args: []string{"logs", "500", "1000"}, NetworkMode: "none"})
	c := newLiveCollector(t)
	waitLogged(t, c, id, "line 1000 ", 30*time.Second)
	snap := pollUntil(t, c, 20*time.Second, func(s *ds.Snapshot) bool {
		x, ok := s.Container(name)
		return ok && x.State == "running"
	})
	const w, h = 200, 40
	ctx := testCtx(plainStyles(), w, h)
	ctx.Now = snap.Taken
	tab := New(ctx.Styles, Options{Engines: map[string]Engine{"local": FromCollector(c)}, LogLines: 200})
	tab.Update(view.SizeMsg{Width: w, Height: h})
	l := &liveTab{t: t, tab: tab, ctx: ctx, w: w, h: h}
	l.show(snap)
	l.filter(e.RunID + "-early")
	selectName(t, tab, name)
	runWait(tab, tab.updateCmd(keytest.Msg("l")), 5*time.Second)
	// The tail is 200 of the engine's entries; a line over 16 KiB (every
	// 50th) takes several, so the pane may start inside one.
	// The stream reads in the background: wait until the tail is in (a
	// liveness bound: on a loaded CI machine ten seconds once fell short).
	for deadline := time.Now().Add(30 * time.Second); completeFrom(t, tab.logs.lines) > 950; {
		if time.Now().After(deadline) {
			for _, x := range tab.logs.lines[max(len(tab.logs.lines)-8, 0):] {
				t.Logf("%v %s %.60q", x.Stream, x.Time.Format(time.RFC3339Nano), x.Text)
			}
			t.Fatalf("the tail never reached the pane: %d lines, complete from %d", len(tab.logs.lines), completeFrom(t, tab.logs.lines))
		}
		runWait(tab, tab.updateCmd(logWakeMsg{gen: tab.logs.gen}), time.Second)
	}
	// Let the rest of the tail arrive: the loop above stops at its first
	// lines.
	for settle := time.Now().Add(2 * time.Second); time.Now().Before(settle); {
		runWait(tab, tab.updateCmd(logWakeMsg{gen: tab.logs.gen}), 200*time.Millisecond)
	}
	before := completeFrom(t, tab.logs.lines)
	// How many lines 200 entries cover varies with where the long lines
	// fall (seen: from 901 to about 800).
	if before > 950 || before < 700 {
		ns := numbered(tab.logs.lines)
		t.Fatalf("the pane holds lines %d to 1000; want about the last 200: %v", before, ns[max(len(ns)-20, 0):])
	}
	held := map[int]bool{}
	for _, n := range numbered(tab.logs.lines) {
		held[n] = true
	}
	press(tab, "g")
	runWait(tab, tab.updateCmd(keytest.Msg("up")), 10*time.Second)
	f := l.frame()
	top := -1
	for _, ln := range logPaneLines(f) {
		if m := lineNo.FindStringSubmatch(ln + " "); m != nil {
			top, _ = strconv.Atoi(m[1])
			break
		}
	}
	if top < 0 || held[top] {
		t.Errorf("scrolling up past the oldest line shows line %d at the top, want one the pane did not hold:\n%s", top, f)
	}
	if after := completeFrom(t, tab.logs.lines); after >= before {
		t.Errorf("the earlier page did not extend the lines held without a gap: lines %d to 1000 before, %d to 1000 after", before, after)
	}

	press(tab, "/", "2", "5", "1")
	runWait(tab, tab.updateCmd(keytest.Msg("enter")), 10*time.Second)
	for range 20 { // each page read for the search comes back as a message
		if !tab.logs.fetching {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	f = l.frame()
	if !strings.Contains(f, "»251« stdout") || !strings.Contains(f, "“251” 1/1") {
		t.Errorf("a search for a line only an earlier page holds does not find it:\n%s", f)
	}
	// The oldest page's edge is ragged (one stream may start later than
	// the other), so the unbroken run ends a little above line 251.
	if from := completeFrom(t, tab.logs.lines); from > 400 {
		t.Errorf("after the search's pages the pane holds every line from %d only; the pages between have a gap", from)
	}
	press(tab, "esc")
}

// waitLogged waits until one of the engine's last log entries of container
// id starts a line with prefix (a liveness bound: the container prints at
// its own pace). Several entries, since the engine splits a long line.
func waitLogged(t *testing.T, c *ds.Collector, id, prefix string, timeout time.Duration) {
	t.Helper()
	for deadline := time.Now().Add(timeout); ; time.Sleep(100 * time.Millisecond) {
		lt, err := c.Logs(t.Context(), id, ds.LogOptions{Tail: 20})
		if err != nil {
			t.Fatalf("reading the last log line: %v", err)
		}
		<-lt.Done()
		for _, l := range lt.Lines() {
			if strings.HasPrefix(l.Text, prefix) {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the container's log never ended with %q within %s", prefix, timeout)
		}
	}
}

// completeFrom is the first of the unbroken run of numbered lines ending
// at line 1000; it fails the test when a line is held twice.
func completeFrom(t *testing.T, lines []ds.LogLine) int {
	t.Helper()
	seen := map[int]bool{}
	for _, n := range numbered(lines) {
		if seen[n] {
			t.Fatalf("line %d is held twice", n)
		}
		seen[n] = true
	}
	from := 1000
	for seen[from-1] {
		from--
	}
	return from
}
