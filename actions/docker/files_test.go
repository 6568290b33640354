package docker_test

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"

	"github.com/stacktop/stacktop/actions"
	"github.com/stacktop/stacktop/actions/actionstest"
	"github.com/stacktop/stacktop/actions/docker"
	"github.com/stacktop/stacktop/collectors/docker/dockertest"
)

func dirNames(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names, err
}

// waitLogged waits until the container has written want lines.
func waitLogged(t *testing.T, e *dockertest.Engine, id string, want int) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		rc, err := e.Client.ContainerLogs(ctx, id, container.LogsOptions{ShowStdout: true, ShowStderr: true})
		var n int
		if err == nil {
			b, _ := io.ReadAll(rc)
			rc.Close()
			n = strings.Count(string(b), "line ")
		}
		cancel()
		if n >= want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the container logged %d lines, not %d", n, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Saving logs is a Read action: it works under read-only, writes every
// stdout and stderr line to a new private file, and tail keeps the last N.
func TestSaveLogs(t *testing.T) {
	f := newFixture(t)
	id, name := f.e.Run(t, dockertest.Spec{Name: "logs", Args: []string{"logs", "0", "20"}})
	waitLogged(t, f.e, id, 20)
	r, audit := actionstest.NewRunner(t, actions.RunnerOptions{ReadOnly: true})

	a := f.build(t, docker.LogsID, target(id, name), nil)
	if a.Risk != actions.Read || a.NeedsConfirmation() {
		t.Errorf("logs: risk %s, confirmation %v", a.Risk, a.NeedsConfirmation())
	}
	res, err := r.Run(t.Context(), a, actions.Confirmation{}, nil)
	if err != nil {
		t.Fatalf("save logs under read-only: %v", err)
	}
	lf := res.Output.(*docker.LogFile)
	if filepath.Dir(lf.Path) != f.opts.BackupDir || !strings.HasPrefix(filepath.Base(lf.Path), source+"-"+name+"-") || !strings.HasSuffix(lf.Path, ".log") {
		t.Errorf("log file %s", lf.Path)
	}
	data, err := os.ReadFile(lf.Path)
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(data)) != lf.Size {
		t.Errorf("size %d, file has %d bytes", lf.Size, len(data))
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(lines) != 20 {
		t.Fatalf("%d lines saved, want 20:\n%s", len(lines), data)
	}
	for _, want := range []string{"line 1 stdout", "line 2 stderr", "line 18 stderr", "line 19 stdout", "line 20 \x1b[31mred"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("saved log lacks %q", want)
		}
	}
	// Each line starts with the engine's timestamp.
	if _, err := time.Parse(time.RFC3339Nano, strings.Fields(lines[0])[0]); err != nil {
		t.Errorf("first line has no timestamp: %q", lines[0])
	}
	if fi, _ := os.Stat(lf.Path); fi.Mode().Perm() != 0o600 {
		t.Errorf("log file mode %v, want 0600", fi.Mode().Perm())
	}

	a = f.build(t, docker.LogsID, target(id, name), actions.Params{"tail": "5", "timestamps": "false"})
	res, err = r.Run(t.Context(), a, actions.Confirmation{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	data, _ = os.ReadFile(res.Output.(*docker.LogFile).Path)
	// Engine 20.10's json-file driver tails one stream only (docker logs
	// --tail 5 shows the same), so check the count and the recency, not
	// exactly which five.
	got := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(got) != 5 {
		t.Errorf("tail=5 saved %q", got)
	}
	for _, l := range got {
		var n int
		if _, err := fmt.Sscanf(l, "line %d", &n); err != nil || n <= 10 {
			t.Errorf("tail=5 saved an old or malformed line %q", l)
		}
	}
	if recs := actionstest.ReadAudit(t, audit); len(recs) != 2 || recs[0].Outcome != actions.OutcomeOK {
		t.Errorf("audit %+v", recs)
	}
	if _, err := f.reg.New(docker.LogsID, target(id, name), actions.Params{"tail": "many"}); err == nil {
		t.Error("tail=many was accepted")
	}
}

// readArchive returns the archive's regular files, name → content.
func readArchive(t *testing.T, path string) map[string]string {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	gz, err := gzip.NewReader(fh)
	if err != nil {
		t.Fatalf("%s is not gzip: %v", path, err)
	}
	files := map[string]string{}
	tr := tar.NewReader(gz)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s is not a valid tar: %v", path, err)
		}
		if hdr.Typeflag == tar.TypeReg {
			b, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			files[hdr.Name] = string(b)
		}
	}
	if _, err := io.Copy(io.Discard, gz); err != nil {
		t.Fatalf("%s: gzip stream: %v", path, err)
	}
	return files
}

