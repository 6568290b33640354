package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	toml "github.com/pelletier/go-toml/v2"

	"github.com/stacktop/stacktop/actions"
	"github.com/stacktop/stacktop/collectors"
	"github.com/stacktop/stacktop/ui"
	uipostgres "github.com/stacktop/stacktop/ui/postgres"
)

// Config is the resolved configuration: every default applied, every path
// absolute, every source ready to become a collector. Built by LoadConfig.
type Config struct {
	// File is the config file read, "" when built-in defaults apply.
	File string
	// Interval is the default polling interval of every source.
	Interval time.Duration
	// ReadOnly refuses every action that changes anything (flag or config).
	ReadOnly bool
	// Redact masks env values, passwords, client addresses and query literals on screen.
	Redact bool
	// StateDir holds the log, the audit log and (by default) backups.
	StateDir   string
	Thresholds ui.Thresholds
	// PostgresThresholds are the Postgres tab's highlighting limits.
	PostgresThresholds uipostgres.Thresholds
	Postgres           []PostgresTarget
	Docker             []DockerHost
	Prometheus         []PrometheusSource
	Actions            ActionsConfig
	Serve              ServeConfig
	// Warnings are non-fatal problems, one line each, for stderr.
	Warnings []string
}

// PostgresTarget is one PostgreSQL server to watch.
type PostgresTarget struct {
	Name string
	// DSN is the lib/pq connection string. It holds the password when one
	// came from password_env: never print it; show redact.DSN(DSN).
	DSN      string
	Interval time.Duration
	// ReadOnly is true when this target or everything is read-only.
	ReadOnly bool
	// Protected: every non-read action on this target needs its name typed.
	Protected bool
	// Implicit marks the default "local" target that no config named.
	Implicit bool
	// PrometheusInstance is the fleet host (host label value) this target
	// runs on, "" when not said.
	PrometheusInstance string
}

// DockerHost is one Docker engine to watch.
type DockerHost struct {
	Name string
	// Host is unix:///..., tcp://... or ssh://...; Context names a docker CLI
	// context instead. Both "": resolved as the docker CLI does (DOCKER_HOST,
	// DOCKER_CONTEXT, config.json's currentContext, the default socket).
	Host, Context              string
	TLSCACert, TLSCert, TLSKey string
	TLSVerify                  bool
	Interval                   time.Duration
	// ReadOnly is true when this host or everything is read-only.
	ReadOnly bool
	// Protected: every non-read action on this engine needs its name typed.
	Protected bool
	// Implicit marks the default "local" engine that no config named.
	Implicit bool
	// PrometheusInstance is the fleet host (host label value) this engine
	// runs on, "" when not said.
	PrometheusInstance string
}

// ActionsConfig configures the actions runner, backups and the audit log.
type ActionsConfig struct {
	AuditLog  string
	BackupDir string
	// BackupRetention keeps the newest N backups per database; 0 keeps all.
	BackupRetention int
	// PgDumpPath and PgRestorePath are "" to search PATH.
	PgDumpPath, PgRestorePath string
	// Timeout bounds every action but backups; BackupTimeout bounds backups.
	Timeout, BackupTimeout time.Duration
}

// Built-in defaults, documented in config.example.toml.
const (
	defaultBackupRetention = 7
	defaultActionTimeout   = 60 * time.Second
	defaultBackupTimeout   = 4 * time.Hour
	defaultSourceName      = "local"
)

// Overrides are command-line flags; they win over the file.
type Overrides struct {
	Interval time.Duration // 0 when not given
	ReadOnly bool
	Redact   bool
}

