package host

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/stacktop/stacktop/collectors"
	"golang.org/x/sys/unix"
)

// clockTicks is USER_HZ, the unit of the CPU times in /proc/<pid>/stat. The
// kernel fixes it at 100 in the /proc ABI on every architecture; asking
// sysconf(_SC_CLK_TCK) would need cgo and always answers 100 on Linux.
const clockTicks = 100

// cmdlineMax caps how much of a command line is kept: enough for any screen
// and a details pane, without copying a 100 KiB Java classpath every time.
const cmdlineMax = 16 << 10

// refreshEvery is how many scans may pass before the command line and
// owner of a process that has not run are read again; a process that ran
// since the last scan is re-read at once (see readProcess).
const refreshEvery = 15

// ctxCheckEvery is how many processes are read between checks of the poll's
// deadline: often enough to stop promptly, rarely enough to cost nothing.
const ctxCheckEvery = 128

// procReader reads the process table straight from /proc. It exists because
// gopsutil's per-process getters re-open and re-parse a file per field
// (~164 ms CPU per poll at ~1,000 processes); this reader does one read of
// /proc/<pid>/stat per process into a reused buffer, reads a command line
// again only when the process may have changed it, and looks a user name
// up once per uid.
//
// A procReader is not safe for concurrent use; the Collector serialises it.
type procReader struct {
	root     string
	pageSize uint64
	bootTime time.Time
	users    *userCache

	buf    []byte // reused for every stat read
	cmdBuf []byte // reused for every command line read
	stBuf  []byte // reused for every status read
	cgBuf  []byte // reused for every cgroup read

	// selfNS is the target of <root>/self/ns/pid ("pid:[4026531836]"): the
	// PID namespace the procfs numbers processes in. A process whose link
	// differs lives in a nested namespace (a container's) and has its
	// inner pid read from status. Empty when the link cannot be read; then
	// status is read instead, once per process.
	selfNS string
	nsBuf  []byte // reused for every ns/pid link read

	// dumpOwner is the uid procfs gives the files of a process that is not
	// dumpable (root); for those the owner is read from status instead.
	// A field so fixture tests, whose files belong to the tester, can
	// exercise that path.
	dumpOwner uint32

	known map[int32]*procEntry
	scans uint64 // scan counter, marks which entries the last scan saw
	// postmasters are the pids of the PostgreSQL servers' main processes
	// the last scan found (see listServers).
	postmasters []string

	// kept holds the stat files left open between scans, up to keepMax:
	// a read at offset 0 of an open /proc/<pid>/stat renders it afresh,
	// so a process costs one pread per scan instead of an open, an fstat,
	// a read and a close (the path walk and the file's setup and teardown
	// were most of the poll). A kept file of a process that died fails
	// its read (ESRCH) even when the pid is reused: it names the old one.
	kept    *fdSet
	keepMax int

	// pids is the last listing of the /proc directory, taken when the
	// pid namespace's last allocated pid (loadavg's last field) was
	// lastPID. Every new process takes a new pid, so while that figure
	// stays put the listing holds every process there is (less those
	// that exited, whose reads fail) and the directory is not read again:
	// reading it builds a dentry per process. Only for the procfs of
	// stacktop's own pid namespace (ownNS), whose pids loadavg counts;
	// and listed afresh every refreshEvery scans regardless.
	pids    []string
	lastPID int64
	listed  uint64 // scan that last read the directory
	ownNS   bool
	loadBuf []byte

	// prevUptime is seconds since boot when the previous complete scan
	// began, 0 before the first. Process start times count on the same
	// clock, which is what lets a process born between two scans have a
	// valid CPU%. prevScanAt is the same instant on the monotonic clock.
	prevUptime float64
	prevScanAt time.Time

	// now reads the clock each process's counters are stamped with; a
	// field so fixture tests can drive time.
	now func() time.Time
}

