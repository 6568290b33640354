package docker

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/stacktop/stacktop/collectors/secret"
)

// Mask replaces the value of a secret-looking environment variable.
const Mask = "••••••"

// IsSecretKey reports whether an environment variable named key probably
// holds a secret (its value is masked unless revealed). The words are the
// ones every screen uses (internal/secret); they err on the side of
// masking: MONKEY is masked too.
func IsSecretKey(key string) bool { return secret.Named(key) }

// Detail is one container's full configuration and state, fetched on
// demand for the detail pane. Text is raw engine data: sanitize it on the
// way to the screen.
type Detail struct {
	ID, Name, Image string
	// Created is when the container was created.
	Created time.Time
	// Entrypoint and Command are the exec form the container runs.
	Entrypoint, Command []string
	WorkingDir, User    string
	Tty                 bool
	// Env is in the container's order; secret values are Mask unless the
	// caller asked to reveal them (Masked tells which were masked).
	Env    []EnvVar
	Labels map[string]string
	Mounts []Mount
	// Networks are the attached networks, by name.
	Networks []Network
	Ports    []Port
	// RestartPolicy is "no", "always", "unless-stopped" or "on-failure"
	// (with MaxRetries).
	RestartPolicy string
	MaxRetries    int
	// Healthcheck is nil when the container has none.
	Healthcheck *Healthcheck
	// State repeats the live state with its error text.
	State        string
	Pid          int
	ExitCode     int
	Error        string
	RestartCount int
	OOMKilled    bool
	StartedAt    time.Time
	FinishedAt   time.Time
	// MemoryLimit and NanoCPUs are the configured limits (0 = none).
	MemoryLimit int64
	NanoCPUs    int64
}

// EnvVar is one environment variable.
type EnvVar struct {
	Key, Value string
	// Masked is true when Value is Mask instead of the real value.
	Masked bool
}

// Mount is one volume, bind or tmpfs mount.
type Mount struct {
	Type, Name, Source, Destination, Mode string
	ReadWrite                             bool
}

// Network is one network the container is attached to.
type Network struct {
	Name, IPAddress, Gateway, MacAddress string
	Aliases                              []string
}

// Healthcheck is the configured check and its latest results.
type Healthcheck struct {
	// Test is the command as configured (["CMD-SHELL", "curl ..."]).
	Test                           []string
	Interval, Timeout, StartPeriod time.Duration
	Retries                        int
	Status                         string // starting, healthy, unhealthy
	FailingStreak                  int
	Results                        []HealthResult // oldest first
}

// HealthResult is one run of the healthcheck.
type HealthResult struct {
	Start, End time.Time
	ExitCode   int
	// Output is the check's raw output (may hold escape sequences).
	Output string
}

// Inspect fetches one container's detail. Secret-looking environment values
// are masked unless reveal is true. A container that no longer exists gives
// an error saying so (errors.Is(err, errdefs.ErrNotFound) holds).
func (c *Collector) Inspect(ctx context.Context, id string, reveal bool) (Detail, error) {
	cli, err := c.client()
	if err != nil {
		return Detail{}, err
	}
	cctx, cancel := c.callCtx(ctx)
	defer cancel()
	r, err := cli.ContainerInspect(cctx, id)
	if err != nil {
		return Detail{}, c.wrap(fmt.Sprintf("inspect %.12s", id), err)
	}
	return detailFrom(r, reveal), nil
}

