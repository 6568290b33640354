package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/stacktop/stacktop/actions"
	"github.com/stacktop/stacktop/collectors"
	"github.com/stacktop/stacktop/ui"
	"github.com/stacktop/stacktop/ui/overview"
	"github.com/stacktop/stacktop/ui/report"
	"github.com/stacktop/stacktop/ui/serve"
	"github.com/stacktop/stacktop/ui/view"
)

// serveCommand is `stacktop serve [--listen ADDR]`.
func serveCommand() *command {
	var listen string
	return &command{name: "serve", args: "[--listen ADDR]",
		summary: "serve the dashboard over SSH to the [[serve.users]] keys, every session on one set of collectors",
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&listen, "listen", "", "listen on `ADDR` (default [serve] listen, else "+serve.DefaultListen+")")
		},
		needsConfig: true,
		run: func(ctx context.Context, e *env, cfg *Config) int {
			if listen != "" {
				cfg.Serve.Listen = listen
			}
			return runServe(ctx, e, cfg)
		}}
}

// runServe starts one hub and one Runner and serves every session from
// them until ctx ends (SIGTERM, SIGINT, SIGHUP).
func runServe(ctx context.Context, e *env, cfg *Config) int {
	sources, err := buildSources(cfg)
	if err != nil {
		fmt.Fprintf(e.stderr, "stacktop serve: %v\n", err)
		return exitBadConfig
	}
	base := ui.Options{
		Interval: cfg.Interval, ReadOnly: cfg.ReadOnly, Redact: cfg.Redact, Thresholds: cfg.Thresholds,
		PostgresThresholds: cfg.PostgresThresholds, DockerEngines: dockerEngines(sources),
		FleetSources: fleetSources(sources), FleetLive: fleetLive(cfg, hostname()),
		// Sessions watching the same data draw the same frames: once.
		Frames: view.NewFrameCache(view.DefaultFrames), HostHistory: overview.NewHistory(),
	}
	if closeActions := wireActions(&base, cfg, e); closeActions != nil {
		defer closeActions()
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	hub := collectors.NewHub(sources...)
	hub.Run(ctx)
	defer hub.Wait()
	base.Hub = hub

	users, err := cfg.Serve.serveUsers()
	if err != nil {
		fmt.Fprintf(e.stderr, "stacktop serve: %v\n", err)
		return exitBadConfig
	}
	srv, err := serve.New(serve.Options{
		Listen: cfg.Serve.Listen, HostKeyPath: cfg.Serve.HostKey,
		MaxSessions: cfg.Serve.MaxSessions, IdleTimeout: cfg.Serve.IdleTimeout, Users: users,
		Dashboard: func(ctx context.Context, s serve.Session, watchers func() []string) error {
			return ui.Run(ctx, sessionOptions(base, s, ctx, watchers))
		},
		Command: func(ctx context.Context, s serve.Session, args []string) int {
			return servedCommand(ctx, s, cfg, base, hub, args)
		},
		Logger: slog.Default(),
	})
	if err != nil {
		fmt.Fprintf(e.stderr, "stacktop serve: %v\n", err)
		return exitBadConfig
	}
	err = srv.Serve(ctx, func(addr net.Addr) {
		fmt.Fprintf(e.stdout, "stacktop serve: listening on %s for %d users (host key %s)\n", addr, len(cfg.Serve.Users), cfg.Serve.HostKey)
	})
	cancel()
	if err != nil {
		fmt.Fprintf(e.stderr, "stacktop serve: %v\n", err)
		return exitFailed
	}
	return exitOK
}

// sessionOptions are the dashboard options of one served session: the
// shared hub and registry, its own Runner (its actor and role), its own
// terminal, size and renderer.
func sessionOptions(base ui.Options, s serve.Session, ctx context.Context, watchers func() []string) ui.Options {
	o := base
	if base.Runner != nil {
		o.Runner = base.Runner.ForActor(s.Actor)
	}
	o.ReadOnly = base.ReadOnly || s.Actor.Role == actions.RoleViewer
	o.Input, o.Output = s, s
	o.Renderer = s.Renderer()
	o.Resize = s.Resizes(ctx)
	o.Watchers = watchers
	return o
}

// servedHelp lists what a non-interactive session of role may run.
func servedHelp(role actions.Role) string {
	allowed := "snapshot [--json], check"
	if role == actions.RoleOperator {
		allowed += ", and the action verbs (" + strings.Join(verbNames(), ", ") + ")"
	}
	return allowed
}

func verbNames() []string {
	var out []string
	for _, v := range verbs() {
		if v.name != "shell" {
			out = append(out, v.name)
		}
	}
	slices.Sort(out)
	return out
}

// servedCommand runs `ssh HOST ARGS…`: snapshot and check from the shared
// collectors (no new poll), and for operators the action verbs through the
// session's Runner; anything else is refused with what is allowed.
func servedCommand(ctx context.Context, s serve.Session, cfg *Config, base ui.Options, hub *collectors.Hub, args []string) int {
	stdout, stderr := s, s.Stderr()
	switch args[0] {
	case "snapshot":
		updates := hub.Latest()
		now := time.Now()
		var err error
		if slices.Contains(args[1:], "--json") {
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", "  ")
			err = enc.Encode(report.Build(now, updates))
		} else {
			err = report.WriteText(stdout, now, updates)
		}
		if err != nil {
			fmt.Fprintf(stderr, "stacktop snapshot: %v\n", err)
			return exitFailed
		}
		return exitOK
	case "check":
		code := exitOK
		for _, u := range hub.Latest() {
			fmt.Fprintf(stdout, "%s: %s\n", u.Source, report.Status(u))
			if report.Failed(u) {
				code = exitFailed
			}
		}
		return code
	}
	for _, v := range verbs() {
		if v.name != args[0] || v.name == "shell" {
			continue // a shell needs the dashboard's terminal: E there
		}
		// A viewer's verb goes to the Runner too: it refuses it (the role is
		// read-only there) and the audit log records who tried.
		if base.Runner == nil {
			fmt.Fprintf(stderr, "stacktop %s: no actions on this server — see the server's log\n", v.name)
			return exitFailed
		}
		c := v.command()
		e := &env{stdout: stdout, stderr: stderr, getenv: func(string) string { return "" }, stdin: s, runner: base.Runner.ForActor(s.Actor)}
		if code, ok := c.parse(e, args[1:]); !ok {
			return code
		}
		return c.run(ctx, e, cfg)
	}
	fmt.Fprintf(stderr, "stacktop serve: %q is not allowed here — you may run %s\n", args[0], servedHelp(s.Actor.Role))
	return exitBadConfig
}
