package main

import (
	"path/filepath"

	"github.com/stacktop/stacktop/actions"
	dockeract "github.com/stacktop/stacktop/actions/docker"
	hostact "github.com/stacktop/stacktop/actions/host"
	pgact "github.com/stacktop/stacktop/actions/postgres"
	dockerc "github.com/stacktop/stacktop/collectors/docker"
)

// actionFamilies lists every action family with how to build its kinds from
// the config: adding a family (or a kind to one) is one line here, and the
// read-only test over buildRegistry covers it at once.
func actionFamilies(cfg *Config) [][]actions.Kind {
	return [][]actions.Kind{
		hostact.Kinds(hostact.Options{}),
		pgact.Kinds(pgActionOptions(cfg)),
		dockeract.Kinds(dockerActionOptions(cfg)),
	}
}

// dockerActionOptions points the Docker actions at each configured engine
// the way its collector connects, with the backup directory for logs and
// archives.
func dockerActionOptions(cfg *Config) dockeract.Options {
	hosts := make(map[string]dockerc.Options, len(cfg.Docker))
	for _, d := range cfg.Docker {
		hosts[d.Name] = d.clientOptions()
	}
	return dockeract.Options{Hosts: hosts, BackupDir: cfg.Actions.BackupDir}
}

// pgActionOptions hands the Postgres actions each target's DSN, as the
// collector got it.
func pgActionOptions(cfg *Config) pgact.Options {
	dsns := make(map[string]string, len(cfg.Postgres))
	for _, t := range cfg.Postgres {
		dsns[t.Name] = t.DSN
	}
	a := cfg.Actions
	return pgact.Options{DSNs: dsns, BackupDir: a.BackupDir, Retention: a.BackupRetention,
		PgDumpPath: a.PgDumpPath, PgRestorePath: a.PgRestorePath, BackupTimeout: a.BackupTimeout, PlanDir: planDir(cfg)}
}

// buildRegistry is the one registry of action kinds this process offers,
// for the dashboard and the CLI alike.
func buildRegistry(cfg *Config) (*actions.Registry, error) {
	var kinds []actions.Kind
	for _, family := range actionFamilies(cfg) {
		kinds = append(kinds, family...)
	}
	return actions.NewRegistry(kinds...)
}

// readOnlySources lists the sources configured read_only = true (the
// global flag is the Runner's own option), as KIND:SOURCE.
func readOnlySources(cfg *Config) []string {
	var out []string
	for _, t := range cfg.Postgres {
		if t.ReadOnly {
			out = append(out, "pg:"+t.Name)
		}
	}
	for _, d := range cfg.Docker {
		if d.ReadOnly {
			out = append(out, "docker:"+d.Name)
		}
	}
	return out
}

// protectedSources lists the sources configured protected = true, as
// KIND:SOURCE.
func protectedSources(cfg *Config) []string {
	var out []string
	for _, t := range cfg.Postgres {
		if t.Protected {
			out = append(out, "pg:"+t.Name)
		}
	}
	for _, d := range cfg.Docker {
		if d.Protected {
			out = append(out, "docker:"+d.Name)
		}
	}
	return out
}

// openRunner opens the audit log and builds the one Runner of this
// process. Close the returned log when done.
func openRunner(cfg *Config, getenv func(string) string) (*actions.Runner, *actions.AuditLog, error) {
	perTarget, err := actions.ReadOnlySources(readOnlySources(cfg)...)
	if err != nil {
		return nil, nil, err
	}
	protected, err := actions.ProtectedSources(protectedSources(cfg)...)
	if err != nil {
		return nil, nil, err
	}
	audit, err := actions.OpenAuditLog(cfg.Actions.AuditLog)
	if err != nil {
		return nil, nil, err
	}
	r, err := actions.NewRunner(actions.RunnerOptions{
		ReadOnly:        cfg.ReadOnly,
		ReadOnlyTarget:  perTarget,
		ProtectedTarget: protected,
		Audit:           audit,
		Identity:        actions.CurrentIdentity(getenv),
		DefaultTimeout:  cfg.Actions.Timeout,
	})
	if err != nil {
		_ = audit.Close()
		return nil, nil, err
	}
	return r, audit, nil
}

// planDir is where the plan view's save (postgres.save_plan) writes plans:
// plans/ in the state directory.
func planDir(cfg *Config) string { return filepath.Join(cfg.StateDir, "plans") }
