package host

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/shirou/gopsutil/v3/common"
	"github.com/shirou/gopsutil/v3/disk"
	gohost "github.com/shirou/gopsutil/v3/host"
	"github.com/shirou/gopsutil/v3/load"
	"github.com/shirou/gopsutil/v3/mem"
	"github.com/stacktop/stacktop/collectors"
)

// Options configure the host collector. The zero value watches this machine.
type Options struct {
	// ProcRoot is where procfs is mounted; default "/proc". Pointing it at
	// a host's /proc bind-mounted into a container watches the host.
	ProcRoot string
	// SysRoot is where sysfs is mounted; default "/sys".
	SysRoot string
	// StatfsTimeout bounds how long one poll waits for filesystem usage
	// (a dead NFS mount can block statfs forever); default 500ms.
	StatfsTimeout time.Duration
}

// Collector polls the host. It keeps the previous counters to turn them
// into rates, so it is stateful; Collect calls are serialised.
type Collector struct {
	opts Options
	env  common.EnvMap

	// Facts that do not change while stacktop runs, read once on the first
	// poll: gopsutil forks lsb_release for the platform (~45 ms), which must
	// not sit between launching stacktop and its first frame.
	staticOnce     sync.Once
	osName, kernel string

	mu    sync.Mutex
	needs collectors.Needs
	cpu   cpuSampler
	io    ioSampler
	fs    *fsProber
	procs *procReader
}

var _ collectors.Collector = (*Collector)(nil)

// New returns a collector for the host described by opts. It reads the boot
// time now and the other static facts (OS, kernel) on the first poll; it
// never fails, as a missing fact only leaves a blank on screen.
func New(opts Options) *Collector {
	if opts.ProcRoot == "" {
		opts.ProcRoot = "/proc"
	}
	if opts.SysRoot == "" {
		opts.SysRoot = "/sys"
	}
	if opts.StatfsTimeout <= 0 {
		opts.StatfsTimeout = 500 * time.Millisecond
	}
	c := &Collector{
		opts: opts,
		// gopsutil reads its paths from the context, so the roots apply to
		// it and to the process reader alike.
		env: common.EnvMap{common.HostProcEnvKey: opts.ProcRoot, common.HostSysEnvKey: opts.SysRoot},
		io:  ioSampler{sysRoot: opts.SysRoot},
		fs:  newFSProber(disk.Usage, opts.StatfsTimeout),
	}
	ctx := context.WithValue(context.Background(), common.EnvKey, c.env)
	var boot time.Time
	if secs, err := gohost.BootTimeWithContext(ctx); err == nil {
		boot = time.Unix(int64(secs), 0)
	}
	c.procs = newProcReader(opts.ProcRoot, boot)
	return c
}

// readStaticFacts looks up the OS and kernel once.
func (c *Collector) readStaticFacts(ctx context.Context) {
	if platform, _, version, err := gohost.PlatformInformationWithContext(ctx); err == nil {
		c.osName = strings.TrimSpace(platform + " " + version)
	}
	c.kernel, _ = gohost.KernelVersionWithContext(ctx)
}

// SetNeeds implements collectors.NeedsSetter: while no viewer shows the
// whole process table, only the PostgreSQL server processes are read.
func (c *Collector) SetNeeds(n collectors.Needs) {
	c.mu.Lock()
	c.needs = n
	c.mu.Unlock()
}

// Collect reads one snapshot of the host. CPU, memory and the process
// table are essential: if one fails, Collect fails. Load, filesystems, disks
// and networks degrade instead: the failure is one line in Problems.
func (c *Collector) Collect(ctx context.Context) (collectors.Snapshot, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ctx = context.WithValue(ctx, common.EnvKey, c.env)
	c.staticOnce.Do(func() { c.readStaticFacts(ctx) })
	s := &Snapshot{Taken: time.Now(), OS: c.osName, Kernel: c.kernel}
	// The hostname can change at runtime and costs one small read.
	s.Hostname, _ = os.Hostname()

	var err error
	if s.CPU, err = c.cpu.sample(ctx); err != nil {
		return nil, fmt.Errorf("host: %w", err)
	}
	if s.Memory, err = readMemory(ctx); err != nil {
		return nil, fmt.Errorf("host: %w", err)
	}
	procs, uptime, err := c.procs.scan(ctx, c.needs.Processes == collectors.ProcessesPostgres)
	if err != nil {
		return nil, fmt.Errorf("host: %w", err)
	}
	s.Processes = procs
	// /proc/uptime was read for the process table anyway, at 10 ms
	// resolution where the sysinfo figure has whole seconds.
	s.Uptime = time.Duration(uptime * float64(time.Second))

	if avg, err := load.AvgWithContext(ctx); err == nil {
		s.Load = Load{Load1: avg.Load1, Load5: avg.Load5, Load15: avg.Load15}
	} else {
		s.Problems = append(s.Problems, fmt.Sprintf("load average: %v — is %s/loadavg readable?", err, c.opts.ProcRoot))
	}
	// Counters are stamped when read, not when the poll began: the process
	// scan before them takes a variable ~10 ms, which would skew the rates.
	if s.Disks, err = c.io.disks(ctx, time.Now()); err != nil {
		s.Problems = append(s.Problems, err.Error())
	}
	if s.Networks, err = c.io.networks(ctx, time.Now()); err != nil {
		s.Problems = append(s.Problems, err.Error())
	}
	if s.Filesystems, err = c.fs.filesystems(ctx, c.opts.ProcRoot); err != nil {
		s.Problems = append(s.Problems, err.Error())
	}
	for _, fs := range s.Filesystems {
		if fs.Unresponsive {
			s.Problems = append(s.Problems, fmt.Sprintf(
				"filesystem %s (%s) does not answer statfs within %v — is its server or device (%s) reachable?",
				fs.Mountpoint, fs.FSType, c.opts.StatfsTimeout, fs.Device))
		}
	}
	return s, nil
}

// readMemory reads RAM and swap. Used is gopsutil's figure (total minus
// free, buffers and cache), the "really used" memory a user cares about.
func readMemory(ctx context.Context) (Memory, error) {
	vm, err := mem.VirtualMemoryWithContext(ctx)
	if err != nil {
		return Memory{}, fmt.Errorf("memory: %w — is /proc/meminfo readable?", err)
	}
	sw, err := mem.SwapMemoryWithContext(ctx)
	if err != nil {
		return Memory{}, fmt.Errorf("swap: %w — is /proc/meminfo readable?", err)
	}
	// gopsutil subtracts free, buffers and cache (with reclaimable slab)
	// from the total in unsigned arithmetic; where those overshoot the total
	// (seen in some containers) it would wrap to a huge number.
	used := vm.Used
	if used > vm.Total {
		used = vm.Total - min(vm.Available, vm.Total)
	}
	return Memory{
		Total:     vm.Total,
		Used:      used,
		Available: vm.Available,
		Free:      vm.Free,
		Buffers:   vm.Buffers,
		Cached:    vm.Cached,
		SwapTotal: sw.Total,
		SwapUsed:  sw.Used,
	}, nil
}
