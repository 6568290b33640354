package docker

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stacktop/stacktop/collectors"
	ds "github.com/stacktop/stacktop/collectors/docker"
	"github.com/stacktop/stacktop/ui/internal/fixture"
	"github.com/stacktop/stacktop/ui/internal/keytest"
)

func TestDetail(t *testing.T) {
	tab, ctx, eng := newTab(t, 160, 60, 0, Options{})
	selectName(t, tab, "shop-api-1")
	press(tab, "enter")
	frame := tab.View(ctx)
	for _, want := range []string{
		"inspect shop-api-1", "command   api --listen :8080 --banner \"hello world\" --db-password=s3cret", "entry     /docker-entrypoint.sh",
		"DB_PASSWORD=" + ds.Mask, "2 secret-looking values masked — r reveals", "volume shop_data → /var/lib/data (rw)",
		"shop_default 172.18.0.3", "18080→8080/tcp", "restart unless-stopped", "!unhealthy · failing streak 4",
		"exit 1  curl: (7) Failed to connect", "com.docker.compose.project=shop", "CPU ", "MEM ",
	} {
		if !strings.Contains(frame, want) {
			t.Errorf("detail lacks %q:\n%s", want, frame)
		}
	}
	press(tab, "r")
	frame = tab.View(ctx)
	if !strings.Contains(frame, "DB_PASSWORD=hunter2") || !strings.Contains(frame, "secret values shown — r masks them") {
		t.Errorf("r does not reveal:\n%s", frame)
	}
	press(tab, "r")
	if strings.Contains(tab.View(ctx), "hunter2") {
		t.Error("a second r does not mask again")
	}
	if !slices.Equal(eng.reveals, []bool{false, true, false}) {
		t.Errorf("inspect calls asked reveal %v", eng.reveals)
	}
	if km, ok := tab.KeyMap().(DetailKeys); !ok || !km.Close.Enabled() {
		t.Error("help does not show the detail keys")
	}
}

func TestDetailRedacted(t *testing.T) {
	tab, ctx, eng := newTab(t, 160, 60, 0, Options{Redact: true})
	selectName(t, tab, "shop-api-1")
	press(tab, "i", "r")
	frame := tab.View(ctx)
	if strings.Contains(frame, "/usr/local/bin") || !strings.Contains(frame, "PATH=***") || !strings.Contains(frame, "values redacted") {
		t.Errorf("redact mode shows env values:\n%s", frame)
	}
	if tab.detail.keys.Reveal.Enabled() || slices.Contains(eng.reveals, true) {
		t.Error("reveal works in redact mode")
	}
	if strings.Contains(frame, "s3cret") || !strings.Contains(frame, "--db-password=***") {
		t.Errorf("redact mode shows a password on the command line:\n%s", frame)
	}
	// The frame's flag alone (a tab built without the option) masks too.
	plain, pctx, _ := newTab(t, 160, 60, 0, Options{})
	selectName(t, plain, "shop-api-1")
	press(plain, "i")
	pctx.Redact = true
	if f := plain.View(pctx); strings.Contains(f, "s3cret") || strings.Contains(f, "/usr/local/bin") {
		t.Errorf("view.Context.Redact does not mask:\n%s", f)
	}
}

func TestDetailWithoutEngine(t *testing.T) {
	tab, ctx, _ := newTab(t, 120, 40, 0, Options{Engines: map[string]Engine{}})
	selectName(t, tab, "shop-api-1")
	press(tab, "i")
	if !strings.Contains(tab.View(ctx), "detail unavailable") {
		t.Errorf("no engine: %s", tab.View(ctx))
	}
	press(tab, "l")
	if !strings.Contains(tab.View(ctx), "logs unavailable") {
		t.Errorf("no engine: %s", tab.View(ctx))
	}
	// The sparklines come from the snapshot and need no engine.
	press(tab, "i")
	if !strings.Contains(tab.View(ctx), "35.2% [≤ 35.2%]") {
		t.Errorf("sparklines missing without an engine:\n%s", tab.View(ctx))
	}
}

func TestDetailInspectsAgainOnStateChange(t *testing.T) {
	tab, _, eng := newTab(t, 120, 40, 0, Options{})
	selectName(t, tab, "shop-web-1")
	press(tab, "i")
	s := fleetSnapshot(0)
	tab.Update(ok("local", s)) // same state: no new inspect
	s2 := fleetSnapshot(0)
	for i := range s2.Containers {
		if s2.Containers[i].Name == "shop-web-1" {
			s2.Containers[i].Health = "unhealthy"
		}
	}
	run(tab, tab.updateCmd(ok("local", s2)))
	if len(eng.reveals) != 2 {
		t.Errorf("%d inspects; want one on open and one after the health change", len(eng.reveals))
	}
}

