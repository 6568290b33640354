package docker

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
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

// read samples every counter. CPU and memory must be readable (else the
// container is gone or the paths are wrong); the rest degrade to "not
// available" on their own. buf is reused across files and containers.
func (fs cgroupFS) read(p cgroupPaths, now time.Time, buf *fileBuf) (counters, error) {
	c := counters{at: now, memLimit: p.memLimit}
	var err error
	if p.v2 {
		err = readV2(p.unified, &c, buf)
	} else {
		err = readV1(p, &c, buf)
	}
	if err != nil {
		return counters{}, err
	}
	if p.netDev != "" {
		c.netRx, c.netTx, c.netOK = readNetDev(p.netDev, buf)
	}
	return c, nil
}

func readV1(p cgroupPaths, c *counters, buf *fileBuf) error {
	var err error
	if c.cpuNS, err = buf.uint(filepath.Join(p.cpuacct, "cpuacct.usage")); err != nil {
		return err
	}
	c.cpuOK = true
	if c.memUsage, err = buf.uint(filepath.Join(p.memory, "memory.usage_in_bytes")); err != nil {
		return err
	}
	c.memInactive = buf.field(filepath.Join(p.memory, "memory.stat"), "total_inactive_file")
	c.memOK = true
	if p.blkio != "" {
		c.blkRead, c.blkWrite, c.blkOK = readBlkioV1(p.blkio, buf)
	}
	if p.pids != "" {
		c.pids, _ = buf.uint(filepath.Join(p.pids, "pids.current"))
	}
	return nil
}

func readV2(dir string, c *counters, buf *fileBuf) error {
	// cpu.stat exists in every v2 cgroup, whether or not the cpu
	// controller is enabled; unreadable means the cgroup is gone.
	b, err := buf.read(filepath.Join(dir, "cpu.stat"))
	if err != nil {
		return err
	}
	usec := fieldOf(b, "usage_usec")
	if c.memUsage, err = buf.uint(filepath.Join(dir, "memory.current")); err != nil {
		return err
	}
	c.cpuNS, c.cpuOK = usec*1000, true
	c.memInactive = buf.field(filepath.Join(dir, "memory.stat"), "inactive_file")
	c.memOK = true
	c.blkRead, c.blkWrite, c.blkOK = readIOStatV2(filepath.Join(dir, "io.stat"), buf)
	c.pids, _ = buf.uint(filepath.Join(dir, "pids.current"))
	return nil
}

// capLimit turns "no limit" (0 or the kernel's huge sentinel) into the host's
// memory, as docker stats shows it.
func (fs cgroupFS) capLimit(lim uint64) uint64 {
	if fs.memTotal > 0 && (lim == 0 || lim > fs.memTotal) {
		return fs.memTotal
	}
	return lim
}

// fileBuf reads small kernel files with one open, one read and one close
// (os.ReadFile adds an fstat and a second read): at 100 containers and six
// files each per poll, the syscalls are most of the cost.
type fileBuf struct{ b [8192]byte }

// read returns the file's content (valid until the next read). Files
// longer than the buffer are read whole through os.ReadFile.
func (fb *fileBuf) read(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	n, err := f.Read(fb.b[:])
	if err != nil && n == 0 {
		return nil, err
	}
	if n == len(fb.b) {
		return os.ReadFile(path)
	}
	return fb.b[:n], nil
}

func (fb *fileBuf) uint(path string) (uint64, error) {
	b, err := fb.read(path)
	if err != nil {
		return 0, err
	}
	return strconv.ParseUint(string(bytes.TrimSpace(b)), 10, 64)
}

// field returns the value of key in a "key value" file (memory.stat,
// cpu.stat); 0 when absent.
func (fb *fileBuf) field(path, key string) uint64 {
	b, err := fb.read(path)
	if err != nil {
		return 0
	}
	return fieldOf(b, key)
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

// readBlkioV1 sums Read and Write bytes over devices from the throttle
// files, which (unlike the CFQ ones) exist with every I/O scheduler.
func readBlkioV1(dir string, buf *fileBuf) (r, w uint64, ok bool) {
	b, err := buf.read(filepath.Join(dir, "blkio.throttle.io_service_bytes_recursive"))
	if err != nil {
		if b, err = buf.read(filepath.Join(dir, "blkio.throttle.io_service_bytes")); err != nil {
			return 0, 0, false
		}
	}
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
	return r, w, true
}

// readIOStatV2 sums rbytes and wbytes over devices in a cgroup v2 io.stat.
func readIOStatV2(path string, buf *fileBuf) (r, w uint64, ok bool) {
	b, err := buf.read(path)
	if err != nil {
		return 0, 0, false
	}
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
	return r, w, true
}

// readNetDev sums received and sent bytes over every interface but lo in a
// /proc/<pid>/net/dev file.
func readNetDev(path string, buf *fileBuf) (rx, tx uint64, ok bool) {
	b, err := buf.read(path)
	if err != nil {
		return 0, 0, false
	}
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
	return rx, tx, true
}
