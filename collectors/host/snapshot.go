// Package host collects the machine's own metrics: CPU, memory, filesystems,
// disks, network interfaces (through gopsutil) and the process table (through
// a direct /proc reader, for speed).
package host

import (
	"time"

	"github.com/stacktop/stacktop/collectors"
)

// Snapshot is one immutable poll of the host.
type Snapshot struct {
	Taken    time.Time
	Hostname string
	OS       string // e.g. "debian 12.7"
	Kernel   string // e.g. "6.1.0-25-amd64"
	Uptime   time.Duration
	Load     Load
	CPU      CPU
	Memory   Memory
	// Filesystems lists real (non-pseudo) mounted filesystems, by mountpoint.
	Filesystems []Filesystem
	// Disks lists block devices with I/O rates, by name.
	Disks []Disk
	// Networks lists interfaces with traffic rates, by name.
	Networks  []NetInterface
	Processes Processes
	// Problems lists the parts of this poll that could not be read (disks,
	// networks, filesystems, load), one "cause — what to try" line each; the
	// rest of the snapshot is still good. Empty when everything was read.
	Problems []string
}

// TakenAt implements collectors.Snapshot.
func (s *Snapshot) TakenAt() time.Time { return s.Taken }

// Load is the kernel's load average.
type Load struct {
	Load1, Load5, Load15 float64
}

// CPU is CPU use over the last interval. Valid is false on the first poll,
// when there is no previous sample to take a delta from.
type CPU struct {
	Valid   bool
	Total   CPUUsage
	PerCore []CPUUsage
	// Cores is the number of logical CPUs, known even when Valid is false.
	Cores int
}

// CPUUsage is the share of time in each state over the interval, in percent
// (0–100). Busy is everything but idle and iowait.
type CPUUsage struct {
	Busy, User, System, IOWait, Steal float64
}

// Memory is RAM and swap, in bytes.
type Memory struct {
	Total, Used, Available, Free uint64
	Buffers, Cached              uint64
	SwapTotal, SwapUsed          uint64
}

// Filesystem is the usage of one mounted filesystem, in bytes.
type Filesystem struct {
	Mountpoint, Device, FSType string
	Total, Used, Free          uint64
	// Unresponsive is true when statfs did not answer within the poll's
	// budget (typically a dead NFS server); the sizes are then the last
	// known ones, or zero if it never answered.
	Unresponsive bool
}

// UsedPercent is used space as a share of the space a user can have (used+free),
// as df computes it; 0 for an empty filesystem.
func (f Filesystem) UsedPercent() float64 {
	if f.Used+f.Free == 0 {
		return 0
	}
	return float64(f.Used) * 100 / float64(f.Used+f.Free)
}

// Disk is one block device's throughput over the interval.
type Disk struct {
	Name                  string
	ReadBytes, WriteBytes collectors.Rate
	ReadOps, WriteOps     collectors.Rate
}

// NetInterface is one network interface's traffic over the interval.
type NetInterface struct {
	Name string
	// Kind says what sort of device it is, so views can tell the wire
	// from the host's own plumbing (loopback, bridges, container veths)
	// and not count one packet three times.
	Kind               NetKind
	RxBytes, TxBytes   collectors.Rate
	RxErrors, TxErrors collectors.Rate
	RxDrops, TxDrops   collectors.Rate
}

// NetKind classifies a network interface, from sysfs.
type NetKind string

// Network interface kinds.
const (
	// NetUnknown: sysfs did not say (not mounted, or the device vanished).
	NetUnknown NetKind = ""
	// NetPhysical is a device backed by hardware (or a hypervisor's
	// virtual NIC): it has a device link in sysfs.
	NetPhysical NetKind = "physical"
	// NetLoopback is lo.
	NetLoopback NetKind = "loopback"
	// NetBridge is a software bridge such as docker0; its traffic is its
	// ports' traffic, which also crosses a physical device or a veth.
	NetBridge NetKind = "bridge"
	// NetVeth is the host end of a veth pair, one per container (or
	// network namespace); its traffic is the container's.
	NetVeth NetKind = "veth"
	// NetVirtual is any other software device: VLAN, tunnel, TUN/TAP,
	// WireGuard, ifb.
	NetVirtual NetKind = "virtual"
)

// Processes is the process table.
type Processes struct {
	Count   int // processes (not threads)
	Running int // in state R
	Threads int // threads across all processes
	// List holds every process, in no particular order; views sort it.
	List []Process
	// Partial is set when no viewer needed the whole table: List then
	// holds the PostgreSQL server processes only, and Count, Running and
	// Threads count those (see collectors.Needs).
	Partial bool
}

// Process is one row of the process table.
type Process struct {
	PID, PPID int32
	User      string // user name, or the numeric uid when it has none
	Name      string // comm, as the kernel reports it (may contain spaces)
	Command   string // full command line; "[name]" for kernel threads
	State     byte   // R, S, D, Z, T, I, ...
	// CPUValid says CPUPercent holds a figure (the process was seen on the
	// previous poll or started after it). It and Threads sit next to State
	// so the three share one word: the table is copied every poll.
	CPUValid bool
	Threads  int32
	// CPUPercent is CPU use over the interval, 100 = one full core.
	CPUPercent float64
	RSS        uint64 // resident set size, bytes
	StartTime  time.Time
	// Container is the 64-hex ID of the container the process runs in,
	// taken from its cgroup path (Docker, containerd, Podman and CRI-O
	// all put it there); "" for a process outside any container. Views
	// name it through the engine's own snapshot.
	Container string
	// NSPID is the pid the process has inside its own PID namespace when
	// that namespace is nested below the host's (a container's, or one
	// made with unshare): what a server in that namespace calls it, e.g.
	// PostgreSQL's pg_stat_activity.pid. 0 for a process in the host's
	// namespace, whose PID is the same number everywhere.
	NSPID int32
}

// InnerPID is the pid the process's own PID namespace gives it: NSPID for
// a process in a nested namespace, else PID.
func (p *Process) InnerPID() int32 {
	if p.NSPID != 0 {
		return p.NSPID
	}
	return p.PID
}

// CPUResolution is the smallest step of a process's CPU figure over an
// interval, in percent of a core: the kernel counts CPU time in clock
// ticks, so a process's figure moves by one tick per interval (0.5% at
// 2 s); a change of one tick is within what the measure can tell.
func CPUResolution(interval time.Duration) float64 {
	if interval <= 0 {
		return 0
	}
	return 100 / clockTicks / interval.Seconds()
}
