package ui

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/stacktop/stacktop/actions"
	"github.com/stacktop/stacktop/actions/actionstest"
	hostact "github.com/stacktop/stacktop/actions/host"
	pga "github.com/stacktop/stacktop/actions/postgres"
	"github.com/stacktop/stacktop/collectors"
	"github.com/stacktop/stacktop/ui/backups"
	"github.com/stacktop/stacktop/ui/format"
	"github.com/stacktop/stacktop/ui/internal/fixture"
	"github.com/stacktop/stacktop/ui/view"
)

// newActionModel is newFedModel with a real Runner (read-only or not,
// with a throwaway audit log) and the real host action kinds.
func newActionModel(t *testing.T, w, h int, readOnly bool) (*model, string) {
	t.Helper()
	runner, audit := actionstest.NewRunner(t, actions.RunnerOptions{ReadOnly: readOnly})
	reg, err := actions.NewRegistry(hostact.Kinds(hostact.Options{TermWait: 20 * time.Second})...)
	if err != nil {
		t.Fatal(err)
	}
	m := newModel(t.Context(), Options{ReadOnly: readOnly, Now: fixture.Now, Runner: runner, Registry: reg}, asciiStyles(), nil)
	send(m, tea.WindowSizeMsg{Width: w, Height: h})
	send(m, hubMsg(fixture.HostSeries(150, 300)))
	send(m, hubMsg(otherSources(fixture.Now())))
	return m, audit
}

// deliver types s like keys does, and hands any action request a key
// produced to the root, as the program would.
func deliver(m *model, s string) (requests int) {
	for _, k := range splitKeys(s) {
		_, cmd := m.Update(k)
		if cmd == nil {
			continue
		}
		if req, ok := cmd().(view.ActionRequest); ok {
			requests++
			m.Update(req)
		}
	}
	return requests
}

// TestActionGolden records the confirmation dialogs (a yes for TERM, the
// typed name for KILL, a wrong name), the outcome on the status line, and
// the help overlay in read-only mode. Regenerate with
// `go test ./ui -run TestActionGolden -update`; read every file.
func TestActionGolden(t *testing.T) {
	screens := []struct {
		name     string
		readOnly bool
		keys     string
	}{
		{"confirm_yes_no", false, "2T"},
		{"confirm_typed_name", false, "2K31"},
		{"confirm_typed_wrong", false, "2K310<enter>"},
		{"declined_status", false, "2Tn"},
		{"help_read_only", true, "2?"},
		{"host_read_only", true, "2"},
	}
	for _, sc := range screens {
		for _, size := range [][2]int{{100, 30}} {
			name := sc.name + "_" + strconv.Itoa(size[0]) + "x" + strconv.Itoa(size[1])
			t.Run(name, func(t *testing.T) {
				m, _ := newActionModel(t, size[0], size[1], sc.readOnly)
				deliver(m, sc.keys)
				frame := m.View()
				checkFrame(t, frame, size[0], size[1])
				golden.RequireEqual(t, []byte(frame))
			})
		}
	}
}

// TestReadOnlyActionKeysDoNothing: under --read-only the TERM and KILL keys
// produce no request and no dialog, nothing reaches the audit log, and help
// does not offer them; without read-only the same keys open the dialog.
func TestReadOnlyActionKeysDoNothing(t *testing.T) {
	m, audit := newActionModel(t, 100, 30, true)
	before := m.View()
	for _, k := range []string{"2T", "K", "T"} {
		if n := deliver(m, k); n != 0 {
			t.Errorf("read-only: %q produced %d action requests", k, n)
		}
		if m.flow.active() {
			t.Fatalf("read-only: %q opened the action flow", k)
		}
	}
	if strings.Contains(m.View(), "Confirm") {
		t.Error("read-only: a confirmation dialog is on screen")
	}
	deliver(m, "?")
	help := m.View()
	for _, word := range []string{"terminate", "kill"} {
		if strings.Contains(strings.ToLower(help), word) {
			t.Errorf("read-only help offers %q", word)
		}
	}
	if recs := actionstest.ReadAudit(t, audit); len(recs) != 0 {
		t.Errorf("read-only keys wrote %d audit lines", len(recs))
	}
	_ = before

	rw, _ := newActionModel(t, 100, 30, false)
	deliver(rw, "2?")
	if h := rw.View(); !strings.Contains(h, "terminate (TERM)") || !strings.Contains(h, "kill (KILL)") {
		t.Errorf("help without read-only does not offer TERM and KILL:\n%s", h)
	}
	deliver(rw, "?T")
	if !rw.flow.active() || !strings.Contains(rw.View(), "Confirm: Terminate (TERM)") {
		t.Errorf("T without read-only did not open the confirmation:\n%s", rw.View())
	}
}

