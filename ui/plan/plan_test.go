package plan

import (
	"errors"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/muesli/termenv"

	"github.com/stacktop/stacktop/actions"
	pga "github.com/stacktop/stacktop/actions/postgres"
	"github.com/stacktop/stacktop/collectors"
	"github.com/stacktop/stacktop/ui/internal/keytest"
	"github.com/stacktop/stacktop/ui/theme"
	"github.com/stacktop/stacktop/ui/view"
)

// TestGolden records the plan view. Regenerate with
// `go test ./ui/plan -update`; read the files before committing.
func TestGolden(t *testing.T) {
	t.Run("analyzed_160x48", func(t *testing.T) {
		m := New(analyzedPlan(), Options{Title: "EXPLAIN ANALYZE on pg:main", CanSave: true})
		golden.RequireEqual(t, []byte(m.View(testCtx(160, 48))))
	})
	t.Run("analyzed_redacted_100x30", func(t *testing.T) {
		m := New(analyzedPlan(), Options{Title: "EXPLAIN ANALYZE on pg:main", Redact: true})
		golden.RequireEqual(t, []byte(m.View(testCtx(100, 30))))
	})
	t.Run("plain_generic_80x21", func(t *testing.T) {
		m := New(plainPlan(), Options{Title: "EXPLAIN on pg:main"})
		golden.RequireEqual(t, []byte(m.View(testCtx(80, 21))))
	})
	t.Run("parallel_120x20", func(t *testing.T) {
		m := New(serverPlan(t, "parallel_seqscan.json", "SELECT * FROM big WHERE v = 5"), Options{Title: "EXPLAIN ANALYZE on pg:main"})
		golden.RequireEqual(t, []byte(m.View(testCtx(120, 20))))
	})
	t.Run("big_scrolled_160x48", func(t *testing.T) {
		m := New(bigPlan(500), Options{Title: "EXPLAIN ANALYZE on pg:main"})
		ctx := testCtx(160, 48)
		m.View(ctx)
		m.Update(keytest.Msg("pgdown"))
		m.Update(keytest.Msg("pgdown"))
		golden.RequireEqual(t, []byte(m.View(ctx)))
	})
}

// TestViewShowsWhatMatters checks the points a reader relies on, without
// depending on the exact layout: hot nodes marked, misestimates flagged,
// findings present, never-executed nodes named, and the frame's size.
func TestViewShowsWhatMatters(t *testing.T) {
	m := New(analyzedPlan(), Options{Title: "EXPLAIN ANALYZE on pg:main"})
	out := m.View(testCtx(160, 48))
	lines := strings.Split(out, "\n")
	if len(lines) != 48 {
		t.Errorf("%d lines, want 48", len(lines))
	}
	for i, l := range lines {
		if w := ansi.StringWidth(l); w > 160 {
			t.Errorf("line %d is %d cells wide", i+1, w)
		}
	}
	var seqLine, idxLine string
	for _, l := range lines {
		switch {
		case strings.Contains(l, "Seq Scan on public.orders o"):
			seqLine = l
		case strings.Contains(l, "Index Scan using customers_pkey"):
			idxLine = l
		}
	}
	if !strings.HasPrefix(seqLine, "!") || !strings.Contains(seqLine, "182.4 ms") {
		t.Errorf("the hot sequential scan is not marked hot with its self time: %q", seqLine)
	}
	if !strings.Contains(idxLine, "~100× more") || strings.HasPrefix(idxLine, "!") {
		t.Errorf("the 100× misestimate is not flagged (or the cheap node is marked hot): %q", idxLine)
	}
	for _, want := range []string{"Findings", "Sequential scan of orders", "Sort spilled", "never executed", "removed 100k", "hit 120 read 5400", "execution 241.3 ms"} {
		if !strings.Contains(out, want) {
			t.Errorf("view lacks %q", want)
		}
	}
}

