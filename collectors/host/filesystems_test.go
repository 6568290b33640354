package host

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/shirou/gopsutil/v3/disk"
)

func TestRealMounts(t *testing.T) {
	blockFS := map[string]bool{"ext4": true, "xfs": true, "squashfs": true, "btrfs": true}
	parts := []disk.PartitionStat{
		{Device: "proc", Mountpoint: "/proc", Fstype: "proc"},
		{Device: "tmpfs", Mountpoint: "/run", Fstype: "tmpfs"},
		{Device: "cgroup", Mountpoint: "/sys/fs/cgroup/cpu", Fstype: "cgroup"},
		{Device: "overlay", Mountpoint: "/var/lib/docker/overlay2/x/merged", Fstype: "overlay"},
		{Device: "/dev/loop3", Mountpoint: "/snap/core/1", Fstype: "squashfs"},
		// A bind mount listed before its original: the original still wins.
		{Device: "/dev/vda", Mountpoint: "/var/lib/docker", Fstype: "ext4", Opts: []string{"rw", "bind"}},
		{Device: "/dev/vda", Mountpoint: "/", Fstype: "ext4", Opts: []string{"rw"}},
		{Device: "/dev/vdb", Mountpoint: "/data", Fstype: "xfs"},
		{Device: "nas:/export", Mountpoint: "/mnt/nas", Fstype: "nfs4"},
		{Device: "none", Mountpoint: "/weird", Fstype: "ext4"},
	}
	got := realMounts(parts, blockFS)
	want := []string{"/", "/data", "/mnt/nas"}
	if len(got) != len(want) {
		t.Fatalf("kept %v, want mountpoints %v", got, want)
	}
	for i, m := range got {
		if m.Mountpoint != want[i] {
			t.Errorf("mount %d = %s, want %s", i, m.Mountpoint, want[i])
		}
	}
}

func TestReadBlockFSTypes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "filesystems")
	content := "nodev\tsysfs\nnodev\ttmpfs\n\text4\nnodev\tnfs4\n\tvfat\n"
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := readBlockFSTypes(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !got["ext4"] || !got["vfat"] {
		t.Errorf("block filesystem types = %v, want ext4 and vfat", got)
	}
}

// TestProbeHungMount stands in a mount whose statfs never returns, as on
// a dead NFS server: the poll must come back within the timeout with the
// healthy mounts, the hung one marked, and later polls must not wait again.
func TestProbeHungMount(t *testing.T) {
	release := make(chan struct{})
	calls := map[string]int{}
	callCh := make(chan string, 16)
	statfs := func(path string) (*disk.UsageStat, error) {
		callCh <- path
		switch path {
		case "/mnt/dead":
			<-release
			return &disk.UsageStat{Total: 300, Used: 200, Free: 100}, nil
		case "/gone":
			return nil, errors.New("no such file or directory")
		}
		return &disk.UsageStat{Total: 1000, Used: 250, Free: 750}, nil
	}
	p := newFSProber(statfs, 50*time.Millisecond)
	mounts := []disk.PartitionStat{
		{Device: "/dev/vda", Mountpoint: "/", Fstype: "ext4"},
		{Device: "/dev/vdb", Mountpoint: "/gone", Fstype: "ext4"},
		{Device: "nas:/x", Mountpoint: "/mnt/dead", Fstype: "nfs4"},
	}
	poll := func() []Filesystem {
		t.Helper()
		start := time.Now()
		fs := p.probe(context.Background(), mounts)
		if took := time.Since(start); took > time.Second {
			t.Fatalf("poll took %v with a hung mount", took)
		}
		for len(callCh) > 0 {
			calls[<-callCh]++
		}
		return fs
	}

	for round := 1; round <= 2; round++ {
		fs := poll()
		if len(fs) != 2 || fs[0].Mountpoint != "/" || fs[0].Used != 250 || fs[0].Unresponsive {
			t.Fatalf("round %d: %+v, want / healthy and /mnt/dead marked", round, fs)
		}
		if dead := fs[1]; dead.Mountpoint != "/mnt/dead" || !dead.Unresponsive || dead.FSType != "nfs4" {
			t.Errorf("round %d: dead mount shown as %+v", round, dead)
		}
	}
	if calls["/mnt/dead"] != 1 {
		t.Errorf("hung mount probed %d times, want once until it answers", calls["/mnt/dead"])
	}

	// The server comes back: the stuck call returns and the mount is fine.
	close(release)
	time.Sleep(10 * time.Millisecond)
	fs := poll()
	if len(fs) != 2 || fs[1].Unresponsive || fs[1].Used != 200 {
		t.Errorf("after recovery: %+v, want /mnt/dead with its figures", fs)
	}
}

// TestProbeStopsAtContext checks that a poll deadline shorter than the
// statfs timeout wins.
func TestProbeStopsAtContext(t *testing.T) {
	block := make(chan struct{})
	defer close(block)
	p := newFSProber(func(string) (*disk.UsageStat, error) { <-block; return nil, errors.New("late") }, time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	done := make(chan []Filesystem)
	go func() { done <- p.probe(ctx, []disk.PartitionStat{{Device: "d", Mountpoint: "/m", Fstype: "nfs"}}) }()
	select {
	case fs := <-done:
		if len(fs) != 1 || !fs[0].Unresponsive {
			t.Errorf("got %+v, want /m unresponsive", fs)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("probe ignored its context")
	}
}
