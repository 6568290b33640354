package main

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stacktop/stacktop/actions"
	"github.com/stacktop/stacktop/actions/actionstest"
	"github.com/stacktop/stacktop/collectors/docker/dockertest"
)

// startDashboard runs the built binary with args in a tmux pane of 120x35.
func startDashboard(t *testing.T, dir string, args ...string) *tmuxSession {
	t.Helper()
	needTmux(t)
	s := &tmuxSession{t: t, socket: filepath.Join(dir, "tmux.sock")}
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = strconv.Quote(a)
	}
	script := fmt.Sprintf("env HOME=%[1]q XDG_STATE_HOME=%[1]q %[2]q %[3]s; echo stacktop-exit=$?; sleep 60",
		dir, binary, strings.Join(quoted, " "))
	s.tmux("new-session", "-d", "-s", "e2e", "-x", "120", "-y", "35", "sh", "-c", script)
	t.Cleanup(func() { _ = exec.Command("tmux", "-S", s.socket, "kill-server").Run() })
	return s
}

// selectProcess filters the Host tab down to the process whose command is
// cmdline, so it is the selected row.
func selectProcess(s *tmuxSession, cmdline string) {
	s.tmux("send-keys", "-t", "e2e", "2")
	s.waitFor("the Host tab", func(screen string) bool { return strings.Contains(screen, "[2 Host]") })
	// A key sent while the program starts up can be lost: send / again
	// after a second without the prompt (it renders within ~70 ms).
	for i := 0; !strings.Contains(s.screen(), "text, or user:… container:…"); i++ {
		if i == 50 {
			s.t.Fatalf("the filter prompt never opened:\n%s", s.screen())
		}
		if i%10 == 0 {
			s.tmux("send-keys", "-t", "e2e", "/")
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.tmux("send-keys", "-t", "e2e", "-l", cmdline)
	s.tmux("send-keys", "-t", "e2e", "Enter")
	s.waitFor("the process in the table", func(screen string) bool { return strings.Contains(screen, "> ") && strings.Contains(screen, cmdline) })
}

// TestDashboardActionsEndToEnd: in the real terminal, T on a process asks
// for a yes, y sends TERM and the outcome shows on the status line, with
// one audit line; under --read-only the same key only says it is refused.
func TestDashboardActionsEndToEnd(t *testing.T) {
	child := exec.Command("sleep", "7777")
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = child.Process.Kill(); _ = child.Wait() })
	pid := child.Process.Pid

	dir := t.TempDir()
	audit := filepath.Join(dir, "audit.jsonl")
	cfg := writeConfig(t, hostOnly+fmt.Sprintf("\n[actions]\naudit_log = %q\n", audit))

	ro := startDashboard(t, t.TempDir(), "--read-only", "--config", cfg)
	selectProcess(ro, "sleep 7777")
	ro.tmux("send-keys", "-t", "e2e", "T")
	// The answer is one status line; K is sent again after a second
	// without it, as a key can be lost on a loaded machine (see
	// selectProcess), and pressing it twice is harmless here.
	refused := func(screen string) bool {
		return strings.Contains(screen, "READ-ONLY") && strings.Contains(screen, "read-only: kill (KILL) is refused")
	}
	for i := 0; !refused(ro.screen()); i++ {
		if i == 100 {
			t.Fatalf("read-only: K never answered:\n%s", ro.screen())
		}
		if i%10 == 0 {
			ro.tmux("send-keys", "-t", "e2e", "K")
		}
		time.Sleep(100 * time.Millisecond)
	}
	screen := ro.screen()
	if strings.Contains(screen, "Confirm") || strings.Contains(screen, "T terminate (TERM)") {
		t.Errorf("read-only: an action was offered:\n%s", screen)
	}
	ro.tmux("send-keys", "-t", "e2e", "q")
	ro.waitFor("stacktop to exit", func(screen string) bool { return strings.Contains(screen, "stacktop-exit=0") })

	s := startDashboard(t, t.TempDir(), "--config", cfg)
	selectProcess(s, "sleep 7777")
	s.tmux("send-keys", "-t", "e2e", "T")
	s.waitFor("the confirmation", func(screen string) bool {
		return strings.Contains(screen, "Confirm: Terminate (TERM)") && strings.Contains(screen, "sleep ("+strconv.Itoa(pid)+")")
	})
	s.tmux("send-keys", "-t", "e2e", "y")
	s.waitFor("the outcome on the status line", func(screen string) bool {
		return strings.Contains(screen, "✓ Terminate (TERM) on sleep ("+strconv.Itoa(pid)+"): done")
	})
	s.tmux("send-keys", "-t", "e2e", "q")
	s.waitFor("stacktop to exit", func(screen string) bool { return strings.Contains(screen, "stacktop-exit=0") })
	recs := actionstest.ReadAudit(t, audit)
	if len(recs) != 1 || recs[0].Outcome != actions.OutcomeOK || recs[0].Target.Object != strconv.Itoa(pid) {
		t.Errorf("audit %+v, want one ok host.term line for %d", recs, pid)
	}
}

