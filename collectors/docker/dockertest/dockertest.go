// Package dockertest runs stacktop's Docker tests against the real engine.
// There is no registry, so it builds its own image: the static helper
// program in ./helperimage, imported with ImageImport as a one-file rootfs.
// Every container and image it creates carries the labels LabelTest and
// LabelRun and is removed afterwards, even when a test fails.
//
// Use it from a test package like this:
//
//	func TestMain(m *testing.M) { os.Exit(dockertest.Main(m)) }
//
//	func TestX(t *testing.T) {
//		e := dockertest.Start(t)          // skips (or fails under CI) without an engine
//		id := e.Run(t, dockertest.Spec{Args: []string{"burn"}})
//		...
//	}
//
// Without an engine the tests skip loudly; with STACKTOP_REQUIRE_DOCKER=1
// they fail instead. Start logs "INTEGRATION: docker" for CI to grep.
package dockertest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
)

// Labels on everything the harness creates.
const (
	// LabelTest marks stacktop test objects ("1").
	LabelTest = "stacktop.test"
	// LabelRun holds the creating test process's run ID.
	LabelRun = "stacktop.test.run"
	// LabelPID holds the creating process's PID, so a later run can sweep
	// what a killed run left behind (only when that PID is gone).
	LabelPID = "stacktop.test.pid"
	// RequireEnv set to "1" turns a missing engine into a failure.
	RequireEnv = "STACKTOP_REQUIRE_DOCKER"
	// Marker is logged when the Docker integration suite runs.
	Marker = "INTEGRATION: docker"
)

// callTimeout bounds each harness call; create/start under load can be slow.
const callTimeout = 60 * time.Second

// Engine is a connection to the engine plus the imported test image, shared
// by all tests of one process.
type Engine struct {
	// Client is connected with API negotiation; use it to act "as someone
	// else" (start, stop, remove containers behind the collector's back).
	Client *client.Client
	// Image is the test image's reference (unique to this process).
	Image string
	// RunID is this process's run label value.
	RunID string
}

// session is the one per-process engine: the image is built and imported
// once, and Main removes it at exit. It is the harness's only shared state.
var session struct {
	once sync.Once
	eng  *Engine
	err  error
	skip bool // the engine is simply not there
}

// Main runs the tests and then removes every container and image this
// process created. Call it from TestMain and pass its result to os.Exit.
func Main(m *testing.M) int {
	code := m.Run()
	if e := session.eng; e != nil {
		if err := e.sweep(); err != nil {
			fmt.Fprintf(os.Stderr, "dockertest: cleanup: %v\n", err)
			if code == 0 {
				code = 1
			}
		}
		e.Client.Close()
	}
	return code
}

// Start returns the shared engine, connecting and importing the image on
// first use. Without an engine it skips tb (fails it under
// STACKTOP_REQUIRE_DOCKER=1).
func Start(tb testing.TB) *Engine {
	tb.Helper()
	session.once.Do(func() {
		session.eng, session.skip, session.err = setup()
		if session.err == nil {
			fmt.Println(Marker)
		}
	})
	if session.err != nil {
		if session.skip && os.Getenv(RequireEnv) != "1" {
			tb.Skipf("SKIP: no Docker engine (%v) — set %s=1 to make this a failure", session.err, RequireEnv)
		}
		tb.Fatalf("docker engine required: %v", session.err)
	}
	tb.Log(Marker)
	return session.eng
}

// setup connects, sweeps what dead runs left behind, builds the helper and
// imports the image.
func setup() (*Engine, bool, error) {
	cli, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return nil, true, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	_, err = cli.Ping(ctx)
	cancel()
	if err != nil {
		cli.Close()
		return nil, true, err
	}
	e := &Engine{Client: cli, RunID: fmt.Sprintf("%d-%d", os.Getpid(), time.Now().UnixNano())}
	e.Image = "stacktop-test-helper:" + e.RunID
	e.sweepOrphans()
	session.eng = e // from here on, Main cleans up even if the import fails
	bin, err := buildHelper()
	if err != nil {
		return nil, false, err
	}
	if err := e.importImage(bin); err != nil {
		return nil, false, err
	}
	return e, false, nil
}

// Spec describes one test container.
type Spec struct {
	// Name is appended to a unique per-run prefix; "" for a generated name.
	Name string
	// Args are the helper's arguments ("burn", "hold 64", ...); default idle.
	Args   []string
	Env    []string
	Labels map[string]string
	// Health is a healthcheck config; see HealthCheck.
	Health *container.HealthConfig
	Tty    bool
	// Memory limits the container (bytes); 0 for none.
	Memory int64
	// NetworkMode such as "none" or "host"; "" for the default bridge.
	NetworkMode string
	// NoStart leaves the container created but not started.
	NoStart bool
	// LogMaxSize caps the json-file log ("10m"), for containers that flood.
	LogMaxSize string
}

// HealthCheck is a healthcheck running the helper's health mode every
// interval; set HELPER_HEALTH=fail in Spec.Env to make it fail.
func HealthCheck(interval time.Duration) *container.HealthConfig {
	return &container.HealthConfig{
		Test: []string{"CMD", "/helper", "health"}, Interval: interval,
		Timeout: 5 * time.Second, Retries: 1,
	}
}

