package host

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

var fixtureBoot = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// The container IDs in the fixture's cgroup files: pid 100's (v1) and
// pid 400's (v2).
const (
	fixtureContainerV1 = "3f4e8a1b2c3d4e5f60718293a4b5c6d7e8f901122334455667788990aabbccdd"
	fixtureContainerV2 = "9a8b7c6d5e4f30211203948576a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8"
)

// fixtureProc copies testdata/proc into a temp dir, so a test can make
// processes start, exit and burn CPU between scans.
func fixtureProc(t *testing.T) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "proc")
	if err := os.CopyFS(dst, os.DirFS("testdata/proc")); err != nil {
		t.Fatal(err)
	}
	return dst
}

// writeStat writes a well-formed stat line for pid, as the kernel would.
func writeStat(t *testing.T, root string, pid int, comm string, state byte, ticks, start uint64) {
	t.Helper()
	dir := filepath.Join(root, strconv.Itoa(pid))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	line := fmt.Sprintf("%d (%s) %c 1 %d %d 0 -1 4194560 100 0 0 0 %d 0 0 0 20 0 1 0 %d 10485760 100 "+
		"18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n",
		pid, comm, state, pid, pid, ticks, start)
	writeFile(t, filepath.Join(dir, "stat"), line)
}

// fixtureReader is a reader of the fixture tree whose clock stands still
// until advanceTo moves it, so CPU% figures come out exact.
func fixtureReader(root string, boot time.Time) *procReader {
	r := newProcReader(root, boot)
	at := boot.Add(1000 * time.Second) // matches testdata/proc/uptime
	r.now = func() time.Time { return at }
	return r
}

