package docker

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// counters is one raw sample of a container's cumulative counters, from
// cgroup files or from the stats API. Rates come from two of them.
type counters struct {
	at    time.Time
	cpuNS uint64 // total CPU time, nanoseconds
	cpuOK bool
	// memUsage includes page cache; memInactive is the inactive file cache
	// the docker CLI subtracts.
	memUsage, memInactive, memLimit uint64
	memOK                           bool
	netRx, netTx                    uint64
	netOK                           bool
	blkRead, blkWrite               uint64
	blkOK                           bool
	pids                            uint64
}

// cgroupPaths locates one container's cgroup files on this machine.
type cgroupPaths struct {
	v2 bool
	// memLimit is read once when located: limits change only through
	// `docker update`, whose event makes the collector locate again.
	memLimit uint64
	// v1: one directory per controller; v2: all in unified.
	cpuacct, memory, blkio, pids, unified string
	// netDev is the container's init process's view of its network
	// namespace; "" for host-network containers (their traffic is the host's).
	netDev string
}

// cgroupFS reads container stats straight from the kernel's files. It only
// works when stacktop sees the engine's machine (local socket, host PID
// namespace); locate refuses otherwise and the API is used instead.
type cgroupFS struct {
	procRoot, cgroupRoot string
	memTotal             uint64 // cap for "unlimited" memory limits
}

// locate finds the cgroup directories of container id through its init
// process pid. It insists that the cgroup path names the container ID, so a
// PID from another namespace can never yield a stranger's figures.
func (fs cgroupFS) locate(id string, pid int, hostNet bool) (cgroupPaths, error) {
	if pid <= 0 {
		return cgroupPaths{}, errors.New("no init process")
	}
	data, err := os.ReadFile(filepath.Join(fs.procRoot, strconv.Itoa(pid), "cgroup"))
	if err != nil {
		return cgroupPaths{}, err
	}
	var p cgroupPaths
	var unified string
	for line := range strings.Lines(string(data)) {
		parts := strings.SplitN(strings.TrimSpace(line), ":", 3)
		if len(parts) != 3 || !strings.Contains(parts[2], id) {
			continue
		}
		if parts[0] == "0" && parts[1] == "" {
			unified = filepath.Join(fs.cgroupRoot, parts[2])
			continue
		}
		// Co-mounted v1 controllers ("cpu,cpuacct") live under a directory
		// of that name; systemd adds a symlink per controller, other
		// inits may not, so the joined name is tried first.
		joined := filepath.Join(fs.cgroupRoot, parts[1], parts[2])
		_, err := os.Stat(joined)
		for ctl := range strings.SplitSeq(parts[1], ",") {
			dir := joined
			if err != nil {
				dir = filepath.Join(fs.cgroupRoot, ctl, parts[2])
			}
			switch ctl {
			case "cpuacct":
				p.cpuacct = dir
			case "memory":
				p.memory = dir
			case "blkio":
				p.blkio = dir
			case "pids":
				p.pids = dir
			}
		}
	}
	switch {
	case p.memory != "" && p.cpuacct != "":
	case unified != "":
		p = cgroupPaths{v2: true, unified: unified}
	default:
		return cgroupPaths{}, fmt.Errorf("no cgroup of container %.12s in /proc/%d/cgroup", id, pid)
	}
	if !hostNet {
		p.netDev = filepath.Join(fs.procRoot, strconv.Itoa(pid), "net", "dev")
	}
	var buf fileBuf
	if p.v2 {
		lim, err := buf.uint(filepath.Join(p.unified, "memory.max")) // "max": unlimited
		if err != nil {
			lim = 0
		}
		p.memLimit = fs.capLimit(lim)
	} else {
		lim, _ := buf.uint(filepath.Join(p.memory, "memory.limit_in_bytes"))
		p.memLimit = fs.capLimit(lim)
	}
	return p, nil
}

// cgroupFiles is one container's counter files, held open between polls:
// each poll reads each file with one pread at offset 0 (the kernel
// regenerates a seq_file read from offset 0), where open, read and close
// were three syscalls plus the runtime's poller registration, most of a
// poll's cost at 100 containers. The same slots serve v1 and v2; which
// file each holds, and how it is parsed, depends on v2.
type cgroupFiles struct {
	v2       bool
	memLimit uint64
	// cpu: cpuacct.usage (v1) or cpu.stat (v2); mem: memory.usage_in_bytes
	// or memory.current; memStat: memory.stat; io: the blkio throttle file
	// or io.stat; pids: pids.current; net: /proc/<pid>/net/dev. cpu and
	// mem are required; the others are nil when absent.
	cpu, mem, memStat, io, pids, net *os.File
}