// TestRefusedRequestIsAudited: a request that reaches the root despite
// read-only (a tab that forgot to disable its key) is refused by the
// Runner, audited, and reported on the status line — never run.
func TestRefusedRequestIsAudited(t *testing.T) {
	m, audit := newActionModel(t, 100, 30, true)
	d := newDriver(t, m)
	target := hostact.ProcessTarget("local", 3100, "java", fixture.Now().Add(-5*time.Hour))
	d.send(view.ActionRequest{Kind: hostact.KillID, Target: target})
	d.until("the refusal on the status line", func() bool { return strings.Contains(m.View(), "refused") })
	if m.flow.active() {
		t.Error("a refused action left a dialog open")
	}
	recs := actionstest.ReadAudit(t, audit)
	if len(recs) != 1 || recs[0].Outcome != actions.OutcomeRefusedReadOnly {
		t.Errorf("audit %+v, want one refused_read_only line", recs)
	}
}

// TestEscCancelsRunningAction runs a real TERM through the dialog on a real
// process that ignores SIGTERM: the progress dialog shows the action
// waiting, esc cancels it, the status line says so and the audit log
// records the attempt as cancelled.
func TestEscCancelsRunningAction(t *testing.T) {
	cmd := exec.Command("sh", "-c", `trap "" TERM; while :; do sleep 0.05; done`)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); _ = cmd.Wait() })
	time.Sleep(100 * time.Millisecond) // let sh install its trap
	target, err := hostact.LookupTarget("/proc", "local", cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}

	m, audit := newActionModel(t, 100, 30, false)
	d := newDriver(t, m)
	d.send(view.ActionRequest{Kind: hostact.TermID, Target: target})
	if !strings.Contains(m.View(), "Confirm: Terminate (TERM)") {
		t.Fatalf("no confirmation dialog:\n%s", m.View())
	}
	d.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("y")})
	d.until("the progress dialog with the action's progress", func() bool {
		v := m.View()
		return strings.Contains(v, "Running: Terminate (TERM)") && strings.Contains(v, "waiting for process")
	})
	d.send(tea.KeyMsg{Type: tea.KeyEsc})
	if !strings.Contains(m.View(), "cancelling") {
		t.Errorf("esc did not show the action stopping:\n%s", m.View())
	}
	d.until("the cancellation on the status line", func() bool { return !m.flow.active() })
	if v := m.View(); !strings.Contains(v, "cancelled") {
		t.Errorf("status line does not say cancelled:\n%s", v[strings.LastIndex(v, "\n")+1:])
	}
	if err := syscall.Kill(cmd.Process.Pid, 0); err != nil {
		t.Errorf("the process is gone, but TERM was ignored and the wait cancelled: %v", err)
	}
	recs := actionstest.ReadAudit(t, audit)
	if len(recs) != 1 || recs[0].Outcome != actions.OutcomeCancelled || recs[0].Action != hostact.TermID {
		t.Errorf("audit %+v, want one cancelled host.term line", recs)
	}
}

// driver runs the model's commands on goroutines and feeds their messages
// back, like a program without a terminal.
type driver struct {
	t    *testing.T
	m    *model
	msgs chan tea.Msg
}

func newDriver(t *testing.T, m *model) *driver {
	return &driver{t: t, m: m, msgs: make(chan tea.Msg, 64)}
}

