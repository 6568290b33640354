package docker

import (
	"context"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// CostEnv enables TestCostVersusDockerStats, a two-minute measurement that
// does not belong in every CI run.
const CostEnv = "STACKTOP_DOCKER_COST"

// TestCostVersusDockerStats is the whole-system cost comparison of issues
// 4 and 12: with 100 idle containers, the CPU used over 60 s at a 2 s
// interval by the collector (this process) plus the engine's processes
// (dockerd, containerd, containerd-shim*: utime+stime, plus children they
// reaped, from /proc/<pid>/stat before and after), against the same 60 s
// of the docker CLI's `docker stats` watching the same containers (the
// CLI's own CPU plus the engine's). Both run a while before the measured
// minute, as a watcher left open does: the collector a minute (so the
// minute includes its safety-net re-inspections and re-lists), the CLI
// ten seconds (its per-container streams are all open by then). A minute
// with nothing watching, before and after, shows the engine's own cost
// (the lower of the two: other users of a shared engine only add), which
// both totals contain; the figures above it are issue 12's (target:
// stacktop <= 5% of docker stats). The test fails only past 25% of the
// totals: the engine is shared with other work, so the difference above
// idle is for the report, not for a verdict.
//
//	STACKTOP_DOCKER_COST=1 go test -count=1 -race=false -run TestCostVersusDockerStats -v -timeout 20m ./collectors/docker/
func TestCostVersusDockerStats(t *testing.T) {
	if os.Getenv(CostEnv) != "1" {
		t.Skipf("set %s=1 to run the 5-minute cost measurement", CostEnv)
	}
	docker, err := exec.LookPath("docker")
	if err != nil {
		t.Skip("no docker CLI to compare with")
	}
	ids := fleetOf100(t)
	const window, interval = 60 * time.Second, 2 * time.Second
	time.Sleep(15 * time.Second) // let the fleet's start-up settle

	// Nothing watching: what the engine's processes cost by themselves with
	// 100 containers (shims, containerd, dockerd housekeeping, and whatever
	// else uses this engine meanwhile). Reported, not subtracted.
	idle1 := measure(func() int64 { time.Sleep(window); return 0 })

	c := newCollector(t, Options{})
	for end := time.Now().Add(time.Minute); time.Now().Before(end); time.Sleep(interval) {
		collect(t, c)
	}
	calls0 := pollCalls(c)
	ours := measure(func() int64 {
		self0 := selfCPU()
		for end := time.Now().Add(window); time.Now().Before(end); time.Sleep(interval) {
			collect(t, c)
		}
		return selfCPU() - self0
	})
	calls := pollCalls(c)
	c.Close()

	ctx, cancel := context.WithTimeout(context.Background(), window+time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, docker, append([]string{"stats"}, ids...)...)
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Second)
	cli := measure(func() int64 {
		cli0 := procCPUTicks(cmd.Process.Pid, false)
		time.Sleep(window)
		return (procCPUTicks(cmd.Process.Pid, false) - cli0) * 1000 / clockTicks
	})
	cmd.Process.Kill()
	cmd.Wait()

	idle2 := measure(func() int64 { time.Sleep(window); return 0 })
	// Other work on a shared engine only adds to a minute: the quieter
	// idle minute is the better estimate of the engine's own cost.
	idle := cost{daemon: min(idle1.daemon, idle2.daemon), dockerd: min(idle1.dockerd, idle2.dockerd)}

	ratio := float64(ours.total()) / float64(cli.total())
	t.Logf("stacktop collector: self %d ms + engine %d ms (dockerd %d) = %d ms CPU over %s", ours.self, ours.daemon, ours.dockerd, ours.total(), window)
	t.Logf("docker stats CLI:   self %d ms + engine %d ms (dockerd %d) = %d ms CPU over %s", cli.self, cli.daemon, cli.dockerd, cli.total(), window)
	t.Logf("nothing watching:   engine %d and %d ms (dockerd %d and %d) over %s, before and after (the lower is in both totals above)",
		idle1.daemon, idle2.daemon, idle1.dockerd, idle2.dockerd, window)
	t.Logf("stacktop's API calls in its minute: %s", calls.since(calls0))
	oursAbove, cliAbove := ours.total()-idle.daemon, cli.total()-idle.daemon
	t.Logf("above the idle engine: stacktop %d ms, docker stats %d ms: %.1f%% (issue 12's target <= 5%%); totals: %.1f%% (fails past 25%%)",
		oursAbove, cliAbove, 100*float64(oursAbove)/float64(cliAbove), ratio*100)
	t.Logf("above the idle dockerd alone: stacktop %d ms, docker stats %d ms", ours.dockerd-idle.dockerd, cli.dockerd-idle.dockerd)
	if ratio > 0.25 {
		t.Errorf("stacktop's total is %.1f%% of docker stats', want <= 25%%", ratio*100)
	}
}

// cost is CPU milliseconds of the watcher itself and of the engine (of
// which dockerd alone: the part API calls cost; containerd and the shims
// are the containers' housekeeping, which cgroup reads do not touch).
type cost struct{ self, daemon, dockerd int64 }

func (c cost) total() int64 { return c.self + c.daemon }

// measure runs fn, which returns the watcher's own CPU, and adds the
// engine processes' CPU over the same time.
// Only processes alive at both ends count: a shim that exits meanwhile
// (another user's container removed) would take its whole past CPU out of
// a plain sum.
func measure(fn func() int64) cost {
	before := engineTicks()
	self := fn()
	var c cost
	for pid, e := range engineTicks() {
		b, ok := before[pid]
		if !ok || b.comm != e.comm || e.ticks < b.ticks {
			continue
		}
		ms := (e.ticks - b.ticks) * 1000 / clockTicks
		c.daemon += ms
		if e.comm == "dockerd" {
			c.dockerd += ms
		}
	}
	c.self = self
	return c
}

// engineTick is one engine process's CPU so far.
type engineTick struct {
	comm  string
	ticks int64
}

// engineTicks reads the CPU of every engine process, by pid.
func engineTicks() map[int]engineTick {
	out := map[int]engineTick{}
	for _, pid := range daemonPIDs() {
		comm, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
		if err != nil {
			continue
		}
		out[pid] = engineTick{comm: strings.TrimSpace(string(comm)), ticks: procCPUTicks(pid, true)}
	}
	return out
}
