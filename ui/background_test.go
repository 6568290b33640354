package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/stacktop/stacktop/actions"
	"github.com/stacktop/stacktop/actions/actionstest"
	pga "github.com/stacktop/stacktop/actions/postgres"
	"github.com/stacktop/stacktop/collectors"
	"github.com/stacktop/stacktop/ui/internal/fixture"
	"github.com/stacktop/stacktop/ui/view"
)

// slowBackup is a test action kind shaped like a backup: it reports bytes
// written, then waits for release (or its context) before it ends; its
// output is a plan when plan is set, as an EXPLAIN's would be.
type slowBackup struct {
	release chan struct{}
	plan    *pga.Plan
}

func (s *slowBackup) kind() actions.Kind {
	return actions.Kind{ID: "test.backup", Title: "Backup", Risk: actions.Mutating, TargetKind: collectors.KindPostgres,
		New: func(tg actions.Target, _ actions.Params) (actions.Action, error) {
			a := actions.Action{ID: "test.backup", Title: "Backup", Risk: actions.Mutating, Target: tg, Description: "Dump it.",
				Run: func(ctx context.Context, progress func(actions.Progress)) error {
					progress(actions.Progress{Message: "dumping app", Done: 700 << 20, Unit: actions.ProgressBytes})
					select {
					case <-s.release:
						return nil
					case <-ctx.Done():
						return ctx.Err()
					}
				}}
			if s.plan != nil {
				a.Output = func() any { return s.plan }
			}
			return a, nil
		}}
}

// newBackgroundModel is the dashboard with host data and one slow action
// kind, and the audit log it writes.
func newBackgroundModel(t *testing.T, s *slowBackup) (*model, *driver, string) {
	t.Helper()
	runner, audit := actionstest.NewRunner(t, actions.RunnerOptions{})
	reg, err := actions.NewRegistry(s.kind())
	if err != nil {
		t.Fatal(err)
	}
	m := newModel(t.Context(), Options{Now: fixture.Now, Runner: runner, Registry: reg}, asciiStyles(), nil)
	send(m, tea.WindowSizeMsg{Width: 100, Height: 30})
	send(m, hubMsg(fixture.HostSeries(150, 300)))
	send(m, hubMsg(otherSources(fixture.Now())))
	return m, newDriver(t, m), audit
}

var backupTarget = actions.Target{Kind: collectors.KindPostgres, Source: "main", Object: "app"}

// press is the one key s names (see splitKeys).
func press(s string) tea.KeyMsg { return splitKeys(s)[0] }

// TestHideRunningAction: h hides the progress dialog and the dashboard is
// usable again while the action runs, its progress on the bottom line; a
// second action is refused until it ends; ! brings the dialog back, where
// esc still cancels it. One audit line, cancelled.
func TestHideRunningAction(t *testing.T) {
	s := &slowBackup{release: make(chan struct{})}
	m, d, audit := newBackgroundModel(t, s)
	d.send(view.ActionRequest{Kind: "test.backup", Target: backupTarget})
	d.until("the progress dialog", func() bool { return strings.Contains(m.View(), "dumping app") })
	if v := m.View(); !strings.Contains(v, "h to hide this and keep") || !strings.Contains(v, "h hide, keep it running") {
		t.Fatalf("the progress dialog does not offer h:\n%s", v)
	}

	d.send(press("h"))
	if m.flow.active() {
		t.Fatal("h left the dialog open")
	}
	d.send(press("2"))
	v := m.View()
	if !strings.Contains(v, "[2 Host]") || !strings.Contains(v, "PID") {
		t.Errorf("the dashboard is not usable while the action runs:\n%s", v)
	}
	last := lines(v)[29]
	if !strings.Contains(last, "⟳ Backup on app · 700 MiB") || !strings.Contains(last, "! running action") {
		t.Errorf("bottom line while running in the background: %q", last)
	}

	d.send(view.ActionRequest{Kind: "test.backup", Target: backupTarget})
	if m.flow.active() || !strings.Contains(lines(m.View())[29], "still running") {
		t.Errorf("a second action was not refused while one runs:\n%s", m.View())
	}

	d.send(press("!"))
	if !strings.Contains(m.View(), "Running: Backup") {
		t.Fatalf("! did not bring the progress dialog back:\n%s", m.View())
	}
	d.send(press("<esc>"))
	d.until("the cancellation", func() bool { return !m.flow.active() && m.flow.run == nil })
	if v := m.View(); !strings.Contains(v, "cancelled") || strings.Contains(v, "⟳") {
		t.Errorf("after esc: %s", lines(v)[29])
	}
	recs := actionstest.ReadAudit(t, audit)
	if len(recs) != 1 || recs[0].Outcome != actions.OutcomeCancelled {
		t.Errorf("audit %+v, want one cancelled line", recs)
	}
}

