package report

import (
	"cmp"
	"slices"
	"time"

	"github.com/stacktop/stacktop/collectors"
	"github.com/stacktop/stacktop/collectors/fleet"
)

// FleetDoc is one element of the "fleet" array of the JSON snapshot: one
// Prometheus source. The data fields are null (or empty) until the source
// has answered once.
type FleetDoc struct {
	Name  string  `json:"name"`
	Error *string `json:"error"`
	// Stale is true when the data is older than three polling intervals.
	Stale   bool       `json:"stale"`
	TakenAt *time.Time `json:"taken_at"`
	URL     string     `json:"url"`
	// RateWindowSeconds is the range of every rate (4 scrape intervals).
	RateWindowSeconds *float64 `json:"rate_window_seconds"`
	// Queries is how many requests the refresh sent.
	Queries   int                `json:"queries"`
	Exporters *FleetExportersDoc `json:"exporters"`
	Hosts     []FleetHostDoc     `json:"hosts"`
	Postgres  []FleetPostgresDoc `json:"postgres"`
	// Containers are the fleet's top containers by CPU and by memory, merged.
	Containers []FleetContainerDoc `json:"containers"`
	Notes      []string            `json:"notes"`
}

// FleetExportersDoc counts scrape targets by exporter.
type FleetExportersDoc struct {
	NodeTargets     int `json:"node_targets"`
	NodeUp          int `json:"node_up"`
	PostgresTargets int `json:"postgres_targets"`
	PostgresUp      int `json:"postgres_up"`
	CAdvisorTargets int `json:"cadvisor_targets"`
	CAdvisorUp      int `json:"cadvisor_up"`
}

// FleetHostDoc is one host (node_exporter).
type FleetHostDoc struct {
	Name                 string            `json:"name"`
	Instance             string            `json:"instance"`
	Job                  string            `json:"job"`
	Labels               map[string]string `json:"labels"`
	Up                   bool              `json:"up"`
	ScrapeError          *string           `json:"scrape_error"`
	Cores                int               `json:"cores"`
	CPUBusyPercent       fleet.Value       `json:"cpu_busy_percent"`
	BusiestCorePercent   fleet.Value       `json:"busiest_core_percent"`
	MemoryUsedPercent    fleet.Value       `json:"memory_used_percent"`
	MemoryTotalBytes     fleet.Value       `json:"memory_total_bytes"`
	SwapUsedPercent      fleet.Value       `json:"swap_used_percent"`
	SwapTotalBytes       fleet.Value       `json:"swap_total_bytes"`
	Load1                fleet.Value       `json:"load1"`
	Load1PerCore         fleet.Value       `json:"load1_per_core"`
	FullestFSPercent     fleet.Value       `json:"fullest_fs_percent"`
	FullestFSMount       *string           `json:"fullest_fs_mount"`
	DiskReadBytesPerSec  fleet.Value       `json:"disk_read_bytes_per_sec"`
	DiskWriteBytesPerSec fleet.Value       `json:"disk_write_bytes_per_sec"`
	NetRxBytesPerSec     fleet.Value       `json:"net_rx_bytes_per_sec"`
	NetTxBytesPerSec     fleet.Value       `json:"net_tx_bytes_per_sec"`
	UptimeSeconds        fleet.Value       `json:"uptime_seconds"`
}

// FleetPostgresDoc is one PostgreSQL server (postgres_exporter).
type FleetPostgresDoc struct {
	Name                      string             `json:"name"`
	Instance                  string             `json:"instance"`
	Server                    *string            `json:"server"`
	Job                       string             `json:"job"`
	Labels                    map[string]string  `json:"labels"`
	Up                        bool               `json:"up"`
	ScrapeError               *string            `json:"scrape_error"`
	PGUp                      *bool              `json:"pg_up"`
	Connections               map[string]float64 `json:"connections"`
	ConnectionsUsed           fleet.Value        `json:"connections_used"`
	ConnectionsMax            fleet.Value        `json:"connections_max"`
	TPS                       fleet.Value        `json:"tps"`
	CacheHitRatio             fleet.Value        `json:"cache_hit_ratio"`
	DeadlocksPerSec           fleet.Value        `json:"deadlocks_per_sec"`
	ReplicationLagSeconds     fleet.Value        `json:"replication_lag_seconds"`
	LongestTransactionSeconds fleet.Value        `json:"longest_transaction_seconds"`
}

// FleetContainerDoc is one container (cAdvisor).
type FleetContainerDoc struct {
	Host        string      `json:"host"`
	Instance    string      `json:"instance"`
	Name        string      `json:"name"`
	Image       string      `json:"image"`
	CPUPercent  fleet.Value `json:"cpu_percent"`
	MemoryBytes fleet.Value `json:"memory_bytes"`
}

