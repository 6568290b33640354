package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stacktop/stacktop/collectors/docker/dockertest"
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

// TestSnapshotJSONEveryTargetItsOwnError: with two Postgres targets (one
// up, one refusing) and two Docker engines (the real one, one whose socket
// does not exist), `snapshot --json` lists all four, in config order, each
// with its own error: null for the ones that answered (with their data),
// one line naming the source for the others. Exit 1: something is down.
func TestSnapshotJSONEveryTargetItsOwnError(t *testing.T) {
	c := pgtest.Need(t, pgtest.Config{})
	dockertest.Start(t)
	cfg := writeConfig(t, fmt.Sprintf(`[[postgres]]
name = "up"
host = "127.0.0.1"
port = %d
user = %q
dbname = "postgres"
password_env = "STACKTOP_TEST_PW"
[[postgres]]
name = "down"
host = "127.0.0.1"
port = %d
[[docker]]
name = "local"
[[docker]]
name = "gone"
host = "unix:///nonexistent/docker.sock"
`, c.Port, pgtest.SuperUser, closedPort(t)))
	stdout, stderr, code := runBinary(t, []string{"STACKTOP_TEST_PW=" + pgtest.SuperPassword}, "snapshot", "--json", "--config", cfg)
	if code != 1 {
		t.Fatalf("exit %d, want 1 (a target and an engine are down)\nstderr: %s", code, stderr)
	}
	type entry struct {
		Name  string  `json:"name"`
		Error *string `json:"error"`
	}
	var doc struct {
		Postgres []struct {
			entry
			Server *struct {
				Version string `json:"version"`
			} `json:"server"`
		} `json:"postgres"`
		Docker []struct {
			entry
			EngineVersion *string          `json:"engine_version"`
			Containers    []map[string]any `json:"containers"`
		} `json:"docker"`
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, stdout)
	}
	if len(doc.Postgres) != 2 || len(doc.Docker) != 2 {
		t.Fatalf("postgres %+v, docker %+v: want two of each", doc.Postgres, doc.Docker)
	}
	if up := doc.Postgres[0]; up.Name != "up" || up.Error != nil || up.Server == nil || up.Server.Version == "" {
		t.Errorf("postgres[0] = %+v, want \"up\" with no error and its version", up)
	}
	if down := doc.Postgres[1]; down.Name != "down" || down.Error == nil || !strings.HasPrefix(*down.Error, `postgres "down": `) {
		t.Errorf("postgres[1] = %+v, want \"down\" with its own error", down)
	} else if down.Server != nil {
		t.Errorf("postgres[1] is down, yet has server data %+v", down.Server)
	}
	if local := doc.Docker[0]; local.Name != "local" || local.Error != nil || local.EngineVersion == nil || local.Containers == nil {
		t.Errorf("docker[0] = %+v, want \"local\" with no error, its version and containers", local)
	}
	if gone := doc.Docker[1]; gone.Name != "gone" || gone.Error == nil || !strings.HasPrefix(*gone.Error, `docker "gone": `) ||
		!strings.Contains(*gone.Error, "/nonexistent/docker.sock") {
		t.Errorf("docker[1] = %+v, want \"gone\" with an error naming its socket", gone)
	}
}
