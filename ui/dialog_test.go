package ui

import (
	"context"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/stacktop/stacktop/actions"
	"github.com/stacktop/stacktop/actions/actionstest"
	dockeract "github.com/stacktop/stacktop/actions/docker"
	hostact "github.com/stacktop/stacktop/actions/host"
	pga "github.com/stacktop/stacktop/actions/postgres"
	"github.com/stacktop/stacktop/collectors"
	ds "github.com/stacktop/stacktop/collectors/docker"
	pg "github.com/stacktop/stacktop/collectors/postgres"
	"github.com/stacktop/stacktop/ui/backups"
	"github.com/stacktop/stacktop/ui/internal/fixture"
	"github.com/stacktop/stacktop/ui/view"
)

// PIDs of the Postgres fixture for the dialog tests.
const (
	pidBlocker = 4242 // active UPDATE, blocks two sessions
	pidReport  = 4250 // the longest query, a report with literals
)

func pgAge(d time.Duration) pg.Age { return pg.Age{D: d, Valid: true} }

// dialogPostgres is a primary where one session (pidBlocker, from a
// remote client) holds a row lock two others wait for, and a report runs
// for 12 minutes.
func dialogPostgres(now time.Time) *pg.Snapshot {
	client := func(pid int, user, app, state, query string, queryAge time.Duration) pg.Backend {
		return pg.Backend{PID: pid, User: user, Database: "shop", Application: app, ClientAddr: "172.18.0.5", ClientPort: 51700 + pid%100,
			BackendType: "client backend", State: state, Query: query,
			BackendAge: pgAge(3 * time.Hour), XactAge: pgAge(queryAge + time.Second), QueryAge: pgAge(queryAge), StateAge: pgAge(queryAge)}
	}
	rowLock := &pg.LockWait{LockType: "transactionid", Mode: "ShareLock", Relation: "accounts", TransactionID: "74211"}
	waiter := func(pid int, waited time.Duration) pg.Backend {
		b := client(pid, "app", "billing", pg.StateActive, "UPDATE accounts SET balance = balance + 1 WHERE id = 42", waited)
		b.WaitEventType, b.WaitEvent, b.BlockedBy, b.Lock = "Lock", "transactionid", []int{pidBlocker}, rowLock
		return b
	}
	acts := []pg.Backend{
		client(pidBlocker, "alice", "billing-worker", pg.StateActive,
			"UPDATE accounts\n   SET balance = balance - 100\n WHERE id = 42 AND owner = 'alice@example.com'", 95*time.Second),
		waiter(4243, 80*time.Second),
		waiter(4244, 60*time.Second),
		client(pidReport, "reporter", "metabase", pg.StateActive,
			"SELECT date_trunc('day', created_at), count(*)\n  FROM events\n WHERE kind = 'checkout'\n GROUP BY 1", 12*time.Minute+3*time.Second),
	}
	s := &pg.Snapshot{Taken: now.Add(-time.Second), Target: "local",
		Server: pg.Server{ShortVersion: "15.8", VersionNum: 150008, Database: "shop", User: "stacktop", Privileged: true,
			ConnectionsMax: 100, StartedAt: now.Add(-72 * time.Hour), Uptime: 72*time.Hour - time.Second},
		Activity: acts,
		LockTree: []pg.LockNode{{PID: pidBlocker, BlockedCount: 2, LongestWait: 80 * time.Second, Blocking: []pg.LockNode{
			{PID: 4243, Lock: rowLock, Waiting: pgAge(80 * time.Second)},
			{PID: 4244, Lock: rowLock, Waiting: pgAge(60 * time.Second)},
		}}},
	}
	pg.CountConnections(&s.Server, acts)
	return s
}

// dialogDocker is a Docker host with one running compose service (web)
// and one container outside compose that has exited.
func dialogDocker(now time.Time) *ds.Snapshot {
	web := ds.Container{ID: strings.Repeat("ab", 32), Name: "web", Image: "shop/web:1.4", ComposeProject: "shop", ComposeService: "web",
		State: "running", Status: "Up", Created: now.Add(-26 * time.Hour), StartedAt: now.Add(-(2*time.Hour + 3*time.Minute)),
		Labels: map[string]string{"com.docker.compose.project": "shop", "com.docker.compose.service": "web"}}
	return &ds.Snapshot{Taken: now, Host: "unix:///var/run/docker.sock", EngineVersion: "27.5.1", APIVersion: "1.47", Cores: 8,
		Containers: []ds.Container{web}, Stream: ds.StreamStatus{Connected: true}}
}