// open opens the counter files of p. CPU and memory must open (else the
// container is gone or the paths are wrong); the rest degrade to "not
// available" on their own.
func (fs cgroupFS) open(p cgroupPaths) (*cgroupFiles, error) {
	f := &cgroupFiles{v2: p.v2, memLimit: p.memLimit}
	var cpu, mem, memStat, io, pids string
	if p.v2 {
		// cpu.stat exists in every v2 cgroup, whether or not the cpu
		// controller is enabled; missing means the cgroup is gone.
		cpu, mem, memStat = filepath.Join(p.unified, "cpu.stat"), filepath.Join(p.unified, "memory.current"), filepath.Join(p.unified, "memory.stat")
		io, pids = filepath.Join(p.unified, "io.stat"), filepath.Join(p.unified, "pids.current")
	} else {
		cpu, mem, memStat = filepath.Join(p.cpuacct, "cpuacct.usage"), filepath.Join(p.memory, "memory.usage_in_bytes"), filepath.Join(p.memory, "memory.stat")
		if p.blkio != "" {
			io = filepath.Join(p.blkio, "blkio.throttle.io_service_bytes_recursive")
			if _, err := os.Stat(io); err != nil {
				io = filepath.Join(p.blkio, "blkio.throttle.io_service_bytes")
			}
		}
		if p.pids != "" {
			pids = filepath.Join(p.pids, "pids.current")
		}
	}
	var err error
	if f.cpu, err = openKernelFile(cpu); err != nil {
		return nil, err
	}
	if f.mem, err = openKernelFile(mem); err != nil {
		f.close()
		return nil, err
	}
	f.memStat, f.io, f.pids, f.net = openOptional(memStat), openOptional(io), openOptional(pids), openOptional(p.netDev)
	return f, nil
}

// openOptional opens path, or returns nil when it is "" or cannot be opened.
func openOptional(path string) *os.File {
	if path == "" {
		return nil
	}
	f, err := openKernelFile(path)
	if err != nil {
		return nil
	}
	return f
}

// openKernelFile opens a kernel file for reading with plain blocking
// reads. os.Open would register a cgroup file (which supports poll) with
// the runtime's poller, two more syscalls, and make every File.Fd call a
// fcntl; os.NewFile of a blocking descriptor does neither.
func openKernelFile(path string) (*os.File, error) {
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	return os.NewFile(uintptr(fd), path), nil
}

// close closes every file; f is unusable afterwards.
func (f *cgroupFiles) close() {
	for _, h := range []*os.File{f.cpu, f.mem, f.memStat, f.io, f.pids, f.net} {
		if h != nil {
			h.Close()
		}
	}
	*f = cgroupFiles{}
}

// read samples every counter. CPU and memory must be readable (else the
// container is gone); the rest degrade to "not available" on their own.
// buf is reused across files and containers.
func (f *cgroupFiles) read(now time.Time, buf *fileBuf) (counters, error) {
	c := counters{at: now, memLimit: f.memLimit}
	b, err := buf.pread(f.cpu)
	if err != nil {
		return counters{}, err
	}
	if f.v2 {
		c.cpuNS = fieldOf(b, "usage_usec") * 1000
	} else if c.cpuNS, err = parseUint(b); err != nil {
		return counters{}, err
	}
	c.cpuOK = true
	if b, err = buf.pread(f.mem); err != nil {
		return counters{}, err
	}
	if c.memUsage, err = parseUint(b); err != nil {
		return counters{}, err
	}
	c.memOK = true
	if b, err := buf.pread(f.memStat); err == nil {
		if f.v2 {
			c.memInactive = fieldOf(b, "inactive_file")
		} else {
			c.memInactive = fieldOf(b, "total_inactive_file")
		}
	}
	if b, err := buf.pread(f.io); err == nil {
		if f.v2 {
			c.blkRead, c.blkWrite = parseIOStatV2(b)
		} else {
			c.blkRead, c.blkWrite = parseBlkioV1(b)
		}
		c.blkOK = true
	}
	if b, err := buf.pread(f.pids); err == nil {
		c.pids, _ = parseUint(b)
	}
	if b, err := buf.pread(f.net); err == nil {
		c.netRx, c.netTx = parseNetDev(b)
		c.netOK = true
	}
	return c, nil
}

// capLimit turns "no limit" (0 or the kernel's huge sentinel) into the host's
// memory, as docker stats shows it.
func (fs cgroupFS) capLimit(lim uint64) uint64 {
	if fs.memTotal > 0 && (lim == 0 || lim > fs.memTotal) {
		return fs.memTotal
	}
	return lim
}