func (d *driver) exec(cmd tea.Cmd) {
	if cmd != nil {
		go func() { d.msgs <- cmd() }()
	}
}

func (d *driver) send(msg tea.Msg) {
	switch msg := msg.(type) {
	case nil:
	case tea.BatchMsg:
		for _, c := range msg {
			d.exec(c)
		}
	default:
		_, cmd := d.m.Update(msg)
		d.exec(cmd)
	}
}

// until feeds messages until cond holds, failing after 10 s.
func (d *driver) until(what string, cond func() bool) {
	d.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for !cond() {
		select {
		case msg := <-d.msgs:
			d.send(msg)
		case <-ctx.Done():
			d.t.Fatalf("timed out waiting for %s; screen:\n%s", what, d.m.View())
		}
	}
}

// TestExplainOpensPlanView: an action whose output is a plan opens the
// plan view; its s saves the plan through the Runner (postgres.save_plan,
// audited, even under read-only) and the view names the files; esc closes
// it back to the tab, with the outcome on the status line.
func TestExplainOpensPlanView(t *testing.T) {
	runner, audit := actionstest.NewRunner(t, actions.RunnerOptions{ReadOnly: true})
	raw := `[{"Plan": {"Node Type": "Seq Scan", "Relation Name": "orders", "Plan Rows": 10, "Actual Rows": 12, "Actual Total Time": 1.5, "Actual Loops": 1}, "Execution Time": 1.6}]`
	root := &pga.Node{Type: "Seq Scan", Relation: "orders", EstRows: 10, ActualRows: 12, ActualMS: 1.5, Loops: 1}
	p := &pga.Plan{Analyzed: true, Root: root, ExecutionMS: 1.6, Query: "SELECT * FROM orders", JSON: []byte(raw)}
	p.Derive()
	dir := filepath.Join(t.TempDir(), "plans")
	kinds := []actions.Kind{{ID: "test.explain", Title: "EXPLAIN", Risk: actions.Read, TargetKind: collectors.KindPostgres,
		New: func(tg actions.Target, _ actions.Params) (actions.Action, error) {
			return actions.Action{ID: "test.explain", Title: "EXPLAIN", Risk: actions.Read, Target: tg, Description: "Plan it.",
				Run:    func(context.Context, func(actions.Progress)) error { return nil },
				Output: func() any { return p }}, nil
		}}}
	for _, k := range pga.Kinds(pga.Options{PlanDir: dir}) {
		if k.ID == pga.SavePlanID {
			kinds = append(kinds, k)
		}
	}
	reg, err := actions.NewRegistry(kinds...)
	if err != nil {
		t.Fatal(err)
	}
	m := newModel(t.Context(), Options{Now: fixture.Now, Runner: runner, Registry: reg}, asciiStyles(), nil)
	send(m, tea.WindowSizeMsg{Width: 120, Height: 30})
	d := newDriver(t, m)
	d.send(view.ActionRequest{Kind: "test.explain", Target: actions.Target{Kind: collectors.KindPostgres, Source: "main"}})
	d.until("the plan view", func() bool { return strings.Contains(m.View(), "EXPLAIN on postgres:main") })
	if v := m.View(); !strings.Contains(v, "Seq Scan on orders") || !strings.Contains(v, "s save text+json") {
		t.Errorf("plan view lacks the node or the save key:\n%s", v)
	}
	// ? lists the plan view's keys; esc closes that list, not the plan.
	d.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{'?'}})
	if v := m.View(); !strings.Contains(v, "Keys — plan") || !strings.Contains(v, "page down") {
		t.Errorf("? in the plan view shows no keys:\n%s", v)
	}
	d.send(tea.KeyMsg{Type: tea.KeyEsc})
	if v := m.View(); strings.Contains(v, "Keys — plan") || !strings.Contains(v, "Seq Scan on orders") {
		t.Errorf("esc did not close the keys back to the plan:\n%s", v)
	}
	d.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{'s'}})
	text := filepath.Join(dir, "plan-main-"+fixture.Now().Format("20060102-150405")+".txt")
	d.until("the save's outcome", func() bool { return strings.Contains(m.View(), "saved "+text) })
	if b, err := os.ReadFile(text); err != nil || !strings.Contains(string(b), "Seq Scan on orders") || !strings.Contains(string(b), "SELECT * FROM orders") {
		t.Errorf("saved text: %v\n%s", err, b)
	}
	recs := actionstest.ReadAudit(t, audit)
	if len(recs) != 2 || recs[1].Action != pga.SavePlanID || recs[1].Outcome != actions.OutcomeOK || recs[1].Target.Source != "main" {
		t.Errorf("audit %+v, want the EXPLAIN then one ok postgres.save_plan", recs)
	}
	if !m.flow.active() || m.flow.stage != stagePlan {
		t.Error("saving left the plan view")
	}
	d.send(tea.KeyMsg{Type: tea.KeyEsc})
	if m.flow.active() || !strings.Contains(m.View(), "✓ EXPLAIN on postgres:main: done") {
		t.Errorf("esc did not close the plan view back to the tab with the outcome:\n%s", m.View())
	}
}