// dialogUpdates are the two fixtures as the hub publishes them.
func dialogUpdates(now time.Time) hubMsg {
	p, d := dialogPostgres(now), dialogDocker(now)
	return hubMsg{
		{Source: pgID, Snapshot: p, LastGood: p.Taken, PolledAt: p.Taken, Interval: fixture.Interval},
		{Source: dockerID, Snapshot: d, LastGood: d.Taken, PolledAt: d.Taken, Interval: fixture.Interval},
	}
}

// newDialogModel is a w×h root model with the real Postgres and Docker
// action kinds (nothing is run: only the dialogs are looked at, unless
// extra replaces a kind), a real Runner, and the dialog fixtures.
func newDialogModel(t *testing.T, w, h int, readOnly, redact bool, extra ...actions.Kind) (*model, string) {
	t.Helper()
	runner, audit := actionstest.NewRunner(t, actions.RunnerOptions{ReadOnly: readOnly})
	kinds := pga.Kinds(pga.Options{DSNs: map[string]string{"local": "postgres://stacktop@127.0.0.1:1/shop"}, BackupDir: t.TempDir()})
	kinds = append(kinds, hostact.Kinds(hostact.Options{})...)
	kinds = append(kinds, dockeract.Kinds(dockeract.Options{DockerCLI: "docker", BackupDir: t.TempDir()})...)
	for _, x := range extra {
		kinds = slices.DeleteFunc(kinds, func(k actions.Kind) bool { return k.ID == x.ID })
		kinds = append(kinds, x)
	}
	reg, err := actions.NewRegistry(kinds...)
	if err != nil {
		t.Fatal(err)
	}
	m := newModel(t.Context(), Options{ReadOnly: readOnly, Redact: redact, Now: fixture.Now, Runner: runner, Registry: reg}, asciiStyles(), nil)
	send(m, tea.WindowSizeMsg{Width: w, Height: h})
	send(m, hubMsg(fixture.HostSeries(3, 20)))
	send(m, dialogUpdates(fixture.Now()))
	return m, audit
}

// pressKeys types s like keys does and feeds back what the commands the keys
// return produce right away (action requests, refusals), as the program
// would; it returns how many action requests there were.
func pressKeys(m *model, s string) (requests int) {
	for _, k := range splitKeys(s) {
		_, cmd := m.Update(k)
		for _, msg := range immediate(cmd) {
			if _, ok := msg.(view.ActionRequest); ok {
				requests++
			}
			switch msg.(type) {
			case view.ActionRequest, view.RefusedMsg, view.BackupsRequest:
				m.Update(msg)
			}
		}
	}
	return requests
}

// immediate runs cmd (and a batch's commands) for the messages the tabs'
// own quick commands produce; it never runs a command that could block
// (textinput's cursor blink is the only kind a key returns here).
func immediate(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	switch msg := cmd().(type) {
	case tea.BatchMsg:
		var out []tea.Msg
		for _, c := range msg {
			out = append(out, immediate(c)...)
		}
		return out
	case nil:
		return nil
	default:
		return []tea.Msg{msg}
	}
}

