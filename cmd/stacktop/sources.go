package main

import (
	"errors"

	"github.com/stacktop/stacktop/collectors"
	"github.com/stacktop/stacktop/collectors/docker"
	"github.com/stacktop/stacktop/collectors/fleet"
	"github.com/stacktop/stacktop/collectors/host"
	"github.com/stacktop/stacktop/collectors/postgres"
)

// buildSources turns the config into the hub's sources: the host first, then
// each Postgres target, then each Docker host, then each Prometheus source,
// in configuration order.
func buildSources(cfg *Config) ([]collectors.Source, error) {
	sources := []collectors.Source{{
		ID:        collectors.SourceID{Kind: collectors.KindHost, Name: defaultSourceName},
		Collector: host.New(host.Options{}),
		Interval:  cfg.Interval,
	}}
	for _, t := range cfg.Postgres {
		c, err := postgres.New(postgres.Options{Name: t.Name, DSN: t.DSN})
		if err != nil {
			closeSources(sources)
			// The collector's errors already name the target.
			return nil, errors.New(scrubDSN(err.Error(), t.DSN))
		}
		sources = append(sources, collectors.Source{
			ID:        collectors.SourceID{Kind: collectors.KindPostgres, Name: t.Name},
			Collector: c,
			Interval:  t.Interval,
			Implicit:  t.Implicit,
		})
	}
	for _, d := range cfg.Docker {
		c, err := docker.New(d.clientOptions())
		if err != nil {
			closeSources(sources)
			return nil, err // already names the host: docker "x": ...
		}
		sources = append(sources, collectors.Source{
			ID:        collectors.SourceID{Kind: collectors.KindDocker, Name: d.Name},
			Collector: c,
			Interval:  d.Interval,
			Implicit:  d.Implicit,
		})
	}
	for _, p := range cfg.Prometheus {
		c, err := fleet.New(p.fleetOptions())
		if err != nil {
			closeSources(sources)
			return nil, err // already names the source: prometheus "x": ...
		}
		sources = append(sources, collectors.Source{
			ID:        collectors.SourceID{Kind: collectors.KindPrometheus, Name: p.Name},
			Collector: c,
			Interval:  p.Interval,
			Timeout:   p.Timeout,
		})
	}
	return sources, nil
}

// closeSources releases collectors that hold connections, for paths that
// never hand them to a hub (which would close them itself).
func closeSources(sources []collectors.Source) {
	for _, s := range sources {
		if c, ok := s.Collector.(collectors.Closer); ok {
			_ = c.Close()
		}
	}
}

// clientOptions is how the collector and the Docker actions both reach the
// engine d names.
func (d DockerHost) clientOptions() docker.Options {
	return docker.Options{Name: d.Name, Host: d.Host, Context: d.Context,
		TLSCACert: d.TLSCACert, TLSCert: d.TLSCert, TLSKey: d.TLSKey, TLSVerify: d.TLSVerify}
}
