package fleet

import (
	"cmp"
	"fmt"
	"slices"
)

// assembler turns the tagged samples of one refresh into a Snapshot.
type assembler struct {
	snap  *Snapshot
	host  string // the host label
	hosts map[string]*Host
	pg    map[pgKey]*PGServer
	// pgExporters are postgres_exporter targets by host label value.
	pgExporters map[string]*PGServer
	// pgUp is pg_up by host label value: the exporter sets no server
	// label on it, so it applies to every server of that exporter.
	pgUp  map[string]Value
	ctMem map[ctKey]Value
	ctCPU map[ctKey]Value
}

type pgKey struct{ instance, server string }

type ctKey struct{ instance, name, image string }

func newAssembler(s *Snapshot, hostLabel string) *assembler {
	return &assembler{snap: s, host: hostLabel, hosts: map[string]*Host{}, pg: map[pgKey]*PGServer{},
		pgExporters: map[string]*PGServer{}, pgUp: map[string]Value{}, ctMem: map[ctKey]Value{}, ctCPU: map[ctKey]Value{}}
}

// up reads the up query: which targets of each exporter exist and answer.
func (a *assembler) up(samples []Sample) {
	ex := &a.snap.Exporters
	for _, s := range samples {
		inst, up := s.Labels[a.host], s.Value == 1
		switch s.Labels[tagLabel] {
		case "node":
			ex.Node++
			if up {
				ex.NodeUp++
			}
			h := a.hostFor(inst)
			h.Job, h.Labels = s.Labels["job"], labelsOf(s.Labels)
			h.Up = h.Up && up // several node targets for one host: all must answer
		case "postgres":
			ex.Postgres++
			if up {
				ex.PostgresUp++
			}
			p := a.pgExporters[inst]
			if p == nil {
				p = &PGServer{Name: DisplayName(inst), Instance: inst, Up: true}
				a.pgExporters[inst] = p
			}
			p.Job, p.Labels = s.Labels["job"], labelsOf(s.Labels)
			p.Up = p.Up && up
		case "cadvisor":
			ex.CAdvisor++
			if up {
				ex.CAdvisorUp++
			}
		}
	}
}

func (a *assembler) hostFor(inst string) *Host {
	h := a.hosts[inst]
	if h == nil {
		h = &Host{Name: DisplayName(inst), Instance: inst, Up: true}
		a.hosts[inst] = h
	}
	return h
}

// targets adds Prometheus' scrape errors (and a health it may know before
// the up series) to the hosts and servers.
func (a *assembler) targets(ts []Target) {
	for _, t := range ts {
		inst := t.Labels[a.host]
		down := t.Health == "down"
		if h := a.hosts[inst]; h != nil && h.Job == t.Labels["job"] {
			if down {
				h.Up = false
			}
			if !h.Up && t.LastError != "" {
				h.ScrapeError = t.LastError
			}
		}
		if p := a.pgExporters[inst]; p != nil && p.Job == t.Labels["job"] {
			if down {
				p.Up = false
			}
			if !p.Up && t.LastError != "" {
				p.ScrapeError = t.LastError
			}
		}
	}
}

// figures reads a tagged query's samples into the hosts, servers and containers.
func (a *assembler) figures(samples []Sample) {
	for _, s := range samples {
		inst := s.Labels[a.host]
		t := s.Labels[tagLabel]
		if inst == "" { // not a target's series: no host to put it on
			continue
		}
		switch t[:min(3, len(t))] {
		case "pg_":
			a.pgFigure(t, inst, s)
		case "ct_":
			k := ctKey{inst, s.Labels["name"], s.Labels["image"]}
			if t == "ct_cpu" {
				a.ctCPU[k] = rateVal(s.Value)
			} else {
				a.ctMem[k] = val(s.Value)
			}
		default:
			a.hostFigure(t, a.hostFor(inst), s)
		}
	}
}

func (a *assembler) hostFigure(t string, h *Host, s Sample) {
	v := s.Value
	switch t {
	case "cores":
		h.Cores = int(v)
	case "load1":
		h.Load1 = val(v)
	case "mem_total":
		h.MemoryTotalBytes = val(v)
	case "mem_used_pct":
		h.MemoryUsedPercent = percent(v)
	case "swap_total":
		h.SwapTotalBytes = val(v)
	case "swap_used_pct":
		h.SwapUsedPercent = percent(v)
	case "uptime":
		h.Uptime = rateVal(v) // never negative: clocks of two series may disagree by a scrape
	case "fs_fullest":
		h.FullestFSPercent, h.FullestFSMount = percent(v), s.Labels["mountpoint"]
	case "cpu_busy":
		h.CPUBusyPercent = percent(v)
	case "cpu_busiest":
		h.BusiestCorePercent = percent(v)
	case "disk_read":
		h.DiskReadBytesPerSec = rateVal(v)
	case "disk_write":
		h.DiskWriteBytesPerSec = rateVal(v)
	case "net_rx":
		h.NetRxBytesPerSec = rateVal(v)
	case "net_tx":
		h.NetTxBytesPerSec = rateVal(v)
	}
}