// procEntry is what the reader remembers about one process between scans.
type procEntry struct {
	start   uint64    // start time in ticks since boot; with the pid it names one process
	ticks   uint64    // utime+stime at the last scan
	readAt  time.Time // when ticks was read
	name    string    // comm at the last scan, reused to avoid an allocation per poll
	command string
	// container is the ID of the container the process runs in, read once
	// when the process is first seen: a process cannot leave its
	// container's cgroup, so the pair (pid, start) names one for good.
	container string
	owner     uint32 // effective uid from status, used while procfs says dumpOwner
	// uid is the owner procfs gave the stat file when last looked at; it
	// is looked at again when the process ran (it must run to change it).
	uid   uint32
	fd    int    // the process's stat file kept open, or -1
	nspid int32  // pid inside a nested PID namespace, 0 if none; fixed for life
	seen  uint64 // number of the last scan that saw it
	// skipped is set when a scan of PostgreSQL processes only passed
	// over it: ticks is then older than the previous scan.
	skipped bool
	// light is set for a process a scan of PostgreSQL processes only met
	// first: only start and name are known (and no file is kept).
	light bool
}

// statFields are the parts of /proc/<pid>/stat the table shows.
type statFields struct {
	comm     []byte // aliases the read buffer; copy before keeping
	state    byte
	ppid     int32
	ticks    uint64 // utime + stime
	threads  int32
	start    uint64 // ticks since boot
	rssPages uint64
}

// newProcReader reads from the /proc tree at root. bootTime turns start
// ticks into wall-clock times.
func newProcReader(root string, bootTime time.Time) *procReader {
	r := &procReader{
		root:     root,
		pageSize: uint64(os.Getpagesize()),
		bootTime: bootTime,
		users:    newUserCache(),
		buf:      make([]byte, 4096),
		cmdBuf:   make([]byte, 0, 512),
		stBuf:    make([]byte, 2048),
		cgBuf:    make([]byte, 0, 2048),
		nsBuf:    make([]byte, 64),
		loadBuf:  make([]byte, 128),
		lastPID:  -1,
		known:    make(map[int32]*procEntry),
		now:      time.Now,
		kept:     &fdSet{fds: make(map[int]struct{})},
	}
	if self, err := os.Readlink(root + "/self"); err == nil && self == strconv.Itoa(os.Getpid()) {
		r.ownNS = true
	}
	// A quarter of the descriptors allowed, so connections (serve's
	// sessions, the engines and databases watched) never run short.
	var lim unix.Rlimit
	if unix.Getrlimit(unix.RLIMIT_NOFILE, &lim) == nil {
		r.keepMax = int(min(lim.Cur/4, maxKept))
	}
	// The reader has no Close: its files go when it does.
	runtime.AddCleanup(r, (*fdSet).closeAll, r.kept)
	if link, err := os.Readlink(root + "/self/ns/pid"); err == nil {
		r.selfNS = link
	}
	return r
}

