//go:build linux

package main

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// openPTY opens a pseudo-terminal pair of 100x30 with /dev/ptmx, as
// posix_openpt, grantpt and unlockpt would. The master is non-blocking, in
// Go's poller, so its Close wakes a pending Read and really closes it at
// once: that is the moment the terminal goes away. (Fd would make it
// blocking again: use termiosOf.)
func openPTY() (ptm, pts *os.File, err error) {
	fd, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, nil, err
	}
	ptm = os.NewFile(uintptr(fd), "/dev/ptmx")
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err == nil {
		err = unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0)
	}
	if err == nil {
		pts, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	}
	if err == nil {
		err = unix.IoctlSetWinsize(int(pts.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 30, Col: 100})
	}
	if err != nil {
		ptm.Close()
		if pts != nil {
			pts.Close()
		}
		return nil, nil, fmt.Errorf("opening a pty: %w", err)
	}
	return ptm, pts, nil
}

// termiosOf reads the terminal's modes; on Linux the master reports the
// slave's.
func termiosOf(ptm *os.File) (tio *unix.Termios, err error) {
	rc, err := ptm.SyscallConn()
	if err != nil {
		return nil, err
	}
	if cerr := rc.Control(func(fd uintptr) { tio, err = unix.IoctlGetTermios(int(fd), unix.TCGETS) }); cerr != nil {
		return nil, cerr
	}
	return tio, err
}

// ptyOutput collects what the program writes to its terminal and answers
// its queries as a terminal emulator would: the background color (OSC 11)
// and the cursor position (DSR), which lipgloss asks for at start.
type ptyOutput struct {
	mu       sync.Mutex
	buf      bytes.Buffer
	answered int           // cursor position queries answered so far
	queried  chan struct{} // closed once the first query is answered
	// afterQuery is how much had been written when the first query was
	// answered.
	afterQuery int
	done       chan struct{} // closed when the terminal has no writer left
}

const (
	queryCursor = "\x1b[6n"
)

func (o *ptyOutput) read(ptm *os.File) {
	defer close(o.done)
	b := make([]byte, 4096)
	for {
		n, err := ptm.Read(b)
		o.mu.Lock()
		o.buf.Write(b[:n])
		queries := strings.Count(o.buf.String(), queryCursor)
		o.mu.Unlock()
		// A query is the background color one, then the cursor one, which
		// every terminal answers; answer both once the cursor one is in.
		for ; o.answered < queries; o.answered++ {
			_, _ = ptm.WriteString("\x1b]11;rgb:0000/0000/0000\x1b\\\x1b[1;1R")
			if o.answered == 0 {
				o.mu.Lock()
				o.afterQuery = o.buf.Len()
				o.mu.Unlock()
				close(o.queried)
			}
		}
		if err != nil { // EIO once every copy of the terminal is closed
			return
		}
	}
}

func (o *ptyOutput) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// Terminal modes bubbletea changes and must give back.
const (
	enterAltScreen = "\x1b[?1049h"
	leaveAltScreen = "\x1b[?1049l"
	hideCursor     = "\x1b[?25l"
	showCursor     = "\x1b[?25h"
)

// signalRun is one start of the dashboard ended by a signal, or by closing
// its terminal (the kernel then sends SIGHUP, and the terminal is gone).
type signalRun struct {
	sig      syscall.Signal
	closeTTY bool
	// afterFrame waits for the dashboard's first frame before the delay;
	// otherwise the delay counts from the start, so the signal may land
	// during startup.
	afterFrame bool
	delay      time.Duration
}

func (r signalRun) String() string {
	from := "start"
	if r.afterFrame {
		from = "first frame"
	}
	what := r.sig.String()
	if r.closeTTY {
		what = "terminal closed"
	}
	return fmt.Sprintf("%s %s after %s", what, r.delay.Round(time.Millisecond), from)
}

// exitBound is how long after the signal the process must be gone with the
// terminal restored: the hub stops, an action gets its grace, and the
// terminal is given back — even on a loaded two-core machine.
const exitBound = 2 * time.Second