// logPaneLines are the drawn lines of the logs pane (after its rule).
func logPaneLines(frame string) []string {
	ls := strings.Split(frame, "\n")
	for i, l := range ls {
		if strings.HasPrefix(l, "─ logs") {
			return ls[i+1:]
		}
	}
	return nil
}

func TestLogsSearchNextPrev(t *testing.T) {
	tab, ctx, _ := newTab(t, 120, 40, 0, Options{})
	selectName(t, tab, "shop-api-1")
	press(tab, "l")
	if tab.logs.keys.Next.Enabled() {
		t.Error("n is offered before a search")
	}
	press(tab, "/", "E", "R", "R", "O", "R", "enter") // upper case: exact case
	l := tab.logs
	if len(l.search.Matches) != 4 {
		t.Fatalf("%d matches for ERROR, want 4 (lines 9, 18, 27, 36)", len(l.search.Matches))
	}
	seqs := func() uint64 { return l.search.Matches[l.cur].Seq }
	first := seqs()
	press(tab, "n")
	second := seqs()
	press(tab, "N")
	if seqs() != first || second == first {
		t.Errorf("n then N: %d → %d → %d", first, second, seqs())
	}
	press(tab, "N")
	press(tab, "N")
	press(tab, "N")
	press(tab, "N")
	if seqs() != first {
		t.Errorf("four N from a match of four did not come back: %d", seqs())
	}
	// The current match's line is on screen and marked.
	var marked string
	for _, ln := range logPaneLines(tab.View(ctx)) {
		if strings.HasPrefix(ln, ">") {
			marked = ln
		}
	}
	if !strings.Contains(marked, "»ERROR« upstream") || !strings.Contains(marked, "(request "+strconv.FormatUint(seqs()-seqBase, 10)+")") {
		t.Errorf("marked line %q for match on line %d", marked, seqs())
	}
	// Lower case is case-insensitive: ERROR and "error" in each line.
	press(tab, "/", "backspace", "backspace", "backspace", "backspace", "backspace", "e", "r", "r", "o", "r", "enter")
	if len(l.search.Matches) != 8 {
		t.Errorf("%d matches for error, want 8", len(l.search.Matches))
	}
}

func TestLogsFollowTimestampsWrap(t *testing.T) {
	tab, ctx, eng := newTab(t, 100, 40, 0, Options{})
	selectName(t, tab, "shop-api-1")
	press(tab, "l")
	lines := logPaneLines(tab.View(ctx))
	last := lines[len(lines)-1]
	if !strings.Contains(last, "/api/orders/1040") || !strings.Contains(tab.View(ctx), "following") {
		t.Errorf("following pane does not end with the newest line: %q", last)
	}
	// New lines arrive: the pane takes them while following.
	s := eng.streams[0]
	s.add("fresh line from stderr", ds.Stderr)
	run(tab, tab.updateCmd(logWakeMsg{gen: tab.logs.gen})) // as waitLogs would answer
	lines = logPaneLines(tab.View(ctx))
	if got := lines[len(lines)-1]; got != " E fresh line from stderr" {
		t.Errorf("newest line drawn as %q; want the stderr marker", got)
	}
	press(tab, "f")
	s.add("while paused", ds.Stdout)
	run(tab, tab.updateCmd(logWakeMsg{gen: tab.logs.gen}))
	if strings.Contains(tab.View(ctx), "while paused") || !strings.Contains(tab.View(ctx), "paused (f follows)") {
		t.Error("a paused pane took new lines")
	}
	press(tab, "f")
	if !strings.Contains(tab.View(ctx), "while paused") {
		t.Error("f did not catch up")
	}
	press(tab, "t")
	if !strings.Contains(tab.View(ctx), "14:30:05.000 while paused") {
		t.Errorf("t does not show timestamps:\n%s", tab.View(ctx))
	}
	// Long line: cut with a marker, or wrapped over several lines.
	press(tab, "t", "/", "p", "a", "y", "l", "o", "a", "d", "enter")
	if strings.Contains(tab.View(ctx), "hij end") {
		t.Error("the long line is not cut")
	}
	press(tab, "w")
	if !strings.Contains(tab.View(ctx), "hij end") {
		t.Errorf("w does not wrap the long line:\n%s", tab.View(ctx))
	}
	if !strings.Contains(tab.View(ctx), "…+4.0 KiB cut") {
		t.Error("the collector's cut is not shown")
	}
	checkFrame(t, tab.View(ctx), 100, 40)
	// Closing the pane closes the stream.
	press(tab, "esc")
	select {
	case <-s.Done():
	case <-time.After(2 * time.Second):
		t.Error("closing the logs pane left the stream open")
	}
}