// scan reads every process once. It returns the table and the seconds since
// boot at which the scan began. With postgresOnly, the table holds the
// PostgreSQL server processes only, and a process known not to be one is
// not read again, but for one in refreshEvery scans (staggered by pid) to
// notice an exec into the server binary; a new pid is always read.
func (r *procReader) scan(ctx context.Context, postgresOnly bool) (Processes, float64, error) {
	// Uptime first, listing second: every process that started before this
	// instant is in the listing, so "started after the previous scan" can be
	// decided from start times alone.
	scanAt := r.now()
	uptime, err := r.readUptime()
	if err != nil {
		return Processes{}, 0, err
	}

	r.scans++
	var dirfd int
	var pids []string
	if postgresOnly && len(r.postmasters) > 0 && r.scans%refreshEvery != 0 {
		dirfd, pids, err = r.listServers()
	} else {
		dirfd, pids, err = r.listPIDs()
	}
	if err != nil {
		return Processes{}, 0, err
	}
	defer unix.Close(dirfd)

	out := Processes{Partial: postgresOnly}
	// Only a scan of the whole table prunes the kept listing to the
	// processes still there: a scan of PostgreSQL processes reads too few
	// to tell (and may not have read the listing at all).
	var live []string
	if !postgresOnly {
		out.List = make([]Process, 0, len(pids))
		live = pids[:0] // the listing less the processes that are gone
	}
	for i, pid := range pids {
		if i%ctxCheckEvery == 0 && ctx.Err() != nil {
			// Entries read so far carry their own read times, so the
			// next scan's figures stay right; the scan baseline is kept.
			r.pids = nil // partly pruned: list afresh
			return Processes{}, 0, fmt.Errorf("process table: %w", ctx.Err())
		}
		var p Process
		var ok bool
		switch {
		case !postgresOnly:
			p, ok = r.readProcess(dirfd, pid)
		case !r.skip(pid):
			p, ok = r.readPostgres(dirfd, pid)
		}
		if !ok {
			continue
		}
		if !postgresOnly {
			live = append(live, pid)
		}
		out.List = append(out.List, p)
		out.Threads += int(p.Threads)
		if p.State == 'R' {
			out.Running++
		}
	}
	out.Count = len(out.List)
	if !postgresOnly {
		r.pids = live
	}
	r.postmasters = postmasters(out.List, r.postmasters[:0])

	// Forget processes that are gone so the cache cannot grow without bound
	// and a reused pid is never matched against a dead process.
	for pid, e := range r.known {
		if e.seen != r.scans {
			r.drop(e)
			delete(r.known, pid)
		}
	}
	r.prevUptime, r.prevScanAt = uptime, scanAt
	return out, uptime, nil
}

// IsPostgresName reports whether a process's comm is the PostgreSQL server
// binary's. The kernel's comm survives the title a backend writes over its
// command line; "postmaster" is the name older packagings start it under.
func IsPostgresName(name string) bool { return name == "postgres" || name == "postmaster" }

// skip reports whether a scan of PostgreSQL processes only may pass over
// pid without reading it: a process known, by its last read, not to be
// one, outside its turn to be checked again. It stays known (not gone).
func (r *procReader) skip(pid string) bool {
	id, err := strconv.ParseInt(pid, 10, 32)
	if err != nil {
		return false
	}
	e := r.known[int32(id)]
	if e == nil || IsPostgresName(e.name) || uint64(id)%refreshEvery == r.scans%refreshEvery {
		return false
	}
	e.seen, e.skipped = r.scans, true
	return true
}

// readProcess reads one process. ok is false when the process vanished
// mid-read or its stat line is malformed; either way it is skipped.
func (r *procReader) readProcess(dirfd int, pid string) (Process, bool) {
	id, e, f, fd, ok := r.readEntry(dirfd, pid)
	if !ok {
		return Process{}, false
	}
	return r.process(dirfd, pid, id, e, f, fd)
}

// readEntry reads pid's stat line, through its kept file when it has one:
// the pid as a number, what the reader knew of it (nil when new), the
// fields, and the file read (e's kept one, or one opened now).
func (r *procReader) readEntry(dirfd int, pid string) (int32, *procEntry, statFields, int, bool) {
	id, err := strconv.ParseInt(pid, 10, 32)
	if err != nil {
		return 0, nil, statFields{}, -1, false
	}
	e := r.known[int32(id)]
	f, fd, err := r.readStat(dirfd, pid, e)
	if err != nil {
		return 0, nil, statFields{}, -1, false
	}
	return int32(id), e, f, fd, true
}

