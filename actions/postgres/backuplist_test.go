package postgres_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stacktop/stacktop/actions/atomicfile"
	pga "github.com/stacktop/stacktop/actions/postgres"
)

// The list shows each backup with its target, database, time, size and
// state; a file written to after its checksum shows "checksum mismatch",
// one corrupted behind the list's back (times restored) only under a full
// check; a dump without checksum is unverified, one being written partial;
// other files are not listed. The sidecar passes `sha256sum -c`.
func TestListBackupsStates(t *testing.T) {
	f := newFixture(t, pga.Options{}, `CREATE TABLE t (v int)`, `INSERT INTO t SELECT generate_series(1, 10000)`)
	dir := t.TempDir()
	res, _, err := runBackup(t, f, pga.Options{BackupDir: dir}, f.db)
	out := backupOutput(t, res, err)
	if _, err := exec.LookPath("sha256sum"); err == nil {
		cmd := exec.Command("sha256sum", "--strict", "-c", filepath.Base(out.Path)+".sha256")
		cmd.Dir = dir
		if b, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(b), ": OK") {
			t.Errorf("sha256sum -c on the sidecar: %v %s", err, b)
		}
	}
	unverified := filepath.Join(dir, "local-"+f.db+"-20200101T000000Z.dump")
	partial := filepath.Join(dir, ".local-"+f.db+"-20300101T000000Z.dump.partial")
	for _, p := range []string{unverified, partial, filepath.Join(dir, "notes.txt"), filepath.Join(dir, "x-y.dump")} {
		if err := os.WriteFile(p, []byte("12345"), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	list := listBackups(t, dir, false)
	if len(list) != 3 {
		t.Fatalf("listed %+v, want 3 backups", list)
	}
	// Newest first: the partial (2030), the real one, the unverified (2020).
	want := []struct {
		path  string
		state pga.BackupState
		size  int64
	}{{partial, pga.BackupPartial, 5}, {out.Path, pga.BackupVerified, out.Size}, {unverified, pga.BackupUnverified, 5}}
	for i, w := range want {
		b := list[i]
		if b.Path != w.path || b.State != w.state || b.Size != w.size || b.Target != "local" || b.Database != f.db {
			t.Errorf("entry %d: %+v, want %s %s size %d", i, b, filepath.Base(w.path), w.state, w.size)
		}
	}
	if b := list[1]; b.SHA256 != out.SHA256 || b.Problem != "" || b.Age(b.Time.Add(time.Hour)) != time.Hour ||
		time.Since(b.Time) > time.Minute || time.Since(b.Time) < -time.Second {
		t.Errorf("verified entry %+v (result %+v)", b, out)
	}
	if list[2].Problem == "" {
		t.Error("the unverified entry does not say why")
	}
	// No writer holds the partial file: it was left by one that died.
	if p := list[0].Problem; !strings.Contains(p, "killed") {
		t.Errorf("the partial entry no writer holds says %q, want that its backup was killed", p)
	}
	live, err := atomicfile.Create(dir, "local-"+f.db+"-20310101T000000Z", ".dump", atomicfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if p := listBackups(t, dir, false)[0].Problem; p != "being written now" {
		t.Errorf("the partial entry of a live writer says %q", p)
	}
	live.Abort()

	// Corrupt a byte in place, then restore the file's times, as a disk
	// error would leave it: only the full check reads it again.
	info, _ := os.Stat(out.Path)
	corrupt(t, out.Path, 200)
	if err := os.Chtimes(out.Path, info.ModTime(), info.ModTime()); err != nil {
		t.Fatal(err)
	}
	if b := listBackups(t, dir, false)[1]; b.State != pga.BackupVerified {
		t.Errorf("unchanged times, quick list: %s", b.State)
	}
	if b := listBackups(t, dir, true)[1]; b.State != pga.BackupMismatch || b.Problem == "" {
		t.Errorf("corrupted file, full check: %s %q", b.State, b.Problem)
	}
	// Written to now: the quick list notices too.
	corrupt(t, out.Path, 300)
	if b := listBackups(t, dir, false)[1]; b.State != "checksum mismatch" {
		t.Errorf("file written after its checksum, quick list: %s", b.State)
	}
}

func listBackups(t *testing.T, dir string, full bool) []pga.Backup {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	list, err := pga.ListBackups(ctx, dir, pga.ListOptions{FullCheck: full})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// corrupt flips the byte at off.
func corrupt(t *testing.T, path string, off int64) {
	t.Helper()
	fh, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	b := make([]byte, 1)
	if _, err := fh.ReadAt(b, off); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0xff
	if _, err := fh.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}

func TestListBackupsOfMissingDirIsEmpty(t *testing.T) {
	list, err := pga.ListBackups(t.Context(), filepath.Join(t.TempDir(), "nope"), pga.ListOptions{})
	if err != nil || len(list) != 0 {
		t.Errorf("missing dir: %v %v", list, err)
	}
}

// ListOptions.Target and Database keep one target's (and database's)
// backups, matching configured names in their file-name form.
func TestListBackupsFiltersByTargetAndDatabase(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{
		"db_1-app-20200101T000000Z.dump", "db_1-app-20210101T000000Z.dump",
		"db_1-other-20200101T000000Z.dump", "replica-app-20200101T000000Z.dump",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	names := func(opts pga.ListOptions) []string {
		list, err := pga.ListBackups(context.Background(), dir, opts)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, b := range list {
			out = append(out, filepath.Base(b.Path))
		}
		return out
	}
	if got := names(pga.ListOptions{}); len(got) != 4 {
		t.Errorf("no filter: %v, want all 4", got)
	}
	if got, want := names(pga.ListOptions{Target: "db-1"}), []string{
		"db_1-app-20210101T000000Z.dump", "db_1-app-20200101T000000Z.dump", "db_1-other-20200101T000000Z.dump",
	}; !slices.Equal(got, want) {
		t.Errorf("target db-1: %v, want %v", got, want)
	}
	if got, want := names(pga.ListOptions{Target: "db-1", Database: "app"}), []string{
		"db_1-app-20210101T000000Z.dump", "db_1-app-20200101T000000Z.dump",
	}; !slices.Equal(got, want) {
		t.Errorf("target db-1, database app: %v, want %v", got, want)
	}
}
