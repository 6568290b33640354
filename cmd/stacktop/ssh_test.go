package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stacktop/stacktop/actions"
	"github.com/stacktop/stacktop/actions/actionstest"
	"github.com/stacktop/stacktop/collectors/docker/dockertest"
	"github.com/stacktop/stacktop/collectors/docker/sshtest"
)

// TestSSHEngineVerbs: a [[docker]] host = "ssh://root@127.0.0.1:PORT" in
// front of the real engine: `check` answers through ssh, `restart` restarts
// the container (audited), and a key the server refuses gives one line of
// cause and hint in check, never a prompt.
func TestSSHEngineVerbs(t *testing.T) {
	e := dockertest.Start(t)
	id, name := e.Run(t, dockertest.Spec{Name: "ssh-verbs"})
	s := sshtest.Start(t)
	good := s.NewClient(t, s.ClientKey)
	dir := t.TempDir()
	audit := filepath.Join(dir, "audit.jsonl")
	cfg := writeConfig(t, fmt.Sprintf(`[general]
default_postgres = false

[actions]
audit_log = %q

[[docker]]
name = "remote"
host = %q
`, audit, s.Host()))
	path := []string{"PATH=" + good.BinDir + ":" + os.Getenv("PATH")}

	stdout, stderr, code := runBinary(t, path, "check", "--config", cfg)
	if code != 0 || !strings.Contains(stdout, `docker "remote": ok`) {
		t.Fatalf("check over ssh: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}

	started := func() string { return startedAt(t, e, id) }
	before := started()
	if _, stderr, code := runBinary(t, path, "restart", "--config", cfg, "docker:remote/"+name, "--yes", "--timeout", "2s"); code != 0 {
		t.Fatalf("restart over ssh: exit %d, stderr:\n%s", code, stderr)
	}
	if after := started(); after == before {
		t.Errorf("restart over ssh did not restart: StartedAt still %s", after)
	}
	recs := actionstest.ReadAudit(t, audit)
	if len(recs) != 1 || recs[0].Action != "docker.restart" || recs[0].Outcome != actions.OutcomeOK || recs[0].Target.Source != "remote" {
		t.Errorf("audit %+v, want one ok docker.restart on remote", recs)
	}

	stranger := s.NewClient(t, sshtest.OtherKey(t))
	stdout, _, code = runBinary(t, []string{"PATH=" + stranger.BinDir + ":" + os.Getenv("PATH")}, "check", "--config", cfg)
	var line string
	for l := range strings.Lines(stdout) {
		if strings.HasPrefix(l, `docker "remote": `) {
			line = l
		}
	}
	if code != 1 || !strings.Contains(line, "Permission denied (publickey)") || !strings.Contains(line, "ssh-add") {
		t.Errorf("check with a refused key: exit %d, want 1 and one line naming the refusal and what to try:\n%s", code, stdout)
	}
}
