package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/volume"
	_ "github.com/lib/pq"

	"github.com/stacktop/stacktop/actions"
	"github.com/stacktop/stacktop/actions/actionstest"
	"github.com/stacktop/stacktop/actions/atomicfile"
	hostact "github.com/stacktop/stacktop/actions/host"
	pgact "github.com/stacktop/stacktop/actions/postgres"
	"github.com/stacktop/stacktop/collectors/docker/dockertest"
	"github.com/stacktop/stacktop/collectors/postgres/pgtest"
	"github.com/stacktop/stacktop/ui"
	"github.com/stacktop/stacktop/ui/backups"
)

// actionsConfig is a config watching one Postgres target "main" (database
// app) with the audit log and backups in dir.
func actionsConfig(t *testing.T, c *pgtest.Cluster, dir string) string {
	t.Helper()
	pg := ""
	if c != nil {
		pg = fmt.Sprintf(`
[[postgres]]
name = "main"
host = "127.0.0.1"
port = %d
user = %q
dbname = "app"
password_env = "STACKTOP_TEST_PW"
`, c.Port, pgtest.SuperUser)
	} else {
		pg = "\n[general]\ndefault_postgres = false\n"
	}
	return writeConfig(t, fmt.Sprintf(`[actions]
audit_log = %q
backup_dir = %q
%s
[[docker]]
name = "local"
`, filepath.Join(dir, "audit.jsonl"), filepath.Join(dir, "backups"), pg))
}

var pgEnv = []string{"STACKTOP_TEST_PW=" + pgtest.SuperPassword}

// sleepChild starts a process the test owns, killed when the test ends.
func sleepChild(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("sleep", "120")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return cmd.Process.Pid
}

// alive reports whether pid exists and is not a zombie.
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	end := bytes.LastIndexByte(b, ')')
	return end > 0 && len(b) > end+2 && b[end+2] != 'Z'
}

// TestReadOnlyCLIRefusesAndAudits: a KILL under --read-only exits 1 with the
// read-only line, leaves the process alone and writes one audit line.
func TestReadOnlyCLIRefusesAndAudits(t *testing.T) {
	dir := t.TempDir()
	cfg := actionsConfig(t, nil, dir)
	pid := sleepChild(t)
	_, stderr, code := runBinary(t, nil, "--read-only", "kill", "--config", cfg, "--yes", "host:"+strconv.Itoa(pid))
	if code != 1 || !strings.Contains(stderr, "refused: stacktop runs read-only") {
		t.Errorf("exit %d, stderr:\n%s\nwant exit 1 and the read-only line", code, stderr)
	}
	if !alive(pid) {
		t.Error("the process was killed under --read-only")
	}
	recs := actionstest.ReadAudit(t, filepath.Join(dir, "audit.jsonl"))
	if len(recs) != 1 || recs[0].Outcome != actions.OutcomeRefusedReadOnly || recs[0].Action != hostact.KillID {
		t.Errorf("audit %+v, want one refused_read_only host.kill line", recs)
	}
}

// TestDestructiveNeedsYesWithoutTTY: without a terminal and without --yes,
// KILL is refused with a line naming --yes (and audited); with --yes it runs.
func TestDestructiveNeedsYesWithoutTTY(t *testing.T) {
	dir := t.TempDir()
	cfg := actionsConfig(t, nil, dir)
	pid := sleepChild(t)
	target := "host:" + strconv.Itoa(pid)
	_, stderr, code := runBinary(t, nil, "kill", "--config", cfg, target)
	if code != 1 || !strings.Contains(stderr, "pass --yes") {
		t.Errorf("kill without --yes: exit %d, stderr:\n%s\nwant exit 1 and a line about --yes", code, stderr)
	}
	if !alive(pid) {
		t.Fatal("the process was killed without confirmation")
	}
	_, stderr, code = runBinary(t, nil, "kill", "--config", cfg, target, "--yes")
	if code != 0 || !strings.Contains(stderr, "Kill (KILL) on process "+strconv.Itoa(pid)+": done") {
		t.Errorf("kill --yes: exit %d, stderr:\n%s", code, stderr)
	}
	deadline := time.Now().Add(5 * time.Second)
	for alive(pid) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if alive(pid) {
		t.Error("kill --yes left the process running")
	}
	recs := actionstest.ReadAudit(t, filepath.Join(dir, "audit.jsonl"))
	if len(recs) != 2 || recs[0].Outcome != actions.OutcomeRefusedUnconfirmed || recs[1].Outcome != actions.OutcomeOK {
		t.Errorf("audit %+v, want refused_unconfirmed then ok", recs)
	}
}