func TestLogsStreamClosedWhenAnswerIsLate(t *testing.T) {
	tab, _, eng := newTab(t, 100, 40, 0, Options{})
	selectName(t, tab, "shop-api-1")
	cmd := tab.updateCmd(keytest.Msg("l"))
	press(tab, "esc") // closed before the stream was opened
	run(tab, cmd)
	if len(eng.streams) != 1 {
		t.Fatalf("%d streams", len(eng.streams))
	}
	select {
	case <-eng.streams[0].Done():
	case <-time.After(2 * time.Second):
		t.Error("a stream opened for a closed pane was left open")
	}
}

// A stopped container's pane keeps its lines and says it will follow
// again; a new run of the container opens the stream again by itself,
// keeping the search. A snapshot of the same run opens nothing.
func TestLogsResumeWhenContainerStartsAgain(t *testing.T) {
	tab, ctx, eng := newTab(t, 160, 40, 0, Options{})
	selectName(t, tab, "shop-api-1")
	press(tab, "l")
	press(tab, "/", "E", "R", "R", "O", "R", "enter")
	eng.streams[0].Close() // the engine ends a followed stream when the container stops
	run(tab, tab.updateCmd(logWakeMsg{gen: tab.logs.gen}))
	if f := tab.View(ctx); !strings.Contains(f, "ended · follows its next run") || !strings.Contains(f, "40 lines") {
		t.Fatalf("a stopped container's pane should keep its lines and say what comes next:\n%s", f)
	}

	snap := fleetSnapshot(0)
	run(tab, tab.updateCmd(ok("local", snap)))
	if len(eng.streams) != 1 {
		t.Fatalf("a snapshot of the same run opened %d streams, want 1", len(eng.streams))
	}

	restarted := fleetSnapshot(0)
	for i := range restarted.Containers {
		if c := &restarted.Containers[i]; c.Name == "shop-api-1" {
			c.StartedAt = fixture.Now().Add(time.Second)
		}
	}
	run(tab, tab.updateCmd(ok("local", restarted)))
	if len(eng.streams) != 2 {
		t.Fatalf("the container's new run opened %d streams in all, want 2", len(eng.streams))
	}
	f := tab.View(ctx)
	// The search jumped to a match, which pauses the pane; reopening keeps that.
	if !strings.Contains(f, "paused (f follows) · reopened") || strings.Contains(f, "ended") {
		t.Errorf("the reopened pane's title:\n%s", f)
	}
	if n := len(tab.logs.search.Matches); tab.logs.search.Query != "ERROR" || n != 4 {
		t.Errorf("search after reopening: %q with %d matches, want ERROR with 4", tab.logs.search.Query, n)
	}
	run(tab, tab.updateCmd(ok("local", restarted)))
	if len(eng.streams) != 2 {
		t.Errorf("a second snapshot of the new run opened another stream (%d in all)", len(eng.streams))
	}
}

// A stream broken while its container runs (a daemon restart) is asked
// for again, no sooner than reopenAfterError on the engine's clock; an
// attempt that fails is retried the same way.
func TestLogsReopenBrokenStream(t *testing.T) {
	tab, ctx, eng := newTab(t, 160, 40, 0, Options{})
	selectName(t, tab, "shop-api-1")
	press(tab, "l")
	eng.streams[0].fail(errors.New("unexpected EOF"))
	run(tab, tab.updateCmd(logWakeMsg{gen: tab.logs.gen}))
	if f := tab.View(ctx); !strings.Contains(f, "stream ended: unexpected EOF · reopens while the container runs") {
		t.Fatalf("a broken stream's title:\n%s", f)
	}
	at := func(d time.Duration) collectors.Update {
		s := fleetSnapshot(0)
		s.Taken = fixture.Now().Add(d)
		return ok("local", s)
	}
	run(tab, tab.updateCmd(at(2*time.Second)))
	if len(eng.streams) != 1 {
		t.Fatalf("reopened %v after the last attempt; want at least %v between attempts", 2*time.Second, reopenAfterError)
	}
	eng.mu.Lock()
	eng.logsErr = errors.New(`docker "local": logs 73686f702d61: cannot connect — is the Docker daemon running?`)
	eng.mu.Unlock()
	run(tab, tab.updateCmd(at(reopenAfterError)))
	if f := tab.View(ctx); !strings.Contains(f, "is the Docker daemon running?") {
		t.Fatalf("a failed reopen should say why:\n%s", f)
	}
	eng.mu.Lock()
	eng.logsErr = nil
	eng.mu.Unlock()
	run(tab, tab.updateCmd(at(reopenAfterError+time.Second)))
	if len(eng.streams) != 1 {
		t.Fatal("a failed attempt was retried before reopenAfterError passed")
	}
	run(tab, tab.updateCmd(at(2*reopenAfterError)))
	f := tab.View(ctx)
	if len(eng.streams) != 2 || !strings.Contains(f, "following · reopened") || !strings.Contains(f, "40 lines") {
		t.Errorf("after the engine came back: %d streams, pane:\n%s", len(eng.streams), f)
	}
}