// LoadConfig finds and reads the config file (--config, else
// $STACKTOP_CONFIG, else $XDG_CONFIG_HOME/stacktop/config.toml or
// ~/.config/stacktop/config.toml) and resolves it. Without a file it returns
// the built-in defaults. Problems in the file come back as a *ConfigError.
// getenv is os.Getenv outside tests.
func LoadConfig(flagPath string, ov Overrides, getenv func(string) string) (*Config, error) {
	path, explicit := configPath(flagPath, getenv)
	var fc fileConfig
	var data []byte
	if path != "" {
		var err error
		data, err = os.ReadFile(path)
		switch {
		case errors.Is(err, fs.ErrNotExist) && !explicit:
			path = ""
		case err != nil:
			return nil, &ConfigError{Problems: []string{fmt.Sprintf("%v — check --config and STACKTOP_CONFIG", err)}}
		default:
			dec := toml.NewDecoder(bytes.NewReader(data)).DisallowUnknownFields()
			if err := dec.Decode(&fc); err != nil {
				return nil, describeDecodeError(path, data, err)
			}
		}
	}
	r := resolver{file: path, getenv: getenv, keys: indexKeys(data), dir: filepath.Dir(path)}
	cfg := r.resolve(&fc, ov)
	if len(r.problems) > 0 {
		return nil, &ConfigError{Problems: r.problems}
	}
	if r.passwordInFile {
		if w := permissionWarning(path); w != "" {
			cfg.Warnings = append(cfg.Warnings, w)
		}
	}
	return cfg, nil
}

// configPath picks the file to read; explicit is true when the user named
// it, so its absence is an error rather than a reason to use defaults.
func configPath(flagPath string, getenv func(string) string) (path string, explicit bool) {
	if flagPath != "" {
		return flagPath, true
	}
	if p := getenv("STACKTOP_CONFIG"); p != "" {
		return p, true
	}
	if dir := getenv("XDG_CONFIG_HOME"); dir != "" {
		return filepath.Join(dir, "stacktop", "config.toml"), false
	}
	if home := getenv("HOME"); home != "" {
		return filepath.Join(home, ".config", "stacktop", "config.toml"), false
	}
	return "", false
}

// defaultStateDir is $XDG_STATE_HOME/stacktop, else ~/.local/state/stacktop.
func defaultStateDir(getenv func(string) string) string {
	if dir := getenv("XDG_STATE_HOME"); dir != "" {
		return filepath.Join(dir, "stacktop")
	}
	return filepath.Join(getenv("HOME"), ".local", "state", "stacktop")
}

// resolver turns a decoded file into a Config, collecting every problem
// (with its position) instead of stopping at the first.
type resolver struct {
	file     string
	dir      string
	getenv   func(string) string
	keys     keyIndex
	problems []string
	warnings []string
	// passwordInFile is set when some dsn carries a password.
	passwordInFile bool
	// socketDirs are where the implicit target looks for a local server's
	// Unix socket; nil means libpq's usual places (see defaultSocketDirs).
	socketDirs []string
}

// fail records a problem at key: where it is written, or else where its
// table is. The message must name the key.
func (r *resolver) fail(key string, format string, args ...any) {
	r.problems = append(r.problems, problem(r.file, r.keys.nearest(key), format, args...))
}

func (r *resolver) resolve(fc *fileConfig, ov Overrides) *Config {
	g := r.general(fc)
	cfg := &Config{
		File:       r.file,
		Interval:   collectors.DefaultInterval,
		ReadOnly:   ov.ReadOnly || deref(g.ReadOnly, false),
		Redact:     ov.Redact || deref(g.Redact, false),
		StateDir:   defaultStateDir(r.getenv),
		Thresholds: r.thresholds(&fc.Thresholds),

		PostgresThresholds: r.postgresThresholds(&fc.Thresholds),
	}
	if g.Interval != nil {
		cfg.Interval = g.Interval.D
	}
	if ov.Interval > 0 {
		cfg.Interval = ov.Interval
	}
	if g.StateDir != nil {
		cfg.StateDir = r.path(*g.StateDir)
	}
	cfg.Postgres = r.postgres(fc.Postgres, cfg, deref(g.DefaultPostgres, true))
	cfg.Docker = r.docker(fc.Docker, cfg, deref(g.DefaultDocker, true))
	cfg.Prometheus = r.prometheus(fc.Prometheus)
	cfg.Actions = r.actions(&fc.Actions, cfg.StateDir)
	cfg.Serve = r.serve(&fc.Serve, cfg.StateDir)
	cfg.Warnings = r.warnings
	return cfg
}

