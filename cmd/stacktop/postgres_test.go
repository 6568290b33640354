package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stacktop/stacktop/collectors/postgres/pgtest"
)

// TestAgainstRealPostgres runs check and snapshot against a throwaway
// cluster, configured the way a user would: discrete keys, the password in
// an environment variable named by password_env, sslmode left to its
// default (prefer — the test server has no TLS, so lib/pq's own default,
// require, would fail).
func TestAgainstRealPostgres(t *testing.T) {
	c := pgtest.Need(t, pgtest.Config{})
	cfg := writeConfig(t, fmt.Sprintf(`[general]
default_docker = false

[[postgres]]
name = "pg"
host = "127.0.0.1"
port = %d
user = %q
dbname = "postgres"
password_env = "STACKTOP_TEST_PW"
`, c.Port, pgtest.SuperUser))
	goodPW := []string{"STACKTOP_TEST_PW=" + pgtest.SuperPassword}

	stdout, stderr, code := runBinary(t, goodPW, "check", "--config", cfg)
	wantLine := fmt.Sprintf(`postgres "pg": ok (host='127.0.0.1' port='%d' user='postgres' dbname='postgres' sslmode='prefer' password=****)`, c.Port)
	if code != 0 || !strings.Contains(stdout, wantLine+"\n") {
		t.Errorf("check: exit %d\nstdout:\n%s\nstderr:\n%s\nwant exit 0 and the line\n%s", code, stdout, stderr, wantLine)
	}
	if strings.Contains(stdout+stderr, pgtest.SuperPassword) {
		t.Error("check printed the password")
	}

	stdout, stderr, code = runBinary(t, []string{"STACKTOP_TEST_PW=wrong"}, "check", "--config", cfg)
	if code != 1 || !strings.Contains(stdout, `postgres "pg": `) || !strings.Contains(strings.ToLower(stdout), "password") {
		t.Errorf("check with a wrong password: exit %d\nstdout:\n%s\nstderr:\n%s\nwant exit 1 and a line about the password", code, stdout, stderr)
	}

	stdout, stderr, code = runBinary(t, goodPW, "snapshot", "--json", "--config", cfg)
	if code != 0 {
		t.Fatalf("snapshot: exit %d\nstderr: %s", code, stderr)
	}
	var doc struct {
		Postgres []struct {
			Name  string  `json:"name"`
			Error *string `json:"error"`
		} `json:"postgres"`
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Postgres) != 1 || doc.Postgres[0].Name != "pg" || doc.Postgres[0].Error != nil {
		t.Errorf("snapshot postgres = %+v, want one answering target \"pg\"", doc.Postgres)
	}
	if strings.Contains(stdout+stderr, pgtest.SuperPassword) {
		t.Error("snapshot printed the password")
	}
}