// detailFrom maps an inspect response onto Detail.
func detailFrom(r container.InspectResponse, reveal bool) Detail {
	d := Detail{}
	if b := r.ContainerJSONBase; b != nil {
		d.ID, d.Name, d.RestartCount = b.ID, strings.TrimPrefix(b.Name, "/"), b.RestartCount
		d.Created = parseTime(b.Created)
		if st := b.State; st != nil {
			d.State, d.Pid, d.ExitCode, d.Error, d.OOMKilled = string(st.Status), st.Pid, st.ExitCode, st.Error, st.OOMKilled
			d.StartedAt, d.FinishedAt = parseTime(st.StartedAt), parseTime(st.FinishedAt)
		}
		if hc := b.HostConfig; hc != nil {
			d.RestartPolicy, d.MaxRetries = string(hc.RestartPolicy.Name), hc.RestartPolicy.MaximumRetryCount
			if d.RestartPolicy == "" {
				d.RestartPolicy = "no" // the engine's default, as the CLI shows it
			}
			d.MemoryLimit, d.NanoCPUs = hc.Memory, hc.NanoCPUs
		}
	}
	if cfg := r.Config; cfg != nil {
		d.Image, d.Entrypoint, d.Command = cfg.Image, cfg.Entrypoint, cfg.Cmd
		d.WorkingDir, d.User, d.Tty, d.Labels = cfg.WorkingDir, cfg.User, cfg.Tty, cfg.Labels
		d.Env = maskEnv(cfg.Env, reveal)
		d.Healthcheck = healthFrom(cfg.Healthcheck, r.State)
	}
	for _, m := range r.Mounts {
		d.Mounts = append(d.Mounts, Mount{Type: string(m.Type), Name: m.Name, Source: m.Source, Destination: m.Destination, Mode: m.Mode, ReadWrite: m.RW})
	}
	if ns := r.NetworkSettings; ns != nil {
		for name, ep := range ns.Networks {
			if ep == nil {
				continue
			}
			d.Networks = append(d.Networks, Network{Name: name, IPAddress: ep.IPAddress, Gateway: ep.Gateway, MacAddress: ep.MacAddress, Aliases: ep.Aliases})
		}
		slices.SortFunc(d.Networks, func(a, b Network) int { return strings.Compare(a.Name, b.Name) })
		d.Ports = portsFrom(ns)
	}
	return d
}

// maskEnv splits KEY=VALUE pairs, masking secret values unless reveal.
func maskEnv(env []string, reveal bool) []EnvVar {
	out := make([]EnvVar, 0, len(env))
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		e := EnvVar{Key: k, Value: v}
		if !reveal && v != "" && IsSecretKey(k) {
			e.Value, e.Masked = Mask, true
		}
		out = append(out, e)
	}
	return out
}

// The engine's healthcheck defaults, used where the image and the
// container's config leave a field 0 (as `docker inspect` shows it).
const (
	DefaultHealthInterval = 30 * time.Second
	DefaultHealthTimeout  = 30 * time.Second
	DefaultHealthRetries  = 3
)

// healthFrom is the healthcheck with the engine's defaults in place of
// the zeros the config holds for "unset" (start period's default is 0).
func healthFrom(cfg *container.HealthConfig, st *container.State) *Healthcheck {
	if cfg == nil || len(cfg.Test) == 0 || cfg.Test[0] == "NONE" {
		return nil
	}
	h := &Healthcheck{Test: cfg.Test, Interval: cfg.Interval, Timeout: cfg.Timeout, StartPeriod: cfg.StartPeriod, Retries: cfg.Retries}
	if h.Interval <= 0 {
		h.Interval = DefaultHealthInterval
	}
	if h.Timeout <= 0 {
		h.Timeout = DefaultHealthTimeout
	}
	if h.Retries <= 0 {
		h.Retries = DefaultHealthRetries
	}
	if st != nil && st.Health != nil {
		h.Status, h.FailingStreak = string(st.Health.Status), st.Health.FailingStreak
		for _, l := range st.Health.Log {
			if l != nil {
				h.Results = append(h.Results, HealthResult{Start: l.Start, End: l.End, ExitCode: l.ExitCode, Output: l.Output})
			}
		}
	}
	return h
}

// portsFrom lists exposed and published ports, sorted by container port.
func portsFrom(ns *container.NetworkSettings) []Port {
	var out []Port
	for p, binds := range ns.Ports {
		base := Port{PrivatePort: uint16(p.Int()), Type: p.Proto()}
		if len(binds) == 0 {
			out = append(out, base)
			continue
		}
		for _, b := range binds {
			pp := base
			pp.IP = b.HostIP
			if n, err := parsePort(b.HostPort); err == nil {
				pp.PublicPort = n
			}
			out = append(out, pp)
		}
	}
	slices.SortFunc(out, func(a, b Port) int {
		if a.PrivatePort != b.PrivatePort {
			return int(a.PrivatePort) - int(b.PrivatePort)
		}
		return strings.Compare(a.Type+a.IP, b.Type+b.IP)
	})
	return out
}

func parsePort(s string) (uint16, error) {
	var n uint16
	_, err := fmt.Sscan(s, &n)
	return n, err
}