// TestBackupListThroughRoot: a tab's BackupsRequest opens the list, which
// shows "listing…" until the listing (run in a command) arrives.
func TestBackupListThroughRoot(t *testing.T) {
	release := make(chan struct{})
	list := func(ctx context.Context, tg actions.Target, db string) ([]backups.Entry, error) {
		<-release
		return []backups.Entry{{File: "main-app-20261121T020000Z.dump", Database: db, Size: 1 << 20, Taken: fixture.Now().Add(-time.Hour)}}, nil
	}
	m := newModel(t.Context(), Options{Now: fixture.Now, ListBackups: list}, asciiStyles(), nil)
	send(m, tea.WindowSizeMsg{Width: 120, Height: 30})
	d := newDriver(t, m)
	d.send(view.BackupsRequest{Target: actions.Target{Kind: collectors.KindPostgres, Source: "main"}, Database: "app"})
	if v := m.View(); !strings.Contains(v, "Backups — postgres:main") || !strings.Contains(v, "listing…") {
		t.Errorf("the list did not open while listing:\n%s", v)
	}
	close(release)
	d.until("the listed backup", func() bool { return strings.Contains(m.View(), "1.0 MiB ok") })
	d.send(tea.KeyMsg{Type: tea.KeyEsc})
	if m.flow.active() {
		t.Error("esc did not close the backup list")
	}
}

// TestStatusLineExpires: the outcome stays on the status line for a while,
// then the help bar has the line to itself again.
func TestStatusLineExpires(t *testing.T) {
	m, _ := newActionModel(t, 100, 30, false)
	deliver(m, "2Tn")
	if last := lines(m.View())[29]; !strings.Contains(last, "not confirmed") {
		t.Fatalf("no outcome on the status line: %q", last)
	}
	m.now = func() time.Time { return fixture.Now().Add(infoTTL + time.Second) }
	send(m, tickMsg{})
	if last := lines(m.View())[29]; strings.Contains(last, "not confirmed") {
		t.Errorf("the outcome outlived its time: %q", last)
	}
}

// TestSessionReadOnlyToggle: ctrl+r switches this session to read-only —
// badge on, TERM and KILL gone from help and dead — and back.
func TestSessionReadOnlyToggle(t *testing.T) {
	m, audit := newActionModel(t, 100, 30, false)
	deliver(m, "2")
	m.Update(tea.KeyMsg{Type: tea.KeyCtrlR})
	if v := m.View(); !strings.Contains(lines(v)[0], "READ-ONLY") || strings.Contains(v, "terminate") {
		t.Errorf("session read-only: no badge, or TERM still offered:\n%s", v)
	}
	if n := deliver(m, "TK"); n != 0 || m.flow.active() {
		t.Errorf("session read-only: keys made %d requests", n)
	}
	m.Update(tea.KeyMsg{Type: tea.KeyCtrlR})
	if v := m.View(); strings.Contains(lines(v)[0], "READ-ONLY") {
		t.Errorf("read-only still shown after switching it off:\n%s", v)
	}
	if n := deliver(m, "T"); n != 1 || !m.flow.active() {
		t.Errorf("after switching read-only off, T made %d requests", n)
	}
	if recs := actionstest.ReadAudit(t, audit); len(recs) != 0 {
		t.Errorf("%d audit lines, want none (nothing was attempted)", len(recs))
	}
	ro, _ := newActionModel(t, 100, 30, true)
	deliver(ro, "2?")
	if strings.Contains(ro.View(), "ctrl+r") {
		t.Error("under global read-only, help offers ctrl+r although it cannot lift it")
	}
}

