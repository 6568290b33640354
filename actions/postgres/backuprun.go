package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// toolStopGrace is how long pg_dump or pg_restore get after SIGTERM (on
// cancel or timeout) before they are killed. It is below the Runner's
// DefaultStopGrace, so a stuck tool is killed and its partial file removed
// before the Runner gives up waiting on the action.
const toolStopGrace = 3 * time.Second

// toolProc is a client tool run: pg_dump or pg_restore in its own process
// group, so a cancel reaches a wrapper script's children too, and a
// terminal's ^C does not reach it behind the TUI's back. When ctx ends the
// group gets SIGTERM, and SIGKILL toolStopGrace later if anything in it is
// still alive (exec's own WaitDelay kills only the leader, and a child
// holding stdout would keep our read blocked). stderr is kept, bounded,
// for the error line.
type toolProc struct {
	cmd    *exec.Cmd
	stderr *headBuffer
	mu     sync.Mutex
	kill   *time.Timer
	waited bool
}

func newToolProc(ctx context.Context, path string, env []string, args ...string) *toolProc {
	p := &toolProc{cmd: exec.CommandContext(ctx, path, args...), stderr: &headBuffer{max: 8 << 10}}
	p.cmd.Env = env
	p.cmd.Stderr = p.stderr
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	p.cmd.Cancel = p.cancel
	p.cmd.WaitDelay = toolStopGrace + time.Second // backstop; our timer comes first
	return p
}

func (p *toolProc) cancel() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.waited {
		return os.ErrProcessDone
	}
	p.kill = time.AfterFunc(toolStopGrace, func() { p.signal(syscall.SIGKILL) })
	return syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
}

// signal signals the whole group, unless it was already waited for (then
// its id may belong to someone else).
func (p *toolProc) signal(sig syscall.Signal) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.waited {
		_ = syscall.Kill(-p.cmd.Process.Pid, sig)
	}
}

// wait waits for the process and stops the pending SIGKILL.
func (p *toolProc) wait() error {
	err := p.cmd.Wait()
	p.mu.Lock()
	p.waited = true
	if p.kill != nil {
		p.kill.Stop()
	}
	p.mu.Unlock()
	return err
}

// runDump runs pg_dump -Fc with the connection in env and streams its
// stdout into out. Memory stays flat: one 1 MiB buffer, whatever the size.
func runDump(ctx context.Context, path string, env []string, database string, out io.Writer) error {
	p := newToolProc(ctx, path, env, "--format=custom", "--no-password")
	pipe, err := p.cmd.StdoutPipe()
	if err != nil {
		return err
	}
	growPipe(pipe)
	if err := p.cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", path, err)
	}
	// Hide the pipe's WriteTo so CopyBuffer uses our buffer, not 32 KiB.
	n, copyErr := io.CopyBuffer(out, struct{ io.Reader }{pipe}, make([]byte, copyBufSize))
	if copyErr != nil {
		// We can no longer store what pg_dump sends; stop it now rather
		// than let it block on a full pipe.
		p.signal(syscall.SIGKILL)
	}
	waitErr := p.wait()
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("pg_dump of %s stopped after %s: %w", database, humanBytes(n), context.Cause(ctx))
	case copyErr != nil:
		return fmt.Errorf("writing the backup failed after %s: %w — check free space in backup_dir", humanBytes(n), copyErr)
	case waitErr != nil:
		return toolFailure("pg_dump", database, waitErr, p.stderr.String(), n)
	}
	return nil
}

// verifyDump runs pg_restore --list on the dump: it must read the
// archive's header and table of contents.
func verifyDump(ctx context.Context, pgRestore, file string) error {
	p := newToolProc(ctx, pgRestore, nil, "--list", file)
	p.cmd.Stdout = io.Discard
	err := p.cmd.Start()
	if err == nil {
		err = p.wait()
	}
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("pg_restore --list was stopped: %w", context.Cause(ctx))
		}
		return fmt.Errorf("pg_restore --list cannot read it: %s", failureLine(err, p.stderr.String()))
	}
	return nil
}

// toolFailure turns a failed pg_dump into one line: the cause, then what
// to try.
func toolFailure(name, database string, err error, stderr string, written int64) error {
	line := failureLine(err, stderr)
	hint := "see the message above, fix it and retry"
	switch {
	case strings.Contains(line, "does not exist"):
		hint = "check the database name"
	case strings.Contains(line, "password authentication failed"), strings.Contains(line, "no password supplied"):
		hint = "check the user and password in the dsn"
	case strings.Contains(line, "permission denied"):
		hint = "the role needs read access to everything in the database (e.g. pg_read_all_data, or a superuser)"
	case strings.Contains(line, "server version") && strings.Contains(line, "mismatch"):
		hint = "install a newer pg_dump or set [actions] pg_dump_path"
	case strings.HasPrefix(line, "killed by signal"):
		hint = "something outside stopped it (out of memory?): check the system log and retry"
	}
	after := ""
	if written > 0 {
		after = " after " + humanBytes(written)
	}
	return fmt.Errorf("%s of %s failed%s: %s — %s", name, database, after, line, hint)
}

// failureLine picks the one line that says why a tool failed: its first
// "error:" line (prefixes dropped), else its last line, else how it exited.
func failureLine(err error, stderr string) string {
	var last string
	for _, l := range strings.Split(stderr, "\n") {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		if _, msg, ok := strings.Cut(l, "error: "); ok {
			return msg
		}
		last = l
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return fmt.Sprintf("killed by signal %d (%s)", int(ws.Signal()), ws.Signal())
		}
	}
	if last != "" {
		return last
	}
	return err.Error()
}

// headBuffer keeps the first max bytes written to it and swallows the
// rest, so a chatty tool can neither block on stderr nor grow our memory.
type headBuffer struct {
	max int
	buf []byte
}

func (h *headBuffer) Write(p []byte) (int, error) {
	if room := h.max - len(h.buf); room > 0 {
		h.buf = append(h.buf, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

func (h *headBuffer) String() string { return string(h.buf) }
