package docker_test

import (
	"context"
	"io"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stacktop/stacktop/actions"
	"github.com/stacktop/stacktop/actions/actionstest"
	"github.com/stacktop/stacktop/actions/docker"
	dockerc "github.com/stacktop/stacktop/collectors/docker"
	"github.com/stacktop/stacktop/collectors/docker/dockertest"
)

// The CLI names a container on the command line (docker:local/web):
// LookupTarget pins it to today's id, by name or by short id.
func TestLookupTarget(t *testing.T) {
	f := newFixture(t)
	id, name := f.e.Run(t, dockertest.Spec{Name: "lookup"})
	for _, q := range []string{name, id[:12]} {
		tgt, err := docker.LookupTarget(t.Context(), f.opts, source, q)
		if err != nil {
			t.Fatal(err)
		}
		if tgt.Object != name || tgt.Guard != id || tgt.String() != "docker:local/"+name {
			t.Errorf("LookupTarget(%s) = %+v", q, tgt)
		}
	}
	_, err := docker.LookupTarget(context.Background(), f.opts, source, "no-such-container-here")
	if err == nil || err.Error() != `docker "local": no container named "no-such-container-here" — check the name with docker ps -a` {
		t.Errorf("lookup of a missing container: %v", err)
	}
}

// BenchmarkArchive archives a 32 MiB file (half random, half text, so
// gzip has work of both kinds) through the API, the tar check, gzip and the
// sha256 into a synced file ("archive"), against the engine's copy alone
// read into io.Discard ("engine", what docker cp > /dev/null costs). MB/s
// is of the file's size.
func BenchmarkArchive(b *testing.B) {
	e := dockertest.Start(b)
	id, name := e.Run(b, dockertest.Spec{Name: "bench-archive"})
	const size = 32 << 20
	body := make([]byte, size)
	rng := rand.NewChaCha8([32]byte{1})
	_, _ = rng.Read(body[:size/2])
	copy(body[size/2:], strings.Repeat("2026-11-21 03:04:05 GET /api/v1/items 200 12ms\n", size/2/48+1))
	putFiles(b, e, id, "/", map[string]string{"data/blob": string(body)})
	b.Run("engine", func(b *testing.B) {
		b.SetBytes(size)
		for b.Loop() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			rc, _, err := e.Client.CopyFromContainer(ctx, id, "/data/blob")
			if err != nil {
				b.Fatal(err)
			}
			_, err = io.Copy(io.Discard, rc)
			rc.Close()
			cancel()
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("archive", func(b *testing.B) {
		dir := b.TempDir()
		reg := registry(b, docker.Options{Hosts: map[string]dockerc.Options{source: {Name: source}}, BackupDir: dir})
		a, err := reg.New(docker.ArchiveID, target(id, name), actions.Params{"path": "/data/blob"})
		if err != nil {
			b.Fatal(err)
		}
		r, _ := actionstest.NewRunner(b, actions.RunnerOptions{})
		b.SetBytes(size)
		for b.Loop() {
			res, err := r.Run(context.Background(), a, actions.Confirmation{}, nil)
			if err != nil {
				b.Fatal(err)
			}
			out := res.Output.(*docker.Archive)
			_ = os.Remove(out.Path)
			_ = os.Remove(out.Path + ".sha256")
		}
	})
}
