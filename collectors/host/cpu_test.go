package host

import (
	"testing"

	"github.com/shirou/gopsutil/v3/cpu"
)

func TestCPUUsage(t *testing.T) {
	prev := cpu.TimesStat{User: 100, Nice: 10, System: 50, Irq: 5, Softirq: 5, Idle: 1000, Iowait: 20, Steal: 0}
	// Over the interval: 30 user + 10 nice, 10 system + 5 irq + 5 softirq,
	// 100 idle, 20 iowait, 20 steal = 200 in all.
	cur := cpu.TimesStat{User: 130, Nice: 20, System: 60, Irq: 10, Softirq: 10, Idle: 1100, Iowait: 40, Steal: 20}
	got, ok := cpuUsage(prev, cur)
	want := CPUUsage{Busy: 40, User: 20, System: 10, IOWait: 10, Steal: 10}
	if !ok || !near(got.Busy, want.Busy) || !near(got.User, want.User) || !near(got.System, want.System) ||
		!near(got.IOWait, want.IOWait) || !near(got.Steal, want.Steal) {
		t.Errorf("cpuUsage = %+v ok=%v, want %+v", got, ok, want)
	}

	// The kernel's per-core iowait can step backwards; that must not give
	// a negative share or push Busy past 100.
	back := cur
	back.Iowait = 30
	back.User = 230
	got, ok = cpuUsage(cur, back)
	if !ok || got.IOWait != 0 || got.Busy != 100 || got.User != 100 {
		t.Errorf("iowait going backwards: %+v ok=%v, want all busy in user and no iowait", got, ok)
	}

	if _, ok := cpuUsage(cur, cur); ok {
		t.Error("no time elapsed, yet a usage figure")
	}
}
