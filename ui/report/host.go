package report

import (
	"cmp"
	"math"
	"slices"
	"time"

	"github.com/stacktop/stacktop/collectors"
	"github.com/stacktop/stacktop/collectors/host"
)

// TopProcesses is how many processes the "top" list of the snapshot holds.
const TopProcesses = 10

// HostDoc is the "host" object of the JSON snapshot. The data fields are
// null (or empty) until the host has been polled successfully once.
type HostDoc struct {
	Name  string  `json:"name"`
	Error *string `json:"error"`
	// Stale is true when the data is older than three polling intervals.
	Stale bool `json:"stale"`
	// State is "ok", "stale", "degraded", "down" or "waiting".
	State string `json:"state"`
	// AsOf is set when the data is history (the last poll failed or it is
	// stale): when it was taken. Rates are null then.
	AsOf *time.Time `json:"as_of"`
	// TakenAt is when this host data was sampled (the document's taken_at is
	// when the document was built).
	TakenAt       *time.Time      `json:"taken_at"`
	Hostname      string          `json:"hostname"`
	OS            string          `json:"os"`
	Kernel        string          `json:"kernel"`
	UptimeSeconds int64           `json:"uptime_seconds"`
	CPU           *CPUDoc         `json:"cpu"`
	Load          *LoadDoc        `json:"load"`
	Memory        *MemoryDoc      `json:"memory"`
	Swap          *SwapDoc        `json:"swap"`
	Filesystems   []FilesystemDoc `json:"filesystems"`
	Disks         []DiskDoc       `json:"disks"`
	Networks      []NetworkDoc    `json:"networks"`
	Processes     *ProcessesDoc   `json:"processes"`
}

// CPUDoc is CPU use over the last interval in percent (100 = all cores busy
// for total, one core for per_core); null on the first poll, which has no
// interval yet.
type CPUDoc struct {
	Cores          int       `json:"cores"`
	TotalPercent   *float64  `json:"total_percent"`
	PerCorePercent []float64 `json:"per_core_percent"`
	UserPercent    *float64  `json:"user_percent"`
	SystemPercent  *float64  `json:"system_percent"`
	IOWaitPercent  *float64  `json:"iowait_percent"`
	StealPercent   *float64  `json:"steal_percent"`
}

// LoadDoc is the kernel's load average.
type LoadDoc struct {
	Load1  float64 `json:"load1"`
	Load5  float64 `json:"load5"`
	Load15 float64 `json:"load15"`
}

// MemoryDoc is RAM in bytes.
type MemoryDoc struct {
	TotalBytes     uint64  `json:"total_bytes"`
	UsedBytes      uint64  `json:"used_bytes"`
	AvailableBytes uint64  `json:"available_bytes"`
	FreeBytes      uint64  `json:"free_bytes"`
	BuffersBytes   uint64  `json:"buffers_bytes"`
	CachedBytes    uint64  `json:"cached_bytes"`
	UsedPercent    float64 `json:"used_percent"`
}

// SwapDoc is swap space in bytes.
type SwapDoc struct {
	TotalBytes uint64 `json:"total_bytes"`
	UsedBytes  uint64 `json:"used_bytes"`
}

// FilesystemDoc is one mounted real filesystem.
type FilesystemDoc struct {
	Mountpoint  string  `json:"mountpoint"`
	Device      string  `json:"device"`
	FSType      string  `json:"fstype"`
	TotalBytes  uint64  `json:"total_bytes"`
	UsedBytes   uint64  `json:"used_bytes"`
	FreeBytes   uint64  `json:"free_bytes"`
	UsedPercent float64 `json:"used_percent"`
}

// DiskDoc is one block device's throughput; rates are null when unknown.
type DiskDoc struct {
	Name             string          `json:"name"`
	ReadBytesPerSec  collectors.Rate `json:"read_bytes_per_sec"`
	WriteBytesPerSec collectors.Rate `json:"write_bytes_per_sec"`
	ReadOpsPerSec    collectors.Rate `json:"read_ops_per_sec"`
	WriteOpsPerSec   collectors.Rate `json:"write_ops_per_sec"`
}

// NetworkDoc is one interface's traffic; rates are null when unknown.
type NetworkDoc struct {
	Name           string          `json:"name"`
	RxBytesPerSec  collectors.Rate `json:"rx_bytes_per_sec"`
	TxBytesPerSec  collectors.Rate `json:"tx_bytes_per_sec"`
	RxErrorsPerSec collectors.Rate `json:"rx_errors_per_sec"`
	TxErrorsPerSec collectors.Rate `json:"tx_errors_per_sec"`
	RxDropsPerSec  collectors.Rate `json:"rx_drops_per_sec"`
	TxDropsPerSec  collectors.Rate `json:"tx_drops_per_sec"`
}

// ProcessesDoc counts processes and lists the busiest.
type ProcessesDoc struct {
	Count   int          `json:"count"`
	Running int          `json:"running"`
	Threads int          `json:"threads"`
	Top     []ProcessDoc `json:"top"`
}

// ProcessDoc is one process of the top list.
type ProcessDoc struct {
	PID     int32  `json:"pid"`
	PPID    int32  `json:"ppid"`
	User    string `json:"user"`
	Name    string `json:"name"`
	Command string `json:"command"`
	State   string `json:"state"`
	// CPUPercent is use over the last interval, 100 = one core; null for a
	// process first seen this poll.
	CPUPercent *float64 `json:"cpu_percent"`
	RSSBytes   uint64   `json:"rss_bytes"`
	Threads    int32    `json:"threads"`
}