// TestCLIPromptsOnATerminal: without --yes on a terminal, kill asks for the
// pid to be typed; a wrong answer does nothing, the right one kills.
func TestCLIPromptsOnATerminal(t *testing.T) {
	needTmux(t)
	dir := t.TempDir()
	cfg := writeConfig(t, hostOnly+fmt.Sprintf("\n[actions]\naudit_log = %q\n", filepath.Join(dir, "audit.jsonl")))
	for _, tc := range []struct {
		answer, want string
		alive        bool
	}{{"nope", "stacktop-exit=1", true}, {"", "stacktop-exit=0", false}} {
		pid := sleepChild(t)
		answer := tc.answer
		if answer == "" {
			answer = strconv.Itoa(pid)
		}
		s := &tmuxSession{t: t, socket: filepath.Join(t.TempDir(), "tmux.sock")}
		script := fmt.Sprintf("env HOME=%[1]q %[2]q kill --config %[3]q host:%[4]d; echo stacktop-exit=$?; sleep 60", dir, binary, cfg, pid)
		s.tmux("new-session", "-d", "-s", "e2e", "-x", "120", "-y", "20", "sh", "-c", script)
		t.Cleanup(func() { _ = exec.Command("tmux", "-S", s.socket, "kill-server").Run() })
		s.waitFor("the prompt", func(screen string) bool { return strings.Contains(screen, "Type "+strconv.Itoa(pid)+" to confirm:") })
		s.tmux("send-keys", "-t", "e2e", "-l", answer)
		s.tmux("send-keys", "-t", "e2e", "Enter")
		screen := s.waitFor("stacktop to exit", func(screen string) bool { return strings.Contains(screen, "stacktop-exit=") })
		if !strings.Contains(screen, tc.want) {
			t.Errorf("answer %q: want %s:\n%s", answer, tc.want, screen)
		}
		if tc.alive {
			if !alive(pid) {
				t.Errorf("answer %q killed the process", answer)
			}
			continue
		}
		for range 50 {
			if !alive(pid) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if alive(pid) {
			t.Errorf("answer %q left the process running", answer)
		}
	}
}

// TestCLIPromptsForTheNameOnAProtectedEngine: on a terminal, restart — a
// yes action elsewhere — says the engine is protected and asks for the
// container's name; y is not enough, the name restarts it.
func TestCLIPromptsForTheNameOnAProtectedEngine(t *testing.T) {
	needTmux(t)
	e := dockertest.Start(t)
	id, name := e.Run(t, dockertest.Spec{Name: "cmd-prompt-protected"})
	dir := t.TempDir()
	cfg := writeConfig(t, fmt.Sprintf("[general]\ndefault_postgres = false\n[actions]\naudit_log = %q\n[[docker]]\nname = \"prod\"\nprotected = true\n",
		filepath.Join(dir, "audit.jsonl")))
	started := func() string { return startedAt(t, e, id) }
	before := started()
	for _, tc := range []struct{ answer, want string }{{"y", "stacktop-exit=1"}, {name, "stacktop-exit=0"}} {
		s := &tmuxSession{t: t, socket: filepath.Join(t.TempDir(), "tmux.sock")}
		script := fmt.Sprintf("env HOME=%[1]q %[2]q restart --config %[3]q --timeout 2s docker:prod/%[4]s; echo stacktop-exit=$?; sleep 60",
			dir, binary, cfg, name)
		s.tmux("new-session", "-d", "-s", "e2e", "-x", "160", "-y", "20", "sh", "-c", script)
		t.Cleanup(func() { _ = exec.Command("tmux", "-S", s.socket, "kill-server").Run() })
		s.waitFor("the prompt", func(screen string) bool {
			return strings.Contains(screen, "docker:prod is protected.") && strings.Contains(screen, "Type "+name+" to confirm:")
		})
		s.tmux("send-keys", "-t", "e2e", "-l", tc.answer)
		s.tmux("send-keys", "-t", "e2e", "Enter")
		screen := s.waitFor("stacktop to exit", func(screen string) bool { return strings.Contains(screen, "stacktop-exit=") })
		if !strings.Contains(screen, tc.want) {
			t.Errorf("answer %q: want %s:\n%s", tc.answer, tc.want, screen)
		}
		if restarted := started() != before; restarted != (tc.answer == name) {
			t.Errorf("answer %q: restarted %v", tc.answer, restarted)
		}
	}
}

// TestDashboardProtectedEngineEndToEnd: in the real terminal, with an
// engine configured protected = true, the header marks it, R on one of its
// containers asks for the container's name (y is not it), and the name
// restarts the container: one ok audit line.
func TestDashboardProtectedEngineEndToEnd(t *testing.T) {
	e := dockertest.Start(t)
	id, name := e.Run(t, dockertest.Spec{Name: "e2e-protected"})
	started := func() string { return startedAt(t, e, id) }
	before := started()
	dir := t.TempDir()
	audit := filepath.Join(dir, "audit.jsonl")
	cfg := writeConfig(t, fmt.Sprintf("[general]\ndefault_postgres = false\n[actions]\naudit_log = %q\n[[docker]]\nname = \"prod\"\nprotected = true\n", audit))

	s := startDashboard(t, t.TempDir(), "--config", cfg)
	s.tmux("send-keys", "-t", "e2e", "4")
	s.waitFor("the Docker tab with the protected mark", func(screen string) bool {
		return strings.Contains(screen, "[4 Docker]") && strings.Contains(screen, "docker:prod ok protected")
	})
	for i := 0; !strings.Contains(s.screen(), "name, image, project or state"); i++ {
		if i == 50 {
			t.Fatalf("the filter prompt never opened:\n%s", s.screen())
		}
		if i%10 == 0 {
			s.tmux("send-keys", "-t", "e2e", "/")
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.tmux("send-keys", "-t", "e2e", "-l", name)
	s.tmux("send-keys", "-t", "e2e", "Enter")
	// The name is longer than the column: the filter's "(1 shown)" says the
	// one container row is it. The list opens on the engine's header row;
	// j moves to the container.
	s.waitFor("the filter applied", func(screen string) bool { return strings.Contains(screen, "filter "+name+" (1 shown)") })
	selected := func(screen string) bool {
		for _, l := range strings.Split(screen, "\n") {
			if strings.HasPrefix(l, ">") && strings.Contains(l, "stacktop-test-") {
				return true
			}
		}
		return false
	}
	for i := 0; !selected(s.screen()); i++ {
		if i == 50 {
			t.Fatalf("the container row never got the cursor:\n%s", s.screen())
		}
		if i%10 == 0 {
			s.tmux("send-keys", "-t", "e2e", "j")
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.tmux("send-keys", "-t", "e2e", "R")
	s.waitFor("the typed-name dialog", func(screen string) bool {
		return strings.Contains(screen, "Confirm: Restart") && strings.Contains(screen, "docker:prod is protected") &&
			strings.Contains(screen, "Type "+name+" to confirm")
	})
	s.tmux("send-keys", "-t", "e2e", "y", "Enter")
	s.waitFor("the wrong name refused", func(screen string) bool { return strings.Contains(screen, "that is not "+name) })
	if got := started(); got != before {
		t.Fatalf("y restarted the container (%s → %s)", before, got)
	}
	s.tmux("send-keys", "-t", "e2e", "BSpace")
	s.tmux("send-keys", "-t", "e2e", "-l", name)
	s.tmux("send-keys", "-t", "e2e", "Enter")
	s.waitFor("the outcome on the status line", func(screen string) bool {
		return strings.Contains(screen, "✓ Restart") && strings.Contains(screen, "done")
	})
	s.tmux("send-keys", "-t", "e2e", "q")
	s.waitFor("stacktop to exit", func(screen string) bool { return strings.Contains(screen, "stacktop-exit=0") })
	if got := started(); got == before {
		t.Errorf("the typed name did not restart the container: StartedAt still %s", got)
	}
	recs := actionstest.ReadAudit(t, audit)
	if len(recs) != 1 || recs[0].Outcome != actions.OutcomeOK || recs[0].Action != "docker.restart" || recs[0].Target.Object != name {
		t.Errorf("audit %+v, want one ok docker.restart line for %s", recs, name)
	}
}