// checkSidecar checks PATH.sha256 with sha256sum -c, as a user would, and
// against our own reading of the file.
func checkSidecar(t *testing.T, a *docker.Archive) {
	t.Helper()
	data, err := os.ReadFile(a.Path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	want := hex.EncodeToString(sum[:]) + "  " + filepath.Base(a.Path) + "\n"
	side, err := os.ReadFile(a.Path + ".sha256")
	if err != nil || string(side) != want || a.SHA256 != hex.EncodeToString(sum[:]) || a.Size != int64(len(data)) {
		t.Errorf("sidecar %q (%v), want %q; output %+v", side, err, want, a)
	}
	if _, err := exec.LookPath("sha256sum"); err == nil {
		cmd := exec.Command("sha256sum", "-c", filepath.Base(a.Path)+".sha256")
		cmd.Dir = filepath.Dir(a.Path)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("sha256sum -c: %v: %s", err, out)
		}
	}
}

func TestArchiveAPath(t *testing.T) {
	f := newFixture(t)
	f.opts.Now = func() time.Time { return time.Date(2026, 11, 21, 3, 4, 5, 0, time.UTC) }
	f.reg = registry(t, f.opts)
	id, name := f.e.Run(t, dockertest.Spec{Name: "archive"})
	putFiles(t, f.e, id, "/", map[string]string{"data/hello.txt": "hello\n", "data/sub/deep.txt": "deep\n"})

	a := f.build(t, docker.ArchiveID, target(id, name), actions.Params{"path": "/data/"})
	if a.Risk != actions.Read || a.NeedsConfirmation() {
		t.Errorf("archive: risk %s", a.Risk)
	}
	var last actions.Progress
	res, err := f.r.Run(t.Context(), a, actions.Confirmation{}, func(p actions.Progress) { last = p })
	if err != nil {
		t.Fatalf("archive: %v", err)
	}
	out := res.Output.(*docker.Archive)
	wantPath := filepath.Join(f.opts.BackupDir, source+"-"+name+"-data-20261121T030405Z.tar.gz")
	if out.Path != wantPath {
		t.Errorf("archive at %s, want %s", out.Path, wantPath)
	}
	files := readArchive(t, out.Path)
	if files["data/hello.txt"] != "hello\n" || files["data/sub/deep.txt"] != "deep\n" {
		t.Errorf("archive holds %v", files)
	}
	checkSidecar(t, out)
	if !strings.HasPrefix(last.Message, "archiving /data in container "+name) || last.Done != out.Size || last.Unit != actions.ProgressBytes {
		t.Errorf("last progress %+v, archive %d bytes", last, out.Size)
	}

	// The same name again (same second): a numbered name, the first intact.
	res2 := f.run(t, a)
	out2 := res2.Output.(*docker.Archive)
	if out2.Path != strings.TrimSuffix(wantPath, ".tar.gz")+"-1.tar.gz" {
		t.Errorf("second archive at %s", out2.Path)
	}
	checkSidecar(t, out)
	checkSidecar(t, out2)
	names, _ := dirNames(f.opts.BackupDir)
	if len(names) != 4 {
		t.Errorf("backup dir holds %v, want two archives and two sidecars", names)
	}
}

