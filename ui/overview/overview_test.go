package overview

import (
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	hs "github.com/stacktop/stacktop/collectors/host"
	"github.com/stacktop/stacktop/ui/internal/fixture"
	"github.com/stacktop/stacktop/ui/theme"
	"github.com/stacktop/stacktop/ui/view"
)

func testCtx(w, h int) view.Context { return fixture.Context(w, h) }

// line returns the metric line starting with label (after the marker).
func line(t *testing.T, frame, label string) string {
	t.Helper()
	for _, l := range strings.Split(frame, "\n") {
		if len(l) > 1 && strings.HasPrefix(l[1:], label+" ") {
			return l
		}
	}
	t.Fatalf("no %s line in\n%s", label, frame)
	return ""
}

func TestThresholdsMarkProblems(t *testing.T) {
	tab := New(nil)
	ctx := testCtx(100, 30)
	s := fixture.Host(fixture.Now(), 20, 0) // fs 93%, swap in use, CPU 42.5%
	tab.Update(fixture.HostUpdate(s))
	frame := tab.View(ctx)
	for label, bad := range map[string]bool{"CPU": false, "Memory": false, "Swap": true, "Disk": true, "Load": false} {
		if got := strings.HasPrefix(line(t, frame, label), "!"); got != bad {
			t.Errorf("%s marked %v, want %v:\n%s", label, got, bad, frame)
		}
	}
	hot := fixture.Host(fixture.Now().Add(2*time.Second), 20, 0)
	hot.CPU.Total.Busy = 95
	hot.Memory.SwapUsed = 0
	hot.Load.Load1 = 20 // 2.5 per core
	tab.Update(fixture.HostUpdate(hot))
	frame = tab.View(ctx)
	for label, bad := range map[string]bool{"CPU": true, "Swap": false, "Load": true} {
		if got := strings.HasPrefix(line(t, frame, label), "!"); got != bad {
			t.Errorf("%s marked %v, want %v", label, got, bad)
		}
	}
	ctx.Thresholds.FilesystemPercent = 95
	if strings.HasPrefix(line(t, tab.View(ctx), "Disk"), "!") {
		t.Error("a configured threshold of 95% still flags a 93% filesystem")
	}
}

func TestHistoryOnePointPerSnapshot(t *testing.T) {
	tab := New(nil)
	u := fixture.HostUpdate(fixture.Host(fixture.Now(), 20, 0))
	tab.Update(u)
	tab.Update(u) // the hub repeats the last good snapshot after a failed poll
	if n := tab.cpu.Len(); n != 1 {
		t.Errorf("%d samples from one snapshot", n)
	}
	// Older snapshots (a late update) add nothing either.
	for _, up := range fixture.HostSeries(5, 20) {
		tab.Update(up)
	}
	if n := tab.cpu.Len(); n != 1 {
		t.Errorf("%d samples after replaying older polls", n)
	}
	fresh := New(nil)
	for _, up := range fixture.HostSeries(5, 20) {
		fresh.Update(up)
	}
	if n := fresh.cpu.Len(); n != 5 {
		t.Errorf("%d samples after five polls", n)
	}
}

func TestTopFive(t *testing.T) {
	tab := New(nil)
	tab.Update(fixture.HostUpdate(fixture.Host(fixture.Now(), 500, 0)))
	frame := tab.View(testCtx(120, 40))
	for _, pid := range []string{"3100", "4711", "4712"} {
		if !strings.Contains(frame, " "+pid+" ") {
			t.Errorf("top processes lack %s", pid)
		}
	}
	if len(tab.top) != topN {
		t.Errorf("%d top processes", len(tab.top))
	}
}

func TestWaitingAndBoxes(t *testing.T) {
	tab := New(nil)
	ctx := testCtx(80, 21)
	ctx.Summaries = []view.Summarizer{fakeSummary{"Postgres", "main: unreachable"}, fakeSummary{"Docker", "not configured"}}
	frame := tab.View(ctx)
	for _, want := range []string{"waiting for the first poll", "Postgres", "main: unreachable", "Docker", "not configured"} {
		if !strings.Contains(frame, want) {
			t.Errorf("frame lacks %q:\n%s", want, frame)
		}
	}
	if n := len(strings.Split(frame, "\n")); n > 21 {
		t.Errorf("%d lines for a 21-line body", n)
	}
}

type fakeSummary struct{ title, body string }

func (f fakeSummary) SummaryTitle() string                    { return f.title }
func (f fakeSummary) Summary(_ view.Context, _, _ int) string { return f.body }

