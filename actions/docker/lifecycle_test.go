package docker_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stacktop/stacktop/actions"
	"github.com/stacktop/stacktop/actions/actionstest"
	"github.com/stacktop/stacktop/actions/docker"
	dockerc "github.com/stacktop/stacktop/collectors/docker"
	"github.com/stacktop/stacktop/collectors/docker/dockertest"
)

// The UI names a container from the collector's snapshot; restart through
// that target asks for a yes, then restarts the very container: same id,
// a new StartedAt, running.
func TestRestartKeepsTheContainerAndChangesStartedAt(t *testing.T) {
	f := newFixture(t)
	id, name := runReady(t, f.e, "restart")
	before := inspect(t, f.e, id).State.StartedAt

	col, err := dockerc.New(dockerc.Options{Name: source})
	if err != nil {
		t.Fatal(err)
	}
	defer col.Close()
	snap, err := col.Collect(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	c, ok := snap.(*dockerc.Snapshot).Container(name)
	if !ok {
		t.Fatalf("container %s not in the snapshot", name)
	}
	tgt := docker.ContainerTarget(source, c)
	if tgt.Object != name || tgt.Guard != id {
		t.Fatalf("target from the snapshot: %+v", tgt)
	}

	a := f.build(t, docker.RestartID, tgt, nil)
	if a.Risk != actions.Mutating || !a.NeedsYes || a.ConfirmByName {
		t.Errorf("restart: risk %s, yes %v, by name %v", a.Risk, a.NeedsYes, a.ConfirmByName)
	}
	if !strings.Contains(a.Description, name) || !strings.Contains(a.Description, "SIGKILL after 3s") {
		t.Errorf("description %q", a.Description)
	}
	if _, err := f.r.Run(t.Context(), a, actions.Confirmation{}, nil); !errors.Is(err, actions.ErrNotConfirmed) {
		t.Fatalf("restart without a yes: %v", err)
	}
	if got := inspect(t, f.e, id).State.StartedAt; got != before {
		t.Fatalf("an unconfirmed restart restarted the container (%s → %s)", before, got)
	}
	var last actions.Progress
	res, err := f.r.Run(t.Context(), a, actions.Confirmation{Confirmed: true}, func(p actions.Progress) { last = p })
	if err != nil {
		t.Fatalf("restart: %v", err)
	}
	after := inspect(t, f.e, id)
	if after.ID != id || !after.State.Running || after.State.StartedAt == before {
		t.Errorf("after restart: id %s running %v started %s (before %s)", after.ID, after.State.Running, after.State.StartedAt, before)
	}
	if !strings.HasPrefix(last.Message, "restarting "+name) {
		t.Errorf("last progress %q", last.Message)
	}
	if res.Duration <= 0 {
		t.Errorf("duration %s", res.Duration)
	}
	var outcomes []string
	for _, rec := range actionstest.ReadAudit(t, f.audit) {
		outcomes = append(outcomes, string(rec.Outcome))
		if rec.Action != docker.RestartID || rec.Target != tgt {
			t.Errorf("audit line %+v", rec)
		}
	}
	if got := strings.Join(outcomes, ","); got != "refused_unconfirmed,ok" {
		t.Errorf("audit outcomes %s", got)
	}
}

func TestStopThenStart(t *testing.T) {
	f := newFixture(t)
	id, name := runReady(t, f.e, "stopstart")
	tgt := target(id, name)

	stop := f.build(t, docker.StopID, tgt, actions.Params{"timeout": "5s"})
	if !stop.NeedsYes || !strings.Contains(stop.Description, "after 5s") {
		t.Errorf("stop: yes %v, description %q", stop.NeedsYes, stop.Description)
	}
	f.run(t, stop)
	info := inspect(t, f.e, id)
	// The helper exits 0 on SIGTERM: a graceful stop, not the timeout's KILL.
	if info.State.Running || info.State.ExitCode != 0 {
		t.Fatalf("after stop: running %v, exit code %d", info.State.Running, info.State.ExitCode)
	}
	start := f.build(t, docker.StartID, tgt, nil)
	if start.NeedsConfirmation() {
		t.Error("start asks for confirmation; it only brings a service back")
	}
	f.run(t, start)
	if info := inspect(t, f.e, id); !info.State.Running {
		t.Fatalf("after start: %+v", info.State)
	}
}

// A container whose program exits at once "starts" as far as the engine
// is concerned; the user hears that it did not stay up.
func TestStartOfAContainerThatExitsAtOnce(t *testing.T) {
	f := newFixture(t)
	id, name := f.e.Run(t, dockertest.Spec{Name: "exits", Args: []string{"exit", "3"}, NoStart: true})
	err := f.runErr(t, f.build(t, docker.StartID, target(id, name), nil))
	if err == nil || !strings.Contains(err.Error(), "exited at once with code 3 — check its logs") {
		t.Errorf("start of a container that exits: %v", err)
	}
}

func TestPauseUnpause(t *testing.T) {
	f := newFixture(t)
	id, name := f.e.Run(t, dockertest.Spec{Name: "pause"})
	tgt := target(id, name)
	pause := f.build(t, docker.PauseID, tgt, nil)
	if !pause.NeedsYes {
		t.Error("pause takes a service down; it must ask")
	}
	f.run(t, pause)
	if !inspect(t, f.e, id).State.Paused {
		t.Fatal("not paused")
	}
	err := f.runErr(t, f.build(t, docker.StartID, tgt, nil))
	if err == nil || !strings.Contains(err.Error(), "is paused, not stopped — unpause it instead") {
		t.Errorf("start of a paused container: %v", err)
	}
	f.run(t, f.build(t, docker.UnpauseID, tgt, nil))
	if st := inspect(t, f.e, id).State; st.Paused || !st.Running {
		t.Fatalf("after unpause: %+v", st)
	}
}

func TestStopTimeoutIsCappedAndParsed(t *testing.T) {
	reg := registry(t, docker.Options{BackupDir: t.TempDir()})
	tgt := target(strings.Repeat("a", 64), "web")
	for _, v := range []string{"2h", "-1s", "soon"} {
		if _, err := reg.New(docker.StopID, tgt, actions.Params{"timeout": v}); err == nil {
			t.Errorf("stop with timeout=%s was built", v)
		}
	}
	a, err := reg.New(docker.RestartID, tgt, actions.Params{"timeout": "30"})
	if err != nil || !strings.Contains(a.Description, "after 30s") {
		t.Errorf("timeout=30 (seconds): %v %q", err, a.Description)
	}
}

// A container removed and created again under the same name (as compose
// does) is not the one the user picked: every action refuses it and leaves
// it alone. A container that is simply gone is named as gone.
func TestGuardRefusesARecreatedContainer(t *testing.T) {
	f := newFixture(t)
	oldID, name := f.e.Run(t, dockertest.Spec{Name: "recreated"})
	stale := target(oldID, name)
	f.e.Remove(oldID)
	for _, k := range f.reg.Kinds() {
		if k.ID == docker.ArchiveVolumeID {
			continue // names a volume, not a container
		}
		a := f.build(t, k.ID, stale, paramsFor(k.ID))
		if err := f.runErr(t, a); err == nil || !strings.Contains(err.Error(), "container "+name+" is gone") {
			t.Errorf("%s on a removed container: %v", k.ID, err)
		}
	}

	newID, _ := f.e.Run(t, dockertest.Spec{Name: "recreated"})
	before := inspect(t, f.e, newID).State
	for _, k := range f.reg.Kinds() {
		if k.ID == docker.ArchiveVolumeID {
			continue
		}
		a := f.build(t, k.ID, stale, paramsFor(k.ID))
		err := f.runErr(t, a)
		if err == nil || !strings.Contains(err.Error(), "was recreated") || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s on a recreated container: %v", k.ID, err)
		}
	}
	after := inspect(t, f.e, newID).State
	if !after.Running || after.Paused || after.StartedAt != before.StartedAt {
		t.Errorf("the recreated container was acted on: %+v", after)
	}
	if entries, _ := dirNames(f.opts.BackupDir); len(entries) != 0 {
		t.Errorf("files written for a recreated container: %v", entries)
	}
}