// TestConfirmContextGolden records the confirmation dialogs with what
// they will hit, built by the real tabs from fixture snapshots: a
// Postgres backend (user, application, client, state, query start, query,
// the sessions it blocks), the same redacted under --redact, a container
// (image, compose service, uptime), and EXPLAIN ANALYZE (the statement).
// Regenerate with `go test ./ui -run TestConfirmContextGolden -update`;
// read every file.
func TestConfirmContextGolden(t *testing.T) {
	screens := []struct {
		name   string
		redact bool
		keys   string
		w, h   int
		want   []string
	}{
		{"cancel_backend", false, "3lc", 100, 30, []string{"Confirm: Cancel query", "alice", "billing-worker", "172.18.0.5",
			"active", "14:28:29 (1m35s ago)", "UPDATE accounts SET balance = balance - 100", "2 sessions wait behind it"}},
		{"cancel_backend", false, "3lc", 80, 24, []string{"Confirm: Cancel query", "2 sessions wait behind it"}},
		{"terminate_backend_redacted", true, "3lX", 100, 30, []string{"Confirm: Terminate backend", "alice", "billing-worker",
			"2 sessions wait behind it", "Type 4242"}},
		{"restart_container", false, "4jjR", 100, 30, []string{"Confirm: Restart", "shop/web:1.4", "web (project shop)", "running, up 2h03m"}},
		{"explain_analyze", false, "3aE", 100, 30, []string{"Confirm: EXPLAIN ANALYZE", "statement", "WHERE kind = 'checkout'"}},
		{"explain_analyze_redacted", true, "3aE", 100, 30, []string{"Confirm: EXPLAIN ANALYZE", "statement", "GROUP BY"}},
	}
	for _, sc := range screens {
		t.Run(sc.name+"_"+strconv.Itoa(sc.w)+"x"+strconv.Itoa(sc.h), func(t *testing.T) {
			m, _ := newDialogModel(t, sc.w, sc.h, false, sc.redact)
			if n := pressKeys(m, sc.keys); n != 1 {
				t.Fatalf("%q made %d action requests, want 1; screen:\n%s", sc.keys, n, m.View())
			}
			frame := m.View()
			checkFrame(t, frame, sc.w, sc.h)
			for _, w := range sc.want {
				if !strings.Contains(frame, w) {
					t.Errorf("the dialog lacks %q:\n%s", w, frame)
				}
			}
			if sc.redact {
				for _, leak := range []string{"172.18.0.5", "alice@example.com", "'checkout'", "'day'"} {
					if strings.Contains(frame, leak) {
						t.Errorf("--redact dialog shows %q:\n%s", leak, frame)
					}
				}
			}
			golden.RequireEqual(t, []byte(frame))
		})
	}
}

// bottom is the frame's last line: the status line, then the help bar.
func bottom(m *model) string {
	l := lines(m.View())
	return l[len(l)-1]
}

// TestRefusedKeysAnswer: under --demo (read-only, redacted) R on the
// Docker tab and b on the Postgres tab each answer with one status line
// naming the key and the reason, open no dialog, make no request and write
// no audit line; keys with nothing to act on say so.
func TestRefusedKeysAnswer(t *testing.T) {
	m, audit := newDialogModel(t, 120, 30, true, true)
	steps := []struct{ keys, want string }{
		{"4jjR", "read-only: restart is refused (stacktop runs with --read-only, --demo or read_only in the config)"},
		{"3b", "read-only: backup db is refused (stacktop runs with --read-only, --demo or read_only in the config)"},
		{"3lc", "read-only: cancel query is refused"},
		{"4kR", "restart: nothing selected — move to a container (j/k)"},
		{"3dV", "vacuum analyze: no table selected — pick one in tables (t)"},
		{"2T", "read-only: terminate (TERM) is refused"},
		{"4jjiR", "restart: actions work from the list — esc closes the pane"},
		{"<esc>S", "read-only: stop is refused"},
	}
	for _, s := range steps {
		if n := pressKeys(m, s.keys); n != 0 {
			t.Errorf("%q made %d action requests under --demo", s.keys, n)
		}
		if m.flow.active() {
			t.Fatalf("%q opened a dialog under --demo:\n%s", s.keys, m.View())
		}
		if got := bottom(m); !strings.Contains(got, s.want) {
			t.Errorf("after %q the status line is %q, want %q", s.keys, got, s.want)
		}
		if n := strings.Count(m.View(), s.want); n != 1 {
			t.Errorf("after %q the answer shows %d times, want once:\n%s", s.keys, n, m.View())
		}
	}
	if recs := actionstest.ReadAudit(t, audit); len(recs) != 0 {
		t.Errorf("refused keys wrote %d audit lines; a key not offered is no attempt", len(recs))
	}
	// Disabled keys stay out of help.
	pressKeys(m, "4jj?")
	if h := m.View(); strings.Contains(h, "restart") {
		t.Errorf("--demo help offers restart:\n%s", h)
	}
}