// runSignalled starts the dashboard in a fresh pty, sends the signal and
// returns an error when it does not exit within exitBound of the signal or
// leaves the terminal changed.
func runSignalled(home, cfg string, r signalRun) (took time.Duration, err error) {
	ptm, pts, err := openPTY()
	if err != nil {
		return 0, err
	}
	defer ptm.Close()
	cmd := exec.Command(binary, "--config", cfg)
	cmd.Env = []string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "TERM=xterm-256color", "XDG_STATE_HOME=" + filepath.Join(home, "state"),
		// The race detector sleeps 1 s before every exit by default; the
		// bound is for stacktop's own stop.
		"GORACE=atexit_sleep_ms=0"}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = pts, pts, pts
	// Its own session with the pty as controlling terminal, as a login shell
	// would start it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		pts.Close()
		return 0, fmt.Errorf("start: %w", err)
	}
	pts.Close() // the reader sees EIO once the program's copies close
	out := &ptyOutput{queried: make(chan struct{}), done: make(chan struct{})}
	go out.read(ptm)
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	// Bubbletea's package init asks the terminal for its background color,
	// in raw mode, before main can own any signal; a signal in that moment
	// gets its default action with the terminal raw. That moment lasts as
	// long as the terminal takes to answer (microseconds for a local one),
	// so the clock of a run starts once the answer was read and the
	// terminal is back in cooked mode.
	if err := waitInitQuery(ptm, out, exited); err != nil {
		_ = cmd.Process.Kill()
		return 0, err
	}
	if r.afterFrame {
		deadline := time.Now().Add(30 * time.Second) // liveness bound, not a speed check
		for !strings.Contains(out.String(), enterAltScreen) {
			select {
			case err := <-exited:
				return 0, fmt.Errorf("exited before its first frame (%v):\n%q", err, out.String())
			case <-time.After(20 * time.Millisecond):
			}
			if time.Now().After(deadline) {
				_ = cmd.Process.Kill()
				return 0, fmt.Errorf("no first frame within 30s:\n%q", out.String())
			}
		}
	}
	select {
	case err := <-exited:
		return 0, fmt.Errorf("exited before the signal (%v):\n%q", err, out.String())
	case <-time.After(r.delay):
	}
	if r.closeTTY {
		err = ptm.Close()
	} else {
		err = cmd.Process.Signal(r.sig)
	}
	if err != nil {
		return 0, fmt.Errorf("%s: %w", r, err)
	}
	sent := time.Now()
	select {
	case <-exited:
	case <-time.After(exitBound):
		// A goroutine dump says where it hangs.
		_ = cmd.Process.Signal(syscall.SIGQUIT)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		<-out.done
		return took, fmt.Errorf("still running %s after the signal; its goroutines:\n%s", exitBound, tail(out.String(), 6000))
	}
	took = time.Since(sent)
	if r.closeTTY {
		return took, nil // nothing left to restore, or to read a report from
	}
	select {
	case <-out.done:
	case <-time.After(5 * time.Second):
		return took, errors.New("the terminal stayed open after the process exited: a child holds it")
	}
	if _, race, ok := strings.Cut(out.String(), "WARNING: DATA RACE"); ok {
		return took, fmt.Errorf("the race detector reported a data race:\n%.6000s", race)
	}
	return took, terminalRestored(ptm, out.String(), took)
}

// waitInitQuery waits until the program asked the terminal its first query,
// got the answer and left raw mode again — seen in the terminal's modes, or
// in what it writes next (it may enter raw mode again for the dashboard
// before a look at the modes catches the cooked moment).
func waitInitQuery(ptm *os.File, out *ptyOutput, exited <-chan error) error {
	deadline := time.After(30 * time.Second) // liveness bound, not a speed check
	select {
	case <-out.queried:
	case err := <-exited:
		return fmt.Errorf("exited before asking the terminal anything (%v):\n%q", err, out.String())
	case <-deadline:
		return fmt.Errorf("asked the terminal nothing within 30s:\n%q", out.String())
	}
	for {
		tio, err := termiosOf(ptm)
		if err != nil {
			return fmt.Errorf("reading terminal modes: %w", err)
		}
		out.mu.Lock()
		wroteMore := out.buf.Len() > out.afterQuery
		out.mu.Unlock()
		if tio.Lflag&unix.ICANON != 0 || wroteMore {
			return nil
		}
		select {
		case err := <-exited:
			return fmt.Errorf("exited during its first terminal query (%v):\n%q", err, out.String())
		case <-deadline:
			return errors.New("still in raw mode 30s after the terminal answered its query")
		case <-time.After(time.Millisecond):
		}
	}
}