func TestActionCommandLine(t *testing.T) {
	cfg := actionsConfig(t, nil, t.TempDir())
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"no target", []string{"kill", "--config", cfg}, 2, "missing argument"},
		{"bad target", []string{"kill", "--config", cfg, "nowhere"}, 2, "want KIND:SOURCE"},
		{"wrong family", []string{"cancel", "--config", cfg, "host:1"}, 2, "acts on postgres targets"},
		{"extra argument", []string{"term", "--config", cfg, "host:1", "host:2"}, 2, `unexpected argument "host:2"`},
		{"init", []string{"term", "--config", cfg, "--yes", "host:1"}, 2, "refusing to signal pid 1"},
		{"no such process", []string{"term", "--config", cfg, "--yes", "host:999999999"}, 1, "process 999999999"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := run(context.Background(), tc.args, &out, &errOut, testEnv(map[string]string{"HOME": t.TempDir()}))
			if code != tc.code || !strings.Contains(errOut.String(), tc.stderr) {
				t.Errorf("exit %d (want %d), stderr:\n%s\nwant %q", code, tc.code, errOut.String(), tc.stderr)
			}
		})
	}
}

// TestActionsAgainstRealPostgres runs the CLI's Postgres actions on a
// throwaway cluster, and the read-only check over the full registry.
func TestActionsAgainstRealPostgres(t *testing.T) {
	c := pgtest.Need(t, pgtest.Config{})
	if err := c.CreateDatabase("app"); err != nil {
		t.Fatal(err)
	}
	if err := c.Exec("app", `CREATE TABLE t (id int PRIMARY KEY, v text)`,
		`INSERT INTO t SELECT g, 'row ' || g FROM generate_series(1, 20000) g`, `ANALYZE t`); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfgPath := actionsConfig(t, c, dir)
	audit := filepath.Join(dir, "audit.jsonl")

	t.Run("explain prints the plan", func(t *testing.T) {
		stdout, stderr, code := runBinary(t, pgEnv, "explain", "--config", cfgPath, "pg:main", "SELECT * FROM t WHERE v = 'row 7'")
		if code != 0 || !strings.Contains(stdout, "Plan:") || !strings.Contains(stdout, "Seq Scan on public.t") && !strings.Contains(stdout, "Seq Scan on t") {
			t.Errorf("explain: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
		}
		stdout, stderr, code = runBinary(t, pgEnv, "explain", "pg:main", "--analyze", "--config", cfgPath, "SELECT * FROM t WHERE v = 'row 7'")
		if code != 0 || !strings.Contains(stdout, "EXPLAIN (ANALYZE, BUFFERS)") || !strings.Contains(stdout, "Findings:") ||
			!strings.Contains(stdout, "Sequential scan of t") {
			t.Errorf("explain --analyze: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
		}
	})
	t.Run("backup writes a verified dump", func(t *testing.T) {
		stdout, stderr, code := runBinary(t, pgEnv, "backup", "pg:main", "--db", "app", "--config", cfgPath)
		lines := strings.Split(strings.TrimSpace(stdout), "\n")
		if code != 0 || len(lines) < 3 || !strings.HasPrefix(lines[2], "sha256 ") {
			t.Fatalf("backup: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
		}
		if filepath.Dir(lines[0]) != filepath.Join(dir, "backups") || !strings.HasPrefix(filepath.Base(lines[0]), "main-app-") {
			t.Errorf("backup written to %s, want main-app-… in %s", lines[0], filepath.Join(dir, "backups"))
		}
		list, err := backupLister(filepath.Join(dir, "backups"))(t.Context(), actions.Target{Kind: "postgres", Source: "main"}, "app")
		if err != nil || len(list) != 1 || list[0].Verified != backups.Verified {
			t.Errorf("the backup list shows %+v (%v), want one verified backup", list, err)
		}
		_ = os.RemoveAll(filepath.Join(dir, "backups")) // the read-only case wants it empty
	})
	t.Run("a backup killed mid-way leaves a partial that check lists and the next backup removes", func(t *testing.T) {
		killedBackupIsSwept(t, c)
	})
	t.Run("terminate needs --yes without a terminal", func(t *testing.T) {
		pid := pgSleeper(t, c)
		before := len(actionstest.ReadAudit(t, audit))
		_, stderr, code := runBinary(t, pgEnv, "terminate", "--config", cfgPath, "pg:main", "--pid", strconv.Itoa(pid))
		if code != 1 || !strings.Contains(stderr, "pass --yes") {
			t.Errorf("terminate without --yes: exit %d, stderr:\n%s", code, stderr)
		}
		_, stderr, code = runBinary(t, pgEnv, "terminate", "--config", cfgPath, "pg:main", "--pid", strconv.Itoa(pid), "--yes")
		if code != 0 {
			t.Errorf("terminate --yes: exit %d, stderr:\n%s", code, stderr)
		}
		recs := actionstest.ReadAudit(t, audit)[before:]
		if len(recs) != 2 || recs[0].Outcome != actions.OutcomeRefusedUnconfirmed || recs[1].Outcome != actions.OutcomeOK {
			t.Errorf("audit %+v, want refused_unconfirmed then ok", recs)
		}
	})
	t.Run("backup of a protected target needs the name typed", func(t *testing.T) {
		pdir := t.TempDir()
		cfg := actionsConfig(t, c, pdir)
		raw, err := os.ReadFile(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(cfg, []byte(strings.Replace(string(raw), "name = \"main\"\n", "name = \"main\"\nprotected = true\n", 1)), 0o600); err != nil {
			t.Fatal(err)
		}
		_, stderr, code := runBinary(t, pgEnv, "backup", "pg:main", "--db", "app", "--config", cfg)
		if code != 1 || !strings.Contains(stderr, "pass --confirm main (the target is protected)") {
			t.Errorf("backup of a protected target without a name: exit %d, stderr:\n%s", code, stderr)
		}
		if entries, _ := os.ReadDir(filepath.Join(pdir, "backups")); len(entries) != 0 {
			t.Fatalf("a refused backup wrote %d files", len(entries))
		}
		stdout, stderr, code := runBinary(t, pgEnv, "backup", "pg:main", "--db", "app", "--config", cfg, "--confirm", "main")
		if code != 0 || !strings.Contains(stdout, "sha256 ") {
			t.Fatalf("backup --confirm main: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
		}
		var outcomes []string
		for _, r := range actionstest.ReadAudit(t, filepath.Join(pdir, "audit.jsonl")) {
			outcomes = append(outcomes, string(r.Outcome))
		}
		if got := strings.Join(outcomes, " "); got != "refused_unconfirmed ok" {
			t.Errorf("audit: %s", got)
		}
	})
	t.Run("read-only refuses every registered action", func(t *testing.T) {
		cfg, err := LoadConfig(cfgPath, Overrides{}, testEnv(map[string]string{"STACKTOP_TEST_PW": pgtest.SuperPassword, "HOME": t.TempDir()}))
		if err != nil {
			t.Fatal(err)
		}
		reg, err := buildRegistry(cfg)
		if err != nil {
			t.Fatal(err)
		}
		actionstest.AssertReadOnlyRefused(t, reg.Kinds(), func(t *testing.T, k actions.Kind) actionstest.Case {
			return readOnlyCase(t, c, cfg, k)
		})
	})
}

// pgSleeper opens a session on app running pg_sleep, ended with the test,
// and returns its backend pid.
func pgSleeper(t *testing.T, c *pgtest.Cluster) int {
	t.Helper()
	db, err := sql.Open("postgres", c.SuperDSN("app"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	conn, err := db.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var pid int
	if err := conn.QueryRowContext(t.Context(), `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _, _ = conn.ExecContext(ctx, `SELECT pg_sleep(120)`) }()
	t.Cleanup(func() { cancel(); <-done; _ = conn.Close() })
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		var n int
		_ = db.QueryRow(`SELECT count(*) FROM pg_stat_activity WHERE pid = $1 AND query LIKE '%pg_sleep%' AND state = 'active'`, pid).Scan(&n)
		if n == 1 {
			return pid
		}
	}
	t.Fatal("the sleeping session never showed up in pg_stat_activity")
	return 0
}

// TestDockerVerbs: `stacktop restart docker:local/NAME --yes` restarts the
// container the engine runs (same id, new StartedAt); remove without --yes
// is refused without a terminal, with --yes it removes.
func TestDockerVerbs(t *testing.T) {
	e := dockertest.Start(t)
	id, name := e.Run(t, dockertest.Spec{Name: "cmd-verbs"})
	dir := t.TempDir()
	cfg := actionsConfig(t, nil, dir)
	started := func() string { return startedAt(t, e, id) }
	before := started()
	_, stderr, code := runBinary(t, nil, "restart", "--config", cfg, "docker:local/"+name, "--yes", "--timeout", "2s")
	if code != 0 {
		t.Fatalf("restart: exit %d, stderr:\n%s", code, stderr)
	}
	if after := started(); after == before {
		t.Errorf("restart did not restart: StartedAt still %s", after)
	}
	_, stderr, code = runBinary(t, nil, "remove", "--config", cfg, "docker:local/"+name)
	if code != 1 || !strings.Contains(stderr, "pass --yes") {
		t.Errorf("remove without --yes: exit %d, stderr:\n%s", code, stderr)
	}
	_, stderr, code = runBinary(t, nil, "remove", "--config", cfg, "docker:local/"+name, "--yes", "--force")
	if code != 0 {
		t.Errorf("remove --yes: exit %d, stderr:\n%s", code, stderr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := e.Client.ContainerInspect(ctx, id); err == nil {
		t.Error("remove --yes left the container")
	}
	recs := actionstest.ReadAudit(t, filepath.Join(dir, "audit.jsonl"))
	var outcomes []string
	for _, r := range recs {
		outcomes = append(outcomes, r.Action+"="+string(r.Outcome))
	}
	if got := strings.Join(outcomes, " "); got != "docker.restart=ok docker.remove=refused_unconfirmed docker.remove=ok" {
		t.Errorf("audit: %s", got)
	}
}

// TestDashboardWiring: the dashboard's options carry the registry, a Runner
// on the configured audit log, the backup lister and each Docker engine.
func TestDashboardWiring(t *testing.T) {
	dir := t.TempDir()
	cfg, err := LoadConfig(actionsConfig(t, nil, dir), Overrides{ReadOnly: true}, testEnv(map[string]string{"HOME": dir}))
	if err != nil {
		t.Fatal(err)
	}
	sources, err := buildSources(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer closeSources(sources)
	if engines := dockerEngines(sources); len(engines) != 1 || engines["local"] == nil {
		t.Errorf("docker engines %v, want one for local", engines)
	}
	var opts ui.Options
	var stderr bytes.Buffer
	closeAudit := wireActions(&opts, cfg, &env{stderr: &stderr, getenv: testEnv(nil)})
	if closeAudit == nil || opts.Runner == nil || opts.Registry == nil || opts.ListBackups == nil {
		t.Fatalf("actions not wired: %+v (%s)", opts, stderr.String())
	}
	defer closeAudit()
	// The plan view's save is an action like any other, allowed under
	// read-only (it only writes new local files), into the state directory.
	save, err := opts.Registry.New(pgact.SavePlanID, actions.Target{Kind: "postgres", Source: "main"},
		actions.Params{"plan": `[{"Plan": {"Node Type": "Result"}}]`, "name": "p"})
	if err != nil || opts.Runner.Allowed(save) != nil || !strings.Contains(save.Description, planDir(cfg)) {
		t.Errorf("save plan under --read-only: %v, allowed %v, %q", err, opts.Runner.Allowed(save), save.Description)
	}
	k, _ := opts.Registry.Lookup(hostact.KillID)
	if err := opts.Runner.KindAllowed(k, actions.Target{Kind: "host", Source: "local"}); err == nil {
		t.Error("--read-only did not reach the dashboard's Runner")
	}
	if _, err := os.Stat(filepath.Join(dir, "audit.jsonl")); err != nil {
		t.Errorf("the configured audit log was not opened: %v", err)
	}
}

// A command whose target does not exist never reaches the action, but it
// is still an attempt: the audit log gets one failed line for it.
func TestUnknownTargetIsAudited(t *testing.T) {
	dir := t.TempDir()
	cfg := actionsConfig(t, nil, dir)
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"kill", "--config", cfg, "--yes", "host:999999999"}, &out, &errOut,
		testEnv(map[string]string{"HOME": t.TempDir()}))
	if code != exitFailed {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut.String())
	}
	recs := actionstest.ReadAudit(t, filepath.Join(dir, "audit.jsonl"))
	if len(recs) != 1 || recs[0].Action != "host.kill" || recs[0].Outcome != actions.OutcomeFailed ||
		!strings.Contains(recs[0].Error, "999999999") {
		t.Fatalf("audit %+v, want one failed host.kill line naming the pid", recs)
	}
}

// TestFileVerbsPrintPathSizeChecksum: save-logs, archive and archive-volume
// print what they wrote as backup does — its full path, its size and its
// sha256, each checked against the file — not a Go struct.
func TestFileVerbsPrintPathSizeChecksum(t *testing.T) {
	e := dockertest.Start(t)
	_, name := e.Run(t, dockertest.Spec{Name: "cmd-files", Args: []string{"logs", "0", "1"}})
	vol := volumeHolder(t, e)
	dir := t.TempDir()
	cfg := actionsConfig(t, nil, dir)
	for _, args := range [][]string{
		{"save-logs", "docker:local/" + name},
		{"archive", "docker:local/" + name, "--path", "/helper"},
		{"archive-volume", "docker:local/" + vol},
	} {
		t.Run(args[0], func(t *testing.T) {
			stdout, stderr, code := runBinary(t, nil, append(args, "--config", cfg)...)
			if code != 0 {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
			lines := strings.Split(strings.TrimSpace(stdout), "\n")
			if len(lines) < 3 {
				t.Fatalf("want path, size and sha256 lines, got:\n%s", stdout)
			}
			path := lines[0]
			if filepath.Dir(path) != filepath.Join(dir, "backups") {
				t.Errorf("first line %q is not a file in the backup directory", path)
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("the printed path: %v\nstdout:\n%s", err, stdout)
			}
			if want := fmt.Sprintf("size %d bytes", len(data)); lines[1] != want {
				t.Errorf("second line %q, want %q", lines[1], want)
			}
			if want := fmt.Sprintf("sha256 %x", sha256.Sum256(data)); lines[2] != want {
				t.Errorf("third line %q, want %q", lines[2], want)
			}
			if strings.Contains(stdout, "&{") {
				t.Errorf("stdout shows a Go struct:\n%s", stdout)
			}
		})
	}
}

// volumeHolder creates a named volume with a stopped container mounting
// it, both labelled for the sweep and removed with the test.
func volumeHolder(t *testing.T, e *dockertest.Engine) (vol string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	labels := map[string]string{dockertest.LabelTest: "1", dockertest.LabelRun: e.RunID, dockertest.LabelPID: strconv.Itoa(os.Getpid())}
	v, err := e.Client.VolumeCreate(ctx, volume.CreateOptions{Name: "stacktop-test-" + e.RunID + "-cmd-vol", Labels: labels})
	if err != nil {
		t.Fatalf("create volume: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = e.Client.VolumeRemove(ctx, v.Name, true)
	})
	resp, err := e.Client.ContainerCreate(ctx, &container.Config{Image: e.Image, Labels: labels},
		&container.HostConfig{Mounts: []mount.Mount{{Type: mount.TypeVolume, Source: v.Name, Target: "/srv/state"}}},
		nil, nil, "stacktop-test-"+e.RunID+"-cmd-vol-holder")
	if err != nil {
		t.Fatalf("create the volume's holder: %v", err)
	}
	t.Cleanup(func() { e.Remove(resp.ID) })
	return v.Name
}

// TestRefusedBackendActionNamesThePid: cancel and terminate --pid N refused
// under --read-only, or failing before the backend is found, leave an audit
// line whose target names backend N.
func TestRefusedBackendActionNamesThePid(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, fmt.Sprintf("[actions]\naudit_log = %q\n[general]\ndefault_docker = false\n[[postgres]]\nname = \"main\"\nhost = \"127.0.0.1\"\nport = %d\n",
		filepath.Join(dir, "audit.jsonl"), closedPort(t)))
	for _, args := range [][]string{
		{"--read-only", "cancel", "pg:main", "--pid", "4242"},
		{"--read-only", "terminate", "pg:main", "--pid", "4242", "--yes"},
		{"cancel", "pg:main", "--pid", "4242"},    // refused by the closed port
		{"terminate", "pg:main", "--pid", "4242"}, // idem
	} {
		var out, errOut bytes.Buffer
		if code := run(context.Background(), append(args, "--config", cfg), &out, &errOut, testEnv(map[string]string{"HOME": t.TempDir()})); code != exitFailed {
			t.Errorf("%v: exit %d, stderr:\n%s", args, code, errOut.String())
		}
	}
	recs := actionstest.ReadAudit(t, filepath.Join(dir, "audit.jsonl"))
	want := []actions.Outcome{actions.OutcomeRefusedReadOnly, actions.OutcomeRefusedReadOnly, actions.OutcomeFailed, actions.OutcomeFailed}
	if len(recs) != len(want) {
		t.Fatalf("%d audit lines, want %d: %+v", len(recs), len(want), recs)
	}
	for i, r := range recs {
		if r.Outcome != want[i] || r.Target.Object != "4242" || r.Target.String() != "postgres:main/4242" {
			t.Errorf("audit line %d: %s %s on %s, want %s on postgres:main/4242", i, r.Action, r.Outcome, r.Target, want[i])
		}
	}
}

// killedBackupIsSwept SIGKILLs `stacktop backup` while its pg_dump waits
// on a table lock the test holds — the dump file started, not finished —
// then checks that `stacktop check` lists the .partial it left, and that
// the next backup removes it but not the .partial of a writer still alive.
func killedBackupIsSwept(t *testing.T, c *pgtest.Cluster) {
	dir := t.TempDir()
	cfg := actionsConfig(t, c, dir)
	backupDir := filepath.Join(dir, "backups")
	env := append([]string{"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH")}, pgEnv...)

	db, err := sql.Open("postgres", c.SuperDSN("app"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tx, err := db.BeginTx(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback() //nolint:errcheck // released below; this is for early failures
	if _, err := tx.Exec(`LOCK TABLE t IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	backup := exec.Command(binary, "backup", "pg:main", "--db", "app", "--config", cfg)
	backup.Env = env
	if err := backup.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = backup.Process.Kill(); _ = backup.Wait() })
	partials := func() []string {
		m, _ := filepath.Glob(filepath.Join(backupDir, ".main-app-*.partial"))
		return m
	}
	// Mid-way: the dump file exists and pg_dump waits on the lock.
	deadline := time.Now().Add(30 * time.Second) // liveness bound, not a speed check
	for {
		var waiting int
		_ = db.QueryRow(`SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 't'::regclass`).Scan(&waiting)
		if waiting > 0 && len(partials()) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no pg_dump waiting on the lock with its partial file (files %v)", partials())
		}
		time.Sleep(50 * time.Millisecond)
	}
	left := partials()[0]
	if err := backup.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = backup.Wait()
	if err := tx.Rollback(); err != nil { // pg_dump goes on into a closed pipe and ends
		t.Fatal(err)
	}

	check := exec.Command(binary, "check", "--config", cfg)
	check.Env = env
	out, _ := check.Output()
	if !strings.Contains(string(out), left+" (") || !strings.Contains(string(out), "left by a backup killed mid-way") {
		t.Errorf("check does not list %s:\n%s", left, out)
	}

	live, err := atomicfile.Create(backupDir, "main-app-live", ".dump", atomicfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer live.Abort()
	backup = exec.Command(binary, "backup", "pg:main", "--db", "app", "--config", cfg)
	backup.Env = env
	out, err = backup.Output()
	if err != nil {
		t.Fatalf("the next backup: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "removed, left by a killed backup: "+left) {
		t.Errorf("the next backup does not say it removed %s:\n%s", left, out)
	}
	if _, err := os.Stat(left); err == nil {
		t.Errorf("the next backup left %s", left)
	}
	if got := partials(); len(got) != 1 || filepath.Base(got[0]) != ".main-app-live.dump.partial" {
		t.Errorf("partial files after the backup: %v, want only the live writer's", got)
	}
}

// startedAt is when container id's current run started, as the engine says.
func startedAt(t *testing.T, e *dockertest.Engine, id string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	info, err := e.Client.ContainerInspect(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return info.State.StartedAt
}

// TestProtectedEngineCLI: on an engine configured protected = true,
// `restart --yes` is refused (exit 1, a line saying the engine is protected
// and how to confirm, audited, the container untouched), as is a wrong
// --confirm; `restart --confirm NAME` restarts it.
func TestProtectedEngineCLI(t *testing.T) {
	e := dockertest.Start(t)
	id, name := e.Run(t, dockertest.Spec{Name: "cmd-protected"})
	dir := t.TempDir()
	cfg := writeConfig(t, fmt.Sprintf(`[general]
default_postgres = false
[actions]
audit_log = %q
[[docker]]
name = "prod"
protected = true
`, filepath.Join(dir, "audit.jsonl")))
	started := func() string { return startedAt(t, e, id) }
	before := started()
	target := "docker:prod/" + name
	_, stderr, code := runBinary(t, nil, "restart", "--config", cfg, target, "--yes", "--timeout", "2s")
	if code != 1 || !strings.Contains(stderr, "docker:prod is protected") || !strings.Contains(stderr, "--confirm "+name) {
		t.Errorf("restart --yes on a protected engine: exit %d, stderr:\n%s\nwant exit 1 and a line naming --confirm %s", code, stderr, name)
	}
	_, stderr, code = runBinary(t, nil, "restart", "--config", cfg, target, "--timeout", "2s")
	if code != 1 || !strings.Contains(stderr, "pass --confirm "+name) {
		t.Errorf("restart without a terminal on a protected engine: exit %d, stderr:\n%s", code, stderr)
	}
	_, stderr, code = runBinary(t, nil, "restart", "--config", cfg, target, "--confirm", "web", "--timeout", "2s")
	if code != 1 || !strings.Contains(stderr, `typed "web"`) {
		t.Errorf("restart --confirm with a wrong name: exit %d, stderr:\n%s", code, stderr)
	}
	if after := started(); after != before {
		t.Fatalf("a refused restart restarted the container (%s → %s)", before, after)
	}
	_, stderr, code = runBinary(t, nil, "restart", "--config", cfg, target, "--confirm", name, "--timeout", "2s")
	if code != 0 {
		t.Fatalf("restart --confirm %s: exit %d, stderr:\n%s", name, code, stderr)
	}
	if after := started(); after == before {
		t.Errorf("restart --confirm did not restart: StartedAt still %s", after)
	}
	var outcomes []string
	for _, r := range actionstest.ReadAudit(t, filepath.Join(dir, "audit.jsonl")) {
		outcomes = append(outcomes, string(r.Outcome))
	}
	if got := strings.Join(outcomes, " "); got != "refused_unconfirmed refused_unconfirmed refused_unconfirmed ok" {
		t.Errorf("audit: %s", got)
	}
}
