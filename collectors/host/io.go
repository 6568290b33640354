package host

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/shirou/gopsutil/v3/disk"
	"github.com/shirou/gopsutil/v3/net"
	"github.com/stacktop/stacktop/collectors"
)

// ioSampler turns the cumulative disk and network counters into rates. It
// keeps the previous counters and when they were read; the first sample,
// a device that just appeared, and a counter that went backwards (driver
// reload, interface re-created) all give invalid rates.
type ioSampler struct {
	sysRoot string
	// Each family keeps its own sample time so a failed read of one never
	// stretches the other's interval.
	prevDiskAt, prevNetAt time.Time
	prevDisk              map[string]disk.IOCountersStat
	prevNet               map[string]net.IOCountersStat
	// netKinds remembers each interface's kind by name: sysfs is read once
	// per device, and again only after the name has gone and come back.
	netKinds map[string]NetKind
}

// disks returns whole block devices with their throughput since the last
// sample, by name. Partitions are left out because the whole disk already
// counts their I/O; loop and ram devices are left out as they mirror I/O
// counted elsewhere (a file, RAM) and a snap-heavy host has dozens.
func (s *ioSampler) disks(ctx context.Context, now time.Time) ([]Disk, error) {
	whole := s.wholeDisks()
	// Name the wanted disks: gopsutil looks up a serial number and a label
	// (udev and sysfs files) for every device it returns, which for the
	// partitions and snap loop devices left out below would be wasted
	// file reads on every poll.
	var names []string
	for name := range whole {
		if shownDisk(name) {
			names = append(names, name)
		}
	}
	if whole != nil && len(names) == 0 {
		names = append(names, "") // none wanted; an empty list would mean all
	}
	counters, err := disk.IOCountersWithContext(ctx, names...)
	if err != nil {
		return nil, fmt.Errorf("disk counters: %w — is /proc/diskstats readable?", err)
	}
	elapsed := collectors.Elapsed(s.prevDiskAt, now)
	out := make([]Disk, 0, len(counters))
	for name, c := range counters {
		if !shownDisk(name) { // without sysfs every device came back
			continue
		}
		d := Disk{Name: name}
		if p, ok := s.prevDisk[name]; ok {
			d.ReadBytes = collectors.CounterRate(p.ReadBytes, c.ReadBytes, elapsed)
			d.WriteBytes = collectors.CounterRate(p.WriteBytes, c.WriteBytes, elapsed)
			d.ReadOps = collectors.CounterRate(p.ReadCount, c.ReadCount, elapsed)
			d.WriteOps = collectors.CounterRate(p.WriteCount, c.WriteCount, elapsed)
		}
		out = append(out, d)
	}
	s.prevDisk, s.prevDiskAt = counters, now
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// shownDisk is false for loop and ram devices.
func shownDisk(name string) bool {
	return !strings.HasPrefix(name, "loop") && !strings.HasPrefix(name, "ram")
}

// wholeDisks returns the names under <sys>/block, which lists whole devices
// (disks, md, dm) but not partitions. nil means "unknown": without sysfs
// every device is shown rather than none.
func (s *ioSampler) wholeDisks() map[string]bool {
	entries, err := os.ReadDir(s.sysRoot + "/block")
	if err != nil {
		return nil
	}
	names := make(map[string]bool, len(entries))
	for _, e := range entries {
		names[e.Name()] = true
	}
	return names
}

// networks returns every interface with its traffic since the last
// sample, by name. Loopback stays: local traffic (a database on
// 127.0.0.1) is often exactly what one wants to see.
func (s *ioSampler) networks(ctx context.Context, now time.Time) ([]NetInterface, error) {
	counters, err := net.IOCountersWithContext(ctx, true)
	if err != nil {
		return nil, fmt.Errorf("network counters: %w — is /proc/net/dev readable?", err)
	}
	elapsed := collectors.Elapsed(s.prevNetAt, now)
	next := make(map[string]net.IOCountersStat, len(counters))
	out := make([]NetInterface, 0, len(counters))
	if s.netKinds == nil {
		s.netKinds = make(map[string]NetKind, len(counters))
	}
	for _, c := range counters {
		kind, ok := s.netKinds[c.Name]
		if !ok {
			kind = netKind(s.sysRoot, c.Name)
			s.netKinds[c.Name] = kind
		}
		n := NetInterface{Name: c.Name, Kind: kind}
		if p, ok := s.prevNet[c.Name]; ok {
			n.RxBytes = collectors.CounterRate(p.BytesRecv, c.BytesRecv, elapsed)
			n.TxBytes = collectors.CounterRate(p.BytesSent, c.BytesSent, elapsed)
			n.RxErrors = collectors.CounterRate(p.Errin, c.Errin, elapsed)
			n.TxErrors = collectors.CounterRate(p.Errout, c.Errout, elapsed)
			n.RxDrops = collectors.CounterRate(p.Dropin, c.Dropin, elapsed)
			n.TxDrops = collectors.CounterRate(p.Dropout, c.Dropout, elapsed)
		}
		next[c.Name] = c
		out = append(out, n)
	}
	// A name that went away may come back as another device (a new
	// container's veth, a re-created bridge): forget it.
	for name := range s.netKinds {
		if _, ok := next[name]; !ok {
			delete(s.netKinds, name)
		}
	}
	s.prevNet, s.prevNetAt = next, now
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// arphrdLoopback is ARPHRD_LOOPBACK, the "type" sysfs gives lo.
const arphrdLoopback = "772"

// netKind classifies interface name from <sys>/class/net/<name>. A device
// with a "device" link is backed by hardware (or a hypervisor's NIC); one
// with a "bridge" directory is a bridge. A veth's iflink is its peer's
// index (in the container's namespace), so it differs from its own
// ifindex; VLAN and macvlan devices share that trait but name their parent
// in a lower_<dev> link, which a veth has not.
func netKind(sysRoot, name string) NetKind {
	dir := sysRoot + "/class/net/" + name
	if _, err := os.Stat(dir); err != nil {
		return NetUnknown
	}
	if readTrim(dir+"/type") == arphrdLoopback {
		return NetLoopback
	}
	if _, err := os.Stat(dir + "/bridge"); err == nil {
		return NetBridge
	}
	if _, err := os.Lstat(dir + "/device"); err == nil {
		return NetPhysical
	}
	iflink, ifindex := readTrim(dir+"/iflink"), readTrim(dir+"/ifindex")
	if iflink == "" || iflink == ifindex {
		return NetVirtual
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return NetVirtual
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "lower_") {
			return NetVirtual
		}
	}
	return NetVeth
}

// readTrim returns a small sysfs file's content without the newline; ""
// when it cannot be read.
func readTrim(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}
