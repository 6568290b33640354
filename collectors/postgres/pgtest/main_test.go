package pgtest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// recorder stands in for a test to observe Shared.Cluster's verdict.
type recorder struct {
	testing.TB
	skipped, fatal string
}

func (r *recorder) Helper()                      {}
func (r *recorder) Skipf(f string, args ...any)  { r.skipped = fmt.Sprintf(f, args...) }
func (r *recorder) Fatalf(f string, args ...any) { r.fatal = fmt.Sprintf(f, args...) }

// Without a cluster, tests skip saying why — and fail when CI requires
// PostgreSQL.
func TestNoClusterSkipsLoudlyOrFails(t *testing.T) {
	s := &Shared{reason: ErrNoServer.Error()}
	t.Setenv(RequireEnv, "")
	r := &recorder{TB: t}
	if s.Cluster(r) != nil || !strings.Contains(r.skipped, "install the postgresql package") || r.fatal != "" {
		t.Errorf("without the requirement: skipped=%q fatal=%q", r.skipped, r.fatal)
	}
	t.Setenv(RequireEnv, "1")
	r = &recorder{TB: t}
	s.Cluster(r)
	if !strings.Contains(r.fatal, RequireEnv+"=1") {
		t.Errorf("with the requirement: fatal=%q", r.fatal)
	}
}

func TestBinDirFindsNewest(t *testing.T) {
	root := t.TempDir()
	for _, major := range []string{"9", "15", "12", "16"} {
		bin := filepath.Join(root, major, "bin")
		if err := os.MkdirAll(bin, 0o755); err != nil {
			t.Fatal(err)
		}
		if major != "16" { // 16 has a bin directory but no server binary
			if err := os.WriteFile(filepath.Join(bin, "postgres"), nil, 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	dir, version, err := newestBinDir(root)
	if err != nil || dir != filepath.Join(root, "15", "bin") || version != "15" {
		t.Errorf("newestBinDir = %s, %s, %v; want %s/15/bin, 15", dir, version, err, root)
	}
	if _, _, err := newestBinDir(t.TempDir()); err != ErrNoServer {
		t.Errorf("no binaries: err = %v, want ErrNoServer", err)
	}
}