// TestParallelPlan: a Gather over a Parallel Seq Scan, as a real server
// (PostgreSQL 15, two workers) reported it: the scan is labelled
// Parallel, the Gather shows its workers, and the scan's time is one
// process's (124.7 ms), under the Gather's 143.1 ms — not the three
// processes' sum (374 ms), which would exceed the whole query (143.6 ms).
func TestParallelPlan(t *testing.T) {
	m := New(serverPlan(t, "parallel_seqscan.json", "SELECT * FROM big WHERE v = 5"), Options{})
	lines := strings.Split(m.View(testCtx(160, 30)), "\n")
	var gather, scan, workers string
	for _, l := range lines {
		switch {
		case strings.HasSuffix(strings.TrimSpace(l), "Gather"):
			gather = l
		case strings.Contains(l, "Seq Scan on big"):
			scan = l
		case strings.Contains(l, "workers:"):
			workers = l
		}
	}
	if !strings.Contains(scan, "└─ Parallel Seq Scan on big") {
		t.Errorf("the scan is not labelled Parallel: %q", scan)
	}
	if !strings.Contains(workers, "workers: 2 planned, 2 launched") {
		t.Errorf("the Gather's workers are not shown: %q", workers)
	}
	// SELF and TOTAL of each: the scan 124.7 ms both, the Gather 18.4 ms
	// of its own and 143.1 ms in all.
	figures := func(l string) string {
		if f := strings.Fields(strings.TrimPrefix(l, "!")); len(f) >= 4 {
			return strings.Join(f[:4], " ")
		}
		return l
	}
	if !strings.HasPrefix(scan, "!") || figures(scan) != "124.7 ms 124.7 ms" {
		t.Errorf("scan row %q: want self and total 124.7 ms, marked hot (most of the query)", scan)
	}
	if figures(gather) != "18.4 ms 143.1 ms" {
		t.Errorf("Gather row %q: want self 18.4 ms, total 143.1 ms", gather)
	}
	if strings.Contains(strings.Join(lines, "\n"), "374") {
		t.Error("the view shows the processes' summed time")
	}
}

func TestRedactMasksLiterals(t *testing.T) {
	m := New(analyzedPlan(), Options{Redact: true})
	out := m.View(testCtx(160, 48))
	for _, secret := range []string{"shipped", "= 42"} {
		if strings.Contains(out, secret) {
			t.Errorf("redacted plan view shows %q", secret)
		}
	}
	if !strings.Contains(out, "status = ?") {
		t.Errorf("redacted view should keep the query's shape with placeholders")
	}
}

func TestScrollAndClose(t *testing.T) {
	m := New(bigPlan(500), Options{})
	ctx := testCtx(160, 48)
	first := m.View(ctx)
	m.Update(keytest.Msg("G"))
	last := m.View(ctx)
	status := last[strings.LastIndex(last, "\n")+1:]
	if first == last || !regexp.MustCompile(`^lines [1-9][0-9]*–([0-9]+) of ([0-9]+)$`).MatchString(status) ||
		!strings.HasSuffix(status, "837 of 837") {
		t.Errorf("G did not scroll to the end: %q", status)
	}
	if !strings.Contains(last, "└─ Index Scan using users_pkey on users u") {
		t.Errorf("the last partition's inner scan is not at the bottom")
	}
	m.Update(keytest.Msg("g"))
	if m.View(ctx) != first {
		t.Error("g did not scroll back to the top")
	}
	if closed, _ := m.Update(keytest.Msg("esc")); !closed {
		t.Error("esc did not close the view")
	}
}

