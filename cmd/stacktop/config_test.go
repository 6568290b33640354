package main

import (
	"errors"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lib/pq"

	"github.com/stacktop/stacktop/ui"
	uipostgres "github.com/stacktop/stacktop/ui/postgres"
	"github.com/stacktop/stacktop/ui/redact"
)

// testEnv is a getenv over a fixed map, so tests never see the real environment.
func testEnv(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func loadString(t *testing.T, body string, vars map[string]string) (*Config, string, error) {
	t.Helper()
	path := writeConfig(t, body)
	if vars == nil {
		vars = map[string]string{}
	}
	if vars["HOME"] == "" {
		vars["HOME"] = t.TempDir()
	}
	cfg, err := LoadConfig(path, Overrides{}, testEnv(vars))
	return cfg, path, err
}

// TestConfigErrorsNameLineColumnAndKey covers every problem the loader
// reports about a file's content: each names its place (file:line:col) and
// the key to change.
func TestConfigErrorsNameLineColumnAndKey(t *testing.T) {
	cases := []struct {
		name, body string
		want       []string // each "LINE:COL: message" after the path
		key        string   // the key each message must name
	}{
		{"unknown key with suggestion", "[[postgres]]\nname = \"a\"\nhots = \"x\"\n",
			[]string{`3:1: unknown key postgres.hots — did you mean host?`}, "hots"},
		{"several unknown keys, one line each", "intervall = \"2s\"\n[thresholds]\n  cpu_percnt = 80.0\n",
			[]string{`1:1: unknown key intervall — did you mean interval?`, `3:3: unknown key thresholds.cpu_percnt — did you mean cpu_percent?`}, ""},
		{"unknown section", "[postgress]\nhost = \"x\"\n",
			[]string{`1:2: unknown section [postgress] — did you mean postgres?`}, "postgress"},
		{"password key", "[[postgres]]\npassword = \"hunter2\"\n",
			[]string{`2:1: unknown key postgres.password — passwords do not go in the config file`}, "password"},
		{"wrong type", "[general]\nread_only = \"yes\"\n",
			[]string{`2:13: general.read_only: wrong type — expected true or false, got a string`}, "read_only"},
		{"wrong type for a table", "postgres = 3\n",
			[]string{`1:12: postgres: wrong type — expected [[tables]] of settings, got a integer`}, "postgres"},
		{"table twice", "[general]\ninterval = \"2s\"\n[general]\n",
			[]string{`3:2: general: table general already exists`}, "general"},
		{"number out of range", "[[postgres]]\nport = 70000\n",
			[]string{`2:8: postgres.port: integer value 70000 cannot be stored`}, "port"},
		{"bad duration", "[general]\ninterval = \"2x\"\n",
			[]string{`2:12: general.interval: bad duration "2x" — write a string with a unit`}, "interval"},
		{"duration without unit", "[actions]\ntimeout = 30\n",
			[]string{`2:1: actions.timeout: bad duration "30" — write a string with a unit`}, "timeout"},
		{"threshold duration without unit", "[thresholds]\npg_long_query_warn = 30\n",
			[]string{`2:1: thresholds.pg_long_query_warn: bad duration "30" — write a string with a unit`}, "pg_long_query_warn"},
		{"zero duration as a bare number", "[actions]\nbackup_timeout = 0\n",
			[]string{`2:1: actions.backup_timeout: duration "0" must be positive`}, "backup_timeout"},
		{"negative duration", "[actions]\ntimeout = \"-1s\"\n",
			[]string{`2:11: actions.timeout: duration "-1s" must be positive`}, "timeout"},
		{"interval below the floor", "[[docker]]\ninterval = \"100ms\"\n",
			[]string{`2:12: docker.interval: interval 100ms is below the 250ms floor`}, "interval"},
		{"syntax error", "[general]\ninterval = \n",
			[]string{`2:12: syntax error: `}, ""},
		{"bad sslmode", "[[postgres]]\nsslmode = \"maybe\"\n",
			[]string{`2:1: postgres.sslmode: sslmode "maybe" is not one of disable, allow, prefer`}, "sslmode"},
		{"bad docker host", "[[docker]]\nhost = \"/var/run/docker.sock\"\n",
			[]string{`2:1: docker.host: docker host "/var/run/docker.sock" must look like unix:///`}, "host"},
		{"host and context", "[[docker]]\nhost = \"tcp://d:2376\"\ncontext = \"remote\"\n",
			[]string{`3:1: docker.context: host and context are both set`}, "context"},
		{"tls_key without tls_cert", "[[docker]]\nhost = \"tcp://d:2376\"\ntls_key = \"key.pem\"\n",
			[]string{`3:1: docker.tls_key is set without docker.tls_cert`}, "tls_cert"},
		{"tls_cert without tls_key", "[[docker]]\nhost = \"tcp://d:2376\"\ntls_cert = \"cert.pem\"\n",
			[]string{`3:1: docker.tls_cert is set without docker.tls_key`}, "tls_key"},
		{"dsn and host", "[[postgres]]\ndsn = \"host=a\"\nhost = \"b\"\n",
			[]string{`3:1: postgres "local": set either dsn or host, not both`}, "host"},
		{"dsn with a password and password_env", "[[postgres]]\ndsn = \"postgres://u:pw@h/db\"\npassword_env = \"PW\"\n",
			[]string{`3:1: postgres "local": dsn already holds a password — remove it or password_env`}, "password_env"},
		{"duplicate names", "[[postgres]]\nname = \"a\"\n[[postgres]]\nname = \"a\"\n",
			[]string{`4:1: postgres name "a" is used twice`}, "name"},
		{"unnamed among several", "[[docker]]\nname = \"a\"\n[[docker]]\nhost = \"tcp://b:2375\"\n",
			[]string{`3:3: [[docker]] entry 2 has no name`}, "name"},
		{"bad name", "[[postgres]]\nname = \"my db\"\n",
			[]string{`2:1: postgres name "my db" — use letters, digits`}, "name"},
		{"both top level and general", "interval = \"2s\"\n[general]\ninterval = \"3s\"\n",
			[]string{`3:1: interval is set both at the top level (line 1) and in [general]`}, "interval"},
		{"threshold out of range", "[thresholds]\ncpu_percent = 150.0\n",
			[]string{`2:1: thresholds.cpu_percent = 150 must be above 0 and at most 100`}, "cpu_percent"},
		{"postgres thresholds: bad duration, range, order", "[thresholds]\npg_long_query_warn = \"10m\"\npg_long_query_crit = \"1m\"\npg_connections_percent = 0.0\n",
			[]string{`4:1: thresholds.pg_connections_percent = 0 must be above 0 and at most 100`,
				`3:1: thresholds.pg_long_query_crit (1m0s) is below pg_long_query_warn (10m0s) — the critical mark must come later`}, ""},
		{"warn above the default crit", "[thresholds]\npg_long_query_warn = \"1h\"\n",
			[]string{`2:1: thresholds.pg_long_query_crit (5m0s) is below pg_long_query_warn (1h0m0s)`}, "pg_long_query_warn"},
		{"backup retention below zero", "[actions]\nbackup_retention = -1\n",
			[]string{`2:1: actions.backup_retention = -1 must be 0 (keep all) or more`}, "backup_retention"},
		{"bad dsn", "[[postgres]]\ndsn = \"host=a port\"\n",
			[]string{`2:1: postgres "local": dsn: `}, "dsn"},
		{"serve user role", "[[serve.users]]\nname = \"a\"\nrole = \"admin\"\nkeys = [\"" + testKeyLine + "\"]\n",
			[]string{`3:1: serve.users.role "admin" — use "viewer" (watch only) or "operator" (may act)`}, "role"},
		{"serve user key line", "[[serve.users]]\nname = \"a\"\nrole = \"viewer\"\nkeys = [\"ssh-ed25519 nope\"]\n",
			[]string{`4:1: serve.users.keys: line 1 of "a" is not an authorized_keys line`}, "keys"},
		{"serve user without key", "[[serve.users]]\nname = \"a\"\nrole = \"viewer\"\n",
			[]string{`2:1: serve.users.name "a" has no key — add keys or authorized_keys_file`}, "name"},
		{"serve user twice", "[[serve.users]]\nname = \"a\"\nrole = \"viewer\"\nkeys = [\"" + testKeyLine + "\"]\n[[serve.users]]\nname = \"a\"\nrole = \"viewer\"\nkeys = [\"" + testKeyLine + "\"]\n",
			[]string{`6:1: serve.users.name "a" is used twice — names must be unique`}, "name"},
	}
	// Every message begins file:line:col.
	placed := regexp.MustCompile(`^[^:]+:\d+:\d+: `)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, path, err := loadString(t, tc.body, map[string]string{"PW": "x"})
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("want a *ConfigError, got %v", err)
			}
			if len(ce.Problems) != len(tc.want) {
				t.Fatalf("want %d problems, got %q", len(tc.want), ce.Problems)
			}
			for i, want := range tc.want {
				p := ce.Problems[i]
				if !strings.HasPrefix(p, path+":"+want) {
					t.Errorf("problem %d:\n got  %s\n want %s:%s...", i, p, path, want)
				}
				if !placed.MatchString(p) {
					t.Errorf("problem %d has no file:line:col: %s", i, p)
				}
				if tc.key != "" && !strings.Contains(strings.TrimPrefix(p, path), tc.key) {
					t.Errorf("problem %d does not name the key %s: %s", i, tc.key, p)
				}
				if strings.Contains(p, "\n") {
					t.Errorf("problem %d spans several lines: %q", i, p)
				}
			}
		})
	}
}