// readPostgres is readProcess for a scan of PostgreSQL processes only: a
// process that is not one is remembered by its start time and name alone,
// without reading its command line, container or namespace, which a later
// scan of the whole table reads as for a new process. ok is false for it.
func (r *procReader) readPostgres(dirfd int, pid string) (Process, bool) {
	id, e, f, fd, ok := r.readEntry(dirfd, pid)
	if !ok {
		return Process{}, false
	}
	if IsPostgresName(string(f.comm)) {
		return r.process(dirfd, pid, id, e, f, fd)
	}
	if e != nil && fd == e.fd {
		// Read through its kept file: the same process, still not a server.
		e.name, e.seen, e.skipped = string(f.comm), r.scans, true
		return Process{}, false
	}
	unix.Close(fd)
	if e != nil && e.start == f.start {
		e.name, e.seen, e.skipped = string(f.comm), r.scans, true
		return Process{}, false
	}
	r.drop(e) // a reused pid: the old process's kept file, if any
	r.known[id] = &procEntry{start: f.start, name: string(f.comm), light: true, skipped: true, seen: r.scans, fd: -1}
	return Process{}, false
}

// process completes the read of process id (pid), known as e (nil when
// new), whose stat line f was read through fd: e's kept file, or one
// opened now, which is kept at the end or closed.
func (r *procReader) process(dirfd int, pid string, id int32, e *procEntry, f statFields, fd int) (Process, bool) {
	opened := e == nil || fd != e.fd
	fail := func() (Process, bool) {
		if opened {
			unix.Close(fd)
		}
		return Process{}, false
	}
	// Each process is stamped when read, not when the scan began: on a
	// busy machine the scan can be preempted for hundreds of milliseconds,
	// and a scan-wide time would inflate or deflate the CPU% of whatever
	// was read late. (A vDSO clock read costs nanoseconds.)
	at := r.now()
	fresh := e == nil || e.start != f.start || e.light // new pid, pid reused, or never read whole
	uid := uint32(0)
	if !fresh {
		uid = e.uid
	}
	if fresh || string(f.comm) != e.name || f.ticks != e.ticks || uint64(id)%refreshEvery == r.scans%refreshEvery {
		// procfs gives a process's files its effective uid; fstat of
		// the open stat file costs no path walk.
		var st unix.Stat_t
		if err := unix.Fstat(fd, &st); err != nil {
			return fail()
		}
		uid = st.Uid
		cmd, err := r.readCmdline(dirfd, pid)
		if err != nil {
			return fail() // vanished between the two reads
		}
		if fresh {
			// The old process's kept file, if any (never fd: a file
			// that still reads names the same process).
			r.drop(e)
			// A process's container and PID namespace are fixed when it
			// is created, so one look per process is enough.
			e = &procEntry{start: f.start, container: r.readContainer(dirfd, pid), nspid: r.readNSPID(dirfd, pid), fd: -1}
			r.known[id] = e
		}
		e.uid = uid
		if string(f.comm) != e.name {
			e.name = string(f.comm)
		}
		if len(cmd) == 0 {
			e.command = displayCommand("", e.name)
		} else if string(cmd) != e.command {
			e.command = string(cmd)
		}
		e.owner = uid
		if uid == r.dumpOwner {
			// procfs shows a process that is not dumpable as owned by
			// root whoever runs it; status has its real credentials.
			if owner, err := r.readStatusUID(dirfd, pid); err == nil {
				e.owner = owner
			}
		}
	}
	if uid == r.dumpOwner {
		uid = e.owner
	}

	p := Process{
		PID:       int32(id),
		PPID:      f.ppid,
		User:      r.users.name(uid),
		Name:      e.name,
		Command:   e.command,
		State:     f.state,
		RSS:       f.rssPages * r.pageSize,
		Threads:   f.threads,
		StartTime: r.bootTime.Add(time.Duration(f.start) * time.Second / clockTicks),
		Container: e.container,
		NSPID:     e.nspid,
	}
	p.CPUPercent, p.CPUValid = r.cpuPercent(e, f, fresh, at)
	e.ticks, e.readAt, e.skipped = f.ticks, at, false
	e.seen = r.scans
	if opened {
		r.keep(e, fd)
	}
	return p, true
}