// Run creates (and unless NoStart, starts) a container and registers its
// removal with tb.Cleanup. It returns the container's ID and full name.
func (e *Engine) Run(tb testing.TB, s Spec) (id, name string) {
	tb.Helper()
	id, name, err := e.create(s)
	if id != "" {
		tb.Cleanup(func() { e.Remove(id) })
	}
	if err != nil {
		tb.Fatalf("dockertest: %v", err)
	}
	return id, name
}

// RunMany creates and starts n containers from s in parallel (names get a
// numeric suffix) and returns their IDs. All are removed at tb's cleanup.
func (e *Engine) RunMany(tb testing.TB, n int, s Spec) []string {
	tb.Helper()
	ids, err := e.StartMany(n, s)
	tb.Cleanup(func() { e.RemoveAll(ids) })
	if err != nil {
		tb.Fatalf("dockertest: %v", err)
	}
	return ids
}

// StartMany is RunMany for a fleet shared by several tests or benchmarks:
// nothing is registered with a test; Main's sweep removes the containers
// at the end of the process (call RemoveAll to free them sooner).
func (e *Engine) StartMany(n int, s Spec) ([]string, error) {
	ids := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i := range n {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			si := s
			si.Name = s.Name + "-" + strconv.Itoa(i)
			ids[i], _, errs[i] = e.create(si)
		})
	}
	wg.Wait()
	return ids, errors.Join(errs...)
}

func (e *Engine) create(s Spec) (id, name string, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	labels := map[string]string{LabelTest: "1", LabelRun: e.RunID, LabelPID: strconv.Itoa(os.Getpid())}
	for k, v := range s.Labels {
		labels[k] = v
	}
	args := s.Args
	if len(args) == 0 {
		args = []string{"idle"}
	}
	name = "stacktop-test-" + e.RunID + "-" + s.Name
	if s.Name == "" {
		name = ""
	}
	cfg := &container.Config{Image: e.Image, Cmd: args, Env: s.Env, Labels: labels, Healthcheck: s.Health, Tty: s.Tty}
	hc := &container.HostConfig{NetworkMode: container.NetworkMode(s.NetworkMode)}
	hc.Memory = s.Memory
	if s.LogMaxSize != "" {
		hc.LogConfig = container.LogConfig{Type: "json-file", Config: map[string]string{"max-size": s.LogMaxSize, "max-file": "1"}}
	}
	resp, err := e.Client.ContainerCreate(ctx, cfg, hc, nil, nil, name)
	if err != nil {
		return "", "", fmt.Errorf("create %s: %w", name, err)
	}
	if !s.NoStart {
		if err := e.Client.ContainerStart(ctx, resp.ID, container.StartOptions{}); err != nil {
			return resp.ID, name, fmt.Errorf("start %s: %w", name, err)
		}
	}
	return resp.ID, name, nil
}

// Remove force-removes one container, ignoring "already gone".
func (e *Engine) Remove(id string) {
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	_ = e.Client.ContainerRemove(ctx, id, container.RemoveOptions{Force: true})
}

// RemoveAll force-removes containers in parallel.
func (e *Engine) RemoveAll(ids []string) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for _, id := range ids {
		if id == "" {
			continue
		}
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			e.Remove(id)
		})
	}
	wg.Wait()
}

// sweep removes every container and the image of this run.
func (e *Engine) sweep() error {
	return e.removeLabelled(filters.NewArgs(filters.Arg("label", LabelRun+"="+e.RunID)))
}

// sweepOrphans removes test objects whose creating process no longer
// exists (a run that was killed before its cleanup). Objects of live
// processes — other test packages running in parallel — are left alone.
func (e *Engine) sweepOrphans() {
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	list, err := e.Client.ContainerList(ctx, container.ListOptions{All: true, Filters: filters.NewArgs(filters.Arg("label", LabelTest+"=1"))})
	if err != nil {
		return
	}
	runs := map[string]bool{}
	for _, c := range list {
		if pid, err := strconv.Atoi(c.Labels[LabelPID]); err == nil && !processAlive(pid) {
			runs[c.Labels[LabelRun]] = true
		}
	}
	imgs, _ := e.Client.ImageList(ctx, image.ListOptions{Filters: filters.NewArgs(filters.Arg("label", LabelTest+"=1"))})
	for _, im := range imgs {
		if pid, err := strconv.Atoi(im.Labels[LabelPID]); err == nil && !processAlive(pid) {
			runs[im.Labels[LabelRun]] = true
		}
	}
	for run := range runs {
		_ = e.removeLabelled(filters.NewArgs(filters.Arg("label", LabelRun+"="+run)))
	}
}

func processAlive(pid int) bool {
	_, err := os.Stat("/proc/" + strconv.Itoa(pid))
	return err == nil
}

// removeLabelled removes the containers, then the images, matching f.
func (e *Engine) removeLabelled(f filters.Args) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*callTimeout)
	defer cancel()
	list, err := e.Client.ContainerList(ctx, container.ListOptions{All: true, Filters: f})
	if err != nil {
		return err
	}
	ids := make([]string, len(list))
	for i, c := range list {
		ids[i] = c.ID
	}
	e.RemoveAll(ids)
	imgs, err := e.Client.ImageList(ctx, image.ListOptions{Filters: f})
	if err != nil {
		return err
	}
	for _, im := range imgs {
		if _, err := e.Client.ImageRemove(ctx, im.ID, image.RemoveOptions{Force: true, PruneChildren: true}); err != nil {
			return fmt.Errorf("remove image %s: %w", im.ID, err)
		}
	}
	return nil
}
