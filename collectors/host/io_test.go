package host

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/shirou/gopsutil/v3/common"
)

// diskFixture writes a diskstats file with the given device names (all
// with I/O) and a sysfs block directory listing the whole devices.
func diskFixture(t *testing.T, stats, whole []string) (procRoot, sysRoot string) {
	t.Helper()
	dir := t.TempDir()
	procRoot, sysRoot = filepath.Join(dir, "proc"), filepath.Join(dir, "sys")
	var lines string
	for i, name := range stats {
		lines += "   8 " + string(rune('0'+i)) + " " + name + " 100 0 2000 50 200 0 4000 80 0 120 130 0 0 0 0\n"
	}
	if err := os.MkdirAll(procRoot, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(procRoot, "diskstats"), lines)
	for _, name := range whole {
		if err := os.MkdirAll(filepath.Join(sysRoot, "block", name), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return procRoot, sysRoot
}

func diskNames(t *testing.T, procRoot, sysRoot string) []string {
	t.Helper()
	env := common.EnvMap{common.HostProcEnvKey: procRoot, common.HostSysEnvKey: sysRoot}
	s := ioSampler{sysRoot: sysRoot}
	disks, err := s.disks(context.WithValue(context.Background(), common.EnvKey, env), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range disks {
		names = append(names, d.Name)
	}
	return names
}

// The Disks list shows whole devices only: partitions are in their disk's
// figures, loop and ram devices mirror I/O counted elsewhere.
func TestDisksShowsWholeDevicesOnly(t *testing.T) {
	stats := []string{"sda", "sda1", "sda2", "nvme0n1", "nvme0n1p1", "loop0", "ram0", "dm-0"}
	proc, sys := diskFixture(t, stats, []string{"sda", "nvme0n1", "loop0", "ram0", "dm-0"})
	if got, want := diskNames(t, proc, sys), []string{"dm-0", "nvme0n1", "sda"}; !slices.Equal(got, want) {
		t.Errorf("disks = %v, want %v", got, want)
	}
	// Only loop devices: none shown (not every device).
	proc, sys = diskFixture(t, []string{"loop0", "loop1"}, []string{"loop0", "loop1"})
	if got := diskNames(t, proc, sys); len(got) != 0 {
		t.Errorf("disks = %v, want none", got)
	}
	// Without sysfs, partitions cannot be told apart: every device but
	// loop and ram is shown rather than none.
	proc, _ = diskFixture(t, stats, nil)
	if got, want := diskNames(t, proc, filepath.Join(t.TempDir(), "nosys")), []string{"dm-0", "nvme0n1", "nvme0n1p1", "sda", "sda1", "sda2"}; !slices.Equal(got, want) {
		t.Errorf("without sysfs: disks = %v, want %v", got, want)
	}
}
