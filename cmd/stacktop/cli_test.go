package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stacktop/stacktop/collectors/docker/dockertest"
)

// binary is the stacktop built once for the tests that run it as a user would.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "stacktop-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "stacktop")
	build := exec.Command("go", "build", "-race", "-o", binary, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building stacktop:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := dockertest.Main(m) // runs the tests, then removes test containers
	os.RemoveAll(dir)
	os.Exit(code)
}

// runBinary runs the built stacktop with args in a clean environment (its
// own HOME, no PG* or DOCKER_HOST from the caller) and returns stdout,
// stderr and the exit code.
func runBinary(t *testing.T, extraEnv []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	home := t.TempDir()
	cmd.Env = append([]string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "XDG_STATE_HOME=" + filepath.Join(home, "state")}, extraEnv...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return out.String(), errOut.String(), ee.ExitCode()
	}
	if err != nil {
		t.Fatalf("running stacktop %v: %v", args, err)
	}
	return out.String(), errOut.String(), 0
}

// hostOnly is a config watching the host and nothing else.
const hostOnly = "[general]\ndefault_postgres = false\ndefault_docker = false\n"

// closedPort returns a 127.0.0.1 port nothing listens on.
func closedPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}

func TestSnapshotJSONHasTheDocumentedKeys(t *testing.T) {
	cfg := writeConfig(t, hostOnly)
	stdout, stderr, code := runBinary(t, nil, "snapshot", "--json", "--config", cfg)
	if code != 0 {
		t.Fatalf("exit %d, want 0\nstderr: %s", code, stderr)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, stdout)
	}
	taken, err := time.Parse(time.RFC3339Nano, get[string](t, doc, "taken_at"))
	if err != nil || time.Since(taken) > time.Minute || time.Since(taken) < 0 {
		t.Errorf("taken_at %v is not a recent time (%v)", taken, err)
	}
	host := get[map[string]any](t, doc, "host")
	wantHost, _ := os.Hostname()
	if got := get[string](t, host, "hostname"); got != wantHost {
		t.Errorf("host.hostname = %q, want %q", got, wantHost)
	}
	if up := get[float64](t, host, "uptime_seconds"); up <= 0 {
		t.Errorf("host.uptime_seconds = %v", up)
	}
	cpu := get[map[string]any](t, host, "cpu")
	inPercent(t, "host.cpu.total_percent", get[float64](t, cpu, "total_percent"))
	cores := get[[]any](t, cpu, "per_core_percent")
	if len(cores) != runtime.NumCPU() {
		t.Errorf("host.cpu.per_core_percent has %d entries, want %d", len(cores), runtime.NumCPU())
	}
	for i, c := range cores {
		inPercent(t, fmt.Sprintf("host.cpu.per_core_percent[%d]", i), c.(float64))
	}
	load := get[map[string]any](t, host, "load")
	for _, k := range []string{"load1", "load5", "load15"} {
		if v := get[float64](t, load, k); v < 0 {
			t.Errorf("host.load.%s = %v", k, v)
		}
	}
	mem := get[map[string]any](t, host, "memory")
	total, used, avail := get[float64](t, mem, "total_bytes"), get[float64](t, mem, "used_bytes"), get[float64](t, mem, "available_bytes")
	if total < 64<<20 || used <= 0 || used > total || avail <= 0 || avail > total {
		t.Errorf("host.memory total %v used %v available %v are not plausible", total, used, avail)
	}
	swap := get[map[string]any](t, host, "swap")
	if get[float64](t, swap, "used_bytes") > get[float64](t, swap, "total_bytes") {
		t.Errorf("host.swap.used_bytes exceeds total_bytes: %v", swap)
	}
	fss := get[[]any](t, host, "filesystems")
	if len(fss) == 0 {
		t.Error("host.filesystems is empty")
	}
	for _, f := range fss {
		fs := f.(map[string]any)
		if get[string](t, fs, "mountpoint") == "" || get[float64](t, fs, "total_bytes") <= 0 || get[float64](t, fs, "used_bytes") > get[float64](t, fs, "total_bytes") {
			t.Errorf("implausible filesystem %v", fs)
		}
	}
	for _, d := range get[[]any](t, host, "disks") {
		disk := d.(map[string]any)
		get[string](t, disk, "name")
		rate(t, disk, "read_bytes_per_sec")
		rate(t, disk, "write_bytes_per_sec")
	}
	sawLoopback := false
	for _, n := range get[[]any](t, host, "networks") {
		nic := n.(map[string]any)
		if get[string](t, nic, "name") != "lo" {
			// An interface born between the two polls (a container's veth,
			// created by tests running alongside) honestly has no rate yet.
			rateOrNull(t, nic, "rx_bytes_per_sec")
			rateOrNull(t, nic, "tx_bytes_per_sec")
			continue
		}
		sawLoopback = true
		rate(t, nic, "rx_bytes_per_sec")
		rate(t, nic, "tx_bytes_per_sec")
	}
	if !sawLoopback {
		t.Error("host.networks does not list lo")
	}
	procs := get[map[string]any](t, host, "processes")
	if n := get[float64](t, procs, "count"); n < 2 {
		t.Errorf("host.processes.count = %v", n)
	}
	top := get[[]any](t, procs, "top")
	if len(top) == 0 || len(top) > 10 {
		t.Fatalf("host.processes.top has %d entries, want 1-10", len(top))
	}
	for _, p := range top {
		proc := p.(map[string]any)
		if get[float64](t, proc, "pid") <= 0 || get[string](t, proc, "name") == "" {
			t.Errorf("implausible process %v", proc)
		}
		get[string](t, proc, "user")
		get[string](t, proc, "command")
		get[float64](t, proc, "rss_bytes")
		if _, ok := proc["cpu_percent"]; !ok {
			t.Errorf("process %v has no cpu_percent", proc)
		}
	}
	if pg := get[[]any](t, doc, "postgres"); len(pg) != 0 {
		t.Errorf("postgres = %v, want [] with no target configured", pg)
	}
	if dk := get[[]any](t, doc, "docker"); len(dk) != 0 {
		t.Errorf("docker = %v, want [] with no engine configured", dk)
	}
}

