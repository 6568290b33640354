package host

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/stacktop/stacktop/actions"
	"github.com/stacktop/stacktop/collectors"
)

// A process is named by its pid and its start time: a pid alone may have
// been reused by the time the user presses the key. Target.Guard holds the
// start time in one of two forms:
//
//	ticks:N   exact, N = /proc/<pid>/stat field 22 (USER_HZ ticks since boot)
//	time:T    T = RFC 3339 wall-clock start, as the host snapshot shows it
//
// The time form is matched within timeSlack: the snapshot's boot time is
// read once with second precision and the kernel's wall-clock boot time
// moves when the clock is stepped. A reuse of the same pid within that
// window would need the whole pid space to wrap in two seconds.
const timeSlack = 2 * time.Second

// ProcessTarget names a process from the host snapshot (Process.PID,
// Process.Name, Process.StartTime) on the host source called source.
func ProcessTarget(source string, pid int32, name string, start time.Time) actions.Target {
	return actions.Target{
		Kind: collectors.KindHost, Source: source, Object: strconv.Itoa(int(pid)),
		Name:  fmt.Sprintf("%s (%d)", name, pid),
		Guard: "time:" + start.UTC().Format(time.RFC3339Nano),
	}
}

// LookupTarget names the process running now as pid, for the CLI, where
// the user names a pid on the command line rather than from a screen.
func LookupTarget(procRoot, source string, pid int) (actions.Target, error) {
	if procRoot == "" {
		procRoot = "/proc"
	}
	st, err := readProc(procRoot, pid)
	if err != nil {
		return actions.Target{}, fmt.Errorf("process %d: %w — check the pid with ps", pid, err)
	}
	return actions.Target{
		Kind: collectors.KindHost, Source: source, Object: strconv.Itoa(pid),
		Name:  fmt.Sprintf("process %d", pid),
		Guard: "ticks:" + strconv.FormatUint(st.startTicks, 10),
	}, nil
}

// guard is a parsed Target.Guard.
type guard struct {
	ticks   uint64
	started time.Time // set for the time form
}

func parseGuard(s string) (guard, error) {
	form, v, _ := strings.Cut(s, ":")
	switch form {
	case "ticks":
		n, err := strconv.ParseUint(v, 10, 64)
		if err == nil {
			return guard{ticks: n}, nil
		}
	case "time":
		t, err := time.Parse(time.RFC3339Nano, v)
		if err == nil && !t.IsZero() {
			return guard{started: t}, nil
		}
	}
	return guard{}, fmt.Errorf("no usable start time %q: without it a reused pid could be hit", s)
}

// matches reports whether a process that started startTicks after boot is
// the one the guard names; boot is needed only for the time form.
func (g guard) matches(startTicks uint64, boot func() (time.Time, error)) (bool, error) {
	if g.started.IsZero() {
		return startTicks == g.ticks, nil
	}
	b, err := boot()
	if err != nil {
		return false, err
	}
	now := b.Add(time.Duration(startTicks) * time.Second / clockTicks)
	d := now.Sub(g.started)
	return d > -timeSlack && d < timeSlack, nil
}
