package host_test

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stacktop/stacktop/actions"
	"github.com/stacktop/stacktop/actions/actionstest"
	"github.com/stacktop/stacktop/actions/host"
	hostc "github.com/stacktop/stacktop/collectors/host"
	"go.uber.org/goleak"
)

// childEnv switches the re-executed test binary into a sleeping child:
// "sleep" exits on TERM, "ignore-term" survives it.
const childEnv = "STACKTOP_HOST_ACTIONS_CHILD"

func TestMain(m *testing.M) {
	switch os.Getenv(childEnv) {
	case "":
		goleak.VerifyTestMain(m)
		return
	case "ignore-term":
		signal.Ignore(syscall.SIGTERM)
	}
	fmt.Println("ready")
	// Bounded, so a failed test cannot leave it behind for long.
	time.Sleep(2 * time.Minute)
	os.Exit(3)
}

// child is a real process to signal.
type child struct {
	cmd   *exec.Cmd
	pid   int
	ticks uint64
}

func startChild(t *testing.T, mode string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+mode)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, pid: cmd.Process.Pid}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	// Wait until its signal disposition is set up.
	if line, err := bufio.NewReader(out).ReadString('\n'); err != nil || line != "ready\n" {
		t.Fatalf("child did not start: %q %v", line, err)
	}
	c.ticks = startTicks(t, c.pid)
	return c
}

func startTicks(t testing.TB, pid int) uint64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	n, err := strconv.ParseUint(f[19], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func (c *child) target(ticks uint64) actions.Target {
	return actions.Target{Kind: "host", Source: "local", Object: strconv.Itoa(c.pid),
		Name: fmt.Sprintf("child (%d)", c.pid), Guard: "ticks:" + strconv.FormatUint(ticks, 10)}
}

// alive reports whether the child still runs (not exited, not a zombie).
func (c *child) alive() bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", c.pid))
	if err != nil {
		return false
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	return f[0] != "Z" && f[0] != "X"
}

// exitSignal waits for the child and returns the signal that ended it.
func (c *child) exitSignal(t *testing.T) syscall.Signal {
	t.Helper()
	err := c.cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("child exit: %v", err)
	}
	ws := ee.Sys().(syscall.WaitStatus)
	if !ws.Signaled() {
		t.Fatalf("child exited with status %d, not by a signal", ws.ExitStatus())
	}
	return ws.Signal()
}