// get returns doc[key] as a T, failing the test when it is missing or of another type.
func get[T any](t *testing.T, doc map[string]any, key string) T {
	t.Helper()
	v, ok := doc[key]
	if !ok {
		t.Fatalf("key %q missing from %v", key, doc)
	}
	out, ok := v.(T)
	if !ok {
		var zero T
		t.Fatalf("key %q is %T (%v), want %T", key, v, v, zero)
	}
	return out
}

func inPercent(t *testing.T, name string, v float64) {
	t.Helper()
	if v < 0 || v > 100 {
		t.Errorf("%s = %v, want 0-100", name, v)
	}
}

// rate checks a per-second figure: after two polls it must be a number >= 0.
func rate(t *testing.T, doc map[string]any, key string) {
	t.Helper()
	if v := get[float64](t, doc, key); v < 0 {
		t.Errorf("%s = %v", key, v)
	}
}

// rateOrNull accepts a rate that does not exist yet (null) or a figure >= 0.
func rateOrNull(t *testing.T, doc map[string]any, key string) {
	t.Helper()
	v, present := doc[key]
	if !present {
		t.Errorf("%s missing", key)
		return
	}
	if v != nil {
		rate(t, doc, key)
	}
}

func TestSnapshotReportsUnreachableSources(t *testing.T) {
	port := closedPort(t)
	cfg := writeConfig(t, fmt.Sprintf(`[[postgres]]
name = "db"
host = "127.0.0.1"
port = %d
[[docker]]
name = "engine"
host = "unix:///nonexistent/docker.sock"
`, port))
	stdout, stderr, code := runBinary(t, nil, "snapshot", "--json", "--config", cfg)
	if code != 1 {
		t.Fatalf("exit %d, want 1 (sources down)\nstderr: %s", code, stderr)
	}
	var doc struct {
		Host     struct{ Error *string }
		Postgres []struct {
			Name  string
			Error *string
		}
		Docker []struct {
			Name  string
			Error *string
		}
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, stdout)
	}
	if doc.Host.Error != nil {
		t.Errorf("the host failed too: %s", *doc.Host.Error)
	}
	if len(doc.Postgres) != 1 || doc.Postgres[0].Name != "db" || doc.Postgres[0].Error == nil {
		t.Errorf("postgres = %+v, want db with an error", doc.Postgres)
	}
	if len(doc.Docker) != 1 || doc.Docker[0].Name != "engine" || doc.Docker[0].Error == nil {
		t.Errorf("docker = %+v, want engine with an error", doc.Docker)
	}
	for _, want := range []string{`postgres "db": `, `docker "engine": `} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr does not name %s:\n%s", want, stderr)
		}
	}
}

func TestSnapshotText(t *testing.T) {
	cfg := writeConfig(t, hostOnly)
	stdout, stderr, code := runBinary(t, nil, "snapshot", "--config", cfg)
	if code != 0 {
		t.Fatalf("exit %d\nstderr: %s", code, stderr)
	}
	hostname, _ := os.Hostname()
	for _, want := range []string{hostname + " — ", "  cpu ", "  memory ", "Filesystems", "Networks", "Processes: ", `host "local": ok`} {
		if !strings.Contains(stdout, want) {
			t.Errorf("text snapshot lacks %q:\n%s", want, stdout)
		}
	}
}

