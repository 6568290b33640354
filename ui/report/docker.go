package report

import (
	"time"

	"github.com/stacktop/stacktop/collectors"
	"github.com/stacktop/stacktop/collectors/docker"
)

// DockerDoc is one element of the "docker" array of the JSON snapshot: one
// engine. The data fields are null (or empty) until the engine has been
// polled successfully once.
type DockerDoc struct {
	Name  string  `json:"name"`
	Error *string `json:"error"`
	// Stale is true when the data is older than three polling intervals.
	Stale bool `json:"stale"`
	// State is "ok", "stale", "degraded", "down", "waiting" or "not found".
	State string `json:"state"`
	// AsOf is set when the data is history (the engine is down, degraded or
	// stale): when it was taken. Rates are null then.
	AsOf *time.Time `json:"as_of"`
	// TakenAt is when this engine's data was sampled.
	TakenAt       *time.Time `json:"taken_at"`
	Host          string     `json:"host"`
	EngineVersion *string    `json:"engine_version"`
	APIVersion    *string    `json:"api_version"`
	// Cores is the engine machine's CPU count (host_cpu_percent's 100%).
	Cores int `json:"cores"`
	// StatsSource is "cgroup" (read from the kernel's files), "api"
	// (engine one-shot stats) or "" (nothing running).
	StatsSource string         `json:"stats_source"`
	Containers  []ContainerDoc `json:"containers"`
}

// ContainerDoc is one container, running or stopped. Figures that do not
// exist — stats of a stopped container, rates on the first poll, an exit
// code while it runs — are null.
type ContainerDoc struct {
	ID             string  `json:"id"`
	Name           string  `json:"name"`
	Image          string  `json:"image"`
	State          string  `json:"state"`
	Status         string  `json:"status"`
	Health         *string `json:"health"`
	ExitCode       *int    `json:"exit_code"`
	RestartCount   int     `json:"restart_count"`
	OOMKilled      bool    `json:"oom_killed"`
	ComposeProject *string `json:"compose_project"`
	ComposeService *string `json:"compose_service"`
	// StartedAt is the current (or last) run's start; FinishedAt the last
	// run's end.
	StartedAt  *time.Time `json:"started_at"`
	FinishedAt *time.Time `json:"finished_at"`
	// CPUPercent: 100 = one core; HostCPUPercent: 100 = every core.
	CPUPercent     *float64 `json:"cpu_percent"`
	HostCPUPercent *float64 `json:"host_cpu_percent"`
	// MemoryBytes is usage minus inactive file cache, as docker stats shows it.
	MemoryBytes          *uint64         `json:"memory_bytes"`
	MemoryLimitBytes     *uint64         `json:"memory_limit_bytes"`
	MemoryPercent        *float64        `json:"memory_percent"`
	NetRxBytesPerSec     collectors.Rate `json:"net_rx_bytes_per_sec"`
	NetTxBytesPerSec     collectors.Rate `json:"net_tx_bytes_per_sec"`
	BlockReadBytesPerSec collectors.Rate `json:"block_read_bytes_per_sec"`
	// BlockWriteBytesPerSec is null when unknown, like every rate.
	BlockWriteBytesPerSec collectors.Rate `json:"block_write_bytes_per_sec"`
	PIDs                  *uint64         `json:"pids"`
	Ports                 []PortDoc       `json:"ports"`
}

// PortDoc is one exposed or published port; public_port is null when the
// port is only exposed.
type PortDoc struct {
	IP          string  `json:"ip"`
	PrivatePort uint16  `json:"private_port"`
	PublicPort  *uint16 `json:"public_port"`
	Type        string  `json:"type"`
}

// dockerDoc converts one engine's update; staleness is judged at now, the
// document's build time, as for the host.
func dockerDoc(u collectors.Update, now time.Time) DockerDoc {
	d := DockerDoc{Name: u.Source.Name, Error: errorText(u), State: SourceState(u, now), AsOf: asOf(u, now), Containers: []ContainerDoc{}}
	s, ok := u.Snapshot.(*docker.Snapshot)
	if !ok || s == nil {
		return d
	}
	d.Stale = u.Stale(now)
	taken := s.Taken.UTC()
	d.TakenAt = &taken
	d.Host, d.Cores, d.StatsSource = s.Host, s.Cores, string(s.StatsFrom)
	d.EngineVersion, d.APIVersion = nonEmpty(s.EngineVersion), nonEmpty(s.APIVersion)
	for _, c := range s.Containers {
		cd := containerDoc(c, s.Cores)
		if d.AsOf != nil { // old figures: no rate may read as current
			cd.CPUPercent, cd.HostCPUPercent = nil, nil
			cd.NetRxBytesPerSec, cd.NetTxBytesPerSec = collectors.Rate{}, collectors.Rate{}
			cd.BlockReadBytesPerSec, cd.BlockWriteBytesPerSec = collectors.Rate{}, collectors.Rate{}
		}
		d.Containers = append(d.Containers, cd)
	}
	return d
}

func containerDoc(c docker.Container, cores int) ContainerDoc {
	d := ContainerDoc{
		ID: c.ID, Name: c.Name, Image: c.Image, State: c.State, Status: c.Status,
		Health: nonEmpty(c.Health), RestartCount: c.RestartCount, OOMKilled: c.OOMKilled,
		ComposeProject: nonEmpty(c.ComposeProject), ComposeService: nonEmpty(c.ComposeService),
		StartedAt: timePtr(c.StartedAt), FinishedAt: timePtr(c.FinishedAt), Ports: []PortDoc{},
	}
	if !c.Running() && !c.FinishedAt.IsZero() {
		d.ExitCode = ptr(c.ExitCode)
	}
	st := c.Stats
	if st.CPU.Valid {
		d.CPUPercent = ptr(round2(st.CPU.PerSec))
		if h := st.HostCPUPercent(cores); h.Valid {
			d.HostCPUPercent = ptr(round2(h.PerSec))
		}
	}
	if st.MemValid {
		d.MemoryBytes, d.MemoryLimitBytes = ptr(st.MemUsed), ptr(st.MemLimit)
		d.MemoryPercent = ptr(round2(st.MemPercent()))
	}
	d.NetRxBytesPerSec, d.NetTxBytesPerSec = st.NetRx, st.NetTx
	d.BlockReadBytesPerSec, d.BlockWriteBytesPerSec = st.BlockRead, st.BlockWrite
	if st.MemValid || st.CPU.Valid {
		d.PIDs = ptr(st.PIDs)
	}
	for _, p := range c.Ports {
		pd := PortDoc{IP: p.IP, PrivatePort: p.PrivatePort, Type: p.Type}
		if p.PublicPort != 0 {
			pd.PublicPort = ptr(p.PublicPort)
		}
		d.Ports = append(d.Ports, pd)
	}
	return d
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}
