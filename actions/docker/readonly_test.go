package docker_test

import (
	"testing"

	"github.com/stacktop/stacktop/actions"
	"github.com/stacktop/stacktop/actions/actionstest"
	"github.com/stacktop/stacktop/actions/docker"
	"github.com/stacktop/stacktop/collectors/docker/dockertest"
)

// Every Docker kind, built against a real running container with the
// params that would make it act, is refused under each read-only scope
// and leaves the container as it was: running, not paused, same start.
func TestDockerActionsRefusedWhenReadOnly(t *testing.T) {
	f := newFixture(t)
	kinds := f.reg.Kinds()
	if _, ok := f.reg.Lookup(docker.ShellID); !ok {
		t.Log("no docker CLI on PATH: docker.shell is not offered, so not checked")
	}
	actionstest.AssertReadOnlyRefused(t, kinds, func(t *testing.T, k actions.Kind) actionstest.Case {
		id, name := f.e.Run(t, dockertest.Spec{Name: "ro-" + k.ID})
		before := inspect(t, f.e, id).State
		tgt := target(id, name)
		if k.ID == docker.ArchiveVolumeID {
			tgt = docker.VolumeTarget(source, "any")
		}
		return actionstest.Case{
			Target: tgt,
			Params: paramsFor(k.ID),
			Unchanged: func(t testing.TB) {
				st := inspect(t, f.e, id).State
				if !st.Running || st.Paused || st.StartedAt != before.StartedAt {
					t.Errorf("%s under read-only changed the container: %+v", k.ID, st)
				}
				if names, _ := dirNames(f.opts.BackupDir); len(names) != 0 {
					t.Errorf("%s under read-only wrote %v", k.ID, names)
				}
			},
		}
	})
}
