package pgtest

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// TestPIDNamespaceCluster: a cluster started with PIDNamespace runs with
// pids of its own (its postmaster is pid 1 there), answers on its TCP
// port, and is gone from the host when destroyed.
func TestPIDNamespaceCluster(t *testing.T) {
	c := Need(t, Config{PIDNamespace: true})
	pm := c.PostmasterHostPID()
	if pm <= 0 {
		t.Fatal("no postmaster under unshare")
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pm))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(status), "\nNSpid:\t"+fmt.Sprint(pm)+"\t1\n") {
		t.Errorf("postmaster (host pid %d) is not pid 1 of a namespace of its own:\n%s", pm, status)
	}
	db, err := c.Open("postgres")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var backend int
	if err := db.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&backend); err != nil {
		t.Fatal(err)
	}
	if backend <= 1 || backend > 1000 {
		t.Errorf("backend pid %d, want a small pid of the server's own namespace", backend)
	}
	db.Close()
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(fmt.Sprintf("/proc/%d", pm)); err == nil {
		t.Errorf("postmaster %d still runs after Stop", pm)
	}
}