// TestRunningGolden records the progress dialog of a long action (a backup
// part-way, then being cancelled). Regenerate with -update; read the files.
func TestRunningGolden(t *testing.T) {
	for _, stopping := range []bool{false, true} {
		name := "running_100x30"
		if stopping {
			name = "cancelling_100x30"
		}
		t.Run(name, func(t *testing.T) {
			m, _ := newActionModel(t, 100, 30, false)
			a := actions.Action{ID: "postgres.backup", Title: "Backup (pg_dump)", Risk: actions.Mutating,
				Target:      actions.Target{Kind: collectors.KindPostgres, Source: "main", Object: "app"},
				Description: "Dump database app on main with pg_dump (custom format) into /var/backups/stacktop."}
			m.flow.stage, m.flow.pending = stageRunning, a
			m.flow.run = &running{id: 1, cancel: func() {}, started: fixture.Now().Add(-83 * time.Second), stopping: stopping,
				last: actions.Progress{Message: "dumping app to main-app-20261121T142842Z.dump", Done: 734_003_200, Unit: actions.ProgressBytes, Elapsed: 83 * time.Second}}
			frame := m.View()
			checkFrame(t, frame, 100, 30)
			golden.RequireEqual(t, []byte(frame))
		})
	}
}

// TestProgressAmount: bytes read as bytes ("700 MiB"), steps (VACUUM's
// heap blocks) as counts.
func TestProgressAmount(t *testing.T) {
	bytes := actions.Progress{Unit: actions.ProgressBytes}
	if got := progressAmount(bytes, 734_003_200); got != "700 MiB" {
		t.Errorf("bytes: %q", got)
	}
	if got, want := progressAmount(actions.Progress{}, 734_003_200), format.Count(734_003_200); got != want || strings.Contains(got, "B") {
		t.Errorf("steps: %q, want %q", got, want)
	}
}