// fakeShell is docker.shell as far as the UI can tell (same id, risk and
// target kind), but its command is `true sh`: it exits at once, so the
// test sees what the user sees around a shell without a Docker engine.
func fakeShell(ran *atomic.Int32) actions.Kind {
	return actions.Kind{ID: dockeract.ShellID, Title: "Open a shell", Risk: actions.Mutating, TargetKind: collectors.KindDocker,
		New: func(tg actions.Target, _ actions.Params) (actions.Action, error) {
			return actions.Action{ID: dockeract.ShellID, Title: "Open a shell", Risk: actions.Mutating, Target: tg,
				Description: "Open an interactive sh in container " + tg.Object + " (docker exec -it).",
				Run:         func(context.Context, func(actions.Progress)) error { ran.Add(1); return nil },
				Output:      func() any { return exec.Command("true", "sh") }}, nil
		}}
}

// TestShellAsksFirst: E on a container asks (the dialog names it); n
// starts nothing; y hands the terminal over with the banner "sh in web ·
// exit to return" printed after the dashboard left the screen, and the
// dashboard comes back saying the shell closed.
func TestShellAsksFirst(t *testing.T) {
	// The real docker.shell kind: E asks, n does nothing.
	m, audit := newDialogModel(t, 100, 30, false, false)
	if n := pressKeys(m, "4jjE"); n != 1 {
		t.Fatalf("E made %d requests", n)
	}
	v := m.View()
	for _, w := range []string{"Confirm: Open a shell", "container web", "shop/web:1.4", "Press y to confirm"} {
		if !strings.Contains(v, w) {
			t.Errorf("the shell dialog lacks %q:\n%s", w, v)
		}
	}
	pressKeys(m, "n")
	if m.flow.active() || m.flow.run != nil {
		t.Fatal("n did not close the dialog, or started the shell")
	}
	if got := bottom(m); !strings.Contains(got, "Open a shell on container web: not confirmed — nothing was done") {
		t.Errorf("status after n: %q", got)
	}
	if recs := actionstest.ReadAudit(t, audit); len(recs) != 0 {
		t.Errorf("declining wrote %d audit lines", len(recs))
	}

	// y, in a running program on a fake terminal, with a shell that exits.
	var ran atomic.Int32
	m, _ = newDialogModel(t, 100, 30, false, false, fakeShell(&ran))
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var out lockedBuffer
	// A keyboard nobody types on, a file as a terminal's is: bubbletea
	// reads it again after the shell, and the shell gets it as its stdin.
	in, keyboard, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer keyboard.Close()
	defer in.Close()
	p := tea.NewProgram(m, tea.WithContext(ctx), tea.WithInput(in), tea.WithOutput(&out), tea.WithAltScreen(), tea.WithoutSignals())
	done := make(chan error, 1)
	go func() { _, err := p.Run(); done <- err }()
	p.Send(tea.WindowSizeMsg{Width: 100, Height: 30})
	for _, k := range splitKeys("4jjE") {
		p.Send(k)
	}
	waitOutput(t, &out, "Confirm: Open a shell")
	if ran.Load() != 0 {
		t.Fatal("the shell ran before the yes")
	}
	p.Send(splitKeys("y")[0])
	banner := "[stacktop] sh in web · exit to return"
	waitOutput(t, &out, banner)
	waitOutput(t, &out, "shell in container web closed")
	s := out.String()
	if leave := strings.LastIndex(s[:strings.Index(s, banner)], "\x1b[?1049l"); leave < 0 {
		t.Errorf("the banner was printed before the dashboard left the alternate screen")
	}
	p.Quit()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// waitOutput waits (at most 10 s) until the program has written want.
func waitOutput(t *testing.T, out *lockedBuffer, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("the terminal never showed %q; it shows:\n%q", want, tail(out.String()))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func tail(s string) string { return s[max(len(s)-3000, 0):] }

// TestStatusClears drives the model's clock: news leaves the status line
// after infoTTL; an error stays until errorTTL, or until a key pressed
// once it has been up errorSeen — not a key typed right after it.
func TestStatusClears(t *testing.T) {
	m, _ := newDialogModel(t, 120, 30, true, false)
	at := fixture.Now()
	m.now = func() time.Time { return at }
	m.flow.now = m.now
	tickAt := func(d time.Duration) { at = fixture.Now().Add(d); send(m, tickMsg{}) }

	m.flow.setStatus(false, "✓ done")
	tickAt(infoTTL - time.Second)
	if !strings.Contains(bottom(m), "✓ done") {
		t.Fatalf("news gone before its time: %q", bottom(m))
	}
	tickAt(infoTTL + time.Second)
	if strings.Contains(bottom(m), "✓ done") {
		t.Errorf("news still shown after %s: %q", infoTTL, bottom(m))
	}

	tickAt(0)
	pressKeys(m, "4jjR") // refused under read-only: an error line
	refusal := "read-only: restart is refused"
	tickAt(infoTTL + time.Second)
	if !strings.Contains(bottom(m), refusal) {
		t.Fatalf("the refusal left with the news' time: %q", bottom(m))
	}
	tickAt(errorTTL + time.Second)
	if strings.Contains(bottom(m), refusal) {
		t.Errorf("the refusal outlived %s: %q", errorTTL, bottom(m))
	}

	tickAt(0)
	pressKeys(m, "R")
	pressKeys(m, "k") // typed in the same breath: the line stays
	if !strings.Contains(bottom(m), refusal) {
		t.Fatalf("a key right after the refusal cleared it: %q", bottom(m))
	}
	at = fixture.Now().Add(errorSeen)
	pressKeys(m, "j")
	if strings.Contains(bottom(m), refusal) {
		t.Errorf("a key %s after the refusal did not clear it: %q", errorSeen, bottom(m))
	}
}

// TestBackupStatusNamesPath: a finished backup's status line gives the
// dump's full path, not only its file name.
func TestBackupStatusNamesPath(t *testing.T) {
	path := "/var/backups/stacktop/local-shop-20261121T143005Z.dump"
	backup := actions.Kind{ID: pga.BackupID, Title: "Backup (pg_dump)", Risk: actions.Mutating, TargetKind: collectors.KindPostgres,
		New: func(tg actions.Target, p actions.Params) (actions.Action, error) {
			return actions.Action{ID: pga.BackupID, Title: "Backup (pg_dump)", Risk: actions.Mutating, Target: tg,
				Run:    func(context.Context, func(actions.Progress)) error { return nil },
				Output: func() any { return pga.BackupResult{Path: path, Size: 3 << 20, Database: p["database"]} }}, nil
		}}
	m, _ := newDialogModel(t, 160, 30, false, false, backup)
	d := newDriver(t, m)
	for _, k := range splitKeys("3b") {
		d.send(k)
	}
	d.until("the backup's outcome", func() bool { return strings.Contains(bottom(m), "✓ backup of shop") })
	if got := bottom(m); !strings.Contains(got, "✓ backup of shop verified (3.0 MiB): "+path) {
		t.Errorf("status line %q lacks the full path", got)
	}
}

// TestHelpOverDialogs: ? opens help over the confirmation, the progress
// dialog and the backup list; the key that closes it goes no further (a y
// does not confirm).
func TestHelpOverDialogs(t *testing.T) {
	m, _ := newDialogModel(t, 100, 30, false, false)
	pressKeys(m, "3lc?")
	v := m.View()
	if !strings.Contains(v, "Keys — Confirm: Cancel query") || !strings.Contains(v, "y") || !strings.Contains(v, "confirm") {
		t.Fatalf("? over the confirmation shows no help:\n%s", v)
	}
	pressKeys(m, "y")
	if m.flow.stage != stageConfirming || m.flow.run != nil {
		t.Fatal("the y that closed help confirmed the action")
	}
	if !strings.Contains(m.View(), "Confirm: Cancel query") || strings.Contains(m.View(), "Keys —") {
		t.Errorf("help did not close back to the dialog:\n%s", m.View())
	}
	pressKeys(m, "n")

	m.flow.opts.ListBackups = func(context.Context, actions.Target, string) ([]backups.Entry, error) { return nil, nil }
	pressKeys(m, "B?")
	if v := m.View(); !strings.Contains(v, "Keys — Backups") || !strings.Contains(v, "close") {
		t.Errorf("? over the backup list shows no help:\n%s", v)
	}
	pressKeys(m, "?")
	if v := m.View(); !strings.Contains(v, "Backups — postgres:local") {
		t.Errorf("? did not close help back to the backup list:\n%s", v)
	}
}
