package ui

import (
	"context"
	"io"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/stacktop/stacktop/actions"
	"github.com/stacktop/stacktop/collectors"
	"github.com/stacktop/stacktop/ui/backups"
	"github.com/stacktop/stacktop/ui/docker"
	"github.com/stacktop/stacktop/ui/fleet"
	"github.com/stacktop/stacktop/ui/overview"
	"github.com/stacktop/stacktop/ui/postgres"
	"github.com/stacktop/stacktop/ui/view"
)

// Options configure the dashboard. cmd/stacktop builds them from flags and
// config; ui never reads config itself.
type Options struct {
	// Hub is running (or about to run) and feeds every view.
	Hub *collectors.Hub
	// Interval is the host polling interval, shown in the header.
	Interval time.Duration
	// ReadOnly shows the READ-ONLY badge and disables every non-read action.
	ReadOnly bool
	// Thresholds decide what is coloured as a problem; zero fields take
	// their defaults.
	Thresholds Thresholds
	// Redact masks env values, passwords, client addresses and query
	// literals on screen (--redact, --demo); tabs receive it at construction.
	Redact bool
	// Runner runs every action the dashboard offers. Nil offers none: every
	// action key is disabled and left out of help.
	Runner *actions.Runner
	// Registry holds the action kinds the dashboard may build; a kind not in
	// it is never offered. Nil is the same as an empty registry.
	Registry *actions.Registry
	// ListBackups lists the existing backups of a Postgres target (of one
	// database when database is not ""), for the backup list. It does I/O
	// and is called only inside a command; nil hides the backup list.
	ListBackups func(ctx context.Context, t actions.Target, database string) ([]backups.Entry, error)
	// PostgresThresholds decide which sessions the Postgres tab flags (long
	// queries, idle in transaction, connections, replication lag); zero
	// fields take that tab's defaults.
	PostgresThresholds postgres.Thresholds
	// DockerEngines lets the Docker tab inspect containers and read their
	// logs on demand, by Docker source name (docker.FromCollector wraps the
	// hub's collector); a source without one shows "detail unavailable".
	DockerEngines map[string]docker.Engine
	// FleetSources answer the Fleet tab's host detail and sparklines, by
	// Prometheus source name (a *fleet.Collector is one). The Fleet tab
	// (5) exists when the hub has a Prometheus source or this names one.
	FleetSources map[string]fleet.Source
	// FleetLive are the [[postgres]] and [[docker]] targets a fleet
	// host's detail can jump to (by prometheus_instance or host name).
	FleetLive []fleet.LiveTarget
	// Input, Output and Renderer are the terminal the dashboard draws on:
	// nil means the process's stdin, stdout and a renderer for stdout. A
	// served session passes its SSH channel and a renderer made from the
	// client's TERM, so each session has its own colour profile.
	Input    io.Reader
	Output   io.Writer
	Renderer *lipgloss.Renderer
	// Resize carries the terminal's new sizes when the program cannot learn
	// them itself (an SSH session's window-change requests); nil locally,
	// where bubbletea follows SIGWINCH.
	Resize <-chan tea.WindowSizeMsg
	// Watchers lists who watches this shared dashboard (the served users'
	// names), for the header; nil when it is not shared.
	Watchers func() []string
	// Frames is the frame cache shared by every dashboard of the process
	// (`stacktop serve` passes one to all its sessions, which then draw
	// each distinct frame once between them); nil gives this dashboard a
	// cache of its own.
	Frames *view.FrameCache
	// HostHistory holds the Overview's sparkline samples; `stacktop serve`
	// passes one to all its sessions, so they draw the same sparklines (a
	// session that joins sees the minutes before it) and so the same
	// frames. Nil gives this dashboard a history of its own.
	HostHistory *overview.History
	// Now is the clock for the header, ages and staleness; time.Now when nil.
	// Tests inject a fixed clock so screens are reproducible.
	Now func() time.Time
}

// Thresholds are the limits past which a figure is shown as a problem. The
// type lives in ui/view so that tabs in their own packages can read it.
type Thresholds = view.Thresholds

// DefaultThresholds are used for any threshold the config leaves at zero.
func DefaultThresholds() Thresholds { return view.DefaultThresholds() }