// A failing archive leaves nothing under a final name, and no temporary
// file either: a missing path, and a run cancelled mid-stream.
func TestFailedArchiveLeavesNoFile(t *testing.T) {
	f := newFixture(t)
	id, name := f.e.Run(t, dockertest.Spec{Name: "archive-fail"})
	a := f.build(t, docker.ArchiveID, target(id, name), actions.Params{"path": "/no/such/dir"})
	err := f.runErr(t, a)
	if err == nil || !strings.Contains(err.Error(), "/no/such/dir in container "+name+" does not exist — check the path") {
		t.Errorf("archive of a missing path: %v", err)
	}

	// The helper binary is megabytes: cancel on the first progress report.
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	a = f.build(t, docker.ArchiveID, target(id, name), actions.Params{"path": "/helper"})
	res, err := f.r.Run(ctx, a, actions.Confirmation{}, func(p actions.Progress) {
		if p.Done > 0 {
			cancel()
		}
	})
	if res.Outcome != actions.OutcomeCancelled || err == nil {
		t.Errorf("cancelled archive: %s %v", res.Outcome, err)
	}
	if names, err := dirNames(f.opts.BackupDir); len(names) != 0 {
		t.Errorf("after failed archives the backup dir holds %v (%v)", names, err)
	}
	for _, p := range []string{"", "relative/path"} {
		if _, err := f.reg.New(docker.ArchiveID, target(id, name), actions.Params{"path": p}); err == nil {
			t.Errorf("archive of path %q was built", p)
		}
	}
	noDir := registry(t, docker.Options{})
	if _, err := noDir.New(docker.ArchiveID, target(id, name), actions.Params{"path": "/data"}); err == nil ||
		!strings.Contains(err.Error(), "no backup directory configured — set backup_dir") {
		t.Errorf("archive without a backup dir: %v", err)
	}
}

// A named volume is read through a container that mounts it — a stopped
// one will do — and without one the user is told to start one.
func TestArchiveAVolume(t *testing.T) {
	f := newFixture(t)
	vol := newVolume(t, f.e, "vol")
	tgt := docker.VolumeTarget(source, vol)
	err := f.runErr(t, f.build(t, docker.ArchiveVolumeID, tgt, nil))
	if err == nil || !strings.HasSuffix(err.Error(), fmt.Sprintf(": no container mounts volume %s — start one that does (stacktop does not pull an image to read it)", vol)) {
		t.Errorf("archive of an unmounted volume: %v", err)
	}

	hc := container.HostConfig{Mounts: []mount.Mount{{Type: mount.TypeVolume, Source: vol, Target: "/srv/state"}}}
	id := createWith(t, f.e, "vol-holder", container.Config{}, hc, true)
	putFiles(t, f.e, id, "/srv/state", map[string]string{"db/row.txt": "42\n"})
	res := f.run(t, f.build(t, docker.ArchiveVolumeID, tgt, nil))
	out := res.Output.(*docker.Archive)
	if !strings.HasPrefix(filepath.Base(out.Path), source+"-volume-"+vol+"-") {
		t.Errorf("volume archive named %s", out.Path)
	}
	if files := readArchive(t, out.Path); files["state/db/row.txt"] != "42\n" {
		t.Errorf("volume archive holds %v", files)
	}
	checkSidecar(t, out)
	if inspect(t, f.e, id).State.Running {
		t.Error("archiving started the stopped holder")
	}

	err = f.runErr(t, f.build(t, docker.ArchiveVolumeID, docker.VolumeTarget(source, vol+"-missing"), nil))
	if err == nil || !strings.Contains(err.Error(), "does not exist — check the name with docker volume ls") {
		t.Errorf("archive of a missing volume: %v", err)
	}
	names, _ := dirNames(f.opts.BackupDir)
	if !slices.Equal(names, []string{filepath.Base(out.Path), filepath.Base(out.Path) + ".sha256"}) {
		t.Errorf("backup dir holds %v", names)
	}
}