// The host's poll failed: its figures stay, dimmed, under an "as of"
// title, and the styles mark them as history rather than live.
func TestHostFiguresAsHistory(t *testing.T) {
	tab := New(nil)
	ctx := testCtx(100, 30)
	s := fixture.Host(fixture.Now(), 20, 0)
	u := fixture.HostUpdate(s)
	tab.Update(u)
	if frame := tab.View(ctx); strings.Contains(frame, "as of") {
		t.Fatalf("live figures labelled as history:\n%s", frame)
	}
	u.PolledAt, u.Err, u.Failures = s.Taken.Add(2*time.Second), errors.New("host: read /proc/stat: input/output error"), 1
	tab.Update(u)
	ctx.Now = u.PolledAt
	frame := tab.View(ctx)
	if !strings.Contains(frame, "as of "+s.Taken.Format("15:04:05")+" · the host's figures are not live") {
		t.Errorf("no as-of title:\n%s", frame)
	}
	cctx := ctx
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.ANSI)
	cctx.Styles = theme.Default().Styles(r)
	if want := cctx.Styles.History.Render(line(t, frame, "Memory")); !strings.Contains(tab.View(cctx), want) {
		t.Errorf("the Memory line is not drawn in the history style %q:\n%q", want, tab.View(cctx))
	}
}

// TestHeadLinesCountsWhatIsDrawn: headLines, which sizes the boxes before
// anything is drawn, is the number of lines draw puts above them — before
// the first poll, with a few processes and with many.
func TestHeadLinesCountsWhatIsDrawn(t *testing.T) {
	ctx := testCtx(120, 40)
	for _, nprocs := range []int{-1, 2, 300} {
		tab := New(nil)
		if nprocs >= 0 {
			tab.Update(fixture.HostUpdate(fixture.Host(fixture.Now(), nprocs, 0)))
		}
		body := tab.draw(ctx, nil).body
		if got, want := tab.headLines(), len(strings.Split(body, "\n")); got != want {
			t.Errorf("%d processes: headLines %d, draw drew %d lines:\n%s", nprocs, got, want, body)
		}
	}
}

// TestHistoryKeyFollowsSamples: the sparklines' part of the frame key
// changes with every sample recorded, and only then.
func TestHistoryKeyFollowsSamples(t *testing.T) {
	frames := view.NewFrameCache(view.DefaultFrames)
	tab := New(nil)
	tab.Update(fixture.HostUpdate(fixture.Host(fixture.Now(), 20, 0)))
	k1 := tab.historyKey(frames)
	if tab.historyKey(frames) != k1 {
		t.Fatal("the key moved without a new sample")
	}
	tab.Update(fixture.HostUpdate(fixture.Host(fixture.Now().Add(2*time.Second), 20, 1)))
	if tab.historyKey(frames) == k1 {
		t.Error("a recorded sample left the key as it was: sessions with other sparklines would share frames")
	}
}

// TestSharedHistory: Overviews sharing a History (the sessions of serve)
// draw the same sparklines: one that joins late shows the samples recorded
// before it; one that lags shows those up to its own snapshot only, not
// the newer samples others recorded; one with its own History does not see
// them.
func TestSharedHistory(t *testing.T) {
	ctx := testCtx(120, 40)
	hist := NewHistory()
	early, own := New(hist), New(nil)
	series := fixture.HostSeries(40, 20)
	for _, u := range series {
		early.Update(u)
	}
	own.Update(series[len(series)-1])
	late := New(hist)
	late.Update(series[len(series)-1])
	if got, want := late.View(ctx), early.View(ctx); got != want {
		t.Errorf("a late Overview draws other sparklines than the early one:\n%s\n--- early:\n%s", got, want)
	}
	if own.View(ctx) == early.View(ctx) {
		t.Error("an Overview with a History of its own drew the samples of another")
	}
	lagging := New(hist)
	next := fixture.HostUpdate(fixture.Host(fixture.Now().Add(fixture.Interval), 20, 40))
	early.Update(next) // records a newer sample first
	lagging.Update(series[len(series)-1])
	if got, want := lagging.View(ctx), late.View(ctx); got != want {
		t.Errorf("a lagging Overview draws the newer sample another recorded:\n%s\n--- at its snapshot:\n%s", got, want)
	}
	if early.cpu.Len() != 41 || lagging.cpu.Len() != 40 {
		t.Errorf("samples drawn: %d by the Overview at the newest snapshot (want 41), %d by the lagging one (want 40)", early.cpu.Len(), lagging.cpu.Len())
	}
}

// TestHistoryKeepsTheNewest: past its room a History drops its oldest
// samples and an Overview still draws the newest historyLen.
func TestHistoryKeepsTheNewest(t *testing.T) {
	hist := NewHistory()
	tab := New(hist)
	const n = 2*(historyLen+historySlack) + 5
	var last *hs.Snapshot
	for i := range n {
		last = fixture.Host(fixture.Now().Add(time.Duration(i)*time.Second), 2, i)
		last.Load.Load1 = float64(i)
		tab.Update(fixture.HostUpdate(last))
	}
	if len(hist.taken) > 2*(historyLen+historySlack) {
		t.Errorf("the History holds %d samples, more than its room", len(hist.taken))
	}
	if tab.load.Len() != historyLen || tab.load.Last() != float64(n-1) || tab.load.At(0) != float64(n-historyLen) {
		t.Errorf("drawn: %d samples from %v to %v, want %d from %d to %d", tab.load.Len(), tab.load.At(0), tab.load.Last(), historyLen, n-historyLen, n-1)
	}
}
