// Package sshtest starts a throwaway OpenSSH server on 127.0.0.1 and a
// free port, with its own host key, its own authorized client key pair and
// its own sshd_config, and points the system ssh client at it through a
// wrapper on PATH (ssh reads ~/.ssh from the password database, not $HOME,
// so a test cannot redirect it otherwise). Nothing of the machine's own
// ssh setup is read or changed.
//
// sshd must run as root to log users in; tests skip loudly without root or
// without /usr/sbin/sshd, and fail instead when STACKTOP_REQUIRE_SSH=1.
package sshtest

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
	"testing"
	"time"
)

// RequireEnv turns a missing sshd into a failure (CI sets it).
const RequireEnv = "STACKTOP_REQUIRE_SSH"

// SSHD is the OpenSSH server binary (Debian's openssh-server).
const SSHD = "/usr/sbin/sshd"

// Server is one running sshd.
type Server struct {
	// Port is where it listens on 127.0.0.1.
	Port int
	// Dir holds its keys, config and logs.
	Dir string
	// ClientKey is the private key the server accepts (for root).
	ClientKey string
	// HostKeyLine is the known_hosts line for the server's host key.
	HostKeyLine string

	cmd *exec.Cmd
	log *syncBuffer
}

// syncBuffer is sshd's output, written by exec's copier and read by tests.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// Start starts a server that lets root in with ClientKey only (no
// passwords, no keyboard-interactive) and stops it when the test ends.
func Start(tb testing.TB) *Server {
	tb.Helper()
	if reason := missing(); reason != "" {
		if os.Getenv(RequireEnv) == "1" {
			tb.Fatalf("%s=1 but %s", RequireEnv, reason)
		}
		tb.Skipf("SKIP ssh tests: %s", reason)
	}
	dir := tb.TempDir()
	s := &Server{Dir: dir, ClientKey: filepath.Join(dir, "client_ed25519"), log: &syncBuffer{}}
	hostKey := filepath.Join(dir, "host_ed25519")
	for _, k := range []string{hostKey, s.ClientKey} {
		if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "stacktop-test", "-f", k).CombinedOutput(); err != nil {
			tb.Fatalf("ssh-keygen: %v\n%s", err, out)
		}
	}
	pub, err := os.ReadFile(s.ClientKey + ".pub")
	if err != nil {
		tb.Fatal(err)
	}
	authorized := filepath.Join(dir, "authorized_keys")
	if err := os.WriteFile(authorized, pub, 0o600); err != nil {
		tb.Fatal(err)
	}
	// Privilege separation needs this directory; Debian creates it only
	// when the ssh service starts, which the tests never do.
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
		tb.Fatal(err)
	}
	s.Port = freePort(tb)
	cfg := filepath.Join(dir, "sshd_config")
	conf := fmt.Sprintf(`ListenAddress 127.0.0.1:%d
HostKey %s
PidFile %s
AuthorizedKeysFile %s
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UsePAM no
StrictModes no
LogLevel VERBOSE
MaxStartups 100
MaxSessions 100
`, s.Port, hostKey, filepath.Join(dir, "sshd.pid"), authorized)
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		tb.Fatal(err)
	}
	hostPub, err := os.ReadFile(hostKey + ".pub")
	if err != nil {
		tb.Fatal(err)
	}
	fields := strings.Fields(string(hostPub))
	s.HostKeyLine = fmt.Sprintf("[127.0.0.1]:%d %s %s", s.Port, fields[0], fields[1])
	// -D: stay in the foreground, so the test owns the process; -e: log to stderr.
	s.cmd = exec.Command(SSHD, "-D", "-e", "-f", cfg)
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		tb.Fatalf("start sshd: %v", err)
	}
	tb.Cleanup(s.stop)
	s.waitListening(tb)
	return s
}

func missing() string {
	if os.Geteuid() != 0 {
		return "sshd must run as root to log users in"
	}
	if _, err := os.Stat(SSHD); err != nil {
		return SSHD + " is missing (apt-get install openssh-server)"
	}
	if _, err := exec.LookPath("ssh"); err != nil {
		return "the ssh client is missing (apt-get install openssh-client)"
	}
	return ""
}

func freePort(tb testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func (s *Server) waitListening(tb testing.TB) {
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(s.Port), time.Second)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("sshd did not listen on %d: %v\n%s", s.Port, err, s.log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *Server) stop() {
	if s.cmd.Process != nil {
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
	}
}

// Host is the ssh:// address of the engine behind this server, as root.
func (s *Server) Host() string { return "ssh://root@127.0.0.1:" + strconv.Itoa(s.Port) }

// Client is a ssh client setup: a config file naming an identity and the
// known hosts, and a wrapper directory to put first on PATH.
type Client struct {
	// Config is the ssh_config file the wrapper passes with -F.
	Config string
	// BinDir holds the `ssh` wrapper.
	BinDir string
}

// NewClient writes a client setup that offers key (the server's ClientKey,
// or another one to test refusals) and trusts only this server's host key.
func (s *Server) NewClient(tb testing.TB, key string) Client {
	tb.Helper()
	dir := tb.TempDir()
	known := filepath.Join(dir, "known_hosts")
	if err := os.WriteFile(known, []byte(s.HostKeyLine+"\n"), 0o600); err != nil {
		tb.Fatal(err)
	}
	cfg := filepath.Join(dir, "ssh_config")
	conf := fmt.Sprintf(`Host 127.0.0.1
  IdentityFile %s
  IdentitiesOnly yes
  IdentityAgent none
  UserKnownHostsFile %s
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking yes
  LogLevel ERROR
`, key, known)
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		tb.Fatal(err)
	}
	real, err := exec.LookPath("ssh")
	if err != nil {
		tb.Fatal(err)
	}
	bin := filepath.Join(dir, "bin")
	if err := os.Mkdir(bin, 0o755); err != nil {
		tb.Fatal(err)
	}
	wrapper := fmt.Sprintf("#!/bin/sh\nexec %s -F %s \"$@\"\n", real, cfg)
	if err := os.WriteFile(filepath.Join(bin, "ssh"), []byte(wrapper), 0o755); err != nil {
		tb.Fatal(err)
	}
	return Client{Config: cfg, BinDir: bin}
}

// Use puts c's ssh first on PATH for the rest of the test (not parallel).
func (c Client) Use(tb testing.TB) {
	tb.Helper()
	tb.Setenv("PATH", c.BinDir+string(os.PathListSeparator)+os.Getenv("PATH"))
}

// OtherKey makes a key pair the server does not know.
func OtherKey(tb testing.TB) string {
	tb.Helper()
	k := filepath.Join(tb.TempDir(), "stranger_ed25519")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", k).CombinedOutput(); err != nil {
		tb.Fatalf("ssh-keygen: %v\n%s", err, out)
	}
	return k
}

// Run runs a command on the server through the client c, for a check.
func (s *Server) Run(ctx context.Context, c Client, args ...string) ([]byte, error) {
	full := append([]string{"-F", c.Config, "-p", strconv.Itoa(s.Port), "-o", "BatchMode=yes", "root@127.0.0.1"}, args...)
	return exec.CommandContext(ctx, "ssh", full...).CombinedOutput()
}

// Log is what sshd printed so far, for failure messages.
func (s *Server) Log() string { return s.log.String() }
