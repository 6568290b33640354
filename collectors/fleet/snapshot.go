package fleet

import (
	"math"
	"strconv"
	"time"
)

// Value is one figure from Prometheus. When there is no honest figure (no
// series, a division by zero, a stale exporter) Valid is false and the UI
// shows "n/a"; a Value is never NaN or infinite.
type Value struct {
	V     float64
	Valid bool
}

// Float returns the figure and whether it exists.
func (v Value) Float() (float64, bool) { return v.V, v.Valid }

// MarshalJSON encodes a missing figure as null.
func (v Value) MarshalJSON() ([]byte, error) {
	if !v.Valid {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, v.V, 'f', -1, 64), nil
}

// val is v as a Value: invalid when NaN or infinite.
func val(v float64) Value {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return Value{}
	}
	return Value{V: v, Valid: true}
}

// rateVal is a per-second figure: invalid when NaN, infinite or negative
// (rate() never goes negative; a difference of two rates might by rounding).
func rateVal(v float64) Value {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return Value{}
	}
	return Value{V: max(v, 0), Valid: true}
}

// Snapshot is one refresh of one Prometheus source: the fleet's table as
// instant queries see it now. It is immutable once Collect returns it.
type Snapshot struct {
	// Taken is when the queries were evaluated (their "time" parameter).
	Taken time.Time
	// Source is the [[prometheus]] entry's name; URL its address (no credentials).
	Source, URL string
	// RateWindow is the range of every rate() here: four times the longest
	// scrape interval seen (a minute when the server does not say).
	RateWindow time.Duration
	// Queries is how many requests this refresh sent (queries and the
	// targets list); bounded, whatever the fleet's size.
	Queries int
	// Exporters counts the scrape targets of each kind, and how many are up.
	Exporters Exporters
	// Hosts are node_exporter targets, by host name.
	Hosts []Host
	// Postgres are postgres_exporter targets (one per server).
	Postgres []PGServer
	// TopCPU and TopMemory are the busiest containers of the whole fleet
	// (cAdvisor), at most TopContainers each.
	TopCPU, TopMemory []Container
	// Notes are partial-data remarks, one line each: some exporters down,
	// no targets API, a part of the queries that failed.
	Notes []string
}

// TakenAt implements collectors.Snapshot.
func (s *Snapshot) TakenAt() time.Time { return s.Taken }

// Exporters counts targets by the exporter they run.
type Exporters struct {
	Node, NodeUp         int
	Postgres, PostgresUp int
	CAdvisor, CAdvisorUp int
}

// Host is one machine, as its node_exporter reports it.
type Host struct {
	// Name is the host label's value with the port stripped, for display;
	// Instance is the label's raw value, the key of HostDetail.
	Name, Instance string
	// Job is the scrape job; Labels are the target's labels (job, env, …)
	// for filters.
	Job    string
	Labels map[string]string
	// Up is the node_exporter target's health; ScrapeError is Prometheus'
	// last scrape error when it is down ("" when the targets API is absent).
	Up          bool
	ScrapeError string
	// Cores is the number of CPUs.
	Cores int
	// CPUBusyPercent is the share of all cores not idle (nor in iowait),
	// 0–100, over RateWindow; BusiestCorePercent is the busiest single core.
	CPUBusyPercent, BusiestCorePercent Value
	// MemoryUsedPercent is (total − available) / total; MemoryTotalBytes the RAM.
	MemoryUsedPercent, MemoryTotalBytes Value
	// SwapUsedPercent is invalid on a host without swap.
	SwapUsedPercent, SwapTotalBytes Value
	// Load1 is the 1-minute load; Load1PerCore divides it by Cores.
	Load1, Load1PerCore Value
	// FullestFSPercent is the highest used share (as df computes it) of the
	// real filesystems; FullestFSMount is its mount point.
	FullestFSPercent Value
	FullestFSMount   string
	// Disk and network rates in bytes per second, summed over devices
	// (device-mapper disks and virtual NICs left out, not to count twice).
	DiskReadBytesPerSec, DiskWriteBytesPerSec Value
	NetRxBytesPerSec, NetTxBytesPerSec        Value
	// Uptime is how long since boot.
	Uptime Value // seconds
}

// PGServer is one PostgreSQL server, as its postgres_exporter reports it.
type PGServer struct {
	// Name is the host label's value with the port stripped; Instance is
	// the raw value; Server is the exporter's server label when it sets one.
	Name, Instance, Server string
	Job                    string
	Labels                 map[string]string
	// Up is the exporter target's health; ScrapeError its last scrape error.
	Up          bool
	ScrapeError string
	// PGUp is pg_up: the exporter reached PostgreSQL (invalid when unknown).
	PGUp Value
	// Connections by state (active, idle, idle in transaction, …) and the
	// server's max_connections.
	Connections     map[string]float64
	ConnectionsUsed Value
	MaxConnections  Value
	// TPS is commits plus rollbacks per second over all databases.
	TPS Value
	// CacheHitRatio is blocks hit / (hit + read) over RateWindow, 0–1;
	// invalid when nothing was read.
	CacheHitRatio Value
	// DeadlocksPerSec over RateWindow.
	DeadlocksPerSec Value
	// ReplicationLagSeconds is pg_replication_lag (0 on a primary).
	ReplicationLagSeconds Value
	// LongestTransactionSeconds is pg_stat_activity_max_tx_duration's
	// maximum (postgres_exporter 0.11 gives it per database and state).
	LongestTransactionSeconds Value
}

// Container is one container as cAdvisor reports it.
type Container struct {
	// Host is the host label's value with the port stripped; Instance the raw value.
	Host, Instance string
	Name, Image    string
	// CPUPercent is over RateWindow, 100 = one core.
	CPUPercent  Value
	MemoryBytes Value
}
