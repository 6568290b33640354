package atomicfile

import (
	"os"
	"testing"
)

// A write that failed leaves a file that is not what the caller wrote, so
// Commit must refuse it even when the flush and fsync that follow succeed
// (as they do after ENOSPC on an unbuffered file). A read-only descriptor
// stands in for the full disk: its writes fail, its fsync does not.
func TestCommitRefusesAfterFailedWrite(t *testing.T) {
	dir := t.TempDir()
	f, err := Create(dir, "x", ".log", Options{})
	if err != nil {
		t.Fatal(err)
	}
	ro, err := os.Open(f.tmp)
	if err != nil {
		t.Fatal(err)
	}
	_ = f.f.Close()
	f.f = ro
	if _, err := f.Write([]byte("lost")); err == nil {
		t.Fatal("write to a read-only descriptor succeeded")
	}
	if path, err := f.Commit(); err == nil {
		t.Fatalf("Commit after a failed write published %s", path)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("left %v after a refused Commit", ents)
	}
}
