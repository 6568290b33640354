package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/stacktop/stacktop/collectors"
)

// fileConfig mirrors config.toml. It is decoded strictly (unknown keys are
// errors) and then resolved into Config; nothing outside config*.go sees it.
// Pointers tell "not set" from "set to the zero value" where a default or an
// inherited value applies.
type fileConfig struct {
	// The [general] keys may also be written at the top level, before any table.
	generalSection
	General    *generalSection     `toml:"general"`
	Thresholds thresholdsSection   `toml:"thresholds"`
	Postgres   []postgresSection   `toml:"postgres"`
	Docker     []dockerSection     `toml:"docker"`
	Prometheus []prometheusSection `toml:"prometheus"`
	Actions    actionsSection      `toml:"actions"`
	Serve      serveSection        `toml:"serve"`
}

type generalSection struct {
	Interval        *Interval `toml:"interval"`
	ReadOnly        *bool     `toml:"read_only"`
	Redact          *bool     `toml:"redact"`
	StateDir        *string   `toml:"state_dir"`
	DefaultPostgres *bool     `toml:"default_postgres"`
	DefaultDocker   *bool     `toml:"default_docker"`
}

type thresholdsSection struct {
	CPUPercent        *float64 `toml:"cpu_percent"`
	MemoryPercent     *float64 `toml:"memory_percent"`
	FilesystemPercent *float64 `toml:"filesystem_percent"`
	SwapUsedPercent   *float64 `toml:"swap_used_percent"`
	LoadPerCore       *float64 `toml:"load_per_core"`

	PgLongQueryWarn      *Duration `toml:"pg_long_query_warn"`
	PgLongQueryCrit      *Duration `toml:"pg_long_query_crit"`
	PgIdleInTransaction  *Duration `toml:"pg_idle_in_transaction"`
	PgConnectionsPercent *float64  `toml:"pg_connections_percent"`
	PgReplicationLag     *Duration `toml:"pg_replication_lag"`
}

type postgresSection struct {
	Name        string    `toml:"name"`
	DSN         string    `toml:"dsn"`
	Host        string    `toml:"host"`
	Port        uint16    `toml:"port"`
	User        string    `toml:"user"`
	DBName      string    `toml:"dbname"`
	SSLMode     string    `toml:"sslmode"`
	PasswordEnv string    `toml:"password_env"`
	Interval    *Interval `toml:"interval"`
	ReadOnly    bool      `toml:"read_only"`
	Protected   bool      `toml:"protected"`
	// PrometheusInstance ties this target to a fleet host (its host label's value).
	PrometheusInstance string `toml:"prometheus_instance"`
}

type dockerSection struct {
	Name      string    `toml:"name"`
	Host      string    `toml:"host"`
	Context   string    `toml:"context"`
	TLSCACert string    `toml:"tls_ca_cert"`
	TLSCert   string    `toml:"tls_cert"`
	TLSKey    string    `toml:"tls_key"`
	TLSVerify bool      `toml:"tls_verify"`
	Interval  *Interval `toml:"interval"`
	ReadOnly  bool      `toml:"read_only"`
	Protected bool      `toml:"protected"`
	// PrometheusInstance ties this engine to a fleet host (its host label's value).
	PrometheusInstance string `toml:"prometheus_instance"`
}

type prometheusSection struct {
	Name                  string            `toml:"name"`
	URL                   string            `toml:"url"`
	BearerTokenFile       string            `toml:"bearer_token_file"`
	Username              string            `toml:"username"`
	PasswordEnv           string            `toml:"password_env"`
	TLSCACert             string            `toml:"tls_ca_cert"`
	TLSInsecureSkipVerify bool              `toml:"tls_insecure_skip_verify"`
	Timeout               *Duration         `toml:"timeout"`
	Interval              *Duration         `toml:"interval"`
	Headers               map[string]string `toml:"headers"`
	NodeJob               string            `toml:"node_job"`
	PostgresJob           string            `toml:"postgres_job"`
	CAdvisorJob           string            `toml:"cadvisor_job"`
	HostLabel             string            `toml:"host_label"`
}

type actionsSection struct {
	AuditLog        string    `toml:"audit_log"`
	BackupDir       string    `toml:"backup_dir"`
	BackupRetention *int      `toml:"backup_retention"`
	PgDumpPath      string    `toml:"pg_dump_path"`
	PgRestorePath   string    `toml:"pg_restore_path"`
	Timeout         *Duration `toml:"timeout"`
	BackupTimeout   *Duration `toml:"backup_timeout"`
}

// Duration is a TOML duration written as a Go duration string: "2s",
// "500ms", "1m30s". It is a struct, not an integer type, so that go-toml
// hands a bare number to UnmarshalText (which refuses it: its unit would be
// a guess) instead of storing it as nanoseconds.
type Duration struct{ D time.Duration }

// UnmarshalText parses a duration string.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := parseDuration(string(b))
	if err != nil {
		return err
	}
	d.D = v
	return nil
}

func parseDuration(s string) (time.Duration, error) {
	v, err := time.ParseDuration(s)
	if err != nil {
		return 0, &durationError{text: s}
	}
	if v <= 0 {
		return 0, &durationError{text: s, notPositive: true}
	}
	return v, nil
}

// durationError is a malformed or non-positive duration. go-toml reports
// it without a position when the value was a bare number (30, or 0), so
// the loader finds the key itself (see locateBareDuration).
type durationError struct {
	text        string
	notPositive bool
}

func (e *durationError) Error() string {
	if e.notPositive {
		return fmt.Sprintf("duration %q must be positive", e.text)
	}
	return fmt.Sprintf("bad duration %q — write a string with a unit, like \"2s\", \"500ms\" or \"1m\"", e.text)
}

// Interval is a polling interval: a Duration no shorter than collectors.MinInterval.
// A shorter value is an error rather than silently raised, so what the user
// reads in the file is what stacktop does.
type Interval struct{ D time.Duration }

// UnmarshalText parses the interval and enforces the floor.
func (iv *Interval) UnmarshalText(b []byte) error {
	v, err := parseInterval(string(b))
	if err != nil {
		return err
	}
	iv.D = v
	return nil
}

func parseInterval(s string) (time.Duration, error) {
	v, err := parseDuration(s)
	if err != nil {
		return 0, err
	}
	if v < collectors.MinInterval {
		return 0, fmt.Errorf("interval %s is below the %s floor — polling faster costs the watched system more than it shows you",
			v, collectors.MinInterval)
	}
	return v, nil
}

// checkSSLMode accepts only the sslmode values libpq (and lib/pq) know.
// (A named string type cannot validate itself: go-toml stores strings
// without calling UnmarshalText.)
func checkSSLMode(s string) error {
	switch s {
	case "", "disable", "allow", "prefer", "require", "verify-ca", "verify-full":
		return nil
	}
	return fmt.Errorf("sslmode %q is not one of disable, allow, prefer, require, verify-ca, verify-full", s)
}

// checkDockerHost accepts the address schemes stacktop can reach: a unix
// socket, tcp:// and ssh:// (through the system ssh client).
func checkDockerHost(s string) error {
	switch {
	case s == "", strings.HasPrefix(s, "unix:///"),
		strings.HasPrefix(s, "tcp://") && len(s) > len("tcp://"),
		strings.HasPrefix(s, "ssh://") && len(s) > len("ssh://"):
		return nil
	}
	return fmt.Errorf("docker host %q must look like unix:///var/run/docker.sock, tcp://host:2376 or ssh://user@host", s)
}
