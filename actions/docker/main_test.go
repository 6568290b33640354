package docker_test

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/volume"
	"go.uber.org/goleak"

	"github.com/stacktop/stacktop/actions"
	"github.com/stacktop/stacktop/actions/actionstest"
	"github.com/stacktop/stacktop/actions/docker"
	dockerc "github.com/stacktop/stacktop/collectors/docker"
	"github.com/stacktop/stacktop/collectors/docker/dockertest"
)

// TestMain removes every test container and image afterwards, then checks
// that no goroutine (a stream, a timer, a client) outlived the tests.
func TestMain(m *testing.M) {
	code := dockertest.Main(m)
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// source is the Docker source name the tests configure.
const source = "local"

// fixture is the engine, the action kinds and a runner for one test.
type fixture struct {
	e     *dockertest.Engine
	opts  docker.Options
	reg   *actions.Registry
	r     *actions.Runner
	audit string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	e := dockertest.Start(t)
	opts := docker.Options{
		Hosts:       map[string]dockerc.Options{source: {Name: source}},
		BackupDir:   t.TempDir(),
		StopTimeout: 3 * time.Second,
	}
	f := &fixture{e: e, opts: opts, reg: registry(t, opts)}
	f.r, f.audit = actionstest.NewRunner(t, actions.RunnerOptions{})
	return f
}

func registry(t testing.TB, opts docker.Options) *actions.Registry {
	t.Helper()
	reg, err := actions.NewRegistry(docker.Kinds(opts)...)
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

// target names a test container the way the UI does.
func target(id, name string) actions.Target {
	return docker.ContainerTarget(source, dockerc.Container{ID: id, Name: name})
}

// build makes the action of kind id, failing t if New refuses.
func (f *fixture) build(t *testing.T, id string, tgt actions.Target, p actions.Params) actions.Action {
	t.Helper()
	a, err := f.reg.New(id, tgt, p)
	if err != nil {
		t.Fatalf("New(%s): %v", id, err)
	}
	return a
}

// run runs a confirmed as --yes would and fails t unless it succeeded.
func (f *fixture) run(t *testing.T, a actions.Action) actions.Result {
	t.Helper()
	res, err := f.r.Run(t.Context(), a, actions.Yes(a), nil)
	if err != nil || res.Outcome != actions.OutcomeOK {
		t.Fatalf("%s on %s: %s: %v", a.ID, a.Target, res.Outcome, err)
	}
	return res
}

// runErr runs a confirmed and returns its error (nil if it succeeded).
func (f *fixture) runErr(t *testing.T, a actions.Action) error {
	t.Helper()
	_, err := f.r.Run(t.Context(), a, actions.Yes(a), nil)
	return err
}

func inspect(t testing.TB, e *dockertest.Engine, id string) container.InspectResponse {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	info, err := e.Client.ContainerInspect(ctx, id)
	if err != nil {
		t.Fatalf("inspect %s: %v", id, err)
	}
	return info
}

// gone reports whether the container no longer exists.
func gone(t testing.TB, e *dockertest.Engine, id string) bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := e.Client.ContainerInspect(ctx, id)
	return err != nil
}

// waitExited waits for the container to stop and returns its exit code.
func waitExited(t *testing.T, e *dockertest.Engine, id string) int {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		info := inspect(t, e, id)
		if !info.State.Running {
			return info.State.ExitCode
		}
		if time.Now().After(deadline) {
			t.Fatalf("container %s still running after 15s", id)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// putFiles copies files (path → content) into the container under dir,
// as the engine's archive API takes them: a tar.
func putFiles(t testing.TB, e *dockertest.Engine, id, dir string, files map[string]string) {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for name, body := range files {
		hdr := &tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), ModTime: time.Now(), Typeflag: tar.TypeReg}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := e.Client.CopyToContainer(ctx, id, dir, &buf, container.CopyToContainerOptions{}); err != nil {
		t.Fatalf("copy into %s:%s: %v", id, dir, err)
	}
}

// createWith creates (and, unless noStart, starts) a helper container with
// extra configuration the harness's Spec does not offer (volumes). It
// carries the harness's labels, so its sweep removes it even if a test dies.
func createWith(t *testing.T, e *dockertest.Engine, name string, cfg container.Config, hc container.HostConfig, noStart bool) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cfg.Image = e.Image
	cfg.Labels = map[string]string{dockertest.LabelTest: "1", dockertest.LabelRun: e.RunID, dockertest.LabelPID: strconv.Itoa(os.Getpid())}
	full := "stacktop-test-" + e.RunID + "-" + name
	resp, err := e.Client.ContainerCreate(ctx, &cfg, &hc, nil, nil, full)
	if err != nil {
		t.Fatalf("create %s: %v", full, err)
	}
	t.Cleanup(func() { e.Remove(resp.ID) })
	if !noStart {
		if err := e.Client.ContainerStart(ctx, resp.ID, container.StartOptions{}); err != nil {
			t.Fatalf("start %s: %v", full, err)
		}
	}
	return resp.ID
}

// newVolume creates a named volume, removed (after its containers) at the
// end of the test.
func newVolume(t *testing.T, e *dockertest.Engine, name string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	v, err := e.Client.VolumeCreate(ctx, volume.CreateOptions{Name: "stacktop-test-" + e.RunID + "-" + name,
		Labels: map[string]string{dockertest.LabelTest: "1", dockertest.LabelRun: e.RunID}})
	if err != nil {
		t.Fatalf("create volume: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := e.Client.VolumeRemove(ctx, v.Name, true); err != nil && !errors.Is(err, context.Canceled) {
			t.Logf("remove volume %s: %v", v.Name, err)
		}
	})
	return v.Name
}

// runReady runs a helper that has set up its signal handling: in logs mode
// it prints its one line after that, so a TERM sent once the line is there
// reaches its handler instead of arriving while the program still starts
// (PID 1 ignores a signal it has no handler for).
func runReady(t *testing.T, e *dockertest.Engine, name string) (id, fullName string) {
	t.Helper()
	id, fullName = e.Run(t, dockertest.Spec{Name: name, Args: []string{"logs", "0", "1"}})
	waitLogged(t, e, id, 1)
	return id, fullName
}