// cpuPercent is the process's CPU use since the previous scan, 100 = one
// core. A process first seen now counts only if it started after the
// previous scan: then all its CPU time lies inside the interval. One that
// is merely new to us (the first scan) has no honest figure.
func (r *procReader) cpuPercent(e *procEntry, f statFields, fresh bool, at time.Time) (float64, bool) {
	if !fresh && e.skipped {
		// Passed over while only PostgreSQL processes were read: a rate
		// since the last read would span several intervals.
		return 0, false
	}
	prev, since := e.ticks, e.readAt
	if fresh {
		if r.prevUptime == 0 || float64(f.start)/clockTicks <= r.prevUptime {
			return 0, false
		}
		prev, since = 0, r.prevScanAt
	}
	rate := collectors.CounterRate(prev, f.ticks, collectors.Elapsed(since, at))
	if !rate.Valid {
		return 0, false
	}
	// ticks per second / clockTicks = cores busy; times 100 for percent.
	return rate.PerSec * 100 / clockTicks, true
}

// postmasters appends to dst the pids of the PostgreSQL servers' main
// processes in list: the server processes whose parent is not one.
func postmasters(list []Process, dst []string) []string {
	servers := make(map[int32]bool)
	for i := range list {
		if IsPostgresName(list[i].Name) {
			servers[list[i].PID] = true
		}
	}
	for i := range list {
		if servers[list[i].PID] && !servers[list[i].PPID] {
			dst = append(dst, strconv.Itoa(int(list[i].PID)))
		}
	}
	return dst
}

// listServers is listPIDs for a scan of PostgreSQL processes only between
// two listings of the whole directory: the servers' main processes known
// from the last scan and their children, from procfs's children file (every
// server process is a child of its postmaster). A server started since is
// found by the next whole listing, every refreshEvery scans.
func (r *procReader) listServers() (int, []string, error) {
	dirfd, err := unix.Open(r.root, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, nil, fmt.Errorf("process table: opening %s: %w", r.root, err)
	}
	pids := make([]string, 0, 2*len(r.postmasters)+64)
	for _, pm := range r.postmasters {
		pids = append(pids, pm)
		children, err := r.readChildren(dirfd, pm)
		if err != nil {
			continue // gone: the next whole listing finds what replaced it
		}
		pids = append(pids, strings.Fields(children)...)
	}
	return dirfd, pids, nil
}

// readChildren returns the content of /proc/<pid>/task/<pid>/children: the
// pids of pid's children (of its main thread, the one a server forks from).
func (r *procReader) readChildren(dirfd int, pid string) (string, error) {
	fd, err := unix.Openat(dirfd, pid+"/task/"+pid+"/children", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return "", err
	}
	defer unix.Close(fd)
	buf := r.cgBuf[:0]
	for {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, max(len(buf), 4096))
		}
		n, err := unix.Read(fd, buf[len(buf):cap(buf)])
		if err != nil {
			return "", err
		}
		if n == 0 {
			break
		}
		buf = buf[:len(buf)+n]
	}
	r.cgBuf = buf
	return string(buf), nil
}

// listPIDs opens the /proc directory and returns it with the names of its
// numeric entries: the last listing while no pid was allocated since (see
// procReader.pids), else read afresh. The directory fd lets each stat file
// be opened relative to it, sparing the kernel a path walk from "/" per
// process.
func (r *procReader) listPIDs() (int, []string, error) {
	dirfd, err := unix.Open(r.root, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, nil, fmt.Errorf("process table: %w — is /proc mounted?", &os.PathError{Op: "open", Path: r.root, Err: err})
	}
	// The last pid before the listing: a process made after it is
	// caught by the next scan.
	last := r.readLastPID()
	if r.pids != nil && last >= 0 && last == r.lastPID && r.scans-r.listed < refreshEvery {
		return dirfd, r.pids, nil
	}
	d := os.NewFile(uintptr(dirfd), r.root)
	names, err := d.Readdirnames(-1)
	if err != nil {
		d.Close()
		return -1, nil, fmt.Errorf("process table: reading %s: %w", r.root, err)
	}
	// d owns dirfd now; hand the caller a descriptor of its own.
	own, err := unix.FcntlInt(uintptr(dirfd), unix.F_DUPFD_CLOEXEC, 0)
	d.Close()
	if err != nil {
		return -1, nil, fmt.Errorf("process table: opening %s: %w", r.root, err)
	}
	pids := names[:0]
	for _, n := range names {
		if n != "" && n[0] >= '0' && n[0] <= '9' {
			pids = append(pids, n)
		}
	}
	r.lastPID, r.listed = last, r.scans
	return own, pids, nil
}

