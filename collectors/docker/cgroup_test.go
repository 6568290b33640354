package docker

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// cgroupFixture lays out a /proc and a /sys/fs/cgroup for one container
// whose init process is pid 4242, with the given /proc/4242/cgroup and
// files under the cgroup root.
func cgroupFixture(t *testing.T, procCgroup string, files map[string]string) cgroupFS {
	t.Helper()
	root := t.TempDir()
	write := func(rel, content string) {
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("proc/4242/cgroup", procCgroup)
	write("proc/4242/net/dev", `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:  999999     10    0    0    0     0          0         0   999999     10    0    0    0     0       0          0
  eth0:    5000     40    0    0    0     0          0         0     3000     30    0    0    0     0       0          0
`)
	for rel, content := range files {
		write(filepath.Join("cgroup", rel), content)
	}
	return cgroupFS{procRoot: filepath.Join(root, "proc"), cgroupRoot: filepath.Join(root, "cgroup"), memTotal: 16 << 30}
}

// readOnce opens p's files, reads them once and closes them.
func readOnce(fs cgroupFS, p cgroupPaths, now time.Time) (counters, error) {
	f, err := fs.open(p)
	if err != nil {
		return counters{}, err
	}
	defer f.close()
	var buf fileBuf
	return f.read(now, &buf)
}

const fixtureID = "3f2a9c1b7d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8"

// The files a cgroup v2 container has (systemd cgroup driver, the default
// on current distributions), as the kernel writes them.
func v2Files(dir string, memMax string) map[string]string {
	return map[string]string{
		dir + "/cpu.stat":       "usage_usec 1500000\nuser_usec 1000000\nsystem_usec 500000\nnr_periods 0\n",
		dir + "/memory.current": "104857600\n",
		dir + "/memory.max":     memMax + "\n",
		dir + "/memory.stat":    "anon 50000000\nfile 54857600\nactive_file 4857600\ninactive_file 50000000\n",
		dir + "/io.stat":        "8:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n259:0 rbytes=1000 wbytes=0 rios=1 wios=0 dbytes=0 dios=0\n",
		dir + "/pids.current":   "7\n",
	}
}

func TestCgroupV2(t *testing.T) {
	dir := "system.slice/docker-" + fixtureID + ".scope"
	fs := cgroupFixture(t, "0::/"+dir+"\n", v2Files(dir, "max"))
	p, err := fs.locate(fixtureID, 4242, false)
	if err != nil {
		t.Fatal(err)
	}
	if !p.v2 || p.memLimit != 16<<30 {
		t.Errorf("located %+v: want v2 with an unlimited memory limit shown as the host's 16 GiB", p)
	}
	now := time.Now()
	c, err := readOnce(fs, p, now)
	if err != nil {
		t.Fatal(err)
	}
	want := counters{at: now, cpuNS: 1_500_000_000, cpuOK: true, memUsage: 104857600, memInactive: 50000000, memLimit: 16 << 30, memOK: true,
		netRx: 5000, netTx: 3000, netOK: true, blkRead: 5096, blkWrite: 8192, blkOK: true, pids: 7}
	if c != want {
		t.Errorf("v2 counters:\n got %+v\nwant %+v", c, want)
	}

	// A memory limit is read as set; host networking has no net figures.
	fs = cgroupFixture(t, "0::/"+dir+"\n", v2Files(dir, "536870912"))
	if p, err = fs.locate(fixtureID, 4242, true); err != nil || p.memLimit != 512<<20 || p.netDev != "" {
		t.Errorf("with a 512 MiB limit and host network: %+v, %v", p, err)
	}
}

// The cgroupfs driver names the cgroup /docker/<id>; v1 puts each
// controller in its own hierarchy; hybrid systems also list a v2 line,
// and v1's controllers win there.
func TestCgroupV1AndHybrid(t *testing.T) {
	dir := "docker/" + fixtureID
	v1 := map[string]string{
		"cpu,cpuacct/" + dir + "/cpuacct.usage":                       "2500000000\n",
		"memory/" + dir + "/memory.usage_in_bytes":                    "209715200\n",
		"memory/" + dir + "/memory.limit_in_bytes":                    "9223372036854771712\n",
		"memory/" + dir + "/memory.stat":                              "cache 1000\ninactive_file 10\ntotal_inactive_file 100000000\n",
		"blkio/" + dir + "/blkio.throttle.io_service_bytes_recursive": "8:0 Read 4096\n8:0 Write 512\n8:0 Sync 0\nTotal 4608\n",
		"pids/" + dir + "/pids.current":                               "3\n",
	}
	lines := []string{"12:pids:/" + dir, "8:memory:/" + dir, "5:blkio:/" + dir, "3:cpu,cpuacct:/" + dir, "1:name=systemd:/" + dir}
	for _, hybrid := range []bool{false, true} {
		procCgroup := strings.Join(lines, "\n") + "\n"
		files := v1
		if hybrid {
			procCgroup += "0::/" + dir + "\n"
		}
		fs := cgroupFixture(t, procCgroup, files)
		p, err := fs.locate(fixtureID, 4242, false)
		if err != nil {
			t.Fatal(err)
		}
		c, err := readOnce(fs, p, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		want := counters{cpuNS: 2_500_000_000, cpuOK: true, memUsage: 209715200, memInactive: 100000000, memLimit: 16 << 30, memOK: true,
			netRx: 5000, netTx: 3000, netOK: true, blkRead: 4096, blkWrite: 512, blkOK: true, pids: 3}
		if p.v2 || c != want {
			t.Errorf("hybrid=%v: v2=%v counters\n got %+v\nwant %+v", hybrid, p.v2, c, want)
		}
	}
}

// A cgroup path that does not name the container (a pid from another
// namespace, or stacktop inside a container of its own) is refused, so the
// API is used; a v2 cgroup whose files are gone fails the read.
func TestCgroupRefusals(t *testing.T) {
	fs := cgroupFixture(t, "0::/\n", nil)
	if _, err := fs.locate(fixtureID, 4242, false); err == nil {
		t.Error("a cgroup path without the container id was accepted")
	}
	if _, err := fs.locate(fixtureID, 0, false); err == nil {
		t.Error("a container without an init process was located")
	}
	dir := "system.slice/docker-" + fixtureID + ".scope"
	fs = cgroupFixture(t, "0::/"+dir+"\n", map[string]string{dir + "/memory.current": "1\n"})
	p, err := fs.locate(fixtureID, 4242, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := readOnce(fs, p, time.Time{}); err == nil {
		t.Error("a v2 cgroup without cpu.stat read as CPU 0")
	}
}

// The files stay open between polls: each read is a fresh sample (read
// from the start, not where the last read ended), and a file longer than
// one kernel read (a network namespace with many interfaces) is read whole.
func TestCgroupFilesKeptOpen(t *testing.T) {
	dir := "system.slice/docker-" + fixtureID + ".scope"
	fs := cgroupFixture(t, "0::/"+dir+"\n", v2Files(dir, "max"))
	p, err := fs.locate(fixtureID, 4242, false)
	if err != nil {
		t.Fatal(err)
	}
	f, err := fs.open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.close()
	var buf fileBuf
	if c, err := f.read(time.Time{}, &buf); err != nil || c.cpuNS != 1_500_000_000 || c.netRx != 5000 {
		t.Fatalf("first read: %+v, %v", c, err)
	}
	// Rewrite in place (same inode, as the kernel's files are), longer
	// than before, then shorter: each read sees exactly the new content.
	write := func(rel, content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(fs.cgroupRoot, rel), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(dir+"/cpu.stat", "usage_usec 2500000\nuser_usec 2000000\nsystem_usec 500000\nnr_periods 0\nnr_throttled 0\n")
	write(dir+"/pids.current", "12\n")
	var dev strings.Builder
	dev.WriteString("Inter-|   Receive\n face |bytes\n")
	for i := range 200 { // ~130 bytes a line: past one read and past the buffer
		fmt.Fprintf(&dev, "%6s:    %4d     40    0    0    0     0          0         0     %4d     30    0    0    0     0       0          0\n", fmt.Sprintf("eth%d", i), 10, 20)
	}
	if err := os.WriteFile(filepath.Join(fs.procRoot, "4242/net/dev"), []byte(dev.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := f.read(time.Time{}, &buf)
	if err != nil || c.cpuNS != 2_500_000_000 || c.pids != 12 || c.netRx != 2000 || c.netTx != 4000 {
		t.Errorf("after the files changed: %+v, %v; want CPU 2.5 s, 12 pids, rx 2000 tx 4000 over 200 interfaces", c, err)
	}
	write(dir+"/pids.current", "3\n")
	if c, err := f.read(time.Time{}, &buf); err != nil || c.pids != 3 {
		t.Errorf("after pids.current shrank: %d, %v; want 3", c.pids, err)
	}
}
