package atomicfile_test

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stacktop/stacktop/actions/atomicfile"
)

// names lists dir, sorted.
func names(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	sort.Strings(out)
	return out
}

func put(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}

func write(t *testing.T, f *atomicfile.File, data string) {
	t.Helper()
	if _, err := f.Write([]byte(data)); err != nil {
		t.Fatal(err)
	}
}

// Without numbering, a taken name fails early at Create, and a name that
// appears while writing fails Commit; the existing file keeps its bytes
// and the temporary file goes.
func TestCommitNeverOverwrites(t *testing.T) {
	dir := t.TempDir()
	put(t, filepath.Join(dir, "a.dump"), "old")
	if _, err := atomicfile.Create(dir, "a", ".dump", atomicfile.Options{}); !errors.Is(err, atomicfile.ErrNameTaken) {
		t.Errorf("Create over an existing name: %v", err)
	}
	f, err := atomicfile.Create(dir, "b", ".dump", atomicfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	write(t, f, "new")
	put(t, filepath.Join(dir, "b.dump"), "someone else's")
	if _, err := f.Commit(); !errors.Is(err, atomicfile.ErrNameTaken) {
		t.Errorf("Commit over a name that appeared: %v", err)
	}
	if got := strings.Join(names(t, dir), " "); got != "a.dump b.dump" {
		t.Errorf("dir holds %s", got)
	}
	for name, want := range map[string]string{"a.dump": "old", "b.dump": "someone else's"} {
		if b, _ := os.ReadFile(filepath.Join(dir, name)); string(b) != want {
			t.Errorf("%s now holds %q", name, b)
		}
	}
}

// Numbered with a sidecar: an existing file, or a sidecar left without its
// file, moves the new one to the next number; the sidecar is sha256sum's.
func TestNumberedSkipsTakenNamesAndSidecars(t *testing.T) {
	dir := t.TempDir()
	put(t, filepath.Join(dir, "b.tar.gz"), "old")
	put(t, filepath.Join(dir, "b-1.tar.gz.sha256"), "old")
	var seen int64
	f, err := atomicfile.Create(dir, "b", ".tar.gz", atomicfile.Options{Numbered: true, Sidecar: true, OnWrite: func(n int64) { seen = n }})
	if err != nil {
		t.Fatal(err)
	}
	write(t, f, "new data")
	final, err := f.Commit()
	if err != nil {
		t.Fatal(err)
	}
	if final != filepath.Join(dir, "b-2.tar.gz") || seen != 8 || f.Size() != 8 {
		t.Errorf("committed as %s after %d bytes (Size %d)", final, seen, f.Size())
	}
	want := map[string]string{
		"b.tar.gz": "old", "b-1.tar.gz.sha256": "old", "b-2.tar.gz": "new data",
		"b-2.tar.gz.sha256": fmt.Sprintf("%x  b-2.tar.gz\n", sha256.Sum256([]byte("new data"))),
	}
	for name, w := range want {
		if got, err := os.ReadFile(filepath.Join(dir, name)); err != nil || string(got) != w {
			t.Errorf("%s = %q (%v), want %q", name, got, err, w)
		}
	}
	if n := len(names(t, dir)); n != len(want) {
		t.Errorf("%d files, want %d: a temporary one was left behind? %v", n, len(want), names(t, dir))
	}
	if fi, _ := os.Stat(final); fi.Mode().Perm() != 0o600 {
		t.Errorf("file mode %v, want 0600", fi.Mode().Perm())
	}
}

// Abort removes everything it wrote; the directory it created is private.
func TestAbortLeavesNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new", "backups")
	f, err := atomicfile.Create(dir, "x", ".log", atomicfile.Options{BufferSize: 1 << 10})
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("dir created as %v (%v), want 0700", fi.Mode().Perm(), err)
	}
	write(t, f, "half")
	f.Abort()
	f.Abort() // harmless twice
	if got := names(t, dir); len(got) != 0 {
		t.Errorf("abort left %v", got)
	}
	if _, err := f.Commit(); err == nil {
		t.Error("Commit after Abort succeeded")
	}
}

// While a file is written (or after a crash mid-write) the only trace is a
// hidden ".NAME.partial": no final name, nothing a plain ls shows. A second
// writer of the same name is refused, or with numbering gets its own.
func TestUnfinishedFilesAreHiddenPartials(t *testing.T) {
	dir := t.TempDir()
	f, err := atomicfile.Create(dir, "local-app", ".dump", atomicfile.Options{BufferSize: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Abort()
	write(t, f, "dump bytes")
	got := names(t, dir)
	if len(got) != 1 || got[0] != ".local-app.dump.partial" ||
		atomicfile.PartialName(filepath.Join(dir, "local-app.dump")) != filepath.Join(dir, got[0]) {
		t.Errorf("while writing, dir holds %v", got)
	}
	if _, err := atomicfile.Create(dir, "local-app", ".dump", atomicfile.Options{}); !errors.Is(err, atomicfile.ErrInProgress) {
		t.Errorf("second writer of the same name: %v", err)
	}
	g, err := atomicfile.Create(dir, "local-app", ".dump", atomicfile.Options{Numbered: true})
	if err != nil {
		t.Fatal(err)
	}
	write(t, g, "other")
	for _, n := range names(t, dir) {
		if !strings.HasPrefix(n, ".") || !strings.HasSuffix(n, atomicfile.PartialSuffix) {
			t.Errorf("unfinished file %q is not a hidden .partial", n)
		}
	}
	// The numbered one finishes first and takes the name; the first one
	// then finds it taken and is dropped rather than overwrite it.
	if gp, err := g.Commit(); err != nil || filepath.Base(gp) != "local-app.dump" {
		t.Errorf("numbered writer committed %s, %v", gp, err)
	}
	if _, err := f.Commit(); !errors.Is(err, atomicfile.ErrNameTaken) {
		t.Errorf("first writer's Commit after the name was taken: %v", err)
	}
	if got := strings.Join(names(t, dir), " "); got != "local-app.dump" {
		t.Errorf("dir holds %s", got)
	}
}

func TestWriteNewAndSidecar(t *testing.T) {
	dir := t.TempDir()
	p, err := atomicfile.WriteNew(dir, "plan.txt", []byte("plan"))
	if err != nil || p != filepath.Join(dir, "plan.txt") {
		t.Fatalf("WriteNew = %s, %v", p, err)
	}
	if _, err := atomicfile.WriteNew(dir, "plan.txt", []byte("other")); !errors.Is(err, atomicfile.ErrNameTaken) {
		t.Errorf("WriteNew over a file: %v", err)
	}
	if err := atomicfile.WriteSidecar(p, "abc"); err != nil {
		t.Fatal(err)
	}
	if err := atomicfile.WriteSidecar(p, "def"); err == nil {
		t.Error("a second sidecar replaced the first")
	}
	if b, _ := os.ReadFile(p + ".sha256"); string(b) != "abc  plan.txt\n" {
		t.Errorf("sidecar holds %q", b)
	}
	if got := strings.Join(names(t, dir), " "); got != "plan.txt plan.txt.sha256" {
		t.Errorf("dir holds %s", got)
	}
}
