package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// tmuxSession drives the built binary in a real terminal: a tmux pane of a
// fixed size, read back with capture-pane as a person would see it.
type tmuxSession struct {
	t      *testing.T
	socket string
}

func (s *tmuxSession) tmux(args ...string) string {
	s.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-S", s.socket}, args...)...).CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func (s *tmuxSession) screen() string { return s.tmux("capture-pane", "-p", "-t", "e2e") }

func (s *tmuxSession) alternateScreen() bool {
	return strings.TrimSpace(s.tmux("display-message", "-p", "-t", "e2e", "#{alternate_on}")) == "1"
}

// waitFor polls the screen (bounded: 300 reads, 100ms apart) until ok
// accepts it, and fails with the last screen otherwise.
func (s *tmuxSession) waitFor(what string, ok func(screen string) bool) string {
	s.t.Helper()
	var screen string
	// Up to 30 s: a liveness bound, not a speed check — CI's two cores may be
	// busy with the other test packages running alongside.
	for range 300 {
		screen = s.screen()
		if ok(screen) {
			return screen
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.t.Fatalf("timed out waiting for %s; the screen shows:\n%s", what, screen)
	return ""
}

// needTmux skips (fails under CI) without tmux.
func needTmux(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("tmux is missing: the end-to-end tests need it (apt-get install tmux)")
		}
		t.Skip("SKIP end-to-end test: tmux is not installed (apt-get install tmux)")
	}
}

func TestDashboardEndToEnd(t *testing.T) {
	needTmux(t)
	dir := t.TempDir()
	cfg := writeConfig(t, hostOnly)
	s := &tmuxSession{t: t, socket: filepath.Join(dir, "tmux.sock")}
	// The shell prints the exit status after stacktop ends and keeps the
	// pane open, so the test can read both.
	script := fmt.Sprintf("env HOME=%[1]q XDG_STATE_HOME=%[1]q %[2]q --config %[3]q; echo stacktop-exit=$?; sleep 60",
		dir, binary, cfg)
	s.tmux("new-session", "-d", "-s", "e2e", "-x", "100", "-y", "30", "sh", "-c", script)
	t.Cleanup(func() { _ = exec.Command("tmux", "-S", s.socket, "kill-server").Run() })

	hostname, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	cpuFigure := regexp.MustCompile(`CPU\s.*\d+(\.\d+)?%`)
	s.waitFor("the host name and a CPU figure", func(screen string) bool {
		return strings.Contains(screen, hostname) && cpuFigure.MatchString(screen)
	})
	if !s.alternateScreen() {
		t.Error("the dashboard is not on the alternate screen")
	}

	s.tmux("send-keys", "-t", "e2e", "2")
	s.waitFor("the Host tab (process table with per-process figures)", func(screen string) bool {
		return strings.Contains(screen, "[2 Host]") && strings.Contains(screen, "PID") && strings.Contains(screen, "Processes")
	})

	s.tmux("send-keys", "-t", "e2e", "q")
	screen := s.waitFor("stacktop to exit", func(screen string) bool { return strings.Contains(screen, "stacktop-exit=") })
	if !strings.Contains(screen, "stacktop-exit=0") {
		t.Errorf("stacktop did not exit with status 0:\n%s", screen)
	}
	if s.alternateScreen() {
		t.Error("stacktop left the terminal on the alternate screen")
	}
	if strings.Contains(screen, "Overview") || strings.Contains(screen, " stacktop ") {
		t.Errorf("the dashboard is still visible after quitting:\n%s", screen)
	}
}
