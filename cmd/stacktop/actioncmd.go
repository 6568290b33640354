package main

import (
	"context"
	"flag"
	"fmt"
	"sort"
	"strings"

	"github.com/stacktop/stacktop/actions"
	dockeract "github.com/stacktop/stacktop/actions/docker"
	hostact "github.com/stacktop/stacktop/actions/host"
	pgact "github.com/stacktop/stacktop/actions/postgres"
	"github.com/stacktop/stacktop/collectors"
)

// A verb is a CLI command that runs one action: `stacktop restart
// docker:local/web`. It names the action kind per target family (kill
// means host.kill on host:PID and docker.kill on docker:…), so the same
// word works wherever it makes sense. Verbs run through the same registry,
// Runner and audit log as the dashboard.
type verb struct {
	name, summary string
	// kinds maps a target family to the action kind the verb runs on it.
	kinds map[collectors.Kind]string
	// params are flags passed to the action as Params.
	params []paramFlag
	// pid: the verb takes --pid (a Postgres backend).
	pid bool
	// analyze: explain's --analyze picks postgres.explain_analyze.
	analyze bool
	// statement: the verb takes the statement after the target.
	statement bool
}

// paramFlag is a command-line flag that becomes one action Param.
type paramFlag struct {
	flag, param, usage string
	boolean            bool
}

// dockerKind and pgKind map one family to a kind; a verb whose kinds are
// all unregistered is not offered (see offeredVerbs).
func dockerKind(id string) map[collectors.Kind]string {
	return map[collectors.Kind]string{collectors.KindDocker: id}
}

func pgKind(id string) map[collectors.Kind]string {
	return map[collectors.Kind]string{collectors.KindPostgres: id}
}

// verbs lists every CLI action command; adding one is one entry.
func verbs() []verb {
	db := paramFlag{flag: "db", param: "database", usage: "the `DATABASE` to act in (default: the target's)"}
	grace := paramFlag{flag: "timeout", param: "timeout", usage: "grace `DURATION` before the engine sends SIGKILL (default 10s)"}
	return []verb{
		{name: "start", summary: "start a stopped container (docker:SOURCE/NAME)", kinds: dockerKind(dockeract.StartID)},
		{name: "stop", summary: "stop a container gracefully", kinds: dockerKind(dockeract.StopID), params: []paramFlag{grace}},
		{name: "restart", summary: "restart a container", kinds: dockerKind(dockeract.RestartID), params: []paramFlag{grace}},
		{name: "pause", summary: "pause a container's processes", kinds: dockerKind(dockeract.PauseID)},
		{name: "unpause", summary: "resume a paused container", kinds: dockerKind(dockeract.UnpauseID)},
		{name: "remove", summary: "remove a container (destructive)", kinds: dockerKind(dockeract.RemoveID),
			params: []paramFlag{{flag: "volumes", param: "volumes", usage: "also remove its anonymous volumes", boolean: true},
				{flag: "force", param: "force", usage: "kill it first if it is running", boolean: true}}},
		{name: "save-logs", summary: "save a container's logs to a file in the backup directory", kinds: dockerKind(dockeract.LogsID),
			params: []paramFlag{{flag: "tail", param: "tail", usage: "save only the last `N` lines (default all)"},
				{flag: "since", param: "since", usage: "only lines newer than `WHEN`: a duration such as 1h, or an RFC 3339 time"}}},
		{name: "archive", summary: "archive a path in a container to .tar.gz in the backup directory", kinds: dockerKind(dockeract.ArchiveID),
			params: []paramFlag{{flag: "path", param: "path", usage: "absolute `PATH` inside the container"}}},
		{name: "archive-volume", summary: "archive a named volume to .tar.gz in the backup directory (docker:SOURCE/VOLUME)",
			kinds: dockerKind(dockeract.ArchiveVolumeID)},
		{name: "shell", summary: "open a shell in a running container (docker exec -it, audited)", kinds: dockerKind(dockeract.ShellID),
			params: []paramFlag{{flag: "shell", param: "shell", usage: "the `SHELL` to run (default sh)"}}},
		{name: "kill", summary: "KILL a process (host:PID) or signal a container (destructive)",
			kinds:  map[collectors.Kind]string{collectors.KindHost: hostact.KillID, collectors.KindDocker: dockeract.KillID},
			params: []paramFlag{{flag: "signal", param: "signal", usage: "`SIGNAL` for a container (default KILL)"}}},
		{name: "term", summary: "send TERM to a process (host:PID) and wait for it to exit",
			kinds: map[collectors.Kind]string{collectors.KindHost: hostact.TermID}},
		{name: "cancel", summary: "cancel a backend's running query (pg:SOURCE --pid N)", kinds: pgKind(pgact.CancelID), pid: true},
		{name: "terminate", summary: "terminate a backend (pg:SOURCE --pid N, destructive)", kinds: pgKind(pgact.TerminateID), pid: true},
		{name: "vacuum", summary: "VACUUM (ANALYZE) a table (pg:SOURCE/SCHEMA.TABLE)", kinds: pgKind(pgact.VacuumID), params: []paramFlag{db}},
		{name: "backup", summary: "back up a database with pg_dump into the backup directory, verified (pg:SOURCE --db NAME)", kinds: pgKind(pgact.BackupID), params: []paramFlag{db}},
		{name: "explain", summary: "show a statement's plan and findings (pg:SOURCE [--analyze] 'SELECT …')", kinds: pgKind(pgact.ExplainID),
			analyze: true, statement: true, params: []paramFlag{db,
				{flag: "args", param: "args", usage: "values for $1…$n as a JSON `ARRAY` of strings"}}},
	}
}

