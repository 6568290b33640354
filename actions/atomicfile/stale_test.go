//go:build unix

package atomicfile_test

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stacktop/stacktop/actions/atomicfile"
)

// writerEnv makes the test binary a writer process: it starts a File in
// the directory named, writes to it, says "writing" and waits to be killed.
const writerEnv = "ATOMICFILE_TEST_WRITER_DIR"

func TestMain(m *testing.M) {
	if dir := os.Getenv(writerEnv); dir != "" {
		f, err := atomicfile.Create(dir, os.Getenv("ATOMICFILE_TEST_WRITER_BASE"), ".dump", atomicfile.Options{})
		if err != nil {
			fmt.Println(err)
			os.Exit(1)
		}
		if _, err := f.Write([]byte("half a dump")); err != nil {
			fmt.Println(err)
			os.Exit(1)
		}
		fmt.Println("writing")
		time.Sleep(time.Hour) // until killed
	}
	os.Exit(m.Run())
}

// startWriter runs a writer process on base.dump in dir and returns it once
// it writes; it is killed when the test ends.
func startWriter(t *testing.T, dir, base string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), writerEnv+"="+dir, "ATOMICFILE_TEST_WRITER_BASE="+base)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, _ := bufio.NewReader(out).ReadString('\n')
	if strings.TrimSpace(line) != "writing" {
		t.Fatalf("writer: %q", line)
	}
	return cmd
}

func staleNames(files []atomicfile.StaleFile) []string {
	var out []string
	for _, s := range files {
		out = append(out, filepath.Base(s.Path))
	}
	slices.Sort(out)
	return out
}

// A writer killed with SIGKILL leaves its hidden .partial; FindStale lists
// it and RemoveStale removes it, while the files of writers still alive —
// another process, or this one — are neither listed nor touched.
func TestStalePartialsOfKilledWritersOnly(t *testing.T) {
	dir := t.TempDir()
	killed := startWriter(t, dir, "killed")
	startWriter(t, dir, "alive")
	mine, err := atomicfile.Create(dir, "mine", ".dump", atomicfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer mine.Abort()
	write(t, mine, "also half")

	if got, err := atomicfile.FindStale(dir); err != nil || len(got) != 0 {
		t.Fatalf("with every writer alive, FindStale = %v, %v", staleNames(got), err)
	}
	if err := killed.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = killed.Wait()

	got, err := atomicfile.FindStale(dir)
	if err != nil || !slices.Equal(staleNames(got), []string{".killed.dump.partial"}) {
		t.Fatalf("after SIGKILL, FindStale = %v, %v; want the killed writer's file", staleNames(got), err)
	}
	if got[0].Size != int64(len("half a dump")) || got[0].Path != filepath.Join(dir, ".killed.dump.partial") {
		t.Errorf("stale file described as %+v", got[0])
	}
	if names := names(t, dir); len(names) != 3 {
		t.Errorf("FindStale changed the directory: %v", names)
	}
	removed, err := atomicfile.RemoveStale(dir)
	if err != nil || !slices.Equal(staleNames(removed), []string{".killed.dump.partial"}) {
		t.Fatalf("RemoveStale = %v, %v", staleNames(removed), err)
	}
	if got := names(t, dir); !slices.Equal(got, []string{".alive.dump.partial", ".mine.dump.partial"}) {
		t.Errorf("after RemoveStale the directory holds %v, want the live writers' files", got)
	}
	if p, err := mine.Commit(); err != nil || filepath.Base(p) != "mine.dump" {
		t.Errorf("the live writer's Commit after the sweep: %s, %v", p, err)
	}
}

// A partial left by a writer that predates the lock, or by any program
// that died holding none, is stale too; a missing directory has none.
func TestUnlockedPartialIsStale(t *testing.T) {
	dir := t.TempDir()
	put(t, filepath.Join(dir, ".old.dump.partial"), "x")
	put(t, filepath.Join(dir, "old.dump"), "a finished file is never stale")
	put(t, filepath.Join(dir, "visible.partial"), "not a hidden temporary name")
	got, err := atomicfile.RemoveStale(dir)
	if err != nil || !slices.Equal(staleNames(got), []string{".old.dump.partial"}) {
		t.Errorf("RemoveStale = %v, %v", staleNames(got), err)
	}
	if got, err := atomicfile.FindStale(filepath.Join(dir, "missing")); err != nil || got != nil {
		t.Errorf("missing directory: %v, %v", got, err)
	}
}