// paramsFor is what each kind needs to be built.
func paramsFor(id string) actions.Params {
	switch id {
	case docker.ArchiveID:
		return actions.Params{"path": "/helper"}
	case docker.RemoveID:
		return actions.Params{"force": "true"}
	}
	return nil
}

// A missing engine is one line naming the address and what to try.
func TestEngineUnreachable(t *testing.T) {
	opts := docker.Options{Hosts: map[string]dockerc.Options{source: {Host: "unix:///nonexistent/docker.sock"}},
		CallTimeout: 2 * time.Second, BackupDir: t.TempDir()}
	a, err := registry(t, opts).New(docker.RestartID, target(strings.Repeat("b", 64), "web"), nil)
	if err != nil {
		t.Fatal(err)
	}
	r, _ := actionstest.NewRunner(t, actions.RunnerOptions{})
	_, err = r.Run(context.Background(), a, actions.Yes(a), nil)
	want := `docker "local": inspect web: cannot connect to unix:///nonexistent/docker.sock ([[docker]] host) — is the Docker daemon running?`
	if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "\n") {
		t.Errorf("unreachable engine: %v", err)
	}

	a, _ = registry(t, opts).New(docker.StartID, actions.Target{Kind: "docker", Source: "other", Object: "web", Guard: strings.Repeat("b", 64)}, nil)
	if _, err := r.Run(context.Background(), a, actions.Yes(a), nil); err == nil || !strings.Contains(err.Error(), `no Docker source named "other" — check the [[docker]] entries`) {
		t.Errorf("unknown source: %v", err)
	}
}