// readLastPID returns the last pid allocated in stacktop's pid namespace
// (the fifth field of loadavg), or -1 when it cannot tell for root's.
func (r *procReader) readLastPID() int64 {
	if !r.ownNS {
		return -1
	}
	fd, err := unix.Open(r.root+"/loadavg", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1
	}
	n, err := unix.Read(fd, r.loadBuf)
	unix.Close(fd)
	if err != nil {
		return -1
	}
	b := bytes.TrimRight(r.loadBuf[:n], "\n")
	i := bytes.LastIndexByte(b, ' ')
	if i < 0 {
		return -1
	}
	v, err := strconv.ParseInt(string(b[i+1:]), 10, 64)
	if err != nil {
		return -1
	}
	return v
}

// readStat reads /proc/<pid>/stat with one read into the reused buffer:
// through e's kept file when it has one and that still reads, else from a
// file opened now, returned open (the caller keeps or closes it).
func (r *procReader) readStat(dirfd int, pid string, e *procEntry) (statFields, int, error) {
	if e != nil && e.fd >= 0 {
		n, err := unix.Pread(e.fd, r.buf, 0)
		if err == nil {
			if f, ok := parseStat(r.buf[:n]); ok {
				return f, e.fd, nil
			}
		}
		r.drop(e) // the process died; its pid may be another's now
	}
	fd, err := unix.Openat(dirfd, pid+"/stat", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return statFields{}, -1, err
	}
	n, err := unix.Read(fd, r.buf)
	if err != nil {
		unix.Close(fd)
		return statFields{}, -1, err
	}
	f, ok := parseStat(r.buf[:n])
	if !ok {
		unix.Close(fd)
		return statFields{}, -1, errMalformed
	}
	return f, fd, nil
}

// maxKept caps how many stat files a reader keeps open.
const maxKept = 8192

// keep makes fd, a stat file opened this scan, e's kept file while there
// is room, and closes it otherwise (or when e is nil: the read failed).
func (r *procReader) keep(e *procEntry, fd int) {
	if e == nil || e.fd >= 0 || len(r.kept.fds) >= r.keepMax {
		unix.Close(fd)
		return
	}
	e.fd = fd
	r.kept.fds[fd] = struct{}{}
}

// drop closes e's kept file, if any.
func (r *procReader) drop(e *procEntry) {
	if e == nil || e.fd < 0 {
		return
	}
	unix.Close(e.fd)
	delete(r.kept.fds, e.fd)
	e.fd = -1
}

// fdSet is the files a reader keeps open, apart from the reader so a
// cleanup can close them once the reader is gone.
type fdSet struct{ fds map[int]struct{} }

func (s *fdSet) closeAll() {
	for fd := range s.fds {
		unix.Close(fd)
	}
	clear(s.fds)
}

// errMalformed marks a stat line that does not parse; the process is skipped.
var errMalformed = errors.New("malformed stat line")

