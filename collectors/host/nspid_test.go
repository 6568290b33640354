package host

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestParseStatusNSPID(t *testing.T) {
	cases := []struct {
		in   string
		want int32
	}{
		{"Name:\tpostgres\nNSpid:\t4711\n", 0},         // the procfs's own namespace
		{"Name:\tpostgres\nNSpid:\t4711\t12\n", 12},    // one level down
		{"Name:\tpostgres\nNSpid:\t4711\t300\t7\n", 7}, // two levels down: the innermost
		{"Name:\tpostgres\nNSpid:\t4711\t1", 0},        // cut inside the line
		{"Name:\tpostgres\nUid:\t0\t0\t0\t0\n", 0},     // kernel without NSpid
		{"Name:\tpostgres\nNSpid:\t4711\tx\n", 0},      // not a number
		{"Name:\tpostgres\nNSpid:\t4711\t-3\n", 0},     // not a pid
		{"Name:\tx\nNSpgid:\t1\t2\nNSpid:\t9\t3\n", 3}, // the right line
	}
	for _, c := range cases {
		if got := parseStatusNSPID([]byte(c.in)); got != c.want {
			t.Errorf("parseStatusNSPID(%q) = %d, want %d", c.in, got, c.want)
		}
	}
}

// TestProcReaderFixtureNSPID: a process whose status names an inner pid
// carries it; one whose status has a single figure (or none) does not.
func TestProcReaderFixtureNSPID(t *testing.T) {
	root := fixtureProc(t)
	writeFile(t, filepath.Join(root, "100", "status"), "Name:\tpostgres\nNSpid:\t100\t7\n")
	writeFile(t, filepath.Join(root, "1", "status"), "Name:\tbash\nNSpid:\t1\n")
	r := fixtureReader(root, fixtureBoot)
	procs := scanOK(t, r)
	if p := procs[100]; p.NSPID != 7 || p.InnerPID() != 7 {
		t.Errorf("pid 100 in a nested namespace: NSPID %d, InnerPID %d; want 7, 7", p.NSPID, p.InnerPID())
	}
	if p := procs[1]; p.NSPID != 0 || p.InnerPID() != 1 {
		t.Errorf("pid 1 in the procfs's namespace: NSPID %d, InnerPID %d; want 0, 1", p.NSPID, p.InnerPID())
	}
	// The namespace is read once per process: a later change of the file
	// (which the kernel never makes) is not looked at.
	writeFile(t, filepath.Join(root, "1", "status"), "Name:\tbash\nNSpid:\t1\t9\n")
	if p := scanOK(t, r)[1]; p.NSPID != 0 {
		t.Errorf("NSPID re-read on a later scan: %d", p.NSPID)
	}
}

// TestProcReaderNestedNamespace starts a real process in a PID namespace of
// its own (unshare, as root) and wants the table to give it its inner pid,
// 1, while stacktop's own process keeps NSPID 0.
func TestProcReaderNestedNamespace(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("a PID namespace needs root (CI runs as root)")
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Skipf("no unshare binary: %v", err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// unshare --fork: the helper is unshare's child and pid 1 of the new namespace.
	cmd := exec.Command(unshare, "--pid", "--fork", "--", self, "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=sleep")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })

	var child int32
	deadline := time.Now().Add(10 * time.Second)
	for child == 0 {
		if time.Now().After(deadline) {
			t.Fatal("unshare's child did not appear within 10 s")
		}
		procs := scanOK(t, newProcReader("/proc", fixtureBoot))
		for _, p := range procs {
			if p.PPID == int32(cmd.Process.Pid) && strings.Contains(p.Command, "-test.run") {
				child = p.PID
				if p.NSPID != 1 || p.InnerPID() != 1 {
					t.Errorf("process %d, pid 1 of its namespace: NSPID %d, InnerPID %d", p.PID, p.NSPID, p.InnerPID())
				}
			}
		}
		if me := procs[int32(os.Getpid())]; me.NSPID != 0 {
			t.Errorf("stacktop's own process (host namespace) has NSPID %d", me.NSPID)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The helper is killed with unshare: pid 1 of a namespace takes the rest along.
	t.Cleanup(func() { _ = exec.Command("kill", "-KILL", strconv.Itoa(int(child))).Run() })
}
