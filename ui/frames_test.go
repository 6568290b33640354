package ui

import (
	"context"
	"io"
	"testing"
	"time"
	"unsafe"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/stacktop/stacktop/collectors"
	"github.com/stacktop/stacktop/ui/internal/fixture"
	"github.com/stacktop/stacktop/ui/overview"
	"github.com/stacktop/stacktop/ui/theme"
	"github.com/stacktop/stacktop/ui/view"
)

// sessionTwin is a served session drawing through the shared frame cache
// and its twin drawing everything itself, fed the same messages.
type sessionTwin struct {
	name          string
	shared, alone *model
}

func newSessionTwin(name string, frames *view.FrameCache, hist *overview.History, clock func() time.Time, profile termenv.Profile, watchers func() []string) sessionTwin {
	mk := func(f *view.FrameCache) *model {
		r := lipgloss.NewRenderer(io.Discard)
		r.SetColorProfile(profile)
		m := newModel(context.Background(), Options{Now: clock, Frames: f, HostHistory: hist, Watchers: watchers}, theme.Default().Styles(r), nil)
		if f == nil {
			m.frames = nil // draws every frame itself
		}
		return m
	}
	return sessionTwin{name: name, shared: mk(frames), alone: mk(nil)}
}

func (s sessionTwin) send(msgs ...tea.Msg) {
	for _, msg := range msgs {
		s.shared.Update(msg)
		s.alone.Update(msg)
	}
}

// TestSharedFramesAreEachSessionsOwn: sessions of one served dashboard in
// different states (size, colour profile, selection, tab, other watchers,
// help open, a sparkline history of its own and shorter) draw through one
// frame cache, interleaved, through ticks, polls, a source going stale and
// key presses; every frame each one shows is the frame it draws by itself,
// and sessions in the same state share the very same string — a session
// that joined later too, as the sparkline history is shared.
func TestSharedFramesAreEachSessionsOwn(t *testing.T) {
	now := fixture.Now()
	clock := func() time.Time { return now }
	frames := view.NewFrameCache(view.DefaultFrames)
	series := fixture.HostSeries(150, 300)
	names := func(n ...string) func() []string { return func() []string { return n } }
	hist, own := overview.NewHistory(), overview.NewHistory()
	twins := []sessionTwin{
		newSessionTwin("base", frames, hist, clock, termenv.ANSI256, names("otto", "vera")),
		newSessionTwin("same as base", frames, hist, clock, termenv.ANSI256, names("otto", "vera")),
		newSessionTwin("smaller", frames, hist, clock, termenv.ANSI256, names("otto", "vera")),
		newSessionTwin("no colour", frames, hist, clock, termenv.Ascii, names("otto", "vera")),
		newSessionTwin("true colour", frames, hist, clock, termenv.TrueColor, names("otto", "vera")),
		newSessionTwin("selects", frames, hist, clock, termenv.ANSI256, names("otto", "vera")),
		newSessionTwin("host tab", frames, hist, clock, termenv.ANSI256, names("otto", "vera")),
		newSessionTwin("own history", frames, own, clock, termenv.ANSI256, names("otto", "vera")),
		newSessionTwin("other watchers", frames, hist, clock, termenv.ANSI256, names("otto")),
		newSessionTwin("help", frames, hist, clock, termenv.ANSI256, names("otto", "vera")),
		newSessionTwin("joins later", frames, hist, clock, termenv.ANSI256, names("otto", "vera")),
	}
	for _, s := range twins {
		size := tea.WindowSizeMsg{Width: 120, Height: 40}
		if s.name == "smaller" {
			size = tea.WindowSizeMsg{Width: 100, Height: 30}
		}
		s.send(size)
		switch s.name {
		case "own history":
			s.send(hubMsg(series[140:])) // a shorter history of its own
		case "joins later":
			s.send(hubMsg(series[len(series)-1:])) // the hub's latest only
		default:
			s.send(hubMsg(series))
		}
	}
	check := func(step string) {
		t.Helper()
		for _, s := range twins {
			if got, want := s.shared.View(), s.alone.View(); got != want {
				t.Fatalf("%s, session %q: the shared frame is not its own:\n%s\n--- its own:\n%s", step, s.name, got, want)
			}
		}
		for _, other := range []int{1, len(twins) - 1} {
			if a, b := twins[0].shared.View(), twins[other].shared.View(); unsafe.StringData(a) != unsafe.StringData(b) {
				t.Fatalf("%s: %q drew its own frame in the state of %q (no sharing)", step, twins[other].name, twins[0].name)
			}
		}
	}
	check("start")
	twins[5].send(splitKeysMsgs("jj")...)
	twins[6].send(splitKeysMsgs("2")...)
	twins[9].send(splitKeysMsgs("?")...)
	check("keys")
	for i := range 3 {
		now = now.Add(time.Second)
		for _, s := range twins {
			s.send(tickMsg(now))
		}
		check("tick")
		if i == 1 {
			now = now.Add(time.Second)
			u := fixture.HostUpdate(fixture.Host(now, 300, 150+i))
			for _, s := range twins {
				s.send(hubMsg{u})
			}
			check("poll")
		}
	}
	twins[5].send(splitKeysMsgs("k")...)
	twins[3].send(splitKeysMsgs("j")...)
	check("more keys")
	// The host stops answering: its figures turn to history, then stale.
	for range 8 {
		now = now.Add(time.Second)
		for _, s := range twins {
			s.send(tickMsg(now))
		}
		check("no polls")
	}
	down := collectors.Update{Source: fixture.HostID(), Snapshot: twins[0].shared.latest[fixture.HostID()].Snapshot,
		LastGood: now.Add(-9 * time.Second), PolledAt: now, Interval: fixture.Interval, Err: io.ErrUnexpectedEOF}
	for _, s := range twins {
		s.send(hubMsg{down})
	}
	check("down")
}

func splitKeysMsgs(s string) []tea.Msg {
	var out []tea.Msg
	for _, k := range splitKeys(s) {
		out = append(out, k)
	}
	return out
}

// TestAlignFramesWaitsForABoundary: the wait ends on the next multiple of
// the frame period (the fake clock says how long that is) and gives up
// when ctx ends first.
func TestAlignFramesWaitsForABoundary(t *testing.T) {
	period := time.Second / frameRate
	// One millisecond short of a boundary: the wait is about a millisecond,
	// not a period.
	at := time.Unix(1_000_000, 0).Add(period - time.Millisecond)
	start := time.Now()
	if !alignFrames(context.Background(), func() time.Time { return at }) {
		t.Fatal("alignFrames gave up with a live context")
	}
	if waited := time.Since(start); waited > period+time.Second { // a liveness bound only
		t.Errorf("waited %v for a boundary 1ms away", waited)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if alignFrames(ctx, func() time.Time { return time.Unix(1_000_000, 0).Add(time.Millisecond) }) {
		t.Error("alignFrames went on with an ended context")
	}
}
