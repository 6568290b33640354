// Command stacktop watches a backend from a terminal — the host, its
// PostgreSQL servers and its Docker containers — and acts on it.
//
// This package only wires: flags and config become collectors, a hub and
// the chosen mode (dashboard, snapshot, check, version).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/mattn/go-isatty"

	"github.com/stacktop/stacktop/actions"
	"github.com/stacktop/stacktop/collectors"
)

func main() {
	stopProfile := startCPUProfile(os.Getenv("STACKTOP_CPUPROFILE"))
	code := run(signalContext(), os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stopProfile()
	os.Exit(code)
}

// startCPUProfile writes a pprof CPU profile of the whole run to path (a
// developer's tool: the bench scripts set STACKTOP_CPUPROFILE to see where
// serve's time goes); "" profiles nothing.
func startCPUProfile(path string) (stop func()) {
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintf(os.Stderr, "stacktop: cpu profile: %v\n", err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		fmt.Fprintf(os.Stderr, "stacktop: cpu profile: %v\n", err)
		f.Close()
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}

// signalContext is the one owner of the stopping signals: SIGINT, SIGTERM
// and SIGHUP (the terminal closed) cancel the context every mode stops on —
// the dashboard then leaves the alternate screen and restores the terminal.
// Nothing else may catch them (ui.Run runs bubbletea without its handler):
// two owners of one signal once hung the dashboard for good. The first
// signal asks for a clean stop; after it, the signals' default actions are
// back, so a second one ends a stop that does not finish.
func signalContext() context.Context {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		<-ctx.Done()
		stop()
	}()
	return ctx
}

// Exit codes shared by every subcommand.
const (
	exitOK        = 0
	exitFailed    = 1 // a source is down (check) or did not answer (snapshot)
	exitBadConfig = 2 // bad config, bad flags
)

// globalFlags apply to every subcommand and may be given before or after it.
type globalFlags struct {
	config   string
	readOnly bool
	redact   bool
	demo     bool
	interval time.Duration
}

// register adds the global flags to fs. Their defaults are the values
// already parsed, because flag resets a variable to its default when it is
// registered: without this, `stacktop --read-only kill …` would lose
// --read-only when the subcommand's flags are parsed.
func (g *globalFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&g.config, "config", g.config, "read the config from `PATH` (default $STACKTOP_CONFIG, else $XDG_CONFIG_HOME/stacktop/config.toml)")
	fs.BoolVar(&g.readOnly, "read-only", g.readOnly, "refuse every action that changes anything")
	fs.BoolVar(&g.redact, "redact", g.redact, "mask env values, passwords, client addresses and query literals on screen")
	fs.BoolVar(&g.demo, "demo", g.demo, "for screen sharing: --read-only and --redact")
	fs.DurationVar(&g.interval, "interval", g.interval, "poll every source every `DURATION` unless its config sets its own (default 2s, at least 250ms)")
}

// globalNames lists the global flags, so subcommand help can show them
// apart; read off register so a new global flag cannot be left out.
func globalNames() map[string]bool {
	fs := flag.NewFlagSet("", flag.ContinueOnError)
	new(globalFlags).register(fs)
	names := map[string]bool{}
	fs.VisitAll(func(f *flag.Flag) { names[f.Name] = true })
	return names
}

// env is what a subcommand runs with.
type env struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	flags          globalFlags
	// args are the subcommand's positional arguments (a target, a statement).
	args []string
	// stdin answers confirmation prompts, only when stdinTTY says a person
	// is there to type.
	stdin    io.Reader
	stdinTTY bool
	// runner, when set, runs the action verbs instead of one opened for
	// the command: a served session's, with its actor and role.
	runner *actions.Runner
}

// command is one subcommand.
type command struct {
	name, args, summary string
	// flags registers the subcommand's own flags; nil when it has none.
	flags func(fs *flag.FlagSet)
	// needsConfig is false for commands that must work even with a broken config.
	needsConfig bool
	// minArgs and maxArgs bound the positional arguments; flags may come
	// before, between or after them.
	minArgs, maxArgs int
	run              func(ctx context.Context, e *env, cfg *Config) int
}

func commands() []*command {
	var asJSON bool
	cmds := []*command{
		{name: "snapshot", args: "[--json]", summary: "poll every source twice and print a summary (or JSON) — exit 1 if a source failed",
			flags: func(fs *flag.FlagSet) {
				fs.BoolVar(&asJSON, "json", false, "print the documented JSON document instead of text")
			},
			needsConfig: true,
			run: func(ctx context.Context, e *env, cfg *Config) int {
				return runSnapshot(ctx, e, cfg, asJSON)
			}},
		{name: "check", summary: "try every configured source once and say why any is unreachable — exit 1 if one is down, 2 on a bad config",
			needsConfig: true, run: runCheck},
		{name: "version", summary: "print the version", run: runVersion},
		serveCommand(),
	}
	return append(cmds, actionCommands()...)
}

// run parses args and runs the chosen subcommand (the dashboard when none),
// returning the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	e := &env{stdout: stdout, stderr: stderr, getenv: getenv, stdin: os.Stdin, stdinTTY: isatty.IsTerminal(os.Stdin.Fd())}
	cmds := commands()
	root := flag.NewFlagSet("stacktop", flag.ContinueOnError)
	e.flags.register(root)
	if code, ok := parseFlags(root, args, e, func(w io.Writer) { rootUsage(w, root, cmds) }); !ok {
		return code
	}
	rest := root.Args()
	if len(rest) == 0 {
		return withConfig(ctx, e, runDashboard)
	}
	if rest[0] == "help" {
		rootUsage(stdout, root, cmds)
		return exitOK
	}
	for _, c := range cmds {
		if c.name != rest[0] {
			continue
		}
		if code, ok := c.parse(e, rest[1:]); !ok {
			return code
		}
		if !c.needsConfig {
			return c.run(ctx, e, nil)
		}
		return withConfig(ctx, e, c.run)
	}
	fmt.Fprintf(stderr, "stacktop: unknown command %q — see stacktop --help\n", rest[0])
	return exitBadConfig
}