// percent is a share in 0–100; rounding can step a hair outside.
func percent(v float64) Value {
	x := val(v)
	if x.Valid {
		x.V = min(max(x.V, 0), 100)
	}
	return x
}

func (a *assembler) pgFigure(t, inst string, s Sample) {
	if t == "pg_up" {
		a.pgUp[inst] = val(s.Value)
		return
	}
	k := pgKey{inst, s.Labels["server"]}
	p := a.pg[k]
	if p == nil {
		p = &PGServer{Name: DisplayName(inst), Instance: inst, Server: k.server, Up: true}
		a.pg[k] = p
	}
	v := s.Value
	switch t {
	case "pg_conn":
		if p.Connections == nil {
			p.Connections = map[string]float64{}
		}
		if x := val(v); x.Valid {
			p.Connections[s.Labels["state"]] += x.V
			p.ConnectionsUsed = Value{V: p.ConnectionsUsed.V + x.V, Valid: true}
		}
	case "pg_max_conn":
		p.MaxConnections = val(v)
	case "pg_tps":
		p.TPS = rateVal(v)
	case "pg_cache_hit":
		if x := val(v); x.Valid {
			x.V = min(max(x.V, 0), 1)
			p.CacheHitRatio = x
		}
	case "pg_deadlocks":
		p.DeadlocksPerSec = rateVal(v)
	case "pg_repl_lag":
		p.ReplicationLagSeconds = rateVal(v)
	case "pg_longest_tx":
		p.LongestTransactionSeconds = rateVal(v)
	}
}

// finish sorts everything and writes the notes on partial data.
func (a *assembler) finish() {
	s := a.snap
	for _, h := range a.hosts {
		if h.Cores > 0 && h.Load1.Valid {
			h.Load1PerCore = val(h.Load1.V / float64(h.Cores))
		}
		s.Hosts = append(s.Hosts, *h)
	}
	sortHosts(s.Hosts)
	// Servers: every exporter target, with the figures of its server(s).
	seen := map[string]bool{}
	for k, p := range a.pg {
		if e := a.pgExporters[k.instance]; e != nil {
			p.Job, p.Labels, p.Up, p.ScrapeError = e.Job, e.Labels, e.Up, e.ScrapeError
		}
		p.PGUp = a.pgUp[k.instance]
		seen[k.instance] = true
		s.Postgres = append(s.Postgres, *p)
	}
	for inst, e := range a.pgExporters {
		if !seen[inst] { // down (its series stale) or reaching no server
			e.PGUp = a.pgUp[inst]
			s.Postgres = append(s.Postgres, *e)
		}
	}
	slices.SortFunc(s.Postgres, func(x, y PGServer) int {
		return cmp.Or(cmp.Compare(x.Name, y.Name), cmp.Compare(x.Instance, y.Instance), cmp.Compare(x.Server, y.Server))
	})
	s.TopCPU = a.containers(a.ctCPU, a.ctMem, func(c *Container) *Value { return &c.CPUPercent }, func(c *Container) *Value { return &c.MemoryBytes })
	s.TopMemory = a.containers(a.ctMem, a.ctCPU, func(c *Container) *Value { return &c.MemoryBytes }, func(c *Container) *Value { return &c.CPUPercent })
	ex := s.Exporters
	if down := ex.Node - ex.NodeUp; down > 0 {
		s.Notes = append(s.Notes, fmt.Sprintf("%d of %d node_exporter targets down", down, ex.Node))
	}
	if down := ex.Postgres - ex.PostgresUp; down > 0 {
		s.Notes = append(s.Notes, fmt.Sprintf("%d of %d postgres_exporter targets down", down, ex.Postgres))
	}
	if down := ex.CAdvisor - ex.CAdvisorUp; down > 0 {
		s.Notes = append(s.Notes, fmt.Sprintf("%d of %d cAdvisor targets down", down, ex.CAdvisor))
	}
	if ex.Node == 0 && ex.Postgres == 0 && ex.CAdvisor == 0 {
		s.Notes = append(s.Notes, "no node_exporter, postgres_exporter or cAdvisor targets found — check node_job, postgres_job and cadvisor_job")
	}
}

// containers lists one top list, biggest first, with the other figure
// filled in when the container is on the other list too.
func (a *assembler) containers(main, other map[ctKey]Value, mainF, otherF func(*Container) *Value) []Container {
	out := make([]Container, 0, len(main))
	for k, v := range main {
		c := Container{Host: DisplayName(k.instance), Instance: k.instance, Name: k.name, Image: k.image}
		*mainF(&c) = v
		*otherF(&c) = other[k]
		out = append(out, c)
	}
	slices.SortFunc(out, func(x, y Container) int {
		return cmp.Or(cmp.Compare(mainF(&y).V, mainF(&x).V), cmp.Compare(x.Name, y.Name), cmp.Compare(x.Instance, y.Instance))
	})
	return out
}
