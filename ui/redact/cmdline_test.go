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