// readCmdline returns the process's command line with its NUL separators
// as spaces, in r.cmdBuf: valid until the next call. An empty result is
// normal for kernel threads and zombies.
func (r *procReader) readCmdline(dirfd int, pid string) ([]byte, error) {
	fd, err := unix.Openat(dirfd, pid+"/cmdline", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	// Not r.buf: the caller still holds comm, which aliases it.
	buf := r.cmdBuf[:0]
	for len(buf) < cmdlineMax {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, len(buf))
		}
		n, err := unix.Read(fd, buf[len(buf):min(cap(buf), cmdlineMax)])
		if err != nil {
			return nil, err
		}
		if n == 0 {
			break
		}
		buf = buf[:len(buf)+n]
	}
	r.cmdBuf = buf
	for len(buf) > 0 && buf[len(buf)-1] == 0 {
		buf = buf[:len(buf)-1]
	}
	for i, c := range buf {
		if c == 0 {
			buf[i] = ' '
		}
	}
	return buf, nil
}

// readContainer returns the ID of the container the process runs in, from
// /proc/<pid>/cgroup; "" when it runs in none or the file cannot be read
// (no cgroups, or the process is gone: the next read fails anyway).
func (r *procReader) readContainer(dirfd int, pid string) string {
	fd, err := unix.Openat(dirfd, pid+"/cgroup", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return ""
	}
	defer unix.Close(fd)
	// procfs hands out a cgroup file in one read only up to a page; a v1
	// hierarchy with long Kubernetes paths can pass that, so read to EOF.
	buf := r.cgBuf[:0]
	for len(buf) < cmdlineMax {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, len(buf))
		}
		n, err := unix.Read(fd, buf[len(buf):cap(buf)])
		if err != nil || n == 0 {
			break
		}
		buf = buf[:len(buf)+n]
	}
	r.cgBuf = buf
	return string(parseContainerID(buf))
}

// readStatusUID returns the effective uid from /proc/<pid>/status (the
// second figure of its "Uid:" line, which comes within the first 1 KiB).
func (r *procReader) readStatusUID(dirfd int, pid string) (uint32, error) {
	fd, err := unix.Openat(dirfd, pid+"/status", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return 0, err
	}
	defer unix.Close(fd)
	n, err := unix.Read(fd, r.stBuf)
	if err != nil {
		return 0, err
	}
	uid, ok := parseStatusUID(r.stBuf[:n])
	if !ok {
		return 0, errMalformed
	}
	return uid, nil
}

// readNSPID returns the pid a process has in its own PID namespace when
// that is nested below the procfs's (a container's), else 0. The ns/pid
// link answers "same namespace" with one readlink and no file to render;
// only a process in another namespace, or one whose link is not ours to
// read (another user's, when stacktop is not root), costs a status read.
func (r *procReader) readNSPID(dirfd int, pid string) int32 {
	if r.selfNS != "" {
		n, err := unix.Readlinkat(dirfd, pid+"/ns/pid", r.nsBuf)
		if err == nil && string(r.nsBuf[:n]) == r.selfNS {
			return 0
		}
	}
	fd, err := unix.Openat(dirfd, pid+"/status", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return 0
	}
	defer unix.Close(fd)
	n, err := unix.Read(fd, r.stBuf)
	if err != nil {
		return 0
	}
	return parseStatusNSPID(r.stBuf[:n])
}

// displayCommand is what the table shows as the command: the command line,
// or "[name]" for kernel threads and zombies, which have none (ps does the same).
func displayCommand(cmdline, name string) string {
	if cmdline == "" {
		return "[" + name + "]"
	}
	return cmdline
}

// readUptime returns seconds since boot from <root>/uptime.
func (r *procReader) readUptime() (float64, error) {
	b, err := os.ReadFile(r.root + "/uptime")
	if err != nil {
		return 0, fmt.Errorf("uptime: %w — is /proc mounted?", err)
	}
	end := 0
	for end < len(b) && b[end] != ' ' && b[end] != '\n' {
		end++
	}
	up, err := strconv.ParseFloat(string(b[:end]), 64)
	if err != nil || up <= 0 {
		return 0, fmt.Errorf("uptime: unexpected content %q in %s/uptime", b, r.root)
	}
	return up, nil
}