func TestBadDSNErrorNeverShowsThePassword(t *testing.T) {
	_, _, err := loadString(t, "[[postgres]]\ndsn = \"postgres://u:hunter2@host:notaport/db\"\n", nil)
	if err == nil {
		t.Fatal("want an error for a URL with a bad port")
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("error shows the password: %v", err)
	}
}

// defaultsEnv is an environment with a home directory and PGHOST, which
// keeps the implicit target's socket discovery (tested on its own below) from
// depending on whether this machine runs PostgreSQL.
func defaultsEnv(t *testing.T) map[string]string {
	return map[string]string{"HOME": t.TempDir(), "PGHOST": "localhost"}
}

func TestImplicitTargetUsesLocalSocketLikeLibpq(t *testing.T) {
	dir, err := os.MkdirTemp("", "pgsock") // short: socket paths are limited to ~108 bytes
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	missing := t.TempDir()

	r := resolver{getenv: testEnv(map[string]string{}), socketDirs: []string{missing, dir}}
	if got := r.localSocketDSN(); got != "" {
		t.Fatalf("no socket anywhere: got %q, want lib/pq's own default (empty)", got)
	}
	l, err := net.Listen("unix", filepath.Join(dir, ".s.PGSQL.5432"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if got, want := r.localSocketDSN(), "host='"+dir+"'"; got != want {
		t.Fatalf("socket in %s: got %q, want %q", dir, got, want)
	}
	r.getenv = testEnv(map[string]string{"PGPORT": "6543"})
	if got := r.localSocketDSN(); got != "" {
		t.Fatalf("PGPORT=6543 has no socket: got %q", got)
	}
	r.getenv = testEnv(map[string]string{"PGHOST": "db.internal"})
	if got := r.localSocketDSN(); got != "" {
		t.Fatalf("PGHOST chooses the host: got %q", got)
	}
	plain := filepath.Join(missing, ".s.PGSQL.5432")
	if err := os.WriteFile(plain, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	r = resolver{getenv: testEnv(map[string]string{}), socketDirs: []string{missing}}
	if got := r.localSocketDSN(); got != "" {
		t.Fatalf("a plain file is not a socket: got %q", got)
	}
}

func TestDefaultsWithoutAFile(t *testing.T) {
	vars := defaultsEnv(t)
	cfg, err := LoadConfig("", Overrides{}, testEnv(vars))
	if err != nil {
		t.Fatal(err)
	}
	home := vars["HOME"]
	want := &Config{
		Interval:   2 * time.Second,
		StateDir:   filepath.Join(home, ".local/state/stacktop"),
		Thresholds: ui.Thresholds{CPUPercent: 90, MemoryPercent: 90, FilesystemPercent: 90, SwapUsedPercent: 1, LoadPerCore: 2},

		PostgresThresholds: uipostgres.DefaultThresholds(),
		Postgres:           []PostgresTarget{{Name: "local", DSN: "sslmode='prefer'", Interval: 2 * time.Second, Implicit: true}},
		Docker:             []DockerHost{{Name: "local", Interval: 2 * time.Second, Implicit: true}},
		Actions: ActionsConfig{
			AuditLog: filepath.Join(home, ".local/state/stacktop/audit.log"), BackupDir: filepath.Join(home, ".local/state/stacktop/backups"),
			BackupRetention: 7, Timeout: time.Minute, BackupTimeout: 4 * time.Hour,
		},
		Serve: ServeConfig{Listen: "127.0.0.1:2222", HostKey: filepath.Join(home, ".local/state/stacktop/serve_host_ed25519"),
			MaxSessions: 32, IdleTimeout: 30 * time.Minute},
	}
	if !reflect.DeepEqual(cfg, want) {
		t.Fatalf("defaults:\n got  %+v\n want %+v", cfg, want)
	}
}

func TestDefaultsFollowEnvironment(t *testing.T) {
	vars := defaultsEnv(t)
	vars["XDG_STATE_HOME"] = "/xdg/state"
	vars["PGSSLMODE"] = "disable" // lib/pq reads it itself: stacktop must not override it
	cfg, err := LoadConfig("", Overrides{Interval: 5 * time.Second, ReadOnly: true}, testEnv(vars))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.StateDir != "/xdg/state/stacktop" || cfg.Actions.AuditLog != "/xdg/state/stacktop/audit.log" {
		t.Errorf("state dir %q, audit log %q: want them under XDG_STATE_HOME", cfg.StateDir, cfg.Actions.AuditLog)
	}
	if cfg.Postgres[0].DSN != "" {
		t.Errorf("with PGSSLMODE set the implicit DSN should be empty, got %q", cfg.Postgres[0].DSN)
	}
	if cfg.Interval != 5*time.Second || cfg.Postgres[0].Interval != 5*time.Second || cfg.Docker[0].Interval != 5*time.Second {
		t.Errorf("--interval should reach every source: %v %v %v", cfg.Interval, cfg.Postgres[0].Interval, cfg.Docker[0].Interval)
	}
	if !cfg.ReadOnly || !cfg.Postgres[0].ReadOnly || !cfg.Docker[0].ReadOnly {
		t.Error("--read-only should make every source read-only")
	}
}

func TestConfigFileLookup(t *testing.T) {
	home := t.TempDir()
	xdg := t.TempDir()
	xdgFile := filepath.Join(xdg, "stacktop", "config.toml")
	homeFile := filepath.Join(home, ".config", "stacktop", "config.toml")
	for _, p := range []string{xdgFile, homeFile} {
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("interval = \"3s\"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	envFile := writeConfig(t, "interval = \"4s\"\n")
	flagFile := writeConfig(t, "interval = \"5s\"\n")

	cases := []struct {
		name     string
		flag     string
		vars     map[string]string
		wantFile string
	}{
		{"--config beats everything", flagFile, map[string]string{"HOME": home, "STACKTOP_CONFIG": envFile, "XDG_CONFIG_HOME": xdg}, flagFile},
		{"STACKTOP_CONFIG beats XDG", "", map[string]string{"HOME": home, "STACKTOP_CONFIG": envFile, "XDG_CONFIG_HOME": xdg}, envFile},
		{"XDG_CONFIG_HOME beats ~/.config", "", map[string]string{"HOME": home, "XDG_CONFIG_HOME": xdg}, xdgFile},
		{"~/.config", "", map[string]string{"HOME": home}, homeFile},
		{"no file: defaults", "", map[string]string{"HOME": t.TempDir()}, ""},
		{"missing XDG file: defaults", "", map[string]string{"HOME": t.TempDir(), "XDG_CONFIG_HOME": t.TempDir()}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := LoadConfig(tc.flag, Overrides{}, testEnv(tc.vars))
			if err != nil {
				t.Fatal(err)
			}
			if cfg.File != tc.wantFile {
				t.Errorf("read %q, want %q", cfg.File, tc.wantFile)
			}
		})
	}
	for _, tc := range []struct {
		name string
		flag string
		vars map[string]string
	}{
		{"missing --config file", filepath.Join(home, "nope.toml"), map[string]string{"HOME": home}},
		{"missing STACKTOP_CONFIG file", "", map[string]string{"HOME": home, "STACKTOP_CONFIG": filepath.Join(home, "nope.toml")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadConfig(tc.flag, Overrides{}, testEnv(tc.vars))
			if err == nil || !strings.Contains(err.Error(), "nope.toml") {
				t.Fatalf("a named file that does not exist must be an error naming it, got %v", err)
			}
		})
	}
}

func TestExampleConfigIsTheDefaults(t *testing.T) {
	vars := defaultsEnv(t)
	vars["HOME"] = "/home/u" // the example's commented paths assume ~
	fromFile, err := LoadConfig("../../config.example.toml", Overrides{}, testEnv(vars))
	if err != nil {
		t.Fatal(err)
	}
	builtIn, err := LoadConfig("", Overrides{}, testEnv(vars))
	if err != nil {
		t.Fatal(err)
	}
	fromFile.File = ""
	if !reflect.DeepEqual(fromFile, builtIn) {
		t.Fatalf("config.example.toml differs from the built-in defaults:\n file     %+v\n built-in %+v", fromFile, builtIn)
	}
}

// uncommentSettings turns "#key = value" and "#[[table]]" lines into
// settings; "# explanation" lines stay comments.
func uncommentSettings(s string) string {
	return regexp.MustCompile(`(?m)^#(\[|[a-z_]+ = )`).ReplaceAllString(s, "$1")
}

func TestExampleConfigEveryKeyLoads(t *testing.T) {
	raw, err := os.ReadFile("../../config.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"HOME": "/home/u", "STACKTOP_REPLICA_PASSWORD": "s3cret"}
	cfg, _, err := loadString(t, uncommentSettings(string(raw)), vars)
	if err != nil {
		t.Fatalf("the example with every setting uncommented does not load:\n%v", err)
	}
	if len(cfg.Postgres) != 2 || len(cfg.Docker) != 3 || cfg.Docker[2].Context != "prod" {
		t.Fatalf("want 2 postgres and 3 docker entries (the third by context), got %+v %+v", cfg.Postgres, cfg.Docker)
	}
	replica := cfg.Postgres[1]
	pc, err := pq.NewConfig(replica.DSN)
	if err != nil {
		t.Fatal(err)
	}
	if pc.Host != "127.0.0.1" || pc.Port != 5432 || pc.User != "monitor" || pc.Database != "postgres" || pc.SSLMode != "prefer" || pc.Password != "s3cret" {
		t.Errorf("replica DSN resolves to %+v", pc)
	}
	if !replica.ReadOnly || replica.Interval != 5*time.Second {
		t.Errorf("replica read_only/interval not applied: %+v", replica)
	}
	if got := redact.DSN(replica.DSN); strings.Contains(got, "s3cret") {
		t.Errorf("masked DSN shows the password: %s", got)
	}
	if cfg.Docker[1].TLSCACert != "/home/u/.docker/ca.pem" || !cfg.Docker[1].TLSVerify || cfg.Docker[1].Host != "tcp://build.internal:2376" {
		t.Errorf("docker TLS settings not applied: %+v", cfg.Docker[1])
	}
	if cfg.Docker[0].Protected || !cfg.Docker[1].Protected || cfg.Postgres[0].Protected {
		t.Errorf("protected: docker %v %v, postgres %v; want only build-box", cfg.Docker[0].Protected, cfg.Docker[1].Protected, cfg.Postgres[0].Protected)
	}
	if cfg.Actions.AuditLog != "/home/u/.local/state/stacktop/audit.log" {
		t.Errorf("audit log %q", cfg.Actions.AuditLog)
	}
	// Every key the loader accepts is documented in the example.
	for _, key := range allKeys(reflect.TypeFor[fileConfig](), "") {
		leaf := key[strings.LastIndex(key, ".")+1:]
		if !regexp.MustCompile(`(?m)^#?` + regexp.QuoteMeta(leaf) + ` = `).MatchString(string(raw)) {
			t.Errorf("key %s is not documented in config.example.toml", key)
		}
	}
}

// allKeys lists every leaf key of the config file's structure.
func allKeys(t reflect.Type, prefix string) []string {
	var keys []string
	for f := range structFields(t) {
		name := prefix + f.Tag.Get("toml")
		ft := f.Type
		for ft.Kind() == reflect.Pointer || ft.Kind() == reflect.Slice {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Struct {
			keys = append(keys, allKeys(ft, name+".")...)
			continue
		}
		keys = append(keys, name)
	}
	return keys
}

func TestPasswordEnv(t *testing.T) {
	body := "[[postgres]]\nname = \"a\"\nhost = \"db\"\npassword_env = \"PW_A\"\n" +
		"[[postgres]]\nname = \"b\"\ndsn = \"postgres://mon@db/app\"\npassword_env = \"PW_B\"\n" +
		"[[postgres]]\nname = \"c\"\nhost = \"db\"\npassword_env = \"PW_UNSET\"\n"
	cfg, _, err := loadString(t, body, map[string]string{"PW_A": "it's a secret", "PW_B": "p@ss/word"})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"it's a secret", "p@ss/word", ""} {
		dsn := cfg.Postgres[i].DSN
		pc, err := pq.NewConfig(dsn)
		if err != nil {
			t.Fatalf("%s: %v", cfg.Postgres[i].Name, err)
		}
		if pc.Password != want {
			t.Errorf("%s: lib/pq reads password %q, want %q", cfg.Postgres[i].Name, pc.Password, want)
		}
		if want != "" && strings.Contains(redact.DSN(dsn), want) {
			t.Errorf("%s: redact.DSN shows the password: %s", cfg.Postgres[i].Name, redact.DSN(dsn))
		}
	}
	if len(cfg.Warnings) != 1 || !strings.Contains(cfg.Warnings[0], "PW_UNSET is not set") {
		t.Errorf("want one warning about PW_UNSET, got %q", cfg.Warnings)
	}
	_, _, err = loadString(t, "[[postgres]]\ndsn = \"password=x\"\npassword_env = \"PW\"\n", map[string]string{"PW": "y"})
	if err == nil || !strings.Contains(err.Error(), "dsn already holds a password") {
		t.Errorf("a password in both dsn and password_env must be refused, got %v", err)
	}
}

func TestPermissionWarning(t *testing.T) {
	cases := []struct {
		name string
		body string
		mode os.FileMode
		warn bool
	}{
		{"password, readable by others", "[[postgres]]\ndsn = \"host=db password=x\"\n", 0o644, true},
		{"password in URL, group-readable", "[[postgres]]\ndsn = \"postgres://u:x@db/app\"\n", 0o640, true},
		{"password, private", "[[postgres]]\ndsn = \"host=db password=x\"\n", 0o600, false},
		{"no password, readable", "[[postgres]]\ndsn = \"host=db\"\npassword_env = \"PW\"\n", 0o644, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := writeConfig(t, tc.body)
			if err := os.Chmod(path, tc.mode); err != nil {
				t.Fatal(err)
			}
			cfg, err := LoadConfig(path, Overrides{}, testEnv(map[string]string{"HOME": t.TempDir(), "PW": "x"}))
			if err != nil {
				t.Fatal(err)
			}
			warned := len(cfg.Warnings) == 1 && strings.Contains(cfg.Warnings[0], "chmod 600 "+path)
			if warned != tc.warn || (!tc.warn && len(cfg.Warnings) > 0) {
				t.Errorf("warnings %q, want warning=%v", cfg.Warnings, tc.warn)
			}
		})
	}
}

// FuzzMaskDSN checks that a password put into a DSN the way stacktop and
// users write them never survives masking, whatever its characters.
func FuzzMaskDSN(f *testing.F) {
	for _, seed := range []string{"hunter22", "it's a 'secret'", `back\slash`, "p@ss/w?rd#1", "spa ce s", "ünïcødé"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, pw string) {
		const kvBase, urlHost = "host=h1.example user=u1", "h1.example"
		if len(pw) < 4 || strings.Contains(kvBase+urlHost+"postgres://u1@/app?sslmode=prefer****", pw) {
			t.Skip("too short to tell apart from the rest of the DSN")
		}
		kv, err := dsnWithParam(kvBase, "password", pw)
		if err != nil {
			t.Fatal(err)
		}
		u := (&url.URL{Scheme: "postgres", User: url.UserPassword("u1", pw), Host: urlHost, Path: "/app", RawQuery: "sslmode=prefer"}).String()
		viaQuery, err := dsnWithParam("postgres://u1@"+urlHost+"/app", "password", pw)
		if err != nil {
			t.Fatal(err)
		}
		for _, dsn := range []string{kv, u, viaQuery} {
			masked := redact.DSN(dsn)
			if strings.Contains(masked, pw) || strings.Contains(masked, url.QueryEscape(pw)) || strings.Contains(masked, url.PathEscape(pw)) {
				t.Errorf("redact.DSN(%q) = %q shows the password", dsn, masked)
			}
			if !redact.DSNHasPassword(dsn) {
				t.Errorf("redact.DSNHasPassword(%q) = false", dsn)
			}
		}
	})
}

func TestPostgresThresholdsFromConfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	data := "[thresholds]\npg_idle_in_transaction = \"1m\"\npg_connections_percent = 75.0\n"
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(path, Overrides{}, testEnv(defaultsEnv(t)))
	if err != nil {
		t.Fatal(err)
	}
	want := uipostgres.DefaultThresholds()
	want.IdleInTransaction, want.ConnectionsPercent = time.Minute, 75
	if cfg.PostgresThresholds != want {
		t.Fatalf("got %+v, want %+v (unset keys keep their defaults)", cfg.PostgresThresholds, want)
	}
}

// testKeyLine is an authorized_keys line for config tests (no one holds
// its private half).
const testKeyLine = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGv9dQmTc0mCJX4s2r7JxNfRXHzaCR3o9W9vmNAuInk1 test"
