package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/stacktop/stacktop/collectors"
	dockerc "github.com/stacktop/stacktop/collectors/docker"
	"github.com/stacktop/stacktop/ui"
	uidocker "github.com/stacktop/stacktop/ui/docker"
)

// maxLogSize is where the log file is rotated (once, to stacktop.log.1) at start.
const maxLogSize = 10 << 20

// runDashboard starts the hub and shows the dashboard until the user quits.
func runDashboard(ctx context.Context, e *env, cfg *Config) int {
	sources, err := buildSources(cfg)
	if err != nil {
		fmt.Fprintf(e.stderr, "stacktop: %v\n", err)
		return exitBadConfig
	}
	opts := ui.Options{
		Interval:   cfg.Interval,
		ReadOnly:   cfg.ReadOnly,
		Redact:     cfg.Redact,
		Thresholds: cfg.Thresholds,

		PostgresThresholds: cfg.PostgresThresholds,
		DockerEngines:      dockerEngines(sources),
		FleetSources:       fleetSources(sources),
		FleetLive:          fleetLive(cfg, hostname()),
	}
	if closeActions := wireActions(&opts, cfg, e); closeActions != nil {
		defer closeActions()
	}
	ctx, cancel := context.WithCancel(ctx)
	hub := collectors.NewHub(sources...)
	hub.SetLogger(slog.Default()) // setupLog made it the file in the state directory
	hub.Run(ctx)
	opts.Hub = hub
	err = ui.Run(ctx, opts)
	cancel()
	hub.Wait()
	if err != nil {
		fmt.Fprintf(e.stderr, "stacktop: %v\n", err)
		return exitFailed
	}
	return exitOK
}

// dockerEngines lends each Docker collector to the Docker tab for its
// detail and logs panes.
func dockerEngines(sources []collectors.Source) map[string]uidocker.Engine {
	out := map[string]uidocker.Engine{}
	for _, s := range sources {
		if c, ok := s.Collector.(*dockerc.Collector); ok {
			out[s.ID.Name] = uidocker.FromCollector(c)
		}
	}
	return out
}

// hostname is this machine's name, for matching local targets to fleet
// hosts; "" when unknown.
func hostname() string {
	h, _ := os.Hostname()
	return h
}

// wireActions gives the dashboard the registry and the Runner. Watching
// matters more than acting: when the actions cannot be set up (an audit log
// that cannot be opened), the dashboard runs without them, after one line
// saying why.
func wireActions(opts *ui.Options, cfg *Config, e *env) (closeAudit func()) {
	reg, err := buildRegistry(cfg)
	if err != nil {
		fmt.Fprintf(e.stderr, "warning: no actions this session: %v\n", err)
		return nil
	}
	runner, audit, err := openRunner(cfg, e.getenv)
	if err != nil {
		fmt.Fprintf(e.stderr, "warning: no actions this session: %v\n", err)
		slog.Warn("actions disabled", "err", err)
		return nil
	}
	opts.Runner, opts.Registry = runner, reg
	opts.ListBackups = backupLister(cfg.Actions.BackupDir)
	return func() { _ = audit.Close() }
}

// setupLog sends log/slog output to stacktop.log in the state directory —
// never to the terminal the dashboard draws on. When the directory cannot
// be used, logs are dropped with one warning.
func setupLog(stateDir string, stderr io.Writer) (closeLog func()) {
	path := filepath.Join(stateDir, "stacktop.log")
	f, err := openLogFile(path)
	if err != nil {
		fmt.Fprintf(stderr, "warning: no log file: %v — set state_dir in the config to a writable directory\n", err)
		slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
		return func() {}
	}
	slog.SetDefault(slog.New(slog.NewTextHandler(f, &slog.HandlerOptions{Level: slog.LevelInfo})))
	return func() { _ = f.Close() }
}

func openLogFile(path string) (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	if st, err := os.Stat(path); err == nil && st.Size() > maxLogSize {
		_ = os.Rename(path, path+".1")
	}
	return os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
}
