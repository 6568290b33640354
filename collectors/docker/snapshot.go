package docker

import (
	"cmp"
	"slices"
	"time"

	"github.com/stacktop/stacktop/collectors"
)

// Snapshot is one immutable poll of a Docker engine. Nothing in it is
// mutated after Collect returns it; slices (including each container's
// History) may be shared with later snapshots but are never written again.
//
// Text fields that come from the engine (names, images, labels, event
// attributes) are kept raw: the view passes them through ui/sanitize.
type Snapshot struct {
	Taken time.Time
	// Host is the daemon address polled, e.g. "unix:///var/run/docker.sock".
	Host string
	// EngineVersion is the daemon's version ("20.10.24"); APIVersion the
	// negotiated API version in use ("1.41").
	EngineVersion, APIVersion string
	// Cores and MemTotal describe the engine's machine (from /info, read
	// once per connection); Cores turns CPU% into a share of the host.
	Cores    int
	MemTotal uint64
	// StatsFrom says how this poll read container stats: StatsCgroup
	// (local cgroup files, the cheap path) or StatsAPI (one-shot API calls).
	StatsFrom StatsSource
	// Containers lists running and stopped containers, sorted by compose
	// project (standalone containers, project "", first) then name.
	Containers []Container
	// Events are the most recent container events, oldest first (at most
	// Options.EventBuffer of them).
	Events []Event
	// Stream reports the health of the event subscription.
	Stream StreamStatus
}

// TakenAt implements collectors.Snapshot.
func (s *Snapshot) TakenAt() time.Time { return s.Taken }

// Container finds a container by full ID or name; ok is false when it is gone.
func (s *Snapshot) Container(idOrName string) (c Container, ok bool) {
	for _, c := range s.Containers {
		if c.ID == idOrName || c.Name == idOrName {
			return c, true
		}
	}
	return Container{}, false
}

// Group is the containers of one compose project (Project "" holds the
// containers that belong to none).
type Group struct {
	Project    string
	Containers []Container
}

// Groups splits Containers by compose project, in the snapshot's order, for
// a list with collapsible project headers.
func (s *Snapshot) Groups() []Group {
	var out []Group
	for _, c := range s.Containers {
		if n := len(out); n == 0 || out[n-1].Project != c.ComposeProject {
			out = append(out, Group{Project: c.ComposeProject})
		}
		g := &out[len(out)-1]
		g.Containers = append(g.Containers, c)
	}
	return out
}

// Attention returns the containers an on-call engineer should see first:
// unhealthy, restarting, OOM-killed and exited-with-error ones, worst
// first (see Container.Problem).
func (s *Snapshot) Attention() []Container {
	var out []Container
	for _, c := range s.Containers {
		if c.Problem() != ProblemNone {
			out = append(out, c)
		}
	}
	slices.SortStableFunc(out, func(a, b Container) int { return cmp.Compare(b.Problem(), a.Problem()) })
	return out
}

// StatsSource names where container stats were read from.
type StatsSource string

// Stats sources.
const (
	// StatsCgroup: the engine is local and its cgroup files are readable.
	StatsCgroup StatsSource = "cgroup"
	// StatsAPI: one-shot stats calls through the engine API.
	StatsAPI StatsSource = "api"
	// StatsNone: no running containers, nothing was read.
	StatsNone StatsSource = ""
)

// Container is one container as of the poll.
type Container struct {
	// ID is the full 64-hex ID; ShortID() gives the usual 12 characters.
	ID    string
	Name  string // without the leading "/"
	Image string // as the user named it ("nginx:1.25"), or an image ID
	// ComposeProject and ComposeService come from the com.docker.compose.*
	// labels; empty for standalone containers.
	ComposeProject, ComposeService string
	Labels                         map[string]string
	Command                        string
	// State is the engine's state: created, running, paused, restarting,
	// removing, exited or dead.
	State string
	// Status is the engine's human summary ("Up 3 minutes (healthy)").
	Status string
	// Health is "" when the container has no healthcheck or is not
	// running (the engine's last status outlives the run), else starting,
	// healthy or unhealthy; FailingStreak counts consecutive failed checks.
	Health        string
	FailingStreak int
	Created       time.Time
	// StartedAt is when the current (or last) run started; FinishedAt when
	// the last run ended (zero while it has never ended).
	StartedAt, FinishedAt time.Time
	ExitCode              int
	RestartCount          int
	OOMKilled             bool
	Ports                 []Port
	// Stats is the resource use over the last interval (running only).
	Stats Stats
	// History is the recent CPU and memory samples, oldest first (at most
	// Options.HistoryLen), for sparklines. Shared, read-only.
	History []Sample
}

