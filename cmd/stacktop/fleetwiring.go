package main

import (
	"net"
	"net/url"
	"strings"

	"github.com/stacktop/stacktop/collectors"
	"github.com/stacktop/stacktop/collectors/fleet"
	uifleet "github.com/stacktop/stacktop/ui/fleet"
)

// fleetSources lends each Prometheus collector to the Fleet tab for a
// host's detail and the sparklines, by source name.
func fleetSources(sources []collectors.Source) map[string]uifleet.Source {
	out := map[string]uifleet.Source{}
	for _, s := range sources {
		if c, ok := s.Collector.(*fleet.Collector); ok {
			out[s.ID.Name] = c
		}
	}
	return out
}

// fleetLive lists the [[postgres]] and [[docker]] targets a fleet host's
// detail can jump to: each with its prometheus_instance and the host name
// it is reached at. A target on this machine (a Unix socket, localhost,
// the default Docker socket) is reached at hostname, this machine's name.
func fleetLive(cfg *Config, hostname string) []uifleet.LiveTarget {
	var out []uifleet.LiveTarget
	local := func(h string) string {
		switch strings.ToLower(h) {
		case "", "localhost", "127.0.0.1", "::1":
			return hostname
		}
		if strings.HasPrefix(h, "/") { // a Unix socket directory
			return hostname
		}
		return h
	}
	for _, p := range cfg.Postgres {
		out = append(out, uifleet.LiveTarget{Source: collectors.SourceID{Kind: collectors.KindPostgres, Name: p.Name},
			Instance: p.PrometheusInstance, Host: local(dsnHost(p.DSN))})
	}
	for _, d := range cfg.Docker {
		host := local(dockerHostName(d.Host))
		if d.Context != "" && d.Host == "" {
			host = "" // where a CLI context points is not known here
		}
		out = append(out, uifleet.LiveTarget{Source: collectors.SourceID{Kind: collectors.KindDocker, Name: d.Name},
			Instance: d.PrometheusInstance, Host: host})
	}
	return out
}

// dsnHost is the first host a lib/pq connection string names (URL or
// key=value form); "" for the default.
func dsnHost(dsn string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return ""
		}
		if h := u.Hostname(); h != "" {
			return h
		}
		return u.Query().Get("host")
	}
	for _, f := range strings.Fields(dsn) {
		if v, ok := strings.CutPrefix(f, "host="); ok {
			v = strings.Trim(v, "'")
			first, _, _ := strings.Cut(v, ",")
			return first
		}
	}
	return ""
}

// dockerHostName is the machine a Docker host URL names: "build" for
// ssh://ci@build or tcp://build:2376; "" for a Unix socket or the default.
func dockerHostName(h string) string {
	u, err := url.Parse(h)
	if err != nil || u.Scheme == "unix" || u.Scheme == "npipe" {
		return ""
	}
	if host := u.Hostname(); host != "" {
		return host
	}
	if host, _, err := net.SplitHostPort(h); err == nil {
		return host
	}
	return ""
}
