package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/lib/pq"

	"github.com/stacktop/stacktop/ui/redact"
)

// postgres resolves the [[postgres]] entries, or the implicit "local" target.
func (r *resolver) postgres(secs []postgresSection, cfg *Config, addDefault bool) []PostgresTarget {
	if len(secs) == 0 {
		if !addDefault {
			return nil
		}
		// libpq defaults and PG* variables, read by lib/pq itself; only the
		// sslmode default (lib/pq: require, libpq: prefer) and the default
		// host (lib/pq: TCP localhost, libpq: the Unix socket) differ.
		dsn := r.withSSLDefault(r.localSocketDSN())
		return []PostgresTarget{{Name: defaultSourceName, DSN: dsn, Interval: cfg.Interval, ReadOnly: cfg.ReadOnly, Implicit: true}}
	}
	seen := map[string]bool{}
	out := make([]PostgresTarget, 0, len(secs))
	for i, s := range secs {
		name := r.sourceName("postgres", i, len(secs), s.Name, seen)
		out = append(out, PostgresTarget{
			Name:      name,
			DSN:       r.postgresDSN(i, name, &s),
			Interval:  intervalOr(s.Interval, cfg.Interval),
			ReadOnly:  cfg.ReadOnly || s.ReadOnly,
			Protected: s.Protected,

			PrometheusInstance: s.PrometheusInstance,
		})
	}
	return out
}

// postgresDSN builds the connection string from dsn or the discrete keys,
// adds sslmode=prefer unless something chose a mode, and the password named
// by password_env.
func (r *resolver) postgresDSN(i int, name string, s *postgresSection) string {
	at := fmt.Sprintf("postgres.%d.", i)
	if err := checkSSLMode(s.SSLMode); err != nil {
		r.fail(at+"sslmode", "postgres.sslmode: %v", err)
		return ""
	}
	dsn := s.DSN
	if dsn != "" {
		conflicts := []struct {
			key string
			set bool
		}{{"host", s.Host != ""}, {"port", s.Port != 0}, {"user", s.User != ""}, {"dbname", s.DBName != ""}, {"sslmode", s.SSLMode != ""}}
		for _, c := range conflicts {
			if c.set {
				r.fail(at+c.key, "postgres %q: set either dsn or %s, not both", name, c.key)
			}
		}
		if redact.DSNHasPassword(dsn) {
			r.passwordInFile = true
		}
	} else {
		dsn = discreteDSN(s)
	}
	if _, err := pq.NewConfig(dsn); err != nil {
		r.fail(at+"dsn", "postgres %q: dsn: %s", name, scrubDSN(err.Error(), dsn))
		return ""
	}
	dsn = r.withSSLDefault(dsn)
	if s.PasswordEnv == "" {
		return dsn
	}
	pw := r.getenv(s.PasswordEnv)
	switch {
	case pw == "":
		r.warnings = append(r.warnings, fmt.Sprintf("warning: postgres %q: password_env %s is not set — connecting without that password", name, s.PasswordEnv))
	case redact.DSNHasPassword(dsn):
		r.fail(at+"password_env", "postgres %q: dsn already holds a password — remove it or password_env", name)
	default:
		withPW, err := dsnWithParam(dsn, "password", pw)
		if err != nil {
			r.fail(at+"password_env", "postgres %q: password_env: %v", name, err)
		}
		dsn = withPW
	}
	return dsn
}

// discreteDSN writes host/port/user/dbname/sslmode as a key=value string;
// unset keys are left to lib/pq's defaults and PG* variables.
func discreteDSN(s *postgresSection) string {
	var parts []string
	add := func(k, v string) {
		if v != "" {
			parts = append(parts, k+"="+quoteConninfo(v))
		}
	}
	add("host", s.Host)
	if s.Port != 0 {
		add("port", strconv.Itoa(int(s.Port)))
	}
	add("user", s.User)
	add("dbname", s.DBName)
	add("sslmode", s.SSLMode)
	return strings.Join(parts, " ")
}

// defaultSocketDirs are where libpq builds look for the server's socket:
// Debian's and most distributions' directory first, then upstream's default.
func defaultSocketDirs() []string { return []string{"/var/run/postgresql", "/tmp"} }

// localSocketDSN points the implicit target at a local server's Unix socket
// when PGHOST names no host and such a socket exists, as psql would connect:
// on a typical install only the socket allows peer authentication.
func (r *resolver) localSocketDSN() string {
	if r.getenv("PGHOST") != "" || r.getenv("PGHOSTADDR") != "" {
		return ""
	}
	port := r.getenv("PGPORT")
	if port == "" {
		port = "5432"
	}
	dirs := r.socketDirs
	if dirs == nil {
		dirs = defaultSocketDirs()
	}
	for _, dir := range dirs {
		fi, err := os.Stat(filepath.Join(dir, ".s.PGSQL."+port))
		if err == nil && fi.Mode()&os.ModeSocket != 0 {
			return "host=" + quoteConninfo(dir)
		}
	}
	return ""
}

// withSSLDefault adds sslmode=prefer when neither the DSN nor PGSSLMODE chose a mode.
func (r *resolver) withSSLDefault(dsn string) string {
	if r.getenv("PGSSLMODE") != "" {
		return dsn
	}
	if c, err := pq.NewConfig(dsn); err == nil && c.SSLMode != "" {
		return dsn
	}
	out, err := dsnWithParam(dsn, "sslmode", "prefer")
	if err != nil {
		return dsn
	}
	return out
}

// scrubDSN removes dsn and its password from an error message (URL parse
// errors quote the whole URL).
func scrubDSN(msg, dsn string) string {
	if dsn == "" {
		return msg
	}
	return strings.ReplaceAll(msg, dsn, redact.DSN(dsn))
}