func TestCheckBrokenConfigExits2NamingLineAndColumn(t *testing.T) {
	cfg := writeConfig(t, "[general]\ninterval = \"2s\"\n\n[[postgres]]\nname = \"main\"\n  hots = \"db\"\n")
	stdout, stderr, code := runBinary(t, nil, "check", "--config", cfg)
	if code != 2 {
		t.Fatalf("exit %d, want 2\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	want := cfg + ":6:3: unknown key postgres.hots — did you mean host?\n"
	if stderr != want {
		t.Errorf("stderr:\n got  %q\n want %q", stderr, want)
	}
}

func TestCheck(t *testing.T) {
	port := closedPort(t)
	t.Run("all ok", func(t *testing.T) {
		stdout, stderr, code := runBinary(t, nil, "check", "--config", writeConfig(t, hostOnly))
		if code != 0 || stdout != "host \"local\": ok\n" {
			t.Errorf("exit %d, stdout %q, stderr %q; want 0 and one ok line", code, stdout, stderr)
		}
	})
	t.Run("configured source down", func(t *testing.T) {
		cfg := writeConfig(t, fmt.Sprintf("[general]\ndefault_docker = false\n[[postgres]]\nname = \"db\"\nhost = \"127.0.0.1\"\nport = %d\n", port))
		stdout, _, code := runBinary(t, nil, "check", "--config", cfg)
		lines := strings.Split(strings.TrimSpace(stdout), "\n")
		if code != 1 || len(lines) != 2 || lines[0] != `host "local": ok` || !strings.HasPrefix(lines[1], `postgres "db": `) || strings.HasSuffix(lines[1], ": ok") {
			t.Errorf("exit %d, stdout:\n%s\nwant 1, host ok and postgres \"db\" with its error", code, stdout)
		}
	})
	t.Run("default source absent", func(t *testing.T) {
		cfg := writeConfig(t, "[general]\ndefault_docker = false\n")
		env := []string{"PGHOST=127.0.0.1", fmt.Sprintf("PGPORT=%d", port)}
		stdout, _, code := runBinary(t, env, "check", "--config", cfg)
		want := "host \"local\": ok\npostgres \"local\": not found (not configured)\n"
		if code != 0 || stdout != want {
			t.Errorf("exit %d, stdout:\n%s\nwant 0 and:\n%s", code, stdout, want)
		}
	})
}

func TestCommandLine(t *testing.T) {
	cases := []struct {
		name      string
		args      []string
		code      int
		stdoutHas string
		stderrHas string
	}{
		{"help", []string{"--help"}, 0, "snapshot", ""},
		{"help lists global flags", []string{"-h"}, 0, "--read-only", ""},
		{"help command", []string{"help"}, 0, "check", ""},
		{"snapshot help", []string{"snapshot", "--help"}, 0, "--json", ""},
		{"check help shows global flags", []string{"check", "--help"}, 0, "--config PATH", ""},
		{"version", []string{"version"}, 0, "stacktop ", ""},
		{"version help", []string{"version", "--help"}, 0, "Usage: stacktop version", ""},
		{"unknown command", []string{"bogus"}, 2, "", `unknown command "bogus"`},
		{"unknown flag", []string{"check", "--bogus"}, 2, "", "flag provided but not defined: -bogus"},
		{"interval below the floor", []string{"--interval", "100ms", "check"}, 2, "", "below the 250ms floor"},
		{"stray argument", []string{"check", "extra"}, 2, "", `unexpected argument "extra"`},
		{"missing --config file", []string{"check", "--config", "/nonexistent/stacktop.toml"}, 2, "", "/nonexistent/stacktop.toml"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			home := t.TempDir()
			code := run(context.Background(), tc.args, &out, &errOut, testEnv(map[string]string{"HOME": home}))
			if code != tc.code || !strings.Contains(out.String(), tc.stdoutHas) || !strings.Contains(errOut.String(), tc.stderrHas) {
				t.Errorf("exit %d (want %d)\nstdout: %s\nstderr: %s", code, tc.code, out.String(), errOut.String())
			}
		})
	}
}

func TestVersionFromLdflags(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "stacktop")
	build := exec.Command("go", "build", "-ldflags", "-X main.version=v9.8.7", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "version").Output()
	if err != nil || !strings.HasPrefix(string(out), "stacktop v9.8.7 (") {
		t.Errorf("version = %q (%v), want it to start with stacktop v9.8.7", out, err)
	}
}
