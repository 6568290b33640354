package ui

import (
	"context"

	"github.com/stacktop/stacktop/collectors"
	"github.com/stacktop/stacktop/ui/docker"
	"github.com/stacktop/stacktop/ui/fleet"
	"github.com/stacktop/stacktop/ui/host"
	"github.com/stacktop/stacktop/ui/overview"
	"github.com/stacktop/stacktop/ui/postgres"
	"github.com/stacktop/stacktop/ui/theme"
	"github.com/stacktop/stacktop/ui/view"
)

// buildTabs is the one place tabs are registered, in tab-bar order (keys 1–5).
// A tab implements view.Tab (see the ui/view package comment), with Kinds()
// naming the source kinds the root hands it, and view.Summarizer for its box
// on the Overview; it gets st for styles and d for redaction and for which
// actions are allowed.
func buildTabs(st *theme.Styles, d tabDeps) []view.Tab {
	tabs := []view.Tab{
		overview.New(d.HostHistory),
		host.New(st, host.Options{Allowed: d.Allowed}),
		postgres.New(st, postgres.Options{Redact: d.Redact, Allowed: d.Allowed, Thresholds: d.PostgresThresholds}),
		docker.New(st, docker.Options{Redact: d.Redact, Allowed: d.Allowed, Engines: d.DockerEngines, Context: d.Context}),
	}
	if d.Fleet {
		pg := d.PostgresThresholds.WithDefaults()
		tabs = append(tabs, fleet.New(st, fleet.Options{Sources: d.FleetSources, Live: d.FleetLive, Thresholds: d.Thresholds,
			PG:      fleet.PGThresholds{ConnectionsPercent: pg.ConnectionsPercent, ReplicationLag: pg.ReplicationLag, LongTransaction: pg.LongQueryCrit},
			Context: d.Context}))
	}
	return tabs
}

// tabDeps is what the root hands every tab besides styles.
type tabDeps struct {
	// Context is the program's; commands a tab runs derive from it, so
	// quitting cancels them.
	Context context.Context
	// Allowed tells whether an action kind may run on a target now; tabs
	// disable (and leave out of help) the keys of actions it refuses.
	Allowed view.Allowed
	// Redact is --redact / --demo (view.Context carries it too, for
	// tabs that mask at draw time).
	Redact bool
	// DockerEngines serve the Docker tab's detail and logs panes.
	DockerEngines map[string]docker.Engine
	// PostgresThresholds decide what the Postgres tab flags.
	PostgresThresholds postgres.Thresholds
	// Fleet registers the Fleet tab: some source is a Prometheus.
	Fleet bool
	// FleetSources and FleetLive serve its detail, sparklines and jumps.
	FleetSources map[string]fleet.Source
	FleetLive    []fleet.LiveTarget
	// Thresholds are the host thresholds, with their defaults.
	Thresholds view.Thresholds
	// HostHistory is the Overview's sparkline samples, shared by the
	// sessions of a served dashboard (nil: its own).
	HostHistory *overview.History
}

// hasFleet reports whether the dashboard watches a Prometheus source.
func hasFleet(opts Options) bool {
	if len(opts.FleetSources) > 0 {
		return true
	}
	if opts.Hub == nil {
		return false
	}
	for _, id := range opts.Hub.Sources() {
		if id.Kind == collectors.KindPrometheus {
			return true
		}
	}
	return false
}