func registry(t *testing.T, opts host.Options) *actions.Registry {
	t.Helper()
	reg, err := actions.NewRegistry(host.Kinds(opts)...)
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

func TestTermEndsAProcess(t *testing.T) {
	c := startChild(t, "sleep")
	a, err := registry(t, host.Options{}).New(host.TermID, c.target(c.ticks), nil)
	if err != nil {
		t.Fatal(err)
	}
	if a.Risk != actions.Mutating || !a.NeedsConfirmation() || a.ConfirmByName {
		t.Errorf("TERM: risk %s, confirmation %v, by name %v", a.Risk, a.NeedsConfirmation(), a.ConfirmByName)
	}
	r, log := actionstest.NewRunner(t, actions.RunnerOptions{})
	var last actions.Progress
	res, err := r.Run(t.Context(), a, actions.Confirmation{Confirmed: true}, func(p actions.Progress) { last = p })
	if err != nil || res.Outcome != actions.OutcomeOK {
		t.Fatalf("TERM: %v %v", res.Outcome, err)
	}
	if sig := c.exitSignal(t); sig != syscall.SIGTERM {
		t.Errorf("child ended by %v, want SIGTERM", sig)
	}
	if !strings.HasPrefix(last.Message, "sent SIGTERM; waiting for child") {
		t.Errorf("progress %q", last.Message)
	}
	if recs := actionstest.ReadAudit(t, log); len(recs) != 1 || recs[0].Action != host.TermID || recs[0].Outcome != actions.OutcomeOK {
		t.Errorf("audit %+v", recs)
	}
}

func TestTermThenKillForAProcessIgnoringTerm(t *testing.T) {
	c := startChild(t, "ignore-term")
	reg := registry(t, host.Options{TermWait: 300 * time.Millisecond})
	r, log := actionstest.NewRunner(t, actions.RunnerOptions{})

	term, _ := reg.New(host.TermID, c.target(c.ticks), nil)
	res, err := r.Run(t.Context(), term, actions.Confirmation{Confirmed: true}, nil)
	if res.Outcome != actions.OutcomeFailed || err == nil || !strings.Contains(err.Error(), "still running after 300ms — KILL it") {
		t.Fatalf("TERM on a TERM-ignoring process: %v %v", res.Outcome, err)
	}
	if !c.alive() {
		t.Fatal("the child died of an ignored TERM")
	}

	kill, err := reg.New(host.KillID, c.target(c.ticks), nil)
	if err != nil {
		t.Fatal(err)
	}
	if kill.Risk != actions.Destructive || !kill.ConfirmByName || kill.ConfirmPhrase() != strconv.Itoa(c.pid) {
		t.Errorf("KILL: risk %s, by name %v, phrase %q", kill.Risk, kill.ConfirmByName, kill.ConfirmPhrase())
	}
	if _, err := r.Run(t.Context(), kill, actions.Confirmation{Confirmed: true, TypedName: "child"}, nil); !errors.Is(err, actions.ErrNotConfirmed) {
		t.Errorf("KILL with the wrong name typed: %v", err)
	}
	if _, err := r.Run(t.Context(), kill, actions.Confirmation{Confirmed: true}, nil); !errors.Is(err, actions.ErrNotConfirmed) {
		t.Errorf("KILL without the name typed: %v", err)
	}
	if !c.alive() {
		t.Fatal("an unconfirmed KILL ended the child")
	}
	if _, err := r.Run(t.Context(), kill, actions.Confirmation{Confirmed: true, TypedName: strconv.Itoa(c.pid)}, nil); err != nil {
		t.Fatalf("KILL: %v", err)
	}
	if sig := c.exitSignal(t); sig != syscall.SIGKILL {
		t.Errorf("child ended by %v, want SIGKILL", sig)
	}
	var outcomes []string
	for _, rec := range actionstest.ReadAudit(t, log) {
		outcomes = append(outcomes, string(rec.Outcome))
	}
	if got := strings.Join(outcomes, ","); got != "failed,refused_unconfirmed,refused_unconfirmed,ok" {
		t.Errorf("audit outcomes %s", got)
	}
}

func TestReusedPidIsNotSignalled(t *testing.T) {
	c := startChild(t, "sleep")
	reg := registry(t, host.Options{})
	r, _ := actionstest.NewRunner(t, actions.RunnerOptions{})
	for _, id := range []string{host.TermID, host.KillID} {
		// The same pid, but the process the user saw started a tick earlier.
		a, err := reg.New(id, c.target(c.ticks-1), nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := r.Run(t.Context(), a, actions.Yes(a), nil)
		if res.Outcome != actions.OutcomeFailed || err == nil || !strings.Contains(err.Error(), "now a different process") {
			t.Errorf("%s on a reused pid: %v %v", id, res.Outcome, err)
		}
		if !c.alive() {
			t.Fatalf("%s signalled a reused pid", id)
		}
	}
}

// The UI builds targets from the host snapshot; the start time there must
// name the same process.
func TestTargetFromHostSnapshot(t *testing.T) {
	c := startChild(t, "sleep")
	snap, err := hostc.New(hostc.Options{}).Collect(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var p *hostc.Process
	for i, q := range snap.(*hostc.Snapshot).Processes.List {
		if int(q.PID) == c.pid {
			p = &snap.(*hostc.Snapshot).Processes.List[i]
		}
	}
	if p == nil {
		t.Fatal("child not in the host snapshot")
	}
	tgt := host.ProcessTarget("local", p.PID, p.Name, p.StartTime)
	reg := registry(t, host.Options{})
	r, _ := actionstest.NewRunner(t, actions.RunnerOptions{})

	stale := host.ProcessTarget("local", p.PID, p.Name, p.StartTime.Add(-time.Minute))
	a, _ := reg.New(host.TermID, stale, nil)
	if _, err := r.Run(t.Context(), a, actions.Yes(a), nil); err == nil || !c.alive() {
		t.Fatalf("TERM with a start time a minute off: %v, alive %v", err, c.alive())
	}
	a, _ = reg.New(host.TermID, tgt, nil)
	if !strings.Contains(a.Description, fmt.Sprintf("(%d)", c.pid)) {
		t.Errorf("description %q does not name the process", a.Description)
	}
	if _, err := r.Run(t.Context(), a, actions.Yes(a), nil); err != nil {
		t.Fatalf("TERM from the snapshot: %v", err)
	}
	if sig := c.exitSignal(t); sig != syscall.SIGTERM {
		t.Errorf("child ended by %v", sig)
	}
}

func TestRefusedTargets(t *testing.T) {
	reg := registry(t, host.Options{})
	for _, tc := range []struct {
		tgt  actions.Target
		want string // the reason, so a refusal for another cause fails
	}{
		{actions.Target{Kind: "host", Source: "local", Object: "1", Guard: "ticks:1"}, "refusing to signal pid 1"},
		{actions.Target{Kind: "host", Source: "local", Object: strconv.Itoa(os.Getpid()), Guard: "ticks:1"}, "that is stacktop itself"},
		{actions.Target{Kind: "host", Source: "local", Object: "abc", Guard: "ticks:1"}, "is not a pid"},
		{actions.Target{Kind: "host", Source: "local", Object: "1234"}, "no usable start time"},
		{actions.Target{Kind: "host", Source: "local", Object: "1234", Guard: "time:yesterday"}, "no usable start time"},
	} {
		if _, err := reg.New(host.KillID, tc.tgt, nil); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("KILL of %+v: %v, want a refusal saying %q", tc.tgt, err, tc.want)
		}
	}
}

func TestExitedProcess(t *testing.T) {
	c := startChild(t, "sleep")
	tgt := c.target(c.ticks)
	_ = c.cmd.Process.Kill()
	_ = c.cmd.Wait()
	a, _ := registry(t, host.Options{}).New(host.TermID, tgt, nil)
	r, _ := actionstest.NewRunner(t, actions.RunnerOptions{})
	if _, err := r.Run(t.Context(), a, actions.Yes(a), nil); err == nil || !strings.Contains(err.Error(), "already exited") {
		t.Errorf("TERM of an exited process: %v", err)
	}
}

func TestHostActionsRefusedWhenReadOnly(t *testing.T) {
	actionstest.AssertReadOnlyRefused(t, registry(t, host.Options{}).Kinds(), func(t *testing.T, k actions.Kind) actionstest.Case {
		c := startChild(t, "sleep")
		return actionstest.Case{
			Target: c.target(c.ticks),
			Unchanged: func(t testing.TB) {
				if !c.alive() || startTicks(t, c.pid) != c.ticks {
					t.Errorf("%s under read-only: the process is gone", k.ID)
				}
			},
		}
	})
}