// offeredVerbs are the verbs with at least one registered kind.
func offeredVerbs(reg *actions.Registry) []verb {
	var out []verb
	for _, v := range verbs() {
		for _, id := range v.kinds {
			if _, ok := reg.Lookup(id); ok {
				out = append(out, v)
				break
			}
		}
	}
	return out
}

// verbArgs are a verb's parsed flags.
type verbArgs struct {
	yes bool
	// confirm is the name typed on the command line (--confirm NAME).
	confirm string
	pid     int
	analyze bool
	params  map[string]*string
	bools   map[string]*bool
}

// register adds the verb's flags to fs.
func (v verb) register(fs *flag.FlagSet, a *verbArgs) {
	fs.BoolVar(&a.yes, "yes", false, "confirm without asking (for scripts): stands in for the dialog's yes or typed name, except on a protected target")
	fs.StringVar(&a.confirm, "confirm", "", "confirm by typing the `NAME` the dialog would ask for (the container, the pid, the table, else the target): what a protected target needs")
	if v.pid {
		fs.IntVar(&a.pid, "pid", 0, "the backend's `PID` (from pg_stat_activity)")
	}
	if v.analyze {
		fs.BoolVar(&a.analyze, "analyze", false, "EXPLAIN (ANALYZE, BUFFERS): run it inside a transaction that is rolled back")
	}
	a.params, a.bools = map[string]*string{}, map[string]*bool{}
	for _, p := range v.params {
		if p.boolean {
			a.bools[p.param] = fs.Bool(p.flag, false, p.usage)
		} else {
			a.params[p.param] = fs.String(p.flag, "", p.usage)
		}
	}
}

// actionParams are the Params the flags give the action.
func (a *verbArgs) actionParams() actions.Params {
	p := actions.Params{}
	for k, v := range a.params {
		if *v != "" {
			p[k] = *v
		}
	}
	for k, v := range a.bools {
		if *v {
			p[k] = "true"
		}
	}
	return p
}

// kindFor picks the verb's kind for the target's family.
func (v verb) kindFor(t actions.Target, analyze bool) (string, error) {
	id, ok := v.kinds[t.Kind]
	if !ok {
		var fams []string
		for k := range v.kinds {
			fams = append(fams, string(k))
		}
		sort.Strings(fams)
		return "", fmt.Errorf("%s acts on %s targets, not %s", v.name, strings.Join(fams, " or "), t)
	}
	if analyze {
		id = pgact.ExplainAnalyzeID
	}
	return id, nil
}

// usage is the verb's one-line argument summary.
func (v verb) usage() string {
	fams := make([]string, 0, len(v.kinds))
	for k := range v.kinds {
		switch k {
		case collectors.KindHost:
			fams = append(fams, "host:PID")
		case collectors.KindPostgres:
			fams = append(fams, "pg:SOURCE[/OBJECT]")
		case collectors.KindDocker:
			fams = append(fams, "docker:SOURCE/CONTAINER")
		}
	}
	sort.Strings(fams)
	s := strings.Join(fams, "|") + " [flags]"
	if v.statement {
		s += " 'STATEMENT'"
	}
	return s
}

// command turns the verb into a subcommand of the main table.
func (v verb) command() *command {
	a := &verbArgs{}
	n := 1
	if v.statement {
		n = 2
	}
	return &command{name: v.name, args: v.usage(), summary: v.summary, needsConfig: true, minArgs: n, maxArgs: n,
		flags: func(fs *flag.FlagSet) { v.register(fs, a) },
		run: func(ctx context.Context, e *env, cfg *Config) int {
			return runVerb(ctx, e, cfg, v, a)
		}}
}

// actionCommands are the verbs as subcommands, for the main table.
func actionCommands() []*command {
	reg, err := buildRegistry(&Config{})
	if err != nil {
		return nil // the dashboard and the tests report it with the real config
	}
	var out []*command
	for _, v := range offeredVerbs(reg) {
		out = append(out, v.command())
	}
	return out
}