// general merges the top-level keys and [general]; a key set in both is an error.
func (r *resolver) general(fc *fileConfig) generalSection {
	g := fc.generalSection
	if fc.General == nil {
		return g
	}
	s := fc.General
	pick(r, &g.Interval, s.Interval, "interval")
	pick(r, &g.ReadOnly, s.ReadOnly, "read_only")
	pick(r, &g.Redact, s.Redact, "redact")
	pick(r, &g.StateDir, s.StateDir, "state_dir")
	pick(r, &g.DefaultPostgres, s.DefaultPostgres, "default_postgres")
	pick(r, &g.DefaultDocker, s.DefaultDocker, "default_docker")
	return g
}

func pick[T any](r *resolver, dst **T, fromSection *T, key string) {
	if fromSection == nil {
		return
	}
	if *dst != nil {
		top := r.keys.at(key)
		r.fail("general."+key, "%s is set both at the top level (line %d) and in [general] — keep one", key, top.Line)
		return
	}
	*dst = fromSection
}

func (r *resolver) thresholds(t *thresholdsSection) ui.Thresholds {
	th := ui.DefaultThresholds()
	set := func(dst *float64, v *float64, key string, limit float64) {
		if v == nil {
			return
		}
		if *v <= 0 || *v > limit {
			r.fail("thresholds."+key, "thresholds.%s = %g must be above 0 and at most %g", key, *v, limit)
			return
		}
		*dst = *v
	}
	set(&th.CPUPercent, t.CPUPercent, "cpu_percent", 100)
	set(&th.MemoryPercent, t.MemoryPercent, "memory_percent", 100)
	set(&th.FilesystemPercent, t.FilesystemPercent, "filesystem_percent", 100)
	set(&th.SwapUsedPercent, t.SwapUsedPercent, "swap_used_percent", 100)
	set(&th.LoadPerCore, t.LoadPerCore, "load_per_core", 1000)
	return th
}

// postgresThresholds reads the pg_* keys of [thresholds]; unset keys keep
// the Postgres tab's defaults.
func (r *resolver) postgresThresholds(t *thresholdsSection) uipostgres.Thresholds {
	th := uipostgres.DefaultThresholds()
	age := func(dst *time.Duration, v *Duration, key string) {
		if v == nil {
			return
		}
		if v.D <= 0 {
			r.fail("thresholds."+key, "thresholds.%s = %q must be a positive duration such as \"30s\"", key, v.D)
			return
		}
		*dst = v.D
	}
	age(&th.LongQueryWarn, t.PgLongQueryWarn, "pg_long_query_warn")
	age(&th.LongQueryCrit, t.PgLongQueryCrit, "pg_long_query_crit")
	age(&th.IdleInTransaction, t.PgIdleInTransaction, "pg_idle_in_transaction")
	age(&th.ReplicationLag, t.PgReplicationLag, "pg_replication_lag")
	if v := t.PgConnectionsPercent; v != nil {
		if *v <= 0 || *v > 100 {
			r.fail("thresholds.pg_connections_percent", "thresholds.pg_connections_percent = %g must be above 0 and at most 100", *v)
		} else {
			th.ConnectionsPercent = *v
		}
	}
	if th.LongQueryCrit < th.LongQueryWarn {
		// Point at the key written: with the other left to its default,
		// that is the one to change.
		key := "thresholds.pg_long_query_crit"
		if t.PgLongQueryCrit == nil {
			key = "thresholds.pg_long_query_warn"
		}
		r.fail(key, "thresholds.pg_long_query_crit (%v) is below pg_long_query_warn (%v) — the critical mark must come later", th.LongQueryCrit, th.LongQueryWarn)
	}
	return th
}

func (r *resolver) actions(a *actionsSection, stateDir string) ActionsConfig {
	out := ActionsConfig{
		AuditLog:        filepath.Join(stateDir, actions.AuditFileName),
		BackupDir:       filepath.Join(stateDir, "backups"),
		BackupRetention: deref(a.BackupRetention, defaultBackupRetention),
		PgDumpPath:      r.path(a.PgDumpPath),
		PgRestorePath:   r.path(a.PgRestorePath),
		Timeout:         deref(a.Timeout, Duration{defaultActionTimeout}).D,
		BackupTimeout:   deref(a.BackupTimeout, Duration{defaultBackupTimeout}).D,
	}
	if a.AuditLog != "" {
		out.AuditLog = r.path(a.AuditLog)
	}
	if a.BackupDir != "" {
		out.BackupDir = r.path(a.BackupDir)
	}
	if out.BackupRetention < 0 {
		r.fail("actions.backup_retention", "actions.backup_retention = %d must be 0 (keep all) or more", out.BackupRetention)
	}
	return out
}