// A stream that could not be opened in the first place (a logging driver
// that cannot be read) is not asked for again and again: the pane shows
// why until it is closed and opened by hand.
func TestLogsFirstOpenFailureIsNotRetried(t *testing.T) {
	tab, ctx, eng := newTab(t, 160, 40, 0, Options{})
	eng.logsErr = errors.New(`docker "local": logs 73686f702d61: configured logging driver does not support reading`)
	selectName(t, tab, "shop-api-1")
	press(tab, "l")
	s := fleetSnapshot(0)
	s.Taken = fixture.Now().Add(time.Minute)
	run(tab, tab.updateCmd(ok("local", s)))
	if f := tab.View(ctx); tab.logs.resumes != 0 || !strings.Contains(f, "does not support reading") {
		t.Errorf("a first open that failed was retried (%d times), or its cause is not shown:\n%s", tab.logs.resumes, f)
	}
}

// After a recreate the pane follows the newer container of the same
// compose service, preferring the one with its old name when the service
// is scaled; outside compose, only a container of the same name; never
// an older one.
func TestLogsSuccessor(t *testing.T) {
	t0 := fixture.Now()
	mk := func(id, name, project, service string, created time.Duration) ds.Container {
		return ds.Container{ID: id, Name: name, ComposeProject: project, ComposeService: service, Created: t0.Add(created)}
	}
	snap := &ds.Snapshot{Containers: []ds.Container{
		mk("old2", "shop-web-2", "shop", "web", -time.Hour),
		mk("new2", "shop-web-2", "shop", "web", time.Second),
		mk("new1", "shop-web-1", "shop", "web", time.Second),
		mk("apinew", "shop-api-1", "shop", "api", time.Second),
		mk("solo", "cache", "", "", time.Second),
	}}
	for _, tc := range []struct {
		pane logPane
		want string
	}{
		{logPane{paneTarget: paneTarget{id: "gone1", name: "shop-web-1"}, project: "shop", service: "web", created: t0}, "new1"},
		{logPane{paneTarget: paneTarget{id: "gone2", name: "shop-web-9"}, project: "shop", service: "web", created: t0}, "new2"},
		{logPane{paneTarget: paneTarget{id: "gone3", name: "cache"}, created: t0}, "solo"},
		{logPane{paneTarget: paneTarget{id: "gone4", name: "other"}, created: t0}, ""},
		{logPane{paneTarget: paneTarget{id: "gone5", name: "shop-db-1"}, project: "shop", service: "db", created: t0}, ""},
		{logPane{paneTarget: paneTarget{id: "gone6", name: "cache"}, created: t0.Add(time.Hour)}, ""},
	} {
		got, ok := tc.pane.successor(snap)
		if ok != (tc.want != "") || got.ID != tc.want {
			t.Errorf("successor of %s (%s/%s) = %q, %v; want %q", tc.pane.name, tc.pane.project, tc.pane.service, got.ID, ok, tc.want)
		}
	}
}

// A container using about 20 MiB with no limit (the engine reports the
// host's 16 GiB) has a memory sparkline that shows its ups and downs and
// says its range; its idle CPU line says its peak.
func TestDetailSparklinesOwnScale(t *testing.T) {
	tab, ctx, _ := newTab(t, 160, 40, 0, Options{})
	snap := fleetSnapshot(0)
	for i := range snap.Containers {
		c := &snap.Containers[i]
		if c.Name != "proxy" {
			continue
		}
		c.Stats.MemUsed, c.Stats.MemLimit = 20*mib, 16*gib
		for j := range c.History {
			c.History[j].MemUsed = 20*mib + uint64(j%5)*128*1024
			c.History[j].CPU = rate(0.1 * float64(j%3))
		}
	}
	tab.Update(ok("local", snap))
	selectName(t, tab, "proxy")
	press(tab, "enter")
	var line string
	for _, l := range strings.Split(tab.View(ctx), "\n") {
		if strings.Contains(l, "MEM ") && strings.Contains(l, "CPU ") {
			line = l
		}
	}
	_, mem, _ := strings.Cut(line, "MEM ")
	spark, _, _ := strings.Cut(strings.TrimLeft(mem, " "), " ")
	seen := map[rune]bool{}
	for _, r := range spark {
		seen[r] = true
	}
	if len(seen) < 4 || !strings.Contains(line, "20.0 MiB of 16.0 GiB [20.0 MiB–20.5 MiB]") || !strings.Contains(line, "[≤ 0.2%]") {
		t.Errorf("the sparklines of a 20 MiB container without a limit are flat or do not say their scale:\n%s", line)
	}
}