// fleetDoc converts one Prometheus source's update.
func fleetDoc(u collectors.Update, now time.Time) FleetDoc {
	d := FleetDoc{Name: u.Source.Name, Error: errorText(u), Hosts: []FleetHostDoc{}, Postgres: []FleetPostgresDoc{},
		Containers: []FleetContainerDoc{}, Notes: []string{}}
	s, ok := u.Snapshot.(*fleet.Snapshot)
	if !ok || s == nil {
		return d
	}
	d.Stale = u.Stale(now)
	taken := s.Taken.UTC()
	d.TakenAt, d.URL, d.Queries = &taken, s.URL, s.Queries
	d.RateWindowSeconds = ptr(s.RateWindow.Seconds())
	e := s.Exporters
	d.Exporters = &FleetExportersDoc{e.Node, e.NodeUp, e.Postgres, e.PostgresUp, e.CAdvisor, e.CAdvisorUp}
	d.Notes = append(d.Notes, s.Notes...)
	for _, h := range s.Hosts {
		d.Hosts = append(d.Hosts, FleetHostDoc{
			Name: h.Name, Instance: h.Instance, Job: h.Job, Labels: nonNilMap(h.Labels), Up: h.Up,
			ScrapeError: nonEmpty(h.ScrapeError), Cores: h.Cores,
			CPUBusyPercent: h.CPUBusyPercent, BusiestCorePercent: h.BusiestCorePercent,
			MemoryUsedPercent: h.MemoryUsedPercent, MemoryTotalBytes: h.MemoryTotalBytes,
			SwapUsedPercent: h.SwapUsedPercent, SwapTotalBytes: h.SwapTotalBytes,
			Load1: h.Load1, Load1PerCore: h.Load1PerCore,
			FullestFSPercent: h.FullestFSPercent, FullestFSMount: nonEmpty(h.FullestFSMount),
			DiskReadBytesPerSec: h.DiskReadBytesPerSec, DiskWriteBytesPerSec: h.DiskWriteBytesPerSec,
			NetRxBytesPerSec: h.NetRxBytesPerSec, NetTxBytesPerSec: h.NetTxBytesPerSec,
			UptimeSeconds: h.Uptime,
		})
	}
	for _, p := range s.Postgres {
		pd := FleetPostgresDoc{
			Name: p.Name, Instance: p.Instance, Server: nonEmpty(p.Server), Job: p.Job, Labels: nonNilMap(p.Labels),
			Up: p.Up, ScrapeError: nonEmpty(p.ScrapeError), Connections: p.Connections,
			ConnectionsUsed: p.ConnectionsUsed, ConnectionsMax: p.MaxConnections, TPS: p.TPS,
			CacheHitRatio: p.CacheHitRatio, DeadlocksPerSec: p.DeadlocksPerSec,
			ReplicationLagSeconds: p.ReplicationLagSeconds, LongestTransactionSeconds: p.LongestTransactionSeconds,
		}
		if v, ok := p.PGUp.Float(); ok {
			pd.PGUp = ptr(v == 1)
		}
		if pd.Connections == nil {
			pd.Connections = map[string]float64{}
		}
		d.Postgres = append(d.Postgres, pd)
	}
	d.Containers = mergeContainers(s.TopCPU, s.TopMemory)
	return d
}

// mergeContainers lists each container of either top list once, busiest
// CPU first, then biggest memory.
func mergeContainers(byCPU, byMem []fleet.Container) []FleetContainerDoc {
	type key struct{ inst, name, image string }
	idx := map[key]int{}
	out := []FleetContainerDoc{}
	for _, list := range [][]fleet.Container{byCPU, byMem} {
		for _, c := range list {
			k := key{c.Instance, c.Name, c.Image}
			i, ok := idx[k]
			if !ok {
				idx[k] = len(out)
				out = append(out, FleetContainerDoc{Host: c.Host, Instance: c.Instance, Name: c.Name, Image: c.Image})
				i = len(out) - 1
			}
			if c.CPUPercent.Valid {
				out[i].CPUPercent = c.CPUPercent
			}
			if c.MemoryBytes.Valid {
				out[i].MemoryBytes = c.MemoryBytes
			}
		}
	}
	slices.SortStableFunc(out, func(a, b FleetContainerDoc) int {
		return cmp.Or(cmp.Compare(b.CPUPercent.V, a.CPUPercent.V), cmp.Compare(b.MemoryBytes.V, a.MemoryBytes.V))
	})
	return out
}

func nonNilMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}