func hostDoc(u collectors.Update, now time.Time) *HostDoc {
	d := &HostDoc{Name: u.Source.Name, Error: errorText(u), State: SourceState(u, now), AsOf: asOf(u, now),
		Filesystems: []FilesystemDoc{}, Disks: []DiskDoc{}, Networks: []NetworkDoc{}}
	s, ok := u.Snapshot.(*host.Snapshot)
	if !ok || s == nil {
		return d
	}
	d.Stale = u.Stale(now)
	taken := s.Taken.UTC()
	d.TakenAt = &taken
	d.Hostname, d.OS, d.Kernel = s.Hostname, s.OS, s.Kernel
	d.UptimeSeconds = int64(s.Uptime / time.Second)
	d.CPU = cpuDoc(s.CPU)
	d.Load = &LoadDoc{Load1: round2(s.Load.Load1), Load5: round2(s.Load.Load5), Load15: round2(s.Load.Load15)}
	m := s.Memory
	d.Memory = &MemoryDoc{TotalBytes: m.Total, UsedBytes: m.Used, AvailableBytes: m.Available, FreeBytes: m.Free,
		BuffersBytes: m.Buffers, CachedBytes: m.Cached, UsedPercent: percent(m.Used, m.Total)}
	d.Swap = &SwapDoc{TotalBytes: m.SwapTotal, UsedBytes: m.SwapUsed}
	for _, f := range s.Filesystems {
		d.Filesystems = append(d.Filesystems, FilesystemDoc{Mountpoint: f.Mountpoint, Device: f.Device, FSType: f.FSType,
			TotalBytes: f.Total, UsedBytes: f.Used, FreeBytes: f.Free, UsedPercent: round2(f.UsedPercent())})
	}
	for _, k := range s.Disks {
		d.Disks = append(d.Disks, DiskDoc{Name: k.Name, ReadBytesPerSec: k.ReadBytes, WriteBytesPerSec: k.WriteBytes,
			ReadOpsPerSec: k.ReadOps, WriteOpsPerSec: k.WriteOps})
	}
	for _, n := range s.Networks {
		d.Networks = append(d.Networks, NetworkDoc{Name: n.Name, RxBytesPerSec: n.RxBytes, TxBytesPerSec: n.TxBytes,
			RxErrorsPerSec: n.RxErrors, TxErrorsPerSec: n.TxErrors, RxDropsPerSec: n.RxDrops, TxDropsPerSec: n.TxDrops})
	}
	d.Processes = processesDoc(s.Processes)
	if d.AsOf != nil {
		historyOnly(d)
	}
	return d
}

// historyOnly nulls the rates of a host document whose figures are old:
// CPU shares, disk and network rates, processes' CPU.
func historyOnly(d *HostDoc) {
	d.CPU = &CPUDoc{Cores: d.CPU.Cores}
	for i := range d.Disks {
		d.Disks[i] = DiskDoc{Name: d.Disks[i].Name}
	}
	for i := range d.Networks {
		d.Networks[i] = NetworkDoc{Name: d.Networks[i].Name}
	}
	for i := range d.Processes.Top {
		d.Processes.Top[i].CPUPercent = nil
	}
}

func cpuDoc(c host.CPU) *CPUDoc {
	d := &CPUDoc{Cores: c.Cores}
	if !c.Valid {
		return d
	}
	t := c.Total
	d.TotalPercent, d.UserPercent, d.SystemPercent = ptr(round2(t.Busy)), ptr(round2(t.User)), ptr(round2(t.System))
	d.IOWaitPercent, d.StealPercent = ptr(round2(t.IOWait)), ptr(round2(t.Steal))
	d.PerCorePercent = make([]float64, len(c.PerCore))
	for i, core := range c.PerCore {
		d.PerCorePercent[i] = round2(core.Busy)
	}
	return d
}

func processesDoc(p host.Processes) *ProcessesDoc {
	d := &ProcessesDoc{Count: p.Count, Running: p.Running, Threads: p.Threads, Top: []ProcessDoc{}}
	for _, pr := range TopByCPU(p.List, TopProcesses) {
		doc := ProcessDoc{PID: pr.PID, PPID: pr.PPID, User: pr.User, Name: pr.Name, Command: pr.Command,
			State: string(rune(pr.State)), RSSBytes: pr.RSS, Threads: pr.Threads}
		if pr.State == 0 {
			doc.State = ""
		}
		if pr.CPUValid {
			doc.CPUPercent = ptr(round2(pr.CPUPercent))
		}
		d.Top = append(d.Top, doc)
	}
	return d
}

// TopByCPU returns the n busiest processes: by CPU over the interval
// (processes without a figure last), then by RSS, then by pid for a stable order.
func TopByCPU(list []host.Process, n int) []host.Process {
	sorted := slices.Clone(list)
	slices.SortFunc(sorted, func(a, b host.Process) int {
		if a.CPUValid != b.CPUValid {
			if a.CPUValid {
				return -1
			}
			return 1
		}
		if c := cmp.Compare(b.CPUPercent, a.CPUPercent); c != 0 && a.CPUValid {
			return c
		}
		if c := cmp.Compare(b.RSS, a.RSS); c != 0 {
			return c
		}
		return cmp.Compare(a.PID, b.PID)
	})
	return sorted[:min(n, len(sorted))]
}

func percent(part, whole uint64) float64 {
	if whole == 0 {
		return 0
	}
	return round2(float64(part) * 100 / float64(whole))
}

// round2 keeps two decimals: figures read as measured, not as noise.
func round2(v float64) float64 { return math.Round(v*100) / 100 }

func ptr[T any](v T) *T { return &v }
