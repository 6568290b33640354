package docker

import (
	"context"
	"encoding/json"
	"io"
	"runtime"
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/client"

	"github.com/stacktop/stacktop/collectors"
	"github.com/stacktop/stacktop/collectors/docker/endpoint"
)

// readStats samples every running container once: from its cgroup files
// when they can be located (no daemon work at all), else with one one-shot
// API call, the API calls in parallel on a bounded pool. It stores the
// computed Stats and history in each tracked entry and says which source
// was used (StatsAPI as soon as any container needed the API).
func (p *pollState) readStats(ctx context.Context, c *Collector, cli *client.Client, list []container.Summary, eng engineInfo, now time.Time) StatsSource {
	fs := cgroupFS{procRoot: c.opts.ProcRoot, cgroupRoot: c.opts.CgroupRoot, memTotal: eng.memTotal}
	var running []string
	for _, s := range list {
		t := p.known[s.ID]
		if t == nil {
			continue
		}
		if st := p.stateOf(s); st != string(container.StateRunning) && st != string(container.StatePaused) {
			t.hasPrev, t.sampled = false, false
			t.closeFiles() // a stopped container's files must not be held (nor its network namespace)
			continue
		}
		running = append(running, s.ID)
	}
	got := make([]counters, len(running))
	oks := make([]bool, len(running))
	source := StatsNone
	// A remote engine's containers have no cgroup files here; never look,
	// even where a path would happen to match (the same engine reached
	// through ssh:// shows this machine's own files).
	if c.opts.StatsFrom != StatsAPI && c.endpoint().Local() {
		// Each file read is a few microseconds of kernel work: spread them
		// over the cores, one reusable buffer per worker.
		workers := runtime.GOMAXPROCS(0)
		bufs := make([]fileBuf, workers)
		parallelW(len(running), workers, func(w, i int) {
			got[i], oks[i] = p.readCgroup(fs, p.known[running[i]], running[i], now, &bufs[w])
		})
	}
	var viaAPI []int
	for i, ok := range oks {
		if ok {
			source = StatsCgroup
		} else {
			viaAPI = append(viaAPI, i)
		}
	}
	if len(viaAPI) > 0 {
		source = StatsAPI
		if c.endpoint().Local() {
			parallel(len(viaAPI), c.opts.StatsWorkers, func(j int) {
				i := viaAPI[j]
				got[i], oks[i] = c.apiSample(ctx, cli, running[i], eng.memTotal)
			})
		} else {
			c.sampleRemote(cli, running, viaAPI, got, oks, eng.memTotal)
		}
	}
	for i, id := range running {
		t := p.known[id]
		if !oks[i] {
			// A remote sample still on its way: the last figures stay
			// while they are recent.
			t.sampled = t.sampled && t.hasPrev && !c.endpoint().Local() && now.Sub(t.prev.at) < keepFor
			continue
		}
		t.stats = computeStats(t.prev, got[i], t.hasPrev)
		t.prev, t.hasPrev, t.sampled = got[i], true, true
		t.hist.add(Sample{At: now, CPU: t.stats.CPU, MemUsed: t.stats.MemUsed})
	}
	return source
}

// sampleRemote fills got/oks for the containers viaAPI names with the
// samples the background round brought since the last poll, and starts
// the next round over them (see remoteSampler).
func (c *Collector) sampleRemote(cli *client.Client, running []string, viaAPI []int, got []counters, oks []bool, memTotal uint64) {
	ready := c.remote.take()
	ids := make([]string, len(viaAPI))
	for j, i := range viaAPI {
		ids[j] = running[i]
		got[i], oks[i] = ready[running[i]]
	}
	workers := c.opts.StatsWorkers
	if c.endpoint().SSH() {
		// Half the connections at most: more would only queue for one,
		// and the poll's own list and inspect calls, the event stream and
		// a logs pane must never wait behind a stats round.
		workers = min(workers, endpoint.MaxSSHConns/2)
	}
	c.remote.start(c.bg, ids, workers, func(ctx context.Context, id string) (counters, bool) {
		return c.apiSample(ctx, cli, id, memTotal)
	})
}

