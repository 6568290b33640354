package docker_test

import (
	"context"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stacktop/stacktop/actions"
	"github.com/stacktop/stacktop/actions/docker"
	dockerc "github.com/stacktop/stacktop/collectors/docker"
	"github.com/stacktop/stacktop/collectors/docker/dockertest"
)

// The shell is offered only with a docker CLI; its Run checks the
// container and hands back the command the UI runs with tea.ExecProcess.
func TestShell(t *testing.T) {
	f := newFixture(t)
	cli, err := exec.LookPath("docker")
	if err != nil {
		t.Skip("SKIP: no docker CLI on PATH — the shell action is not offered")
	}
	id, name := f.e.Run(t, dockertest.Spec{Name: "shell"})
	a := f.build(t, docker.ShellID, target(id, name), actions.Params{"shell": "bash"})
	if a.Risk != actions.Mutating || a.NeedsConfirmation() {
		t.Errorf("shell: risk %s, confirmation %v", a.Risk, a.NeedsConfirmation())
	}
	res := f.run(t, a)
	cmd, ok := res.Output.(*exec.Cmd)
	if !ok {
		t.Fatalf("output %T, want *exec.Cmd", res.Output)
	}
	if want := []string{cli, "exec", "-it", id, "bash"}; cmd.Path != cli || !slices.Equal(cmd.Args, want) {
		t.Errorf("command %s %q, want %q", cmd.Path, cmd.Args, want)
	}
	runInPty(t, f, id, name)
	// The engine the collector watches is the one the CLI is pointed at.
	opts := f.opts
	opts.Hosts = map[string]dockerc.Options{source: {Host: "unix:///var/run/docker.sock"}}
	reg := registry(t, opts)
	res2, err := f.r.Run(t.Context(), mustNew(t, reg, docker.ShellID, target(id, name)), actions.Confirmation{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := res2.Output.(*exec.Cmd).Args; !slices.Equal(got, []string{cli, "--host", "unix:///var/run/docker.sock", "exec", "-it", id, "sh"}) {
		t.Errorf("command with a configured host: %q", got)
	}

	f.run(t, f.build(t, docker.StopID, target(id, name), nil))
	if err := f.runErr(t, a); err == nil || !strings.Contains(err.Error(), "is not running — start it") {
		t.Errorf("shell in a stopped container: %v", err)
	}
	if _, err := f.reg.New(docker.ShellID, target(id, name), actions.Params{"shell": "sh -c reboot"}); err == nil {
		t.Error("a shell with arguments was built")
	}
}

func mustNew(t *testing.T, reg *actions.Registry, id string, tgt actions.Target) actions.Action {
	t.Helper()
	a, err := reg.New(id, tgt, nil)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestNoShellWithoutTheCLI(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	reg := registry(t, docker.Options{})
	if _, ok := reg.Lookup(docker.ShellID); ok {
		t.Error("docker.shell offered without a docker CLI")
	}
	if _, ok := reg.Lookup(docker.RestartID); !ok {
		t.Error("the other kinds went missing")
	}
}

// runInPty runs the shell action's command for real, in a pseudo-terminal
// from script(1) as tea.ExecProcess would hand it the user's: the helper
// image has no shell, so it runs the helper itself, which prints its usage.
func runInPty(t *testing.T, f *fixture, id, name string) {
	t.Helper()
	script, err := exec.LookPath("script")
	if err != nil {
		t.Log("no script(1): the command is checked, not run")
		return
	}
	res := f.run(t, f.build(t, docker.ShellID, target(id, name), actions.Params{"shell": "/helper"}))
	cmd := res.Output.(*exec.Cmd)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	out, _ := exec.CommandContext(ctx, script, "-qec", shellQuote(cmd.Args), "/dev/null").CombinedOutput()
	if !strings.Contains(string(out), "usage: helper") {
		t.Errorf("docker exec -it through a pty printed %q", out)
	}
}

func shellQuote(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return strings.Join(q, " ")
}