// terminalRestored checks that whatever the program switched on it switched
// off again: the alternate screen left, the cursor shown, the line
// discipline back in cooked mode with echo.
func terminalRestored(ptm *os.File, out string, took time.Duration) error {
	var problems []string
	if i := strings.LastIndex(out, enterAltScreen); i >= 0 && strings.LastIndex(out, leaveAltScreen) < i {
		problems = append(problems, "the alternate screen was not left")
	}
	if i := strings.LastIndex(out, hideCursor); i >= 0 && strings.LastIndex(out, showCursor) < i {
		problems = append(problems, "the cursor was left hidden")
	}
	// On Linux the master reports the terminal's (the slave's) modes.
	tio, err := termiosOf(ptm)
	if err != nil {
		problems = append(problems, fmt.Sprintf("reading terminal modes: %v", err))
	} else if tio.Lflag&unix.ECHO == 0 || tio.Lflag&unix.ICANON == 0 {
		problems = append(problems, "the terminal was left in raw mode")
	}
	if len(problems) > 0 {
		return fmt.Errorf("exited after %s but %s; output ends:\n%q", took.Round(time.Millisecond), strings.Join(problems, ", "), tail(out, 400))
	}
	return nil
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// TestSignalsEndTheDashboard sends SIGTERM, SIGINT and SIGHUP 50 times each
// at random moments — during startup and while the dashboard runs — and
// requires every run to exit within 2 s of the signal with the terminal
// restored and no data race reported; 20 more runs close the terminal
// instead, and must exit as fast. Bubbletea's signal handler and ours used to race for the same
// signal and could leave the process hung for good.
func TestSignalsEndTheDashboard(t *testing.T) {
	if testing.Short() {
		t.Skip("SKIP 150 dashboard runs in -short mode")
	}
	ptm, pts, err := openPTY()
	if err != nil {
		t.Skipf("SKIP signal test: %v", err)
	}
	ptm.Close()
	pts.Close()
	cfg := writeConfig(t, fmt.Sprintf("[general]\ndefault_docker = false\n[[postgres]]\nname = \"db\"\nhost = \"127.0.0.1\"\nport = %d\n", closedPort(t)))
	var runs []signalRun
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP} {
		for i := range 50 {
			runs = append(runs, signalRun{sig: sig, afterFrame: i%2 == 1, delay: time.Duration(rand.Int64N(int64(1500 * time.Millisecond)))})
		}
	}
	for i := range 20 {
		runs = append(runs, signalRun{closeTTY: true, afterFrame: i%2 == 1, delay: time.Duration(rand.Int64N(int64(1500 * time.Millisecond)))})
	}
	rand.Shuffle(len(runs), func(i, j int) { runs[i], runs[j] = runs[j], runs[i] })

	const concurrency = 4
	jobs := make(chan signalRun)
	var (
		mu     sync.Mutex
		failed []string
		exits  []time.Duration // signal to exit, of the runs that passed
		slow   signalRun       // the slowest of them
		wg     sync.WaitGroup
	)
	for range concurrency {
		wg.Go(func() {
			for r := range jobs {
				took, err := runSignalled(t.TempDir(), cfg, r)
				mu.Lock()
				if err != nil {
					failed = append(failed, fmt.Sprintf("%s: %v", r, err))
				} else {
					if len(exits) == 0 || took > slices.Max(exits) {
						slow = r
					}
					exits = append(exits, took)
				}
				mu.Unlock()
			}
		})
	}
	for _, r := range runs {
		jobs <- r
	}
	close(jobs)
	wg.Wait()
	if len(exits) > 0 {
		slices.Sort(exits)
		t.Logf("signal to exit: median %s, slowest %s (%s; bound %s)", exits[len(exits)/2].Round(time.Millisecond),
			exits[len(exits)-1].Round(time.Millisecond), slow, exitBound)
	}
	if len(failed) > 0 {
		t.Errorf("%d of %d runs failed; the first:\n%s", len(failed), len(runs), failed[0])
		for _, f := range failed[1:] {
			t.Logf("also: %.300s", f)
		}
	}
}