// readCgroup samples one container from its cgroup files, locating and
// opening them first when its init process changed (new container,
// restart). The files stay open for the next polls.
func (p *pollState) readCgroup(fs cgroupFS, t *tracked, id string, now time.Time, buf *fileBuf) (counters, bool) {
	if t.insp.pid <= 0 {
		return counters{}, false
	}
	if t.paths == nil || t.pathsPid != t.insp.pid {
		t.closeFiles()
		paths, err := fs.locate(id, t.insp.pid, t.insp.hostNet)
		t.pathsPid = t.insp.pid
		if err != nil {
			t.paths = &cgroupPaths{} // remembered as "not local" until the pid changes
			return counters{}, false
		}
		t.paths = &paths
	}
	if t.paths.memory == "" && t.paths.unified == "" {
		return counters{}, false
	}
	if t.files == nil {
		f, err := fs.open(*t.paths)
		if err != nil {
			t.paths = nil // locate again next time (the container may have restarted)
			return counters{}, false
		}
		t.files = f
	}
	cur, err := t.files.read(now, buf)
	if err != nil {
		t.closeFiles()
		t.paths = nil // relocate next time (the container may have restarted)
		return counters{}, false
	}
	return cur, true
}

// apiSample reads one container's stats with a one-shot call (the engine
// does not wait to prime a second sample; we take deltas ourselves).
func (c *Collector) apiSample(ctx context.Context, cli *client.Client, id string, memTotal uint64) (counters, bool) {
	cctx, cancel := c.callCtx(ctx)
	defer cancel()
	r, err := cli.ContainerStatsOneShot(cctx, id)
	if err != nil {
		return counters{}, false
	}
	defer r.Body.Close()
	var s container.StatsResponse
	err = json.NewDecoder(r.Body).Decode(&s)
	// Read the rest (a newline) so the connection is reused: over ssh://
	// each new connection is a new ssh process.
	_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 4096))
	if err != nil {
		return counters{}, false
	}
	return countersFromAPI(s, memTotal), true
}

// countersFromAPI maps a stats response onto the same counters the cgroup
// reader produces, so both paths share computeStats.
func countersFromAPI(s container.StatsResponse, memTotal uint64) counters {
	c := counters{at: s.Read}
	if c.at.IsZero() || c.at.Year() <= 1 {
		c.at = time.Now()
	}
	c.cpuNS, c.cpuOK = s.CPUStats.CPUUsage.TotalUsage, s.CPUStats.CPUUsage.TotalUsage > 0
	m := s.MemoryStats
	if m.Usage > 0 {
		c.memUsage, c.memOK = m.Usage, true
		// cgroup v1 reports total_inactive_file, v2 inactive_file.
		if v, ok := m.Stats["total_inactive_file"]; ok {
			c.memInactive = v
		} else {
			c.memInactive = m.Stats["inactive_file"]
		}
		c.memLimit = cgroupFS{memTotal: memTotal}.capLimit(m.Limit)
	}
	if s.Networks != nil {
		c.netOK = true
		for _, n := range s.Networks {
			c.netRx += n.RxBytes
			c.netTx += n.TxBytes
		}
	}
	if s.BlkioStats.IoServiceBytesRecursive != nil {
		c.blkOK = true
		for _, e := range s.BlkioStats.IoServiceBytesRecursive {
			switch strings.ToLower(e.Op) {
			case "read":
				c.blkRead += e.Value
			case "write":
				c.blkWrite += e.Value
			}
		}
	}
	c.pids = s.PidsStats.Current
	return c
}

// computeStats turns two samples into per-second figures with the shared
// rate helper. Figures missing on either side stay invalid.
func computeStats(prev, cur counters, hasPrev bool) Stats {
	var el time.Duration
	if hasPrev {
		el = collectors.Elapsed(prev.at, cur.at)
	}
	st := Stats{PIDs: cur.pids}
	if cur.cpuOK && prev.cpuOK {
		if r := collectors.CounterRate(prev.cpuNS, cur.cpuNS, el); r.Valid {
			// ns of CPU per s of wall / 1e9 * 100 = percent of one core.
			st.CPU = collectors.Rate{PerSec: r.PerSec / 1e7, Valid: true}
		}
	}
	if cur.memOK {
		st.MemValid, st.MemLimit = true, cur.memLimit
		st.MemUsed = cur.memUsage
		if cur.memInactive < cur.memUsage {
			st.MemUsed = cur.memUsage - cur.memInactive
		}
	}
	if cur.netOK && prev.netOK {
		st.NetRx = collectors.CounterRate(prev.netRx, cur.netRx, el)
		st.NetTx = collectors.CounterRate(prev.netTx, cur.netTx, el)
	}
	if cur.blkOK && prev.blkOK {
		st.BlockRead = collectors.CounterRate(prev.blkRead, cur.blkRead, el)
		st.BlockWrite = collectors.CounterRate(prev.blkWrite, cur.blkWrite, el)
	}
	return st
}
