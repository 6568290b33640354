// Package host holds the actions on host processes: TERM (asks a process to
// exit) and KILL (ends it at once). Both name the process by pid and start
// time and re-check that pair right before signalling, through a pidfd, so
// a pid the kernel has since given to another process is never signalled.
package host

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"golang.org/x/sys/unix"

	"github.com/stacktop/stacktop/actions"
	"github.com/stacktop/stacktop/collectors"
)

// Action kind IDs.
const (
	TermID = "host.term"
	KillID = "host.kill"
)

// Options configure the host actions.
type Options struct {
	// ProcRoot is where procfs is mounted; default "/proc".
	ProcRoot string
	// TermWait is how long TERM waits for the process to exit; default 10s.
	TermWait time.Duration
}

// killWait bounds the wait for a KILLed process to vanish; only a process
// stuck in uninterruptible sleep (D) takes longer.
const killWait = 5 * time.Second

// Kinds returns the host action kinds.
func Kinds(opts Options) []actions.Kind {
	if opts.ProcRoot == "" {
		opts.ProcRoot = "/proc"
	}
	if opts.TermWait <= 0 {
		opts.TermWait = 10 * time.Second
	}
	return []actions.Kind{
		{ID: TermID, Title: "Terminate (TERM)", Risk: actions.Mutating, TargetKind: collectors.KindHost,
			New: func(t actions.Target, _ actions.Params) (actions.Action, error) {
				return newSignal(opts, t, unix.SIGTERM)
			}},
		{ID: KillID, Title: "Kill (KILL)", Risk: actions.Destructive, TargetKind: collectors.KindHost,
			New: func(t actions.Target, _ actions.Params) (actions.Action, error) {
				return newSignal(opts, t, unix.SIGKILL)
			}},
	}
}

// signaller sends one signal to one process named by pid and start time.
type signaller struct {
	opts  Options
	pid   int
	guard guard
	sig   unix.Signal
	name  string // for messages
	wait  time.Duration
}

func newSignal(opts Options, t actions.Target, sig unix.Signal) (actions.Action, error) {
	pid, err := strconv.Atoi(t.Object)
	switch {
	case err != nil || pid <= 0:
		return actions.Action{}, fmt.Errorf("host action on %s: %q is not a pid", t, t.Object)
	case pid == 1:
		return actions.Action{}, fmt.Errorf("host action on %s: refusing to signal pid 1 (init) — that would take the machine or container down", t)
	case pid == os.Getpid():
		return actions.Action{}, fmt.Errorf("host action on %s: that is stacktop itself — quit it with q", t)
	}
	g, err := parseGuard(t.Guard)
	if err != nil {
		return actions.Action{}, fmt.Errorf("host action on %s: %w — pick the process from the process list", t, err)
	}
	s := &signaller{opts: opts, pid: pid, guard: g, sig: sig, name: t.Display()}
	a := actions.Action{Target: t, Run: s.run}
	if sig == unix.SIGKILL {
		s.wait = killWait
		a.ID, a.Title, a.Risk, a.ConfirmByName = KillID, "Kill (KILL)", actions.Destructive, true
		a.Description = fmt.Sprintf("Send SIGKILL to %s: it ends at once and cannot clean up.", s.name)
	} else {
		s.wait = opts.TermWait
		a.ID, a.Title, a.Risk, a.NeedsYes = TermID, "Terminate (TERM)", actions.Mutating, true
		a.Description = fmt.Sprintf("Send SIGTERM to %s, asking it to exit, and wait up to %s for it to go.", s.name, opts.TermWait)
	}
	// A little over the wait, so the action's own "still running" message
	// wins over the Runner's generic timeout.
	a.Timeout = s.wait + time.Second
	return a, nil
}

func (s *signaller) run(ctx context.Context, progress func(actions.Progress)) error {
	// The pidfd pins the process: if the pid is reused after this point,
	// signalling through the fd fails with ESRCH instead of hitting the
	// newcomer. The start-time check below covers reuse before it.
	fd, err := unix.PidfdOpen(s.pid, 0)
	if errors.Is(err, unix.ESRCH) {
		return fmt.Errorf("%s has already exited", s.name)
	}
	if err != nil {
		return fmt.Errorf("open %s: %w", s.name, err)
	}
	defer unix.Close(fd)
	if err := s.checkSame(); err != nil {
		return err
	}
	switch err := unix.PidfdSendSignal(fd, s.sig, nil, 0); {
	case errors.Is(err, unix.ESRCH):
		return fmt.Errorf("%s has already exited", s.name)
	case errors.Is(err, unix.EPERM):
		return fmt.Errorf("not permitted to signal %s — run stacktop as its owner or as root", s.name)
	case err != nil:
		return fmt.Errorf("signal %s: %w", s.name, err)
	}
	return s.waitGone(ctx, progress)
}

// checkSame refuses when the pid now belongs to another process.
func (s *signaller) checkSame() error {
	st, err := readProc(s.opts.ProcRoot, s.pid)
	if errors.Is(err, errGone) {
		return fmt.Errorf("%s has already exited", s.name)
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", s.name, err)
	}
	same, err := s.guard.matches(st.startTicks, func() (time.Time, error) { return bootTime(s.opts.ProcRoot) })
	if err != nil {
		return fmt.Errorf("check %s is still the same process: %w", s.name, err)
	}
	if !same {
		return fmt.Errorf("pid %d is now a different process (the one shown has exited and the pid was reused) — nothing sent; refresh the list", s.pid)
	}
	return nil
}

// waitGone polls until the process has exited (gone, a zombie, or its pid
// reused), reporting progress, or says it is still running when ctx ends.
func (s *signaller) waitGone(ctx context.Context, progress func(actions.Progress)) error {
	sigName := unix.SignalName(s.sig)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	wait, cancel := context.WithTimeout(ctx, s.wait)
	defer cancel()
	for {
		progress(actions.Progress{Message: fmt.Sprintf("sent %s; waiting for %s to exit", sigName, s.name)})
		if s.gone() {
			return nil
		}
		select {
		case <-wait.Done():
			if ctx.Err() != nil {
				return fmt.Errorf("sent %s, stopped waiting; %s may still be running: %w", sigName, s.name, ctx.Err())
			}
			if s.sig == unix.SIGKILL {
				return fmt.Errorf("sent SIGKILL, but %s is still there after %s — it is probably stuck in the kernel (state D)", s.name, s.wait)
			}
			return fmt.Errorf("sent SIGTERM, but %s is still running after %s — KILL it if it must go", s.name, s.wait)
		case <-tick.C:
		}
	}
}

func (s *signaller) gone() bool {
	st, err := readProc(s.opts.ProcRoot, s.pid)
	if err != nil {
		return errors.Is(err, errGone)
	}
	if st.state == 'Z' || st.state == 'X' {
		return true // exited; only its parent's wait() remains
	}
	same, err := s.guard.matches(st.startTicks, func() (time.Time, error) { return bootTime(s.opts.ProcRoot) })
	return err == nil && !same
}
