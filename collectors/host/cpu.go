package host

import (
	"context"
	"fmt"

	"github.com/shirou/gopsutil/v3/cpu"
)

// cpuSampler turns cumulative CPU times into per-interval shares. It keeps
// its own previous sample because cpu.Percent(0) keeps one in package state
// shared by every caller in the process, so two collectors would corrupt
// each other's deltas.
type cpuSampler struct {
	prevTotal *cpu.TimesStat
	prevCores map[string]cpu.TimesStat
}

// sample reads /proc/stat (total and per core) and returns use since the
// previous sample; Valid is false on the first.
func (s *cpuSampler) sample(ctx context.Context) (CPU, error) {
	total, err := cpu.TimesWithContext(ctx, false)
	if err != nil || len(total) == 0 {
		return CPU{}, fmt.Errorf("cpu times: %v — is /proc/stat readable?", errOrEmpty(err))
	}
	cores, err := cpu.TimesWithContext(ctx, true)
	if err != nil || len(cores) == 0 {
		return CPU{}, fmt.Errorf("per-core cpu times: %v — is /proc/stat readable?", errOrEmpty(err))
	}

	out := CPU{Cores: len(cores), PerCore: make([]CPUUsage, len(cores))}
	if s.prevTotal != nil {
		out.Total, out.Valid = cpuUsage(*s.prevTotal, total[0])
	}
	// Match cores by name, not position: a core taken offline drops out of
	// /proc/stat and would shift every later one.
	next := make(map[string]cpu.TimesStat, len(cores))
	for i, c := range cores {
		if prev, ok := s.prevCores[c.CPU]; ok {
			out.PerCore[i], _ = cpuUsage(prev, c)
		}
		next[c.CPU] = c
	}
	s.prevTotal, s.prevCores = &total[0], next
	return out, nil
}

// cpuUsage is the share of each state between two samples, in percent.
// User includes nice and System includes irq and softirq, as the summary
// line of top folds them. Guest time is already inside user on Linux, so it
// is not added again. ok is false when no time passed.
func cpuUsage(prev, cur cpu.TimesStat) (CPUUsage, bool) {
	// The kernel's per-core iowait can step backwards; a negative delta is
	// clamped to zero rather than producing a negative share.
	d := func(a, b float64) float64 { return max(b-a, 0) }
	user := d(prev.User+prev.Nice, cur.User+cur.Nice)
	system := d(prev.System+prev.Irq+prev.Softirq, cur.System+cur.Irq+cur.Softirq)
	idle := d(prev.Idle, cur.Idle)
	iowait := d(prev.Iowait, cur.Iowait)
	steal := d(prev.Steal, cur.Steal)
	all := user + system + idle + iowait + steal
	if all <= 0 {
		return CPUUsage{}, false
	}
	pct := func(v float64) float64 { return min(v*100/all, 100) }
	return CPUUsage{
		Busy:   pct(user + system + steal),
		User:   pct(user),
		System: pct(system),
		IOWait: pct(iowait),
		Steal:  pct(steal),
	}, true
}

// errOrEmpty names why a read gave nothing: its error, or an empty result.
func errOrEmpty(err error) any {
	if err != nil {
		return err
	}
	return "no data"
}
