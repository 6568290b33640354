package redact

import (
	"strings"
	"testing"
)

func TestCommandLine(t *testing.T) {
	for in, want := range map[string]string{
		"psql postgres://app:hunter2@db:5432/app":       "psql postgres://app:****@db:5432/app",
		"app --db-url=postgres://a:p@ss@h/x --port 80":  "app --db-url=postgres://a:****@h/x --port 80",
		"mysqldump --password=hunter2 shop":             "mysqldump --password=**** shop",
		"tool --api-token hunter2 --verbose":            "tool --api-token **** --verbose",
		"env PGPASSWORD=hunter2 pg_dump app":            "env PGPASSWORD=**** pg_dump app",
		"pg_dump host=db password=hunter2":              "pg_dump host=db password=****",
		"postgres: checkpointer":                        "postgres: checkpointer",
		"nginx -g daemon off;":                          "nginx -g daemon off;",
		"curl https://example.invalid/path?q=1":         "curl https://example.invalid/path?q=1",
		"/usr/bin/python3  -m http.server  --bind ::1 ": "/usr/bin/python3  -m http.server  --bind ::1 ",
	} {
		if got := CommandLine(in); got != want {
			t.Errorf("CommandLine(%q)\n got %q\nwant %q", in, got, want)
		}
	}
}

// FuzzCommandLine: a password in --password=…, --password …, or a URL never
// shows, whatever surrounds it.
func FuzzCommandLine(f *testing.F) {
	f.Add("app", "hunter2", "--verbose")
	f.Fuzz(func(t *testing.T, before, secret, after string) {
		if len(secret) < 3 || strings.ContainsAny(secret, " @/") || strings.Contains(before+after+Mask, secret) {
			return
		}
		for _, cmd := range []string{
			before + " --password=" + secret + " " + after,
			before + " --password " + secret + " " + after,
			before + " postgres://u:" + secret + "@h/db " + after,
		} {
			if got := CommandLine(cmd); strings.Contains(got, secret) {
				t.Fatalf("CommandLine(%q) = %q shows the secret", cmd, got)
			}
		}
	})
}

// formerWords are the words of the two lists internal/secret replaced:
// the command-line one (first line) and the Docker env one.
var formerWords = []string{
	"pass", "secret", "token", "apikey", "api_key", "api-key", "credential", "auth",
	"PASSWORD", "PASSWD", "PASS", "SECRET", "TOKEN", "KEY", "CREDENTIAL", "PRIVATE", "AUTH", "CERT", "SALT",
	"SESSION", "COOKIE", "DSN", "CONN",
}

// TestCommandLineMasksEveryListedWord: a flag or an assignment named with
// any word either former list had is masked — --private-key=x was shown
// while PRIVATE_KEY=x was masked in the Docker pane.
func TestCommandLineMasksEveryListedWord(t *testing.T) {
	const value = "hunter2"
	for _, w := range append(formerWords, "private-key", "PRIVATE_KEY") {
		for _, cmd := range []string{
			"app --" + w + "=" + value + " --verbose",
			"app --" + strings.ToLower(w) + " " + value,
			"env " + strings.ToUpper(w) + "=" + value + " app",
		} {
			if got := CommandLine(cmd); strings.Contains(got, value) {
				t.Errorf("CommandLine(%q) = %q shows the value", cmd, got)
			}
		}
	}
}

func TestCommandLineClientsAndLiterals(t *testing.T) {
	for in, want := range map[string]string{
		// PostgreSQL backend titles: the client's host and port, and literals after them.
		"postgres: postgres shop 172.18.0.5(51710) idle":              "postgres: postgres shop **** idle",
		"postgres: 16/main: app shop 10.0.5.7(40022) SELECT waiting":  "postgres: 16/main: app shop **** SELECT waiting",
		"postgres: app shop client-7.example.com(40022) idle":         "postgres: app shop **** idle",
		"postgres: app shop [2001:db8::5](40022) idle":                "postgres: app shop **** idle",
		"postgres: app shop 2001:db8::5(40022) idle":                  "postgres: app shop **** idle",
		"postgres: walsender rep 10.0.0.5(41234) streaming 0/3000148": "postgres: walsender rep **** streaming ?/?",
		"postgres: app shop 127.0.0.1(40022) idle":                    "postgres: app shop 127.0.0.1(40022) idle",
		"postgres: app shop [local] idle in transaction":              "postgres: app shop [local] idle in transaction",
		"postgres: checkpointer":                                      "postgres: checkpointer",
		"postgres: autovacuum worker shop":                            "postgres: autovacuum worker shop",
		// Addresses anywhere, as the Postgres tab masks client addresses.
		"redis-cli -h 10.1.2.3 -p 6379":             "redis-cli -h **** -p 6379",
		"ssh deploy@192.0.2.10":                     "ssh deploy@****",
		"app --listen=[2001:db8::1]:8080":           "app --listen=[****]:8080",
		"app --bind 0.0.0.0:80 --peer 127.0.0.1:81": "app --bind 0.0.0.0:80 --peer 127.0.0.1:81",
		"nginx: worker process":                     "nginx: worker process",
		"date 12:30:45 aa:bb:cc:dd:ee:ff":           "date 12:30:45 aa:bb:cc:dd:ee:ff",
		// psql's statement is SQL: its literals are masked.
		"psql -h 192.0.2.2 -c SELECT pg_sleep(30), 'secret-literal'": "psql -h **** -c SELECT pg_sleep(?), ?",
		"/usr/bin/psql --command=SELECT 'x' -d shop":                 "/usr/bin/psql --command=SELECT ? -d shop",
		"/usr/bin/psql -cSELECT 42":                                  "/usr/bin/psql -cSELECT ?",
		"psql -d shop":                                               "psql -d shop",
	} {
		if got := CommandLine(in); got != want {
			t.Errorf("CommandLine(%q)\n got %q\nwant %q", in, got, want)
		}
	}
}