// On a protected engine a restart — a yes action elsewhere — needs the
// container's name typed: a yes and a blanket --yes are refused (audited,
// the container untouched); the typed name runs it.
func TestRestartOnAProtectedEngineNeedsTheName(t *testing.T) {
	f := newFixture(t)
	prot, err := actions.ProtectedSources("docker:" + source)
	if err != nil {
		t.Fatal(err)
	}
	f.r, f.audit = actionstest.NewRunner(t, actions.RunnerOptions{ProtectedTarget: prot})
	id, name := runReady(t, f.e, "protected")
	before := inspect(t, f.e, id).State.StartedAt
	tgt, err := docker.LookupTarget(t.Context(), f.opts, source, name)
	if err != nil {
		t.Fatal(err)
	}
	a := f.build(t, docker.RestartID, tgt, nil)
	if p := f.r.Protect(a); !p.ConfirmByName || p.ConfirmPhrase() != name {
		t.Fatalf("restart on a protected engine asks by name %v for %q, want %q typed", p.ConfirmByName, p.ConfirmPhrase(), name)
	}
	for _, c := range []actions.Confirmation{{Confirmed: true}, actions.Yes(a)} {
		if _, err := f.r.Run(t.Context(), a, c, nil); !errors.Is(err, actions.ErrNotConfirmed) || !strings.Contains(err.Error(), "is protected") {
			t.Errorf("restart with %+v: %v, want a refusal saying the engine is protected", c, err)
		}
	}
	if got := inspect(t, f.e, id).State.StartedAt; got != before {
		t.Fatalf("a refused restart restarted the container (%s → %s)", before, got)
	}
	if _, err := f.r.Run(t.Context(), a, actions.Confirmation{Confirmed: true, TypedName: name}, nil); err != nil {
		t.Fatalf("restart with the name typed: %v", err)
	}
	if after := inspect(t, f.e, id); !after.State.Running || after.State.StartedAt == before {
		t.Errorf("after the confirmed restart: running %v, started %s (before %s)", after.State.Running, after.State.StartedAt, before)
	}
	var outcomes []string
	for _, rec := range actionstest.ReadAudit(t, f.audit) {
		outcomes = append(outcomes, string(rec.Outcome))
	}
	if got := strings.Join(outcomes, ","); got != "refused_unconfirmed,refused_unconfirmed,ok" {
		t.Errorf("audit outcomes %s", got)
	}
}
