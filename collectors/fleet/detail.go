package fleet

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"sync"
	"time"
)

// HostDetail is one host in full, asked for on demand (the UI's enter on a
// host): per-core CPU, every filesystem, NIC and disk, its PostgreSQL
// servers and its top containers.
type HostDetail struct {
	Taken time.Time
	// Host is the host's row of the latest snapshot (Name and Instance only
	// when the snapshot does not have it).
	Host        Host
	Cores       []CoreCPU
	Filesystems []Filesystem
	NICs        []NIC
	Disks       []Disk
	// Postgres are the servers whose host label names the same host
	// (port stripped), from the latest snapshot.
	Postgres []PGServer
	// TopCPU and TopMemory are the host's containers from cAdvisor targets
	// of the same host name, whatever their port.
	TopCPU, TopMemory []Container
	// Queries is how many requests the detail took.
	Queries int
}

// CoreCPU is one CPU's busy share, 0–100, over the rate window.
type CoreCPU struct {
	CPU         string
	BusyPercent Value
}

// Filesystem is one mounted filesystem.
type Filesystem struct {
	Mount, Device, FSType  string
	SizeBytes, UsedPercent Value
}

// NIC is one network interface.
type NIC struct {
	Device                       string
	Up                           Value // 1 up, 0 down; invalid when unknown
	RxBytesPerSec, TxBytesPerSec Value
}

// Disk is one block device.
type Disk struct {
	Device                            string
	ReadBytesPerSec, WriteBytesPerSec Value
}

// HostDetail queries one host (its Instance, the host label's raw value):
// two queries, evaluated at the same instant, with the latest snapshot's
// rate window.
func (c *Collector) HostDetail(ctx context.Context, instance string) (_ *HostDetail, err error) {
	defer func() {
		if err != nil {
			err = c.explain(err)
		}
	}()
	c.mu.Lock()
	qb, last := c.qb, c.last
	w := DefaultRateWindow
	if c.scrapeEvery > 0 {
		w = max(4*c.scrapeEvery, minRateWindow)
	}
	c.mu.Unlock()
	now := time.Now()
	d := &HostDetail{Taken: now, Host: Host{Name: DisplayName(instance), Instance: instance}}
	if last != nil {
		for _, h := range last.Hosts {
			if h.Instance == instance {
				d.Host = h
			}
		}
		for _, p := range last.Postgres {
			if p.Name == d.Host.Name {
				d.Postgres = append(d.Postgres, p)
			}
		}
	}
	var (
		wg          sync.WaitGroup
		figs, conts []Sample
		errA, errB  error
	)
	wg.Go(func() { figs, errA = c.api.Query(ctx, qb.detailQuery(window(w), instance), now) })
	wg.Go(func() { conts, errB = c.api.Query(ctx, qb.hostContainerQuery(window(w), instance, c.top), now) })
	wg.Wait()
	d.Queries = 2
	if errA != nil {
		return nil, errA
	}
	if errB != nil {
		return nil, errB
	}
	d.read(figs)
	a := newAssembler(&Snapshot{}, qb.host)
	a.figures(conts)
	a.finish()
	d.TopCPU, d.TopMemory = a.snap.TopCPU, a.snap.TopMemory
	return d, nil
}

