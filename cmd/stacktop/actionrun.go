package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/stacktop/stacktop/actions"
	pgact "github.com/stacktop/stacktop/actions/postgres"
	"github.com/stacktop/stacktop/ui/sanitize"
)

// runVerb runs one action from the command line: parse the target, name
// it exactly (the pid's start time, the container's id), build the action,
// confirm it (--yes, or a prompt on a terminal), run it through the
// Runner, print what it produced. Exit 0 when it ran, 1 when it was
// refused or failed, 2 for bad arguments.
func runVerb(ctx context.Context, e *env, cfg *Config, v verb, a *verbArgs) int {
	fail := func(code int, err error) int {
		fmt.Fprintf(e.stderr, "stacktop %s: %v\n", v.name, err)
		return code
	}
	reg, err := buildRegistry(cfg)
	if err != nil {
		return fail(exitBadConfig, err)
	}
	runner := e.runner
	if runner == nil {
		r, audit, err := openRunner(cfg, e.getenv)
		if err != nil {
			return fail(exitFailed, err)
		}
		defer audit.Close()
		runner = r
	}
	t, err := actions.ParseTarget(e.args[0])
	if err != nil {
		return fail(exitBadConfig, err)
	}
	t = hostShorthand(t)
	if v.pid && a.pid > 0 {
		// The backend --pid names is the object: the audit line of an
		// attempt refused or not found before the lookup names it too.
		t.Object = strconv.Itoa(a.pid)
	}
	id, err := v.kindFor(t, a.analyze)
	if err != nil {
		return fail(exitBadConfig, err)
	}
	kind, ok := reg.Lookup(id)
	if !ok {
		return fail(exitBadConfig, fmt.Errorf("action %s is not available in this build", id))
	}
	params := a.actionParams()
	if v.statement {
		params["query"] = e.args[1]
	}
	act, code, err := prepare(ctx, cfg, reg, runner, kind, t, params, a)
	if err != nil {
		return fail(code, err)
	}
	conf, err := confirm(ctx, e, runner, act, a)
	if err != nil {
		return fail(exitFailed, err)
	}
	res, err := runner.Run(ctx, act, conf, progressPrinter(e))
	if err != nil {
		return fail(exitFailed, err)
	}
	if sh, ok := res.Output.(*exec.Cmd); ok && sh != nil {
		return runShell(e, sh)
	}
	printOutput(e, res.Output)
	fmt.Fprintf(e.stderr, "%s on %s: done in %s\n", act.Title, sanitize.Line(act.Target.Display()), res.Duration.Round(time.Millisecond))
	return exitOK
}

// prepare builds the action. Under read-only the Runner refuses (and
// audits) the kind before the target is looked up at all (no connection, no
// process scan), so a refused command touches nothing.
func prepare(ctx context.Context, cfg *Config, reg *actions.Registry, runner *actions.Runner, kind actions.Kind,
	t actions.Target, params actions.Params, a *verbArgs) (actions.Action, int, error) {
	if err := runner.RefuseReadOnly(kind, t); err != nil {
		return actions.Action{}, exitFailed, err
	}
	resolved, err := resolveTarget(ctx, cfg, kind, t, a)
	if err != nil {
		return actions.Action{}, exitFailed, runner.RecordUnresolved(kind, t, err)
	}
	t = resolved
	act, err := reg.New(kind.ID, t, params)
	if err != nil {
		return actions.Action{}, exitBadConfig, err
	}
	return act, 0, nil
}

// hostShorthand reads host:PID as host:local/PID.
func hostShorthand(t actions.Target) actions.Target {
	if t.Kind == "host" && t.Object == "" {
		if _, err := strconv.Atoi(t.Source); err == nil {
			t.Source, t.Object = defaultSourceName, t.Source
		}
	}
	return t
}

