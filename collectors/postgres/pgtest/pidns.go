package pgtest

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ErrNeedsRoot is returned by Start for a cluster in its own PID namespace
// when the tests do not run as root (creating the namespace needs it).
var ErrNeedsRoot = errors.New("a server in its own PID namespace needs root (unshare --pid)")

// pidnsMarker names the file that marks a cluster directory whose server
// runs in a PID namespace of its own: its postmaster.pid holds a pid of
// that namespace, which pg_ctl on the host would signal as a host pid.
const pidnsMarker = "pidns"

// nsServer is a server started under unshare.
type nsServer struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when unshare has exited
}

// startInNamespace starts the server as unshare --pid --fork --mount-proc
// would run it in a container: the postmaster is pid 1 of a namespace of
// its own (with a /proc of its own), run as the postgres OS user, sharing
// the host's network so it listens on 127.0.0.1 as usual. It waits until
// the server accepts connections.
func (c *Cluster) startInNamespace() error {
	if os.Geteuid() != 0 || c.cred == nil {
		return ErrNeedsRoot
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		return fmt.Errorf("a server in its own PID namespace needs unshare (util-linux): %w", err)
	}
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		return fmt.Errorf("a server in its own PID namespace needs setpriv (util-linux): %w", err)
	}
	if err := os.WriteFile(filepath.Join(c.Dir, pidnsMarker), nil, 0o644); err != nil {
		return err
	}
	log, err := os.OpenFile(filepath.Join(c.Dir, "server.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer log.Close() // the child has its own copy
	cmd := exec.Command(unshare, "--pid", "--fork", "--mount-proc", "--",
		setpriv, "--reuid", strconv.Itoa(int(c.cred.Uid)), "--regid", strconv.Itoa(int(c.cred.Gid)), "--clear-groups", "--",
		filepath.Join(c.BinDir, "postgres"), "-D", c.dataDir())
	cmd.Dir = c.Dir
	cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8")
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("unshare: %w", err)
	}
	ns := &nsServer{cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(ns.done) }()
	c.ns = ns
	if err := c.waitReady(ns.done, time.Minute); err != nil {
		c.killNamespace()
		return fmt.Errorf("%w\nserver log:\n%s", err, c.logTail())
	}
	return nil
}

// waitReady polls the unix socket until the server answers, the server
// exits (done), or the deadline passes.
func (c *Cluster) waitReady(done <-chan struct{}, limit time.Duration) error {
	db, err := sql.Open("postgres", fmt.Sprintf("host=%s port=%d user=%s dbname=postgres sslmode=disable connect_timeout=2", c.Dir, c.Port, SuperUser))
	if err != nil {
		return err
	}
	defer db.Close()
	deadline := time.Now().Add(limit)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		err = db.PingContext(ctx)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-done:
			return errors.New("postgres in its own PID namespace exited before accepting connections")
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("postgres in its own PID namespace not ready after %v: %w", limit, err)
		}
	}
}

// PostmasterHostPID is the host pid of the running postmaster, or 0 when
// there is none: for a cluster in its own PID namespace unshare's child
// (its postmaster.pid holds the namespace's pid), else postmaster.pid's.
func (c *Cluster) PostmasterHostPID() int {
	if c.pidns {
		if c.ns == nil {
			return 0
		}
		return childOf(c.ns.cmd.Process.Pid)
	}
	b, err := os.ReadFile(filepath.Join(c.dataDir(), "postmaster.pid"))
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	pid, _ := strconv.Atoi(strings.TrimSpace(line))
	return pid
}

// stopNamespace asks the postmaster for a fast shutdown (SIGINT, sent to
// its host pid: pg_ctl would read the namespace's pid from postmaster.pid)
// and waits for the namespace to empty; past a minute it kills it.
func (c *Cluster) stopNamespace() error {
	ns := c.ns
	if pm := c.PostmasterHostPID(); pm > 0 {
		_ = syscall.Kill(pm, syscall.SIGINT)
	}
	select {
	case <-ns.done:
		c.ns = nil
		return nil
	case <-time.After(time.Minute):
	}
	c.killNamespace()
	return errors.New("postgres in its own PID namespace ignored a fast shutdown for a minute; killed")
}

// killNamespace kills the namespace's pid 1, which takes every process in
// it along, and waits (bounded) for unshare to exit.
func (c *Cluster) killNamespace() {
	ns := c.ns
	if ns == nil {
		return
	}
	if pm := childOf(ns.cmd.Process.Pid); pm > 0 {
		_ = syscall.Kill(pm, syscall.SIGKILL)
	}
	_ = ns.cmd.Process.Kill()
	select {
	case <-ns.done:
	case <-time.After(10 * time.Second):
	}
	c.ns = nil
}

// childOf returns the pid of a child of ppid, or 0: read from procfs, as
// unshare does not say whom it forked.
func childOf(ppid int) int {
	if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", ppid, ppid)); err == nil {
		if f := strings.Fields(string(b)); len(f) > 0 {
			n, _ := strconv.Atoi(f[0])
			return n
		}
		return 0
	}
	dirs, _ := os.ReadDir("/proc")
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + d.Name() + "/stat")
		if err != nil {
			continue
		}
		if i := bytes.LastIndexByte(b, ')'); i >= 0 {
			if f := strings.Fields(string(b[i+1:])); len(f) > 1 && f[1] == strconv.Itoa(ppid) {
				return pid
			}
		}
	}
	return 0
}

// killStaleNamespace kills what is left of a cluster in its own PID
// namespace whose test process died: the postmaster, found by the data
// directory on its command line (pid 1 of the namespace, so the rest goes
// with it).
func killStaleNamespace(dir string) {
	want := []byte("-D\x00" + filepath.Join(dir, "data"))
	dirs, _ := os.ReadDir("/proc")
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + d.Name() + "/cmdline")
		if err == nil && bytes.Contains(b, want) && bytes.HasSuffix(bytes.TrimRight(b, "\x00"), want[3:]) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

// SetNextPID makes the next process the server's own PID namespace creates
// get pid (through that namespace's ns_last_pid): the next backend, unless
// the server forks something else first, so callers check and retry. Tests
// use it to give a backend the number of a known host process. Only for a
// cluster started with PIDNamespace.
func (c *Cluster) SetNextPID(pid int) error {
	pm := c.PostmasterHostPID()
	if !c.pidns || pm <= 0 || pid <= 1 {
		return errors.New("SetNextPID needs a running cluster in its own PID namespace and a pid above 1")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// nsenter --pid forks into the namespace; the shell writes as a member
	// of it, which is whose ns_last_pid the kernel sets.
	out, err := exec.CommandContext(ctx, "nsenter", "--target", strconv.Itoa(pm), "--pid", "--",
		"sh", "-c", "echo "+strconv.Itoa(pid-1)+" > /proc/sys/kernel/ns_last_pid").CombinedOutput()
	if err != nil {
		return fmt.Errorf("nsenter: setting ns_last_pid: %w: %s", err, bytes.TrimSpace(out))
	}
	return nil
}