// newExplainModel is a 100x30 root model whose registry has one read-only
// "test.explain" kind that does nothing but record in *got the Params the
// UI built it with.
func newExplainModel(t *testing.T, got *actions.Params) *model {
	t.Helper()
	runner, _ := actionstest.NewRunner(t, actions.RunnerOptions{})
	reg, err := actions.NewRegistry(actions.Kind{ID: "test.explain", Title: "EXPLAIN", Risk: actions.Read, TargetKind: collectors.KindPostgres,
		New: func(tg actions.Target, p actions.Params) (actions.Action, error) {
			*got = p
			return actions.Action{ID: "test.explain", Title: "EXPLAIN", Risk: actions.Read, Target: tg,
				Run: func(context.Context, func(actions.Progress)) error { return nil }}, nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	m := newModel(t.Context(), Options{Now: fixture.Now, Runner: runner, Registry: reg}, asciiStyles(), nil)
	send(m, tea.WindowSizeMsg{Width: 100, Height: 30})
	return m
}

// TestValuesPrompt: an EXPLAIN request that needs $n values asks for each
// in turn, then runs with them as a JSON array; esc gives up.
func TestValuesPrompt(t *testing.T) {
	var got actions.Params
	m := newExplainModel(t, &got)
	req := view.ActionRequest{Kind: "test.explain", Target: actions.Target{Kind: collectors.KindPostgres, Source: "main"},
		Params: actions.Params{"query": "SELECT * FROM orders WHERE id = $1 AND status = $2"}, AskValues: 2}
	send(m, req)
	keys(m, "42<enter>shipped")
	frame := m.View()
	checkFrame(t, frame, 100, 30)
	golden.RequireEqual(t, []byte(frame))
	d := newDriver(t, m)
	d.send(tea.KeyMsg{Type: tea.KeyEnter})
	d.until("the EXPLAIN to finish", func() bool { return !m.flow.active() })
	if got["args"] != `["42","shipped"]` || got["query"] != req.Params["query"] {
		t.Errorf("the action got params %v", got)
	}
	if req.Params["args"] != "" {
		t.Error("the tab's request params were modified")
	}
	send(m, req)
	keys(m, "1<esc>")
	if m.flow.active() || !strings.Contains(m.View(), "EXPLAIN not run") {
		t.Errorf("esc did not give up the prompt:\n%s", m.View())
	}
}

// TestTypedQuery: EXPLAIN of a typed statement asks for it, then for its
// $n values, then runs with both.
func TestTypedQuery(t *testing.T) {
	var got actions.Params
	m := newExplainModel(t, &got)
	send(m, view.ActionRequest{Kind: "test.explain", Target: actions.Target{Kind: collectors.KindPostgres, Source: "main"},
		Params: actions.Params{"database": "shop"}, AskQuery: true})
	keys(m, "SELECT * FROM t WHERE id = $1")
	frame := m.View()
	checkFrame(t, frame, 100, 30)
	golden.RequireEqual(t, []byte(frame))
	keys(m, "<enter>")
	if !strings.Contains(m.View(), "EXPLAIN: values for $1…$1") {
		t.Fatalf("no values prompt after a statement with $1:\n%s", m.View())
	}
	d := newDriver(t, m)
	keys(m, "7")
	d.send(tea.KeyMsg{Type: tea.KeyEnter})
	d.until("the EXPLAIN to finish", func() bool { return !m.flow.active() })
	if got["query"] != "SELECT * FROM t WHERE id = $1" || got["args"] != `["7"]` || got["database"] != "shop" {
		t.Errorf("the action got %v", got)
	}
}

// TestProtectedTargetAsksForTheName: on a protected target TERM, a yes
// action elsewhere, opens the typed-name dialog saying why; y does not
// confirm it, a wrong name is refused on screen, esc leaves nothing run
// and nothing audited.
func TestProtectedTargetAsksForTheName(t *testing.T) {
	prot, err := actions.ProtectedSources("host:local")
	if err != nil {
		t.Fatal(err)
	}
	runner, audit := actionstest.NewRunner(t, actions.RunnerOptions{ProtectedTarget: prot})
	reg, err := actions.NewRegistry(hostact.Kinds(hostact.Options{TermWait: 20 * time.Second})...)
	if err != nil {
		t.Fatal(err)
	}
	m := newModel(t.Context(), Options{Now: fixture.Now, Runner: runner, Registry: reg}, asciiStyles(), nil)
	send(m, tea.WindowSizeMsg{Width: 100, Height: 30})
	send(m, hubMsg(fixture.HostSeries(150, 300)))
	send(m, hubMsg(otherSources(fixture.Now())))
	deliver(m, "2T")
	frame := m.View()
	if !strings.Contains(frame, "Confirm: Terminate (TERM)") || !strings.Contains(frame, "Type 3100 to confirm") ||
		!strings.Contains(frame, "host:local is protected") || strings.Contains(frame, "Press y to confirm") {
		t.Fatalf("TERM on a protected target does not ask for the name:\n%s", frame)
	}
	deliver(m, "y<enter>")
	if !m.flow.active() || !strings.Contains(m.View(), "! that is not 3100") {
		t.Fatalf("y did not stay a typed, wrong name:\n%s", m.View())
	}
	deliver(m, "<esc>")
	if m.flow.active() {
		t.Fatal("esc did not close the dialog")
	}
	if recs := actionstest.ReadAudit(t, audit); len(recs) != 0 {
		t.Errorf("a declined dialog wrote %d audit lines", len(recs))
	}
}
