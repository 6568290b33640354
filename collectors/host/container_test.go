package host

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/shirou/gopsutil/v3/common"
)

func TestParseContainerID(t *testing.T) {
	const id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	cases := []struct {
		name, file, want string
	}{
		{"v1 cgroupfs driver", "12:pids:/docker/" + id + "\n11:memory:/docker/" + id + "\n0::/\n", id},
		{"v2 systemd driver", "0::/system.slice/docker-" + id + ".scope\n", id},
		{"v2 systemd inside the container", "0::/system.slice/docker-" + id + ".scope/init.scope\n", id},
		{"v1 systemd driver, controller list with ':'-free path", "4:cpu,cpuacct:/system.slice/docker-" + id + ".scope\n", id},
		{"podman", "0::/machine.slice/libpod-" + id + ".scope/container\n", id},
		{"containerd (Kubernetes)", "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1234.slice/cri-containerd-" + id + ".scope\n", id},
		{"kubepods cgroupfs", "3:memory:/kubepods/burstable/pod0e2d8a0c-1111-2222-3333-444455556666/" + id + "\n", id},
		{"no final newline", "0::/docker/" + id, id},
		{"host process", "12:pids:/user.slice/user-1000.slice/session-2.scope\n0::/user.slice\n", ""},
		{"root cgroup", "0::/\n", ""},
		{"63 hex digits", "0::/docker/" + id[:63] + "\n", ""},
		{"65 hex digits", "0::/docker/" + id + "0\n", ""},
		{"upper case is not an engine's ID", "0::/docker/0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef\n", ""},
		{"not hex", "0::/docker/" + id[:60] + "zzzz\n", ""},
		{"empty", "", ""},
		{"malformed line", "garbage " + id + "\n", ""},
	}
	for _, c := range cases {
		if got := string(parseContainerID([]byte(c.file))); got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}

// A process's container is read once, when it is first seen: its cgroup
// file is not opened again on later scans, and a reused pid gets its own.
func TestProcReaderReadsContainerOncePerProcess(t *testing.T) {
	root := fixtureProc(t)
	r := fixtureReader(root, fixtureBoot)
	if got := scanOK(t, r)[100].Container; got != fixtureContainerV1 {
		t.Fatalf("first scan: container %q, want %q", got, fixtureContainerV1)
	}
	// Were the file read again, the process would show it; it must not be.
	writeFile(t, filepath.Join(root, "100", "cgroup"), "0::/\n")
	advanceTo(t, r, root, 1002)
	writeStat(t, root, 100, "(sd-pam) x)", 'S', 50, 5000) // ran: cmdline is re-read
	if got := scanOK(t, r)[100].Container; got != fixtureContainerV1 {
		t.Errorf("second scan: container %q, want the cached %q", got, fixtureContainerV1)
	}
	// The pid is reused by a process outside any container.
	writeStat(t, root, 100, "bash", 'S', 1, 100300)
	advanceTo(t, r, root, 1004)
	if got := scanOK(t, r)[100].Container; got != "" {
		t.Errorf("reused pid: container %q, want none", got)
	}
	// A process without a cgroup file (no cgroups mounted) is in none.
	if got := scanOK(t, r)[2].Container; got != "" {
		t.Errorf("pid 2 without cgroup file: container %q, want none", got)
	}
}

func TestNetKindFromSysfs(t *testing.T) {
	want := map[string]NetKind{
		"lo":          NetLoopback,
		"eth0":        NetPhysical,
		"docker0":     NetBridge,
		"vethab12cd3": NetVeth,
		"eth0.100":    NetVirtual, // VLAN: iflink names its parent, a lower_ link too
		"wg0":         NetVirtual,
		"gone0":       NetUnknown,
	}
	for name, w := range want {
		if got := netKind("testdata/sys", name); got != w {
			t.Errorf("%s: kind %q, want %q", name, got, w)
		}
	}
}

// netFixture writes /proc/net/dev with the given interfaces, each with
// bytes counters of n, and a copy of the sysfs fixture.
func netFixture(t *testing.T, n int, names ...string) (procRoot, sysRoot string) {
	t.Helper()
	dir := t.TempDir()
	procRoot, sysRoot = filepath.Join(dir, "proc"), filepath.Join(dir, "sys")
	if err := os.MkdirAll(filepath.Join(procRoot, "net"), 0o755); err != nil {
		t.Fatal(err)
	}
	dev := "Inter-|   Receive                                                |  Transmit\n" +
		" face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n"
	for _, name := range names {
		c := " " + itoa(n)
		dev += name + ":" + c + c + " 0 0 0 0 0 0" + c + c + " 0 0 0 0 0 0\n"
	}
	writeFile(t, filepath.Join(procRoot, "net", "dev"), dev)
	if err := os.CopyFS(sysRoot, os.DirFS("testdata/sys")); err != nil {
		t.Fatal(err)
	}
	return procRoot, sysRoot
}

func itoa(n int) string { return string(appendInt(nil, n)) }

func appendInt(b []byte, n int) []byte {
	if n >= 10 {
		b = appendInt(b, n/10)
	}
	return append(b, byte('0'+n%10))
}

func kinds(t *testing.T, s *ioSampler, procRoot string) map[string]NetKind {
	t.Helper()
	env := common.EnvMap{common.HostProcEnvKey: procRoot, common.HostSysEnvKey: s.sysRoot}
	nets, err := s.networks(context.WithValue(context.Background(), common.EnvKey, env), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[string]NetKind, len(nets))
	for _, n := range nets {
		out[n.Name] = n.Kind
	}
	return out
}

// Every interface is tagged with its kind; sysfs is read once per name,
// and again when the name has gone and come back (a new container's veth
// may reuse it).
func TestNetworksTagKindOncePerDevice(t *testing.T) {
	proc, sys := netFixture(t, 100, "lo", "eth0", "docker0", "vethab12cd3")
	s := &ioSampler{sysRoot: sys}
	got := kinds(t, s, proc)
	want := map[string]NetKind{"lo": NetLoopback, "eth0": NetPhysical, "docker0": NetBridge, "vethab12cd3": NetVeth}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s: kind %q, want %q", name, got[name], w)
		}
	}
	// The kind is cached: with the device's sysfs entry gone it stays.
	if err := os.RemoveAll(filepath.Join(sys, "class", "net", "vethab12cd3")); err != nil {
		t.Fatal(err)
	}
	if got := kinds(t, s, proc)["vethab12cd3"]; got != NetVeth {
		t.Errorf("second poll: veth kind %q, want the cached %q", got, NetVeth)
	}
	// The veth goes away; a device of the same name comes back as
	// something else and is classified afresh.
	proc2, _ := netFixture(t, 200, "lo", "eth0", "docker0")
	kinds(t, s, proc2)
	if err := os.MkdirAll(filepath.Join(sys, "class", "net", "vethab12cd3", "bridge"), 0o755); err != nil {
		t.Fatal(err)
	}
	proc3, _ := netFixture(t, 300, "lo", "eth0", "docker0", "vethab12cd3")
	if got := kinds(t, s, proc3)["vethab12cd3"]; got != NetBridge {
		t.Errorf("re-created device: kind %q, want %q", got, NetBridge)
	}
}