// confirm gets the confirmation act needs (as the Runner's Protect sees
// it: on a protected target, the name typed): --confirm NAME, --yes, or an
// answer typed on a terminal. Without any it returns no confirmation, so
// the Runner refuses (and audits) the attempt with its own line; so it does
// a --yes on a protected target. A refused action is not prompted for: the
// Runner refuses it whatever the answer.
func confirm(ctx context.Context, e *env, runner *actions.Runner, act actions.Action, a *verbArgs) (actions.Confirmation, error) {
	act = runner.Protect(act)
	switch {
	case !act.NeedsConfirmation() || runner.Allowed(act) != nil:
		return actions.Confirmation{}, nil
	case a.confirm != "":
		return actions.Confirmation{Confirmed: true, TypedName: a.confirm}, nil
	case a.yes:
		return actions.Yes(act), nil
	case !e.stdinTTY:
		how := "pass --yes"
		if runner.Protected(act.Target) {
			how = "pass --confirm " + sanitize.Line(act.ConfirmPhrase()) + " (the target is protected)"
		}
		fmt.Fprintf(e.stderr, "stacktop: %s needs confirmation and stdin is not a terminal — %s to confirm from a script\n", act.ID, how)
		return actions.Confirmation{}, nil
	}
	fmt.Fprintf(e.stderr, "%s on %s (%s)\n%s\n", act.Title, sanitize.Line(act.Target.Display()), act.Risk, sanitize.Line(act.Description))
	if runner.Protected(act.Target) {
		fmt.Fprintf(e.stderr, "%s:%s is protected.\n", act.Target.Kind, sanitize.Line(act.Target.Source))
	}
	if act.ConfirmByName {
		fmt.Fprintf(e.stderr, "Type %s to confirm: ", sanitize.Line(act.ConfirmPhrase()))
	} else {
		fmt.Fprint(e.stderr, "Proceed? [y/N] ")
	}
	line, err := readLine(ctx, e.stdin)
	if err != nil {
		return actions.Confirmation{}, err
	}
	if act.ConfirmByName {
		if line != act.ConfirmPhrase() {
			return actions.Confirmation{}, fmt.Errorf("typed %q, not %q — nothing was done", line, act.ConfirmPhrase())
		}
		return actions.Confirmation{Confirmed: true, TypedName: line}, nil
	}
	if l := strings.ToLower(line); l != "y" && l != "yes" {
		return actions.Confirmation{}, fmt.Errorf("not confirmed — nothing was done")
	}
	return actions.Confirmation{Confirmed: true}, nil
}

// readLine reads one line, giving up when ctx ends (ctrl+c at the prompt).
func readLine(ctx context.Context, r io.Reader) (string, error) {
	got := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(r).ReadString('\n')
		got <- strings.TrimSpace(line)
	}()
	select {
	case line := <-got:
		return line, nil
	case <-ctx.Done():
		return "", fmt.Errorf("interrupted at the prompt — nothing was done")
	}
}

// progressPrinter reports each new progress message on stderr, once:
// scripts get a short log, not a stream of byte counts.
func progressPrinter(e *env) func(actions.Progress) {
	last := ""
	return func(p actions.Progress) {
		if p.Message != "" && p.Message != last {
			last = p.Message
			fmt.Fprintf(e.stderr, "… %s\n", sanitize.Line(p.Message))
		}
	}
}

// printOutput prints what an action produced on stdout: a plan as text
// with its findings; a file it wrote (a backup, an archive, saved logs) as
// its path, size and checksum, one per line for scripts.
func printOutput(e *env, out any) {
	switch o := out.(type) {
	case nil:
	case *pgact.Plan:
		fmt.Fprint(e.stdout, sanitize.Text(o.Text()))
	case actions.FileOutput:
		f := o.SavedFile()
		fmt.Fprintf(e.stdout, "%s\nsize %d bytes\nsha256 %s\n", sanitize.Line(f.Path), f.Size, f.SHA256)
		for _, n := range f.Notes {
			fmt.Fprintln(e.stdout, sanitize.Line(n))
		}
	default:
		fmt.Fprintln(e.stdout, sanitize.Line(fmt.Sprint(o)))
	}
}

// runShell runs docker.shell's command on this terminal; the audit line
// (written by the Runner) records that it was opened.
func runShell(e *env, sh *exec.Cmd) int {
	sh.Stdin, sh.Stdout, sh.Stderr = e.stdin, e.stdout, e.stderr
	if err := sh.Run(); err != nil {
		fmt.Fprintf(e.stderr, "stacktop shell: %v\n", err)
		return exitFailed
	}
	return exitOK
}