// ShortID is the 12-character ID the docker CLI shows.
func (c Container) ShortID() string {
	if len(c.ID) > 12 {
		return c.ID[:12]
	}
	return c.ID
}

// Running reports whether the container's processes are up (running or paused).
func (c Container) Running() bool { return c.State == "running" || c.State == "paused" }

// Uptime is how long the current run has lasted at now; 0 when not running.
func (c Container) Uptime(now time.Time) time.Duration {
	if !c.Running() || c.StartedAt.IsZero() || now.Before(c.StartedAt) {
		return 0
	}
	return now.Sub(c.StartedAt)
}

// Problem ranks what is wrong with a container, worst highest.
type Problem int

// Problems, in increasing severity.
const (
	ProblemNone       Problem = iota
	ProblemExitError          // exited with a non-zero code
	ProblemRestarting         // restart loop
	ProblemOOMKilled          // last run was killed for memory
	ProblemUnhealthy          // healthcheck failing
)

// String names the problem as a short label for the UI ("exit 1" is built
// by the view from ExitCode).
func (p Problem) String() string {
	switch p {
	case ProblemExitError:
		return "exited with error"
	case ProblemRestarting:
		return "restarting"
	case ProblemOOMKilled:
		return "OOM-killed"
	case ProblemUnhealthy:
		return "unhealthy"
	}
	return ""
}

// Problem classifies the container for the overview's "needs attention" list.
func (c Container) Problem() Problem {
	switch {
	case c.Health == "unhealthy" && c.Running():
		return ProblemUnhealthy
	case c.OOMKilled:
		return ProblemOOMKilled
	case c.State == "restarting":
		return ProblemRestarting
	case (c.State == "exited" || c.State == "dead") && c.ExitCode != 0:
		return ProblemExitError
	}
	return ProblemNone
}

// Port is one published or exposed port.
type Port struct {
	IP          string // host IP the port is bound to; "" when only exposed
	PrivatePort uint16
	PublicPort  uint16 // 0 when not published
	Type        string // tcp, udp, sctp
}

// Stats is one container's resource use over the last interval. Figures
// that need two samples (CPU, rates) are invalid on a container's first
// sample; everything is invalid for a container that is not running.
type Stats struct {
	// CPU is CPU time per second of wall time, in percent: 100 = one full
	// core (as docker stats shows it). See HostCPUPercent.
	CPU collectors.Rate
	// MemValid is false when memory could not be read.
	MemValid bool
	// MemUsed is usage minus inactive file cache, as the docker CLI
	// computes it; MemLimit is the cgroup limit, capped at host memory.
	MemUsed, MemLimit uint64
	// Network traffic (all interfaces but lo; invalid for host-network
	// containers, whose traffic is the host's) and block I/O, bytes per second.
	NetRx, NetTx          collectors.Rate
	BlockRead, BlockWrite collectors.Rate
	// PIDs is the number of processes and threads in the container.
	PIDs uint64
}

// MemPercent is MemUsed as a percentage of MemLimit (0 when unknown).
func (s Stats) MemPercent() float64 {
	if !s.MemValid || s.MemLimit == 0 {
		return 0
	}
	return float64(s.MemUsed) * 100 / float64(s.MemLimit)
}

// HostCPUPercent is CPU as a share of the whole host (100 = every core
// busy); invalid when CPU is or cores is unknown.
func (s Stats) HostCPUPercent(cores int) collectors.Rate {
	if !s.CPU.Valid || cores <= 0 {
		return collectors.Rate{}
	}
	return collectors.Rate{PerSec: s.CPU.PerSec / float64(cores), Valid: true}
}

// Sample is one point of a container's stats history.
type Sample struct {
	At time.Time
	// CPU is percent of one core; invalid on the first sample.
	CPU collectors.Rate
	// MemUsed is bytes in use (as Stats.MemUsed); 0 when unknown.
	MemUsed uint64
}

// Event is one container event from the engine's stream.
type Event struct {
	Time time.Time
	// Action is the engine's action: start, die, health_status: unhealthy, ...
	Action string
	ID     string
	// Name and Image are the container's at the time of the event (raw text).
	Name, Image string
	// ExitCode is set on die events ("" otherwise), as the engine reports it.
	ExitCode string
}

// StreamStatus is the state of the event subscription.
type StreamStatus struct {
	// Connected is true while the stream is open.
	Connected bool
	// Err is why the stream last broke ("" when it never has).
	Err string
	// Reconnects counts how often the stream was re-established.
	Reconnects int
}