// fileBuf is a scratch buffer for reading small kernel files.
type fileBuf struct{ b [8192]byte }

// errNoFile is the read of a file that is not there (an optional slot).
var errNoFile = errors.New("not available")

// seqChunk is a length past which one read of a kernel file may have been
// cut short: seq_file fills at most a page per read, ending on a record
// boundary, and no record of the files read here comes near 1 KiB. Shorter
// reads are the whole file, so most files cost exactly one syscall.
const seqChunk = 3 << 10

// pread reads f from offset 0 (a fresh sample of a kernel file) and
// returns its content, valid until the next read.
func (fb *fileBuf) pread(f *os.File) ([]byte, error) {
	if f == nil {
		return nil, errNoFile
	}
	// Fd of a blocking file is a field read; the os.File keeps the
	// descriptor alive (and closes it if the collector is dropped without
	// Close).
	fd := int(f.Fd())
	n, err := preadRetry(fd, fb.b[:], 0)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, errors.New("empty file")
	}
	if n < seqChunk {
		return fb.b[:n], nil
	}
	out := append([]byte(nil), fb.b[:n]...)
	for {
		m, err := preadRetry(fd, fb.b[:], int64(len(out)))
		if err != nil {
			return nil, err
		}
		if m == 0 {
			return out, nil
		}
		out = append(out, fb.b[:m]...)
	}
}

// preadRetry is pread, again when a signal interrupted it.
func preadRetry(fd int, b []byte, off int64) (int, error) {
	for {
		n, err := syscall.Pread(fd, b, off)
		if err != syscall.EINTR {
			return n, err
		}
	}
}

// read returns the file at path's content (valid until the next read); for
// the files read once per container (memory.limit_in_bytes).
func (fb *fileBuf) read(path string) ([]byte, error) {
	f, err := openKernelFile(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return fb.pread(f)
}

func (fb *fileBuf) uint(path string) (uint64, error) {
	b, err := fb.read(path)
	if err != nil {
		return 0, err
	}
	return parseUint(b)
}

// parseUint reads a file holding one number.
func parseUint(b []byte) (uint64, error) {
	return strconv.ParseUint(string(bytes.TrimSpace(b)), 10, 64)
}

// fieldOf returns the value of key in the "key value" lines of b; 0 when
// absent.
func fieldOf(b []byte, key string) uint64 {
	for line := range bytes.Lines(b) {
		k, v, ok := bytes.Cut(bytes.TrimSpace(line), []byte{' '})
		if ok && string(k) == key {
			n, _ := strconv.ParseUint(string(v), 10, 64)
			return n
		}
	}
	return 0
}

// parseBlkioV1 sums Read and Write bytes over devices in a blkio throttle
// file, which (unlike the CFQ ones) exists with every I/O scheduler.
func parseBlkioV1(b []byte) (r, w uint64) {
	for line := range bytes.Lines(b) {
		f := bytes.Fields(line)
		if len(f) != 3 {
			continue // the "Total N" line
		}
		n, _ := strconv.ParseUint(string(f[2]), 10, 64)
		switch string(f[1]) {
		case "Read":
			r += n
		case "Write":
			w += n
		}
	}
	return r, w
}

// parseIOStatV2 sums rbytes and wbytes over devices in a cgroup v2 io.stat.
func parseIOStatV2(b []byte) (r, w uint64) {
	for line := range bytes.Lines(b) {
		fields := bytes.Fields(line)
		if len(fields) < 2 {
			continue
		}
		for _, f := range fields[1:] {
			k, v, _ := bytes.Cut(f, []byte{'='})
			n, _ := strconv.ParseUint(string(v), 10, 64)
			switch string(k) {
			case "rbytes":
				r += n
			case "wbytes":
				w += n
			}
		}
	}
	return r, w
}

// parseNetDev sums received and sent bytes over every interface but lo in
// a /proc/<pid>/net/dev file.
func parseNetDev(b []byte) (rx, tx uint64) {
	for line := range bytes.Lines(b) {
		name, rest, found := bytes.Cut(line, []byte{':'})
		if !found || string(bytes.TrimSpace(name)) == "lo" {
			continue // header lines and loopback
		}
		fields := bytes.Fields(rest)
		if len(fields) < 9 {
			continue
		}
		r, _ := strconv.ParseUint(string(fields[0]), 10, 64)
		t, _ := strconv.ParseUint(string(fields[8]), 10, 64)
		rx, tx = rx+r, tx+t
	}
	return rx, tx
}