// TestQuitWhileRunningInBackground: the first q says what quitting would
// cancel; a second q quits. Another key in between disarms it.
func TestQuitWhileRunningInBackground(t *testing.T) {
	s := &slowBackup{release: make(chan struct{})}
	t.Cleanup(func() { close(s.release) })
	m, d, _ := newBackgroundModel(t, s)
	d.send(view.ActionRequest{Kind: "test.backup", Target: backupTarget})
	d.until("the progress dialog", func() bool { return strings.Contains(m.View(), "dumping app") })
	d.send(press("h"))

	quits := func() bool {
		_, cmd := m.Update(press("q"))
		if cmd == nil {
			return false
		}
		_, ok := cmd().(tea.QuitMsg)
		return ok
	}
	if quits() {
		t.Fatal("the first q quit with an action running")
	}
	if last := lines(m.View())[29]; !strings.Contains(last, "q again quits and cancels it") {
		t.Errorf("the first q did not say what quitting does: %q", last)
	}
	m.Update(press("j"))
	if quits() {
		t.Error("q after another key quit at once")
	}
	if !quits() {
		t.Error("a second q did not quit")
	}
}

// TestBackgroundPlanWaitsForBang: an EXPLAIN that finishes in the
// background does not pop its plan over the screen; the status line says
// it is ready and ! opens it.
func TestBackgroundPlanWaitsForBang(t *testing.T) {
	root := &pga.Node{Type: "Seq Scan", Relation: "orders", EstRows: 10, ActualRows: 12, ActualMS: 1.5, Loops: 1, TotalMS: 1.5, SelfMS: 1.5}
	s := &slowBackup{release: make(chan struct{}), plan: &pga.Plan{Analyzed: true, Root: root, Nodes: 1, ExecutionMS: 1.6, Query: "SELECT * FROM orders"}}
	m, d, _ := newBackgroundModel(t, s)
	d.send(view.ActionRequest{Kind: "test.backup", Target: backupTarget})
	d.until("the progress dialog", func() bool { return strings.Contains(m.View(), "dumping app") })
	d.send(press("h"))
	close(s.release)
	d.until("the plan ready", func() bool { return m.flow.run == nil })
	if m.flow.active() || !strings.Contains(lines(m.View())[29], "is ready — ! opens the plan") {
		t.Fatalf("a plan finished in the background took over the screen or was not announced:\n%s", m.View())
	}
	d.send(press("!"))
	if v := m.View(); !strings.Contains(v, "Seq Scan on orders") {
		t.Errorf("! did not open the plan:\n%s", v)
	}
	d.send(press("<esc>"))
	if m.flow.active() || m.flow.hasJob() {
		t.Error("the plan is still open or still offered after esc")
	}
}

// TestBackgroundGolden records the Host tab with a backup running in the
// background. Regenerate with `go test ./ui -run TestBackgroundGolden
// -update`; read the file.
func TestBackgroundGolden(t *testing.T) {
	m, _ := newActionModel(t, 100, 30, false)
	a := actions.Action{ID: "postgres.backup", Title: "Backup (pg_dump)", Risk: actions.Mutating, Target: backupTarget}
	m.flow.pending = a
	m.flow.run = &running{id: 1, cancel: func() {}, started: fixture.Now().Add(-83 * time.Second), background: true,
		last: actions.Progress{Message: "dumping app", Done: 734_003_200, Unit: actions.ProgressBytes, Elapsed: 83 * time.Second}}
	deliver(m, "2")
	frame := m.View()
	checkFrame(t, frame, 100, 30)
	golden.RequireEqual(t, []byte(frame))
}

// TestBackgroundLine: the bottom line's summary shows a share when the
// action reports a total, the amount otherwise, and says when it stops.
func TestBackgroundLine(t *testing.T) {
	f := &actionFlow{pending: actions.Action{Title: "VACUUM (ANALYZE)", Target: backupTarget}}
	now := fixture.Now()
	f.run = &running{started: now.Add(-90 * time.Second), background: true,
		last: actions.Progress{Done: 450, Total: 1000}}
	if got := f.backgroundLine(now); got != "⟳ VACUUM (ANALYZE) on app · 45.0% · 1m30s" {
		t.Errorf("with a total: %q", got)
	}
	f.run.last = actions.Progress{Done: 700 << 20, Unit: actions.ProgressBytes, Elapsed: 2 * time.Minute}
	if got := f.backgroundLine(now); got != "⟳ VACUUM (ANALYZE) on app · 700 MiB · 2m00s" {
		t.Errorf("without a total, the action's own elapsed ahead: %q", got)
	}
	f.run.stopping = true
	if got := f.backgroundLine(now); got != "⟳ VACUUM (ANALYZE) on app · cancelling · 2m00s" {
		t.Errorf("stopping: %q", got)
	}
	f.run.background = false
	if got := f.backgroundLine(now); got != "" {
		t.Errorf("in the foreground: %q", got)
	}
}