// TestSaveAsksTheRunner: s does not write a file itself (ui does no I/O);
// it asks the root for the save action with the plan as the server gave
// it, says "saving…", and shows the outcome the root hands back.
func TestSaveAsksTheRunner(t *testing.T) {
	target := actions.Target{Kind: collectors.KindPostgres, Source: "main"}
	p := analyzedPlan()
	m := New(p, Options{Target: target, CanSave: true, SaveBase: "plan-main"})
	_, cmd := m.Update(keytest.Msg("s"))
	if cmd == nil {
		t.Fatal("s returned no command")
	}
	req, ok := cmd().(view.ActionRequest)
	if !ok || req.Kind != pga.SavePlanID || req.Target != target || req.Params["plan"] != string(p.JSON) ||
		req.Params["name"] != "plan-main" || req.Params["analyzed"] != "true" {
		t.Fatalf("s asked for %+v, want %s on %s with the plan's JSON", req, pga.SavePlanID, target)
	}
	status := func() string {
		out := m.View(testCtx(200, 30))
		return out[strings.LastIndex(out, "\n")+1:]
	}
	if !strings.Contains(status(), "saving…") {
		t.Errorf("no saving… while the save runs: %q", status())
	}
	if _, again := m.Update(keytest.Msg("s")); again != nil {
		t.Error("a second s asked again while the first save runs")
	}
	m.Saved(pga.SavedPlan{Text: "/state/plans/plan-main.txt", JSON: "/state/plans/plan-main.json"}, nil)
	if !strings.Contains(status(), "saved /state/plans/plan-main.txt and /state/plans/plan-main.json") {
		t.Errorf("status does not name the saved files: %q", status())
	}
	_, cmd = m.Update(keytest.Msg("s"))
	if cmd == nil {
		t.Fatal("s after a save returned no command")
	}
	m.Saved(pga.SavedPlan{}, errors.New("save plan: /state/plans/plan-main.txt exists — pick another name"))
	if !strings.Contains(status(), "! save plan:") || !strings.Contains(status(), "exists") {
		t.Errorf("a failed save is not reported: %q", status())
	}
}

func TestSaveDisabledWhenNotAllowed(t *testing.T) {
	m := New(analyzedPlan(), Options{})
	if _, cmd := m.Update(keytest.Msg("s")); cmd != nil {
		t.Error("s asked to save when the root did not allow it")
	}
	if strings.Contains(m.View(testCtx(160, 48)), "save") {
		t.Error("the view offers a save it cannot do")
	}
}

// TestHelpKey: ? shows the plan view's keys over the plan; ? or esc
// closes that, not the plan; esc then closes the plan.
func TestHelpKey(t *testing.T) {
	m := New(analyzedPlan(), Options{CanSave: true})
	ctx := testCtx(120, 30)
	plain := m.View(ctx)
	if closed, _ := m.Update(keytest.Msg("?")); closed {
		t.Fatal("? closed the plan")
	}
	out := m.View(ctx)
	for _, want := range []string{"Keys — plan", "save text+json", "page down", "bottom", "close"} {
		if !strings.Contains(out, want) {
			t.Errorf("help lacks %q:\n%s", want, out)
		}
	}
	if len(strings.Split(out, "\n")) != 30 {
		t.Errorf("help is %d lines, want the view's 30", len(strings.Split(out, "\n")))
	}
	if closed, _ := m.Update(keytest.Msg("esc")); closed || m.View(ctx) != plain {
		t.Errorf("esc on the help closed the plan (%v) or left the help up", closed)
	}
	m.Update(keytest.Msg("?"))
	m.Update(keytest.Msg("?"))
	if m.View(ctx) != plain {
		t.Error("a second ? did not close the help")
	}
	if closed, _ := m.Update(keytest.Msg("esc")); !closed {
		t.Error("esc did not close the plan after the help")
	}
}

// BenchmarkPlanView500 is the speed target: a 500-node plan opened and
// drawn at 160x48 in at most 5 ms (New plus the first View, the worst case:
// later frames reuse the wrapped header).
func BenchmarkPlanView500(b *testing.B) {
	p := bigPlan(500)
	for _, profile := range []termenv.Profile{termenv.Ascii, termenv.TrueColor} {
		ctx := testCtx(160, 48)
		r := lipgloss.NewRenderer(io.Discard)
		r.SetColorProfile(profile)
		ctx.Styles = theme.Default().Styles(r)
		name := map[termenv.Profile]string{termenv.Ascii: "ascii", termenv.TrueColor: "colour"}[profile]
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				m := New(p, Options{Title: "EXPLAIN ANALYZE"})
				m.offset = 200 // mid-tree, where prefixes are longest
				_ = m.View(ctx)
			}
		})
	}
}