// advanceTo moves the fixture's uptime and the reader's clock to secs
// seconds after boot, as if that much time had passed.
func advanceTo(t *testing.T, r *procReader, root string, secs int) {
	t.Helper()
	writeFile(t, filepath.Join(root, "uptime"), fmt.Sprintf("%d.00 0.00\n", secs))
	at := r.bootTime.Add(time.Duration(secs) * time.Second)
	r.now = func() time.Time { return at }
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func scanOK(t *testing.T, r *procReader) map[int32]Process {
	t.Helper()
	procs, _, err := r.scan(context.Background(), false)
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	if procs.Count != len(procs.List) {
		t.Errorf("Count = %d, but %d rows", procs.Count, len(procs.List))
	}
	byPID := make(map[int32]Process, len(procs.List))
	for _, p := range procs.List {
		byPID[p.PID] = p
	}
	return byPID
}

func TestProcReaderFixtureFirstScan(t *testing.T) {
	r := fixtureReader(fixtureProc(t), fixtureBoot)
	procs, uptime, err := r.scan(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	if uptime != 1000 {
		t.Errorf("uptime = %v, want 1000", uptime)
	}
	// 200 (malformed stat) and 300 (no stat: vanished mid-read) are
	// skipped; "version" is not a pid.
	if procs.Count != 4 || procs.Running != 1 || procs.Threads != 1+1+1+4 {
		t.Errorf("count/running/threads = %d/%d/%d, want 4/1/7", procs.Count, procs.Running, procs.Threads)
	}
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	page := uint64(os.Getpagesize())
	// 100 is in a container by cgroup v1 (/docker/<id>), 400 by cgroup v2
	// (docker-<id>.scope); 1 is in the host's init.scope.
	want := map[int32]Process{
		1:   {PID: 1, PPID: 0, Name: "systemd", Command: "/sbin/init splash", State: 'S', RSS: 3000 * page, Threads: 1},
		2:   {PID: 2, PPID: 0, Name: "kthreadd", Command: "[kthreadd]", State: 'S', RSS: 0, Threads: 1},
		100: {PID: 100, PPID: 1, Name: "(sd-pam) x)", Command: "(sd-pam)", State: 'S', RSS: 400 * page, Threads: 1, Container: fixtureContainerV1},
		400: {PID: 400, PPID: 1, Name: "postgres: writer", Command: "postgres: writer process   ", State: 'R', RSS: 256 * page, Threads: 4, Container: fixtureContainerV2},
	}
	starts := map[int32]uint64{1: 1, 2: 2, 100: 5000, 400: 20000}
	for _, p := range procs.List {
		w, ok := want[p.PID]
		if !ok {
			t.Errorf("unexpected pid %d", p.PID)
			continue
		}
		// The fixture files belong to whoever runs the test; that is the
		// uid fstat reports, so that is the user shown.
		w.User = me.Username
		// Start times are ticks since boot: pid 100 started 5000 ticks = 50 s in.
		if wantStart := fixtureBoot.Add(time.Duration(starts[p.PID]) * 10 * time.Millisecond); !p.StartTime.Equal(wantStart) {
			t.Errorf("pid %d StartTime = %v, want %v", p.PID, p.StartTime, wantStart)
		}
		w.StartTime = p.StartTime
		if p != w {
			t.Errorf("pid %d:\n got %+v\nwant %+v", p.PID, p, w)
		}
		if p.CPUValid {
			t.Errorf("pid %d: CPU%% valid on the first scan", p.PID)
		}
	}
}

func TestProcReaderCPUBetweenScans(t *testing.T) {
	root := fixtureProc(t)
	r := fixtureReader(root, fixtureBoot)
	scanOK(t, r)

	advanceTo(t, r, root, 1002)
	writeStat(t, root, 400, "postgres: writer", 'R', 1500+150, 20000) // 150 ticks in 2 s
	writeStat(t, root, 500, "born", 'S', 40, 100050)                  // started at 1000.5 s, after the last scan
	writeFile(t, filepath.Join(root, "500", "cmdline"), "born\x00")
	writeStat(t, root, 600, "missed", 'S', 40, 99000) // started before the last scan: history unknown
	writeFile(t, filepath.Join(root, "600", "cmdline"), "missed\x00")

	got := scanOK(t, r)
	cases := []struct {
		pid   int32
		pct   float64
		valid bool
	}{
		{400, 75, true}, // 150 ticks / 2 s = 0.75 core
		{500, 20, true}, // all 40 ticks fall inside the interval
		{600, 0, false},
		{1, 0, true},
	}
	for _, c := range cases {
		p := got[c.pid]
		if p.CPUValid != c.valid || (c.valid && !near(p.CPUPercent, c.pct)) {
			t.Errorf("pid %d: CPU%% = %.2f valid=%v, want %.2f valid=%v", c.pid, p.CPUPercent, p.CPUValid, c.pct, c.valid)
		}
	}
}

func TestProcReaderPIDReuseRereadsCommand(t *testing.T) {
	root := fixtureProc(t)
	r := fixtureReader(root, fixtureBoot)
	scanOK(t, r)

	advanceTo(t, r, root, 1002)
	scanOK(t, r)

	// Pid 100 exits and the pid is reused by a new process.
	writeStat(t, root, 100, "nginx", 'S', 7, 100250) // born at 1002.5 s
	writeFile(t, filepath.Join(root, "100", "cmdline"), "nginx\x00-g\x00daemon off;\x00")
	advanceTo(t, r, root, 1004)
	p := scanOK(t, r)[100]
	if p.Name != "nginx" || p.Command != "nginx -g daemon off;" {
		t.Errorf("reused pid shows %q / %q, want the new process", p.Name, p.Command)
	}
	// Its CPU time is its own, not a delta against the dead process.
	if !p.CPUValid || !near(p.CPUPercent, 3.5) {
		t.Errorf("reused pid CPU%% = %.2f valid=%v, want 3.5 (7 ticks / 2 s)", p.CPUPercent, p.CPUValid)
	}

	// exec keeps pid and start time but changes comm: the command is re-read.
	writeStat(t, root, 100, "nginx: worker", 'S', 9, 100250)
	writeFile(t, filepath.Join(root, "100", "cmdline"), "nginx: worker process\x00")
	advanceTo(t, r, root, 1006)
	p = scanOK(t, r)[100]
	if p.Command != "nginx: worker process" {
		t.Errorf("after exec command = %q", p.Command)
	}
	if !p.CPUValid || !near(p.CPUPercent, 1) {
		t.Errorf("after exec CPU%% = %.2f valid=%v, want 1 (2 ticks / 2 s)", p.CPUPercent, p.CPUValid)
	}
}

func TestProcReaderForgetsVanished(t *testing.T) {
	root := fixtureProc(t)
	r := fixtureReader(root, fixtureBoot)
	scanOK(t, r)
	if r.known[400] == nil {
		t.Fatal("pid 400 not cached after the first scan")
	}
	if err := os.RemoveAll(filepath.Join(root, "400")); err != nil {
		t.Fatal(err)
	}
	got := scanOK(t, r)
	if _, ok := got[400]; ok {
		t.Error("vanished pid 400 still listed")
	}
	if r.known[400] != nil {
		t.Error("vanished pid 400 still cached")
	}
}

func TestProcReaderHonoursContext(t *testing.T) {
	r := fixtureReader(fixtureProc(t), fixtureBoot)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := r.scan(ctx, false); !errors.Is(err, context.Canceled) {
		t.Errorf("scan with a cancelled context: err = %v, want context.Canceled", err)
	}
}

func TestProcReaderMissingProc(t *testing.T) {
	r := fixtureReader(filepath.Join(t.TempDir(), "nothing"), fixtureBoot)
	if _, _, err := r.scan(context.Background(), false); err == nil {
		t.Error("scan of a missing /proc succeeded")
	}
}

func TestUserCacheLooksUpOncePerUID(t *testing.T) {
	calls := 0
	c := newUserCache()
	c.lookup = func(uid string) (*user.User, error) {
		calls++
		if uid == "0" {
			return &user.User{Username: "root"}, nil
		}
		return nil, user.UnknownUserIdError(12345)
	}
	for range 3 {
		if got := c.name(0); got != "root" {
			t.Errorf("name(0) = %q", got)
		}
		if got := c.name(12345); got != "12345" {
			t.Errorf("name of an unknown uid = %q, want the number", got)
		}
	}
	if calls != 2 {
		t.Errorf("%d lookups for 2 uids over 3 rounds, want 2", calls)
	}
}

func near(a, b float64) bool { return a-b < 1e-6 && b-a < 1e-6 }

// TestProcReaderLongCommandLine: a huge command line (a Java classpath) is
// read past the first buffer and capped, not truncated at 512 bytes or
// copied whole.
func TestProcReaderLongCommandLine(t *testing.T) {
	root := fixtureProc(t)
	writeStat(t, root, 700, "java", 'S', 0, 3000)
	arg := strings.Repeat("a", 1000)
	long := strings.Repeat(arg+"\x00", 20) // 20,020 bytes
	writeFile(t, filepath.Join(root, "700", "cmdline"), long)
	writeStat(t, root, 701, "javac", 'S', 0, 3000)
	mid := strings.Repeat(arg+"\x00", 3) // 3,003 bytes: more than one read
	writeFile(t, filepath.Join(root, "701", "cmdline"), mid)

	got := scanOK(t, fixtureReader(root, fixtureBoot))
	if c := got[700].Command; len(c) != cmdlineMax || !strings.HasPrefix(c, arg+" "+arg) {
		t.Errorf("long command line kept %d bytes, want the first %d", len(c), cmdlineMax)
	}
	if c, want := got[701].Command, strings.TrimSpace(strings.ReplaceAll(mid, "\x00", " ")); c != want {
		t.Errorf("3 KB command line read as %d bytes, want %d", len(c), len(want))
	}
}

// A process that rewrites its title (PostgreSQL backends, per query) must
// run to do it: one whose CPU time moved is re-read on the next scan. One
// that has not run keeps its cached line, which is what keeps the reader
// cheap, until its turn comes within refreshEvery scans.
func TestProcReaderRereadsRewrittenTitles(t *testing.T) {
	root := fixtureProc(t)
	r := fixtureReader(root, fixtureBoot)
	scanOK(t, r)

	writeStat(t, root, 400, "postgres: writer", 'R', 1500+3, 20000) // ran 3 ticks
	writeFile(t, filepath.Join(root, "400", "cmdline"), "postgres: app orders 10.0.0.7(5123) SELECT\x00")
	writeFile(t, filepath.Join(root, "1", "cmdline"), "/sbin/init rewritten\x00") // pid 1 did not run
	advanceTo(t, r, root, 1002)
	got := scanOK(t, r)
	if c := got[400].Command; c != "postgres: app orders 10.0.0.7(5123) SELECT" {
		t.Errorf("a process that ran shows %q, want its new title", c)
	}
	if c := got[1].Command; c != "/sbin/init splash" {
		t.Errorf("a process that did not run was re-read at once: %q", c)
	}
	scans := 1
	for got[1].Command != "/sbin/init rewritten" && scans < refreshEvery {
		advanceTo(t, r, root, 1002+2*scans)
		got = scanOK(t, r)
		scans++
	}
	if got[1].Command != "/sbin/init rewritten" {
		t.Errorf("an idle process's new title did not show within %d scans", refreshEvery)
	}
}

// procfs gives the files of a process that is not dumpable (sshd's
// per-user process, ssh-agent, gpg-agent) to root: for those the owner
// comes from status. Fixture files belong to the tester, so the tester's
// uid stands for root here.
func TestProcReaderOwnerOfNonDumpable(t *testing.T) {
	root := fixtureProc(t)
	r := fixtureReader(root, fixtureBoot)
	r.dumpOwner = uint32(os.Getuid())
	r.users.lookup = func(uid string) (*user.User, error) { return &user.User{Username: "u" + uid}, nil }
	writeFile(t, filepath.Join(root, "400", "status"), "Name:\tpostgres\nUmask:\t0077\nState:\tS (sleeping)\nUid:\t70\t71\t71\t71\nGid:\t70\t70\t70\t70\n")
	got := scanOK(t, r)
	if u := got[400].User; u != "u71" {
		t.Errorf("non-dumpable process owned by %q, want the effective uid from status (u71)", u)
	}
	if u, want := got[1].User, "u"+strconv.Itoa(os.Getuid()); u != want {
		t.Errorf("without a readable status the owner is %q, want %q from procfs", u, want)
	}
	// The owner is kept between re-reads; a process that ran is re-read.
	advanceTo(t, r, root, 1002)
	if u := scanOK(t, r)[400].User; u != "u71" {
		t.Errorf("second scan: owner %q", u)
	}
	writeFile(t, filepath.Join(root, "400", "status"), "Name:\tpostgres\nUid:\t0\t1000\t0\t1000\n")
	writeStat(t, root, 400, "postgres: writer", 'S', 1500+1, 20000)
	advanceTo(t, r, root, 1004)
	if u := scanOK(t, r)[400].User; u != "u1000" {
		t.Errorf("after a change of owner: %q, want u1000", u)
	}
}

func TestParseStatusUID(t *testing.T) {
	for _, c := range []struct {
		in   string
		uid  uint32
		okay bool
	}{
		{"Name:\tsshd\nUid:\t0\t1000\t0\t1000\nGid:\t0\t0\t0\t0\n", 1000, true},
		{"Name:\tx\nGid:\t0\t0\t0\t0\n", 0, false},
		{"Name:\tx\nUid:\t0\t10", 0, false},            // cut inside the line
		{"Name:\tx\nUid:\t0\tabc\t0\t0\n", 0, false},   // not a number
		{"Name:\tUid: 5\nUid:\t1\t2\t3\t4\n", 2, true}, // only a line that starts with Uid:
	} {
		uid, ok := parseStatusUID([]byte(c.in))
		if uid != c.uid || ok != c.okay {
			t.Errorf("parseStatusUID(%q) = %d, %v; want %d, %v", c.in, uid, ok, c.uid, c.okay)
		}
	}
}

// TestNonDumpableProcessOwner starts a real process as nobody that makes
// itself non-dumpable, and wants it listed as nobody's, not root's.
func TestNonDumpableProcessOwner(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("starting a process as another user needs root (CI runs as root)")
	}
	nobody, err := user.LookupId("65534")
	if err != nil {
		t.Skipf("no user 65534 on this system: %v", err)
	}
	// The test binary lives in a directory only root may enter; nobody
	// runs a copy from a directory it can read.
	dir, err := os.MkdirTemp("", "stacktop-nondumpable-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(dir, "helper")
	if err := os.WriteFile(exe, bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = []string{helperEnv + "=nondumpable"}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	pid := cmd.Process.Pid

	// Wait (bounded) until the helper has made itself non-dumpable: its
	// stat file then belongs to root. That is the premise of the test.
	stat := fmt.Sprintf("/proc/%d/stat", pid)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var st syscall.Stat_t
		if err := syscall.Stat(stat, &st); err != nil {
			t.Fatalf("helper gone: %v", err)
		}
		if st.Uid == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the helper's stat file still belongs to uid %d after 10 s", st.Uid)
		}
	}
	r := newProcReader("/proc", fixtureBoot)
	p, ok := scanOK(t, r)[int32(pid)]
	if !ok {
		t.Fatalf("pid %d not in the process table", pid)
	}
	if p.User != nobody.Username {
		t.Errorf("non-dumpable process of %s listed as %q", nobody.Username, p.User)
	}
}

// The reader keeps each process's stat file open between scans and reads
// it again at offset 0; once the process is gone, its file is closed.
func TestProcReaderKeepsStatFiles(t *testing.T) {
	cmd := exec.Command("sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	pid := int32(cmd.Process.Pid)
	r := newProcReader("/proc", fixtureBoot)
	if r.keepMax == 0 {
		t.Skip("no descriptor limit to keep files under")
	}
	scanOK(t, r)
	e := r.known[pid]
	if e == nil || e.fd < 0 {
		t.Fatalf("pid %d: no stat file kept after the first scan (entry %+v)", pid, e)
	}
	fd := e.fd
	stat := fmt.Sprintf("/proc/%d/stat", pid)
	link := fmt.Sprintf("/proc/self/fd/%d", fd)
	if got, err := os.Readlink(link); err != nil || got != stat {
		t.Fatalf("kept fd %d is %q (%v), want %s", fd, got, err, stat)
	}
	p, ok := scanOK(t, r)[pid]
	if !ok || p.Command != "sleep 60" || p.State != 'S' || !p.CPUValid {
		t.Fatalf("second scan through the kept file: %+v (listed %v)", p, ok)
	}
	if r.known[pid].fd != fd {
		t.Errorf("second scan opened the file again: fd %d, kept %d", r.known[pid].fd, fd)
	}

	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if _, ok := scanOK(t, r)[pid]; ok {
		t.Fatalf("pid %d still listed after it exited", pid)
	}
	if got, err := os.Readlink(link); err == nil && got == stat {
		t.Errorf("the exited process's stat file is still open as fd %d", fd)
	}
	kept := 0
	for _, e := range r.known {
		if e.fd >= 0 {
			kept++
		}
	}
	if kept != len(r.kept.fds) {
		t.Errorf("%d entries hold a file, %d files kept open", kept, len(r.kept.fds))
	}
}

// With no room to keep files, every scan opens and closes them as before.
func TestProcReaderWithoutKeptFiles(t *testing.T) {
	r := newProcReader("/proc", fixtureBoot)
	r.keepMax = 0
	scanOK(t, r)
	procs := scanOK(t, r)
	self, ok := procs[int32(os.Getpid())]
	if !ok || !self.CPUValid {
		t.Fatalf("own process missing or without CPU%%: %+v", self)
	}
	if len(r.kept.fds) != 0 {
		t.Errorf("%d files kept open with no room for any", len(r.kept.fds))
	}
}

// The /proc directory is listed again when a pid was allocated since the
// last listing, and not while none was.
func TestProcReaderListsAfterNewPIDs(t *testing.T) {
	r := newProcReader("/proc", fixtureBoot)
	if !r.ownNS {
		t.Skip("/proc is not the procfs of this pid namespace")
	}
	scanOK(t, r)
	cmd := exec.Command("sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	if _, ok := scanOK(t, r)[int32(cmd.Process.Pid)]; !ok {
		t.Fatalf("pid %d, started after the first listing, is missing", cmd.Process.Pid)
	}
	for range 50 {
		before, listed := r.lastPID, r.listed // as of the last listing
		due := r.scans+1-listed >= refreshEvery
		scanOK(t, r)
		if r.readLastPID() != before || due {
			continue // something else forked meanwhile; try again
		}
		if r.listed != listed {
			t.Fatalf("listed /proc again (scan %d) with no pid allocated since scan %d", r.listed, listed)
		}
		return
	}
	t.Skip("pids kept being allocated between scans (a busy machine)")
}