// parse reads c's flags and positional arguments (into e.args). ok is
// false when the caller should exit with code.
func (c *command) parse(e *env, args []string) (code int, ok bool) {
	fs := flag.NewFlagSet("stacktop "+c.name, flag.ContinueOnError)
	e.flags.register(fs)
	if c.flags != nil {
		c.flags(fs)
	}
	args, code, ok = parseInterspersed(fs, args, e, func(w io.Writer) { commandUsage(w, fs, c) })
	if !ok {
		return code, false
	}
	if len(args) > c.maxArgs {
		fmt.Fprintf(e.stderr, "stacktop %s: unexpected argument %q — see stacktop %s --help\n", c.name, args[c.maxArgs], c.name)
		return exitBadConfig, false
	}
	if len(args) < c.minArgs {
		fmt.Fprintf(e.stderr, "stacktop %s: missing argument — usage: stacktop %s %s\n", c.name, c.name, c.args)
		return exitBadConfig, false
	}
	e.args = args
	return exitOK, true
}

// parseFlags parses args into fs. ok is false when the caller should exit
// with code: 0 after --help (usage on stdout), 2 after a bad flag.
func parseFlags(fs *flag.FlagSet, args []string, e *env, usage func(io.Writer)) (code int, ok bool) {
	fs.SetOutput(io.Discard) // errors and usage are printed below, each to its stream
	fs.Usage = func() {}
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		usage(e.stdout)
		return exitOK, false
	case err != nil:
		fmt.Fprintf(e.stderr, "%s: %v — see %s --help\n", fs.Name(), err, fs.Name())
		return exitBadConfig, false
	case e.flags.interval != 0 && e.flags.interval < collectors.MinInterval:
		fmt.Fprintf(e.stderr, "%s: --interval %s is below the %s floor — polling faster costs the watched system more than it shows you\n",
			fs.Name(), e.flags.interval, collectors.MinInterval)
		return exitBadConfig, false
	}
	return 0, true
}

// parseInterspersed parses flags anywhere among the positional arguments
// (`explain pg:main --analyze 'SELECT 1'`), which flag alone stops at the
// first argument; after "--" everything is positional.
func parseInterspersed(fs *flag.FlagSet, args []string, e *env, usage func(io.Writer)) (positional []string, code int, ok bool) {
	for {
		if code, ok := parseFlags(fs, args, e, usage); !ok {
			return nil, code, false
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, 0, true
		}
		// flag consumed a "--" terminator when rest is shorter than what
		// followed it; everything after it is positional.
		if i := len(args) - len(rest); i > 0 && args[i-1] == "--" {
			return append(positional, rest...), 0, true
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// withConfig loads the config, prints its warnings and runs fn; a bad
// config prints one line per problem and exits 2.
func withConfig(ctx context.Context, e *env, fn func(context.Context, *env, *Config) int) int {
	g := e.flags
	cfg, err := LoadConfig(g.config, Overrides{Interval: g.interval, ReadOnly: g.readOnly || g.demo, Redact: g.redact || g.demo}, e.getenv)
	if err != nil {
		fmt.Fprintln(e.stderr, err)
		return exitBadConfig
	}
	for _, w := range cfg.Warnings {
		fmt.Fprintln(e.stderr, w)
	}
	closeLog := setupLog(cfg.StateDir, e.stderr)
	defer closeLog()
	return fn(ctx, e, cfg)
}

func rootUsage(w io.Writer, fs *flag.FlagSet, cmds []*command) {
	fmt.Fprint(w, `stacktop watches this host, its PostgreSQL servers and its Docker containers.

Usage:
  stacktop [flags]              the live dashboard
  stacktop <command> [flags]

Commands:
`)
	for _, c := range cmds {
		fmt.Fprintf(w, "  %-15s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, "\nFlags (accepted by every command):\n")
	printFlags(w, fs, func(string) bool { return true })
	fmt.Fprint(w, "\nConfig: see config.example.toml. Run stacktop <command> --help for a command's flags.\n")
}

func commandUsage(w io.Writer, fs *flag.FlagSet, c *command) {
	fmt.Fprintf(w, "Usage: stacktop %s %s\n\n%s\n", c.name, c.args, strings.ToUpper(c.summary[:1])+c.summary[1:])
	global := globalNames()
	if c.flags != nil {
		fmt.Fprint(w, "\nFlags:\n")
		printFlags(w, fs, func(name string) bool { return !global[name] })
	}
	fmt.Fprint(w, "\nGlobal flags:\n")
	printFlags(w, fs, func(name string) bool { return global[name] })
}

// printFlags lists flags GNU-style ("--name VALUE"), which flag also accepts.
func printFlags(w io.Writer, fs *flag.FlagSet, want func(string) bool) {
	fs.VisitAll(func(f *flag.Flag) {
		if !want(f.Name) {
			return
		}
		arg, usage := flag.UnquoteUsage(f)
		if arg == "value" {
			arg = ""
		}
		head := "--" + f.Name
		if arg != "" {
			head += " " + arg
		}
		fmt.Fprintf(w, "  %-20s %s\n", head, usage)
	})
}
