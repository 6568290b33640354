package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stacktop/stacktop/actions"
	"github.com/stacktop/stacktop/actions/actionstest"
	"github.com/stacktop/stacktop/collectors/docker/dockertest"
	"github.com/stacktop/stacktop/collectors/docker/sshtest"
	"github.com/stacktop/stacktop/collectors/postgres/pgtest"
)

// servedKey is a throwaway key pair for a served user.
type servedKey struct {
	private, public, fingerprint string
}

func newServedKey(t *testing.T, dir, name string) servedKey {
	t.Helper()
	k := servedKey{private: filepath.Join(dir, name)}
	k.public = k.private + ".pub"
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", k.private).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v\n%s", err, out)
	}
	out, err := exec.Command("ssh-keygen", "-l", "-E", "sha256", "-f", k.public).Output()
	if err != nil {
		t.Fatal(err)
	}
	k.fingerprint = strings.Fields(string(out))[1]
	return k
}

// servedStack is `stacktop serve` started by the test, with a viewer
// (vera) and an operator (otto), on 127.0.0.1 and a free port.
type servedStack struct {
	t                    *testing.T
	dir, cfg, audit      string
	port                 int
	viewer, operator     servedKey
	cmd                  *exec.Cmd
	out                  *lockedBuffer
	knownHosts, hostKeyF string
	env                  []string // extra environment of the server
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func startServe(t *testing.T, extraConfig string, env ...string) *servedStack {
	t.Helper()
	if _, err := exec.LookPath("ssh"); err != nil {
		if os.Getenv(sshtest.RequireEnv) == "1" {
			t.Fatal("the ssh client is missing (apt-get install openssh-client)")
		}
		t.Skip("SKIP serve tests: no ssh client (apt-get install openssh-client)")
	}
	dir := t.TempDir()
	s := &servedStack{t: t, dir: dir, audit: filepath.Join(dir, "audit.jsonl"), out: &lockedBuffer{}, env: env}
	s.viewer = newServedKey(t, dir, "vera")
	s.operator = newServedKey(t, dir, "otto")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.port = l.Addr().(*net.TCPAddr).Port
	l.Close()
	pub, err := os.ReadFile(s.operator.public)
	if err != nil {
		t.Fatal(err)
	}
	s.cfg = writeConfig(t, fmt.Sprintf(`[general]
default_postgres = false
state_dir = %q

[actions]
audit_log = %q

[serve]
listen = "127.0.0.1:%d"

[[serve.users]]
name = "otto"
role = "operator"
keys = [%q]

[[serve.users]]
name = "vera"
role = "viewer"
authorized_keys_file = %q
%s`, filepath.Join(dir, "state"), s.audit, s.port, strings.TrimSpace(string(pub)), s.viewer.public, extraConfig))
	s.hostKeyF = filepath.Join(dir, "state", "serve_host_ed25519")
	s.knownHosts = filepath.Join(dir, "known_hosts")
	s.start()
	return s
}

// start runs the server and waits until it listens; the test stops it.
func (s *servedStack) start() {
	s.t.Helper()
	s.out = &lockedBuffer{}
	s.cmd = exec.Command(binary, "serve", "--config", s.cfg)
	s.cmd.Env = append([]string{"HOME=" + s.dir, "PATH=" + os.Getenv("PATH")}, s.env...)
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	cmd := s.cmd
	s.t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(s.out.String(), "listening on") {
		if time.Now().After(deadline) {
			s.t.Fatalf("stacktop serve did not listen within 30 s:\n%s", s.out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The clients trust only this server's host key, as first seen: a key
	// that changed on a restart would fail their host key check.
	if _, err := os.Stat(s.knownHosts); err == nil {
		return
	}
	pub, err := os.ReadFile(s.hostKeyF + ".pub")
	if err != nil {
		s.t.Fatal(err)
	}
	f := strings.Fields(string(pub))
	line := fmt.Sprintf("[127.0.0.1]:%d %s %s\n", s.port, f[0], f[1])
	if err := os.WriteFile(s.knownHosts, []byte(line), 0o600); err != nil {
		s.t.Fatal(err)
	}
}

// stop sends SIGTERM and waits for the server to exit.
func (s *servedStack) stop() {
	s.t.Helper()
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		s.t.Fatalf("stacktop serve did not exit within 15 s of SIGTERM:\n%s", s.out.String())
	}
}

// sshArgs are the client's options: batch mode (never a prompt), only
// the named identity files, only this server's host key.
func (s *servedStack) sshArgs(extra []string, identities ...string) []string {
	args := []string{"-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none",
		"-o", "UserKnownHostsFile=" + s.knownHosts, "-o", "GlobalKnownHostsFile=/dev/null", "-o", "StrictHostKeyChecking=yes",
		"-o", "ConnectTimeout=10", "-F", "/dev/null", "-p", strconv.Itoa(s.port)}
	for _, id := range identities {
		args = append(args, "-i", id)
	}
	return append(append(args, extra...), "someone@127.0.0.1")
}

// run runs `ssh … ARGS` with the given identities and returns stdout,
// stderr and the exit code.
func (s *servedStack) run(identities []string, sshOpts []string, args ...string) (string, string, int) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ssh", append(s.sshArgs(sshOpts, identities...), args...)...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		s.t.Fatalf("ssh: %v", err)
	}
	return out.String(), errOut.String(), code
}

// TestServeKeysDecideWhoActs: only configured keys get in, passwords are
// not even offered, the key that signs decides the role whatever the SSH
// user name, a viewer's action is refused at the Runner and audited with
// its name and fingerprint, an operator's runs and is audited, and other
// commands are refused with what is allowed.
func TestServeKeysDecideWhoActs(t *testing.T) {
	e := dockertest.Start(t)
	id, name := e.Run(t, dockertest.Spec{Name: "served"})
	s := startServe(t, "")
	stranger := newServedKey(t, s.dir, "stranger")
	target := "docker:local/" + name

	if _, stderr, code := s.run([]string{stranger.private}, nil, "check"); code != 255 || !strings.Contains(stderr, "Permission denied (publickey)") {
		t.Errorf("an unknown key: exit %d, stderr %q; want refused", code, stderr)
	}
	if _, stderr, code := s.run(nil, []string{"-o", "PreferredAuthentications=password,keyboard-interactive"}, "check"); code != 255 || !strings.Contains(stderr, "Permission denied (publickey)") {
		t.Errorf("password authentication: exit %d, stderr %q; want only publickey offered", code, stderr)
	}
	// The operator's public key without its private half gets nothing.
	pubOnly := filepath.Join(s.dir, "otto-public-only")
	pub, _ := os.ReadFile(s.operator.public)
	if err := os.WriteFile(pubOnly, pub, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := s.run([]string{pubOnly}, nil, "check"); code != 255 {
		t.Errorf("the operator's public key alone: exit %d, stderr %q; want refused", code, stderr)
	}

	started := func() string { return startedAt(t, e, id) }
	before := started()
	// An unknown key first, then the viewer's: the viewer's signs, so the
	// session is vera's, a viewer — whatever user name the client sends.
	_, stderr, code := s.run([]string{stranger.private, s.viewer.private}, nil, "restart", target, "--yes")
	if code != 1 || !strings.Contains(stderr, "viewer role") {
		t.Errorf("viewer's restart: exit %d, stderr %q; want refused for the viewer role", code, stderr)
	}
	if started() != before {
		t.Fatal("a viewer restarted the container")
	}
	if _, stderr, code := s.run([]string{s.operator.private}, nil, "restart", target, "--yes", "--timeout", "2s"); code != 0 {
		t.Fatalf("operator's restart: exit %d, stderr %q", code, stderr)
	}
	if started() == before {
		t.Error("the operator's restart did not restart the container")
	}
	recs := actionstest.ReadAudit(t, s.audit)
	if len(recs) != 2 {
		t.Fatalf("%d audit lines, want 2: %+v", len(recs), recs)
	}
	v, o := recs[0], recs[1]
	if v.User != "vera" || v.Role != actions.RoleViewer || v.KeyFingerprint != s.viewer.fingerprint || !strings.HasPrefix(v.RemoteAddr, "127.0.0.1:") || v.Outcome != actions.OutcomeRefusedReadOnly {
		t.Errorf("viewer's audit line %+v", v)
	}
	if o.User != "otto" || o.Role != actions.RoleOperator || o.KeyFingerprint != s.operator.fingerprint || o.Outcome != actions.OutcomeOK {
		t.Errorf("operator's audit line %+v", o)
	}

	if _, stderr, code := s.run([]string{s.operator.private}, nil, "rm", "-rf", "/"); code != 2 || !strings.Contains(stderr, `"rm" is not allowed here — you may run snapshot [--json], check, and the action verbs`) {
		t.Errorf("another command: exit %d, stderr %q", code, stderr)
	}
	if stdout, _, code := s.run([]string{s.viewer.private}, nil, "snapshot", "--json"); code != 0 || !strings.Contains(stdout, `"host"`) {
		t.Errorf("snapshot --json: exit %d, stdout %.200q", code, stdout)
	}
	// No command and no terminal: one line, then closed.
	if _, stderr, code := s.run([]string{s.viewer.private}, []string{"-T"}); code == 0 || !strings.Contains(stderr, "the dashboard needs a terminal") {
		t.Errorf("no terminal: exit %d, stderr %q", code, stderr)
	}
}

// TestServeHostKeyKept: the host key is created once (0600) and the same
// after a restart, so clients never see "host key changed".
func TestServeHostKeyKept(t *testing.T) {
	s := startServe(t, "")
	first, err := os.ReadFile(s.hostKeyF + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(s.hostKeyF); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("host key mode %v (%v), want 0600", st.Mode().Perm(), err)
	}
	s.stop()
	s.start() // known_hosts keeps the first key
	again, err := os.ReadFile(s.hostKeyF + ".pub")
	if err != nil || !bytes.Equal(first, again) {
		t.Fatalf("host key changed across restarts:\n%s\n%s", first, again)
	}
	// Any answer of stacktop's will do (check exits 1 while a source is
	// still waiting for its first poll); ssh itself fails with 255.
	if stdout, stderr, code := s.run([]string{s.viewer.private}, nil, "check"); code == 255 || !strings.Contains(stdout, `host "local"`) {
		t.Errorf("after a restart: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

// servedTerminal is a real ssh client with a terminal, in a tmux pane.
func (s *servedStack) servedTerminal(name string, key servedKey, w, h int) *tmuxSession {
	s.t.Helper()
	needTmux(s.t)
	ts := &tmuxSession{t: s.t, socket: filepath.Join(s.dir, name+".tmux")}
	args := append([]string{"ssh", "-t"}, s.sshArgs(nil, key.private)...)
	for i, a := range args {
		args[i] = strconv.Quote(a)
	}
	script := "TERM=xterm-256color " + strings.Join(args, " ") + "; echo ssh-exit=$?; sleep 60"
	ts.tmux("new-session", "-d", "-s", "e2e", "-x", strconv.Itoa(w), "-y", strconv.Itoa(h), "sh", "-c", script)
	s.t.Cleanup(func() { _ = exec.Command("tmux", "-S", ts.socket, "kill-server").Run() })
	return ts
}

// TestServeSessionsSeeEachOther: a viewer and an operator each in a real
// terminal through the real ssh client. Both see who watches; the viewer's
// action keys are left out of help and only answer that they are refused;
// while the operator restarts a container, the viewer's status line says
// who runs what; SIGTERM to the server restores both terminals with a
// goodbye line.
func TestServeSessionsSeeEachOther(t *testing.T) {
	e := dockertest.Start(t)
	_, name := e.Run(t, dockertest.Spec{Name: "stubborn", Args: []string{"stubborn"}})
	s := startServe(t, "")
	vera := s.servedTerminal("vera", s.viewer, 120, 40)
	otto := s.servedTerminal("otto", s.operator, 100, 30)
	for _, ts := range []*tmuxSession{vera, otto} {
		ts.waitFor("both watching", func(screen string) bool { return strings.Contains(screen, "2 watching: otto, vera") })
	}
	if !strings.Contains(lines0(vera.screen()), "READ-ONLY") || strings.Contains(lines0(otto.screen()), "READ-ONLY") {
		t.Errorf("READ-ONLY badge: viewer %q, operator %q", lines0(vera.screen()), lines0(otto.screen()))
	}
	vera.tmux("send-keys", "-t", "e2e", "4")
	vera.waitFor("the Docker tab", func(screen string) bool { return strings.Contains(screen, "[4 Docker]") })
	// Filtered to the test's container: the engine may hold others' too.
	vera.tmux("send-keys", "-t", "e2e", "/")
	vera.tmux("send-keys", "-t", "e2e", "-l", name)
	vera.tmux("send-keys", "-t", "e2e", "Enter")
	vera.waitFor("the Docker tab with the test's container", func(screen string) bool {
		return strings.Contains(screen, "[4 Docker]") && strings.Contains(screen, name)
	})
	vera.tmux("send-keys", "-t", "e2e", "?")
	help := vera.waitFor("the help overlay", func(screen string) bool {
		return strings.Contains(screen, "esc") && strings.Contains(screen, "close help")
	})
	for _, action := range []string{"restart", "stop", "kill"} {
		if strings.Contains(help, " "+action) {
			t.Errorf("a viewer's help offers %q:\n%s", action, help)
		}
	}
	vera.tmux("send-keys", "-t", "e2e", "Escape")

	// The operator's restart waits out the stubborn container's stop timeout.
	restarted := make(chan int, 1)
	go func() {
		_, _, code := s.run([]string{s.operator.private}, nil, "restart", "docker:local/"+name, "--yes", "--timeout", "6s")
		restarted <- code
	}()
	vera.waitFor("the operator's restart on the viewer's status line", func(screen string) bool {
		return strings.Contains(screen, "otto: Restart docker:local/"+name)
	})
	if code := <-restarted; code != 0 {
		t.Fatalf("operator's restart: exit %d\n%s", code, s.out.String())
	}
	if recs := actionstest.ReadAudit(t, s.audit); len(recs) != 1 || recs[0].User != "otto" || recs[0].Outcome != actions.OutcomeOK {
		t.Errorf("audit %+v, want otto's restart", recs)
	}

	s.stop()
	for _, ts := range []*tmuxSession{vera, otto} {
		ts.waitFor("the goodbye line and the shell back", func(screen string) bool {
			return strings.Contains(screen, "stacktop serve is stopping") && strings.Contains(screen, "ssh-exit=")
		})
		if ts.alternateScreen() {
			t.Errorf("a client's terminal stayed in the alternate screen:\n%s", ts.screen())
		}
	}
}

func lines0(screen string) string {
	first, _, _ := strings.Cut(screen, "\n")
	return first
}

// openSessions starts n dashboard sessions through the real ssh client
// (ssh -tt, input kept open), each ended when the test ends.
func (s *servedStack) openSessions(n int, key servedKey) {
	s.t.Helper()
	for range n {
		cmd := exec.Command("ssh", append([]string{"-tt"}, s.sshArgs(nil, key.private)...)...)
		stdin, err := cmd.StdinPipe()
		if err != nil {
			s.t.Fatal(err)
		}
		cmd.Env = append(os.Environ(), "TERM=xterm-256color")
		if err := cmd.Start(); err != nil {
			s.t.Fatal(err)
		}
		s.t.Cleanup(func() { _ = stdin.Close(); _ = cmd.Process.Kill(); _ = cmd.Wait() })
	}
}

// TestServeOneHubForEverySession: the PostgreSQL server sees the same
// statements per refresh with 1 and with 10 sessions open — every session
// reads the one hub.
func TestServeOneHubForEverySession(t *testing.T) {
	c := pgtest.Need(t, pgtest.Config{})
	if err := c.CreateRole("watcher", "watcher-pw", "pg_monitor"); err != nil {
		t.Fatal(err)
	}
	if err := c.Exec("postgres", "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"); err != nil {
		t.Fatal(err)
	}
	s := startServe(t, fmt.Sprintf(`
[[postgres]]
name = "main"
host = "127.0.0.1"
port = %d
user = "watcher"
dbname = "postgres"
password_env = "STACKTOP_TEST_PW"
interval = "1s"
`, c.Port), "STACKTOP_TEST_PW=watcher-pw")
	// Calls of the watcher's statements over a window, after a reset.
	window := func() int64 {
		t.Helper()
		if err := c.Exec("postgres", "SELECT pg_stat_statements_reset((SELECT oid FROM pg_roles WHERE rolname = 'watcher'))"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(8 * time.Second)
		db, err := c.Open("postgres")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var calls int64
		if err := db.QueryRow(`SELECT coalesce(sum(calls), 0) FROM pg_stat_statements
			WHERE userid = (SELECT oid FROM pg_roles WHERE rolname = 'watcher')`).Scan(&calls); err != nil {
			t.Fatal(err)
		}
		return calls
	}
	s.openSessions(1, s.viewer)
	time.Sleep(3 * time.Second) // the first polls, connection and slow statements
	one := window()
	s.openSessions(9, s.operator)
	time.Sleep(2 * time.Second)
	ten := window()
	t.Logf("statements over 8 s at a 1 s interval: %d with 1 session, %d with 10", one, ten)
	if one == 0 || ten > one+2 {
		t.Errorf("statements over 8 s: %d with 1 session, %d with 10 — want the same (one hub polls for all)", one, ten)
	}
}