func (d *HostDetail) read(samples []Sample) {
	fs := map[string]*Filesystem{}
	nics := map[string]*NIC{}
	disks := map[string]*Disk{}
	for _, s := range samples {
		l := s.Labels
		switch l[tagLabel] {
		case "core":
			d.Cores = append(d.Cores, CoreCPU{CPU: l["cpu"], BusyPercent: percent(s.Value)})
		case "fs_size", "fs_used_pct":
			f := fs[l["mountpoint"]]
			if f == nil {
				f = &Filesystem{Mount: l["mountpoint"], Device: l["device"], FSType: l["fstype"]}
				fs[f.Mount] = f
			}
			if l[tagLabel] == "fs_size" {
				f.SizeBytes = val(s.Value)
			} else {
				f.UsedPercent = percent(s.Value)
			}
		case "nic_rx", "nic_tx", "nic_up":
			n := nics[l["device"]]
			if n == nil {
				n = &NIC{Device: l["device"]}
				nics[n.Device] = n
			}
			switch l[tagLabel] {
			case "nic_rx":
				n.RxBytesPerSec = rateVal(s.Value)
			case "nic_tx":
				n.TxBytesPerSec = rateVal(s.Value)
			default:
				n.Up = val(s.Value)
			}
		case "disk_read", "disk_write":
			k := disks[l["device"]]
			if k == nil {
				k = &Disk{Device: l["device"]}
				disks[k.Device] = k
			}
			if l[tagLabel] == "disk_read" {
				k.ReadBytesPerSec = rateVal(s.Value)
			} else {
				k.WriteBytesPerSec = rateVal(s.Value)
			}
		}
	}
	// Cores in numeric order: cpu 10 after cpu 9.
	slices.SortFunc(d.Cores, func(a, b CoreCPU) int {
		x, _ := strconv.Atoi(a.CPU)
		y, _ := strconv.Atoi(b.CPU)
		return cmp.Or(cmp.Compare(x, y), cmp.Compare(a.CPU, b.CPU))
	})
	for _, f := range fs {
		d.Filesystems = append(d.Filesystems, *f)
	}
	slices.SortFunc(d.Filesystems, func(a, b Filesystem) int { return cmp.Compare(a.Mount, b.Mount) })
	for _, n := range nics {
		d.NICs = append(d.NICs, *n)
	}
	slices.SortFunc(d.NICs, func(a, b NIC) int { return cmp.Compare(a.Device, b.Device) })
	for _, k := range disks {
		d.Disks = append(d.Disks, *k)
	}
	slices.SortFunc(d.Disks, func(a, b Disk) int { return cmp.Compare(a.Device, b.Device) })
}

// SparklinePoints is how many steps a sparkline range asks for.
const SparklinePoints = 60

// rangeKey names one cached sparkline.
type rangeKey struct {
	kind          SeriesKind
	instance, sub string
	span          time.Duration
}

type rangeEntry struct {
	fetched, used time.Time
	points        []Point
}

// Sparkline returns the last span of one series for one host (instance),
// or one PostgreSQL server (sub = its Server label) or container (sub = its
// name) on it: one query_range, about SparklinePoints steps. A result
// fetched less than one refresh interval ago is returned from the cache
// without a query, so asking for every visible row on each redraw costs
// one query per row per refresh at most. The returned slice is shared: do
// not modify it.
func (c *Collector) Sparkline(ctx context.Context, kind SeriesKind, instance, sub string, span time.Duration) (_ []Point, err error) {
	key := rangeKey{kind, instance, sub, span}
	now := time.Now()
	c.mu.Lock()
	ttl := max(c.interval, time.Second)
	if e, ok := c.ranges[key]; ok && now.Sub(e.fetched) < ttl {
		e.used = now
		c.ranges[key] = e
		c.mu.Unlock()
		return e.points, nil
	}
	// Forget ranges nobody asked for lately (rows scrolled away).
	for k, e := range c.ranges {
		if now.Sub(e.used) > 10*ttl {
			delete(c.ranges, k)
		}
	}
	qb := c.qb
	every := c.scrapeEvery
	c.mu.Unlock()
	defer func() {
		if err != nil {
			err = c.explain(err)
		}
	}()
	w := DefaultRateWindow
	if every > 0 {
		w = max(4*every, minRateWindow)
	}
	q, err := qb.rangeQuery(kind, window(w), instance, sub)
	if err != nil {
		return nil, err
	}
	step := max(span/SparklinePoints, every, time.Second)
	series, err := c.api.QueryRange(ctx, q, now.Add(-span), now, step)
	if err != nil {
		return nil, err
	}
	var pts []Point
	if len(series) > 0 {
		for _, p := range series[0].Points {
			if v := val(p.V); v.Valid {
				pts = append(pts, Point{T: p.T, V: max(v.V, 0)})
			}
		}
	}
	c.mu.Lock()
	c.ranges[key] = rangeEntry{fetched: now, used: now, points: pts}
	c.mu.Unlock()
	return pts, nil
}