// path expands a leading "~/" and makes a relative path relative to the
// config file's directory, so the file means the same from any working directory.
func (r *resolver) path(p string) string {
	switch {
	case p == "":
		return ""
	case p == "~" || strings.HasPrefix(p, "~/"):
		return filepath.Join(r.getenv("HOME"), p[1:])
	case filepath.IsAbs(p) || r.file == "":
		return p
	}
	return filepath.Join(r.dir, p)
}

// nameRE is what a source name may contain: it appears in targets such as
// pg:main on the command line and in the audit log.
var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// sourceName validates or defaults the name of entry i of an array of tables.
func (r *resolver) sourceName(kind string, i, count int, name string, seen map[string]bool) string {
	at := fmt.Sprintf("%s.%d", kind, i)
	switch {
	case name == "" && count == 1:
		name = defaultSourceName
	case name == "":
		r.fail(at, "[[%s]] entry %d has no name — add name = \"...\" (names tell several entries apart)", kind, i+1)
		return ""
	case !nameRE.MatchString(name):
		r.fail(at+".name", "%s name %q — use letters, digits, '.', '_' or '-'", kind, name)
		return name
	}
	if seen[name] {
		r.fail(at+".name", "%s name %q is used twice — names must be unique", kind, name)
	}
	seen[name] = true
	return name
}

func (r *resolver) docker(secs []dockerSection, cfg *Config, addDefault bool) []DockerHost {
	if len(secs) == 0 {
		if !addDefault {
			return nil
		}
		return []DockerHost{{Name: defaultSourceName, Interval: cfg.Interval, ReadOnly: cfg.ReadOnly, Implicit: true}}
	}
	seen := map[string]bool{}
	out := make([]DockerHost, 0, len(secs))
	for i, s := range secs {
		if err := checkDockerHost(s.Host); err != nil {
			r.fail(fmt.Sprintf("docker.%d.host", i), "docker.host: %v", err)
		}
		if s.Host != "" && s.Context != "" {
			r.fail(fmt.Sprintf("docker.%d.context", i), "docker.context: host and context are both set — keep one (a context names its own host)")
		}
		switch {
		case s.TLSCert != "" && s.TLSKey == "":
			r.fail(fmt.Sprintf("docker.%d.tls_cert", i), "docker.tls_cert is set without docker.tls_key — TLS needs both the certificate and its key: set tls_key, or neither")
		case s.TLSKey != "" && s.TLSCert == "":
			r.fail(fmt.Sprintf("docker.%d.tls_key", i), "docker.tls_key is set without docker.tls_cert — TLS needs both the certificate and its key: set tls_cert, or neither")
		}
		out = append(out, DockerHost{
			Name:      r.sourceName("docker", i, len(secs), s.Name, seen),
			Host:      s.Host,
			Context:   s.Context,
			TLSCACert: r.path(s.TLSCACert),
			TLSCert:   r.path(s.TLSCert),
			TLSKey:    r.path(s.TLSKey),
			TLSVerify: s.TLSVerify,
			Interval:  intervalOr(s.Interval, cfg.Interval),
			ReadOnly:  cfg.ReadOnly || s.ReadOnly,
			Protected: s.Protected,

			PrometheusInstance: s.PrometheusInstance,
		})
	}
	return out
}

func intervalOr(iv *Interval, def time.Duration) time.Duration {
	if iv == nil {
		return def
	}
	return iv.D
}

func deref[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}

// permissionWarning warns when a file holding a password is readable by
// group or others; "" when the mode is safe.
func permissionWarning(path string) string {
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm()&0o077 == 0 {
		return ""
	}
	return fmt.Sprintf("warning: %s holds a password and is readable by group or others (mode %04o) — run chmod 600 %s, or move the password to ~/.pgpass or password_env",
		path, st.Mode().Perm(), path)
}
