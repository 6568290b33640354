package docker_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"

	"github.com/stacktop/stacktop/actions"
	"github.com/stacktop/stacktop/actions/docker"
	"github.com/stacktop/stacktop/collectors/docker/dockertest"
)

// KILL wants the container's name typed; the engine then reports the
// container ended by SIGKILL (exit code 128+9).
func TestKillNeedsTheNameTyped(t *testing.T) {
	f := newFixture(t)
	id, name := f.e.Run(t, dockertest.Spec{Name: "kill"})
	a := f.build(t, docker.KillID, target(id, name), nil)
	if a.Risk != actions.Destructive || !a.ConfirmByName || a.ConfirmPhrase() != name {
		t.Errorf("kill: risk %s, by name %v, phrase %q", a.Risk, a.ConfirmByName, a.ConfirmPhrase())
	}
	if !strings.Contains(a.Description, "SIGKILL") {
		t.Errorf("description %q", a.Description)
	}
	for _, c := range []actions.Confirmation{{}, {Confirmed: true}, {Confirmed: true, TypedName: "kill"}} {
		if _, err := f.r.Run(t.Context(), a, c, nil); !errors.Is(err, actions.ErrNotConfirmed) {
			t.Errorf("kill with %+v: %v", c, err)
		}
	}
	if !inspect(t, f.e, id).State.Running {
		t.Fatal("an unconfirmed kill stopped the container")
	}
	if _, err := f.r.Run(t.Context(), a, actions.Confirmation{Confirmed: true, TypedName: name}, nil); err != nil {
		t.Fatalf("kill: %v", err)
	}
	// Run waits for the exit, so the container is down when it returns.
	st := inspect(t, f.e, id).State
	if st.Running || st.ExitCode != 137 {
		t.Errorf("after SIGKILL: running %v, exit code %d (want 137)", st.Running, st.ExitCode)
	}
	err := f.runErr(t, a)
	if err == nil || !strings.Contains(err.Error(), "is not running — nothing to signal") {
		t.Errorf("kill of a stopped container: %v", err)
	}
}

// Other signals are still destructive (an unhandled one ends the program)
// but a yes is enough. The helper exits 0 on TERM (its handler) and the Go
// runtime ends it with status 2 on an unhandled HUP when it is PID 1 (the
// kernel does not let the default action kill a namespace's init).
func TestKillWithOtherSignals(t *testing.T) {
	f := newFixture(t)
	for _, c := range []struct {
		signal string
		exit   int
	}{{"TERM", 0}, {"sighup", 2}} {
		t.Run(c.signal, func(t *testing.T) {
			id, name := runReady(t, f.e, "sig-"+c.signal)
			a := f.build(t, docker.KillID, target(id, name), actions.Params{"signal": c.signal})
			if a.Risk != actions.Destructive || a.ConfirmByName || !a.NeedsConfirmation() {
				t.Errorf("kill %s: risk %s, by name %v", c.signal, a.Risk, a.ConfirmByName)
			}
			f.run(t, a)
			if code := waitExited(t, f.e, id); code != c.exit {
				t.Errorf("after SIG%s: exit code %d, want %d", strings.ToUpper(c.signal), code, c.exit)
			}
		})
	}
	if _, err := f.reg.New(docker.KillID, target(strings.Repeat("c", 64), "x"), actions.Params{"signal": "STOP"}); err == nil ||
		!strings.Contains(err.Error(), `signal "STOP" is not one stacktop sends — use one of KILL, TERM`) {
		t.Errorf("kill with STOP: %v", err)
	}
}

func TestRemove(t *testing.T) {
	f := newFixture(t)
	id, name := f.e.Run(t, dockertest.Spec{Name: "remove"})
	tgt := target(id, name)
	a := f.build(t, docker.RemoveID, tgt, nil)
	if a.Risk != actions.Destructive || !a.ConfirmByName {
		t.Errorf("remove: risk %s, by name %v", a.Risk, a.ConfirmByName)
	}
	for _, c := range []actions.Confirmation{{}, {Confirmed: true}, {Confirmed: true, TypedName: name + "x"}} {
		if _, err := f.r.Run(t.Context(), a, c, nil); !errors.Is(err, actions.ErrNotConfirmed) {
			t.Errorf("remove with %+v: %v", c, err)
		}
	}
	// Typed correctly, but the container runs and force was not asked for.
	_, err := f.r.Run(t.Context(), a, actions.Confirmation{Confirmed: true, TypedName: name}, nil)
	if err == nil || !strings.Contains(err.Error(), "is running — stop it first, or remove with force=true") {
		t.Errorf("remove of a running container: %v", err)
	}
	if gone(t, f.e, id) {
		t.Fatal("an unconfirmed or unforced remove removed the container")
	}
	f.run(t, f.build(t, docker.StopID, tgt, nil))
	if _, err := f.r.Run(t.Context(), a, actions.Confirmation{Confirmed: true, TypedName: " " + name + " "}, nil); err != nil {
		t.Fatalf("remove: %v", err)
	}
	if !gone(t, f.e, id) {
		t.Fatal("the container is still there")
	}
}

// force=true kills a running container first; volumes=true takes its
// anonymous volume with it.
func TestRemoveForceWithVolumes(t *testing.T) {
	f := newFixture(t)
	id := createWith(t, f.e, "remove-vol", container.Config{Volumes: map[string]struct{}{"/anon": {}}}, container.HostConfig{}, false)
	info := inspect(t, f.e, id)
	if len(info.Mounts) != 1 || info.Mounts[0].Name == "" {
		t.Fatalf("no anonymous volume: %+v", info.Mounts)
	}
	vol := info.Mounts[0].Name
	t.Cleanup(func() { f.e.Remove(id); removeVolume(f.e, vol) })
	a := f.build(t, docker.RemoveID, target(id, strings.TrimPrefix(info.Name, "/")), actions.Params{"force": "yes", "volumes": "true"})
	if !strings.Contains(a.Description, "Kill container") || !strings.Contains(a.Description, "its anonymous volumes") {
		t.Errorf("description %q", a.Description)
	}
	f.run(t, a)
	if !gone(t, f.e, id) {
		t.Fatal("the container is still there")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := f.e.Client.VolumeInspect(ctx, vol); err == nil {
		t.Errorf("anonymous volume %s survived volumes=true", vol)
	}
	if _, err := f.reg.New(docker.RemoveID, target(id, "x"), actions.Params{"volume": "true"}); err == nil ||
		!strings.Contains(err.Error(), `unknown parameter "volume" — it reads force, volumes`) {
		t.Errorf("a misspelt parameter: %v", err)
	}
}

func removeVolume(e *dockertest.Engine, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = e.Client.VolumeRemove(ctx, name, true)
}
