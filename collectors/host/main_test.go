package host

import (
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// helperEnv turns the test binary into a helper process: "spin" burns one
// core, "sleep" idles. Both exit on their own within bounds so a crashed
// test run cannot leave them behind for long.
const helperEnv = "STACKTOP_HOST_TEST_HELPER"

const (
	spinFor  = 30 * time.Second
	sleepFor = 10 * time.Minute
)

func TestMain(m *testing.M) {
	switch os.Getenv(helperEnv) {
	case "spin":
		spin(spinFor)
		os.Exit(0)
	case "sleep":
		time.Sleep(sleepFor)
		os.Exit(0)
	case "nondumpable":
		// As ssh-agent does: procfs then shows its files as root's.
		if err := unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0); err != nil {
			os.Exit(3)
		}
		time.Sleep(sleepFor)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// spin keeps one core busy until d has passed.
func spin(d time.Duration) {
	deadline := time.Now().Add(d)
	x := 0
	for time.Now().Before(deadline) {
		for i := range 1_000_000 {
			x += i
		}
	}
	_ = x
}

// startHelper re-executes the test binary in the given helper mode and
// kills it when the test or benchmark ends.
func startHelper(tb testing.TB, mode string) *exec.Cmd {
	tb.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+mode)
	// A session of its own gives the helper its own scheduling autogroup,
	// which prioritise can raise without touching the test's.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		tb.Fatalf("starting %s helper: %v", mode, err)
	}
	tb.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return cmd
}

// startSleepers starts n idle child processes for the duration of tb.
// They are coreutils' sleep where present (about 1 MiB each) rather than
// copies of the test binary (a Go runtime each, with its threads).
func startSleepers(tb testing.TB, n int) {
	tb.Helper()
	sleepBin, err := exec.LookPath("sleep")
	cmds := make([]*exec.Cmd, 0, n)
	tb.Cleanup(func() {
		for _, c := range cmds {
			_ = c.Process.Kill()
		}
		for _, c := range cmds {
			_ = c.Wait()
		}
	})
	for range n {
		var c *exec.Cmd
		if err == nil {
			c = exec.Command(sleepBin, "600")
		} else {
			c = exec.Command(os.Args[0], "-test.run=^$")
			c.Env = append(os.Environ(), helperEnv+"=sleep")
		}
		if err := c.Start(); err != nil {
			tb.Fatalf("starting sleeper %d of %d: %v", len(cmds)+1, n, err)
		}
		cmds = append(cmds, c)
	}
}
