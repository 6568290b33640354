package docker

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stacktop/stacktop/collectors/docker/dockertest"
	"github.com/stacktop/stacktop/collectors/docker/sshtest"
)

// BenchmarkSSHPoll20 is one poll of an ssh:// engine running 20 idle
// containers of this test (the shared engine may run others), after the
// connection is up: the list, inspect of new containers and the stats the
// last background round brought. It reports the ssh client processes alive
// at the end beside the wall time: the connections are kept alive and
// reused, so the count stays at the bound however many polls ran — and
// how many ssh processes were started per timed poll (0 when none is
// re-opened).
func BenchmarkSSHPoll20(b *testing.B) { benchSSHPoll(b, false) }

// BenchmarkSSHPoll20Beside100 is BenchmarkSSHPoll20 with the shared fleet
// of 100 more idle containers on the engine, as when other tests run: the
// poll lists all 120, and the background stats rounds cover them all.
func BenchmarkSSHPoll20Beside100(b *testing.B) { benchSSHPoll(b, true) }

func benchSSHPoll(b *testing.B, beside100 bool) {
	e := dockertest.Start(b)
	if beside100 {
		fleetOf100(b)
	}
	ids := e.RunMany(b, 20, dockertest.Spec{Name: "sshpoll"})
	s := sshtest.Start(b)
	cl := s.NewClient(b, s.ClientKey)
	spawns := countSpawns(b, cl)
	cl.Use(b)
	c, err := New(Options{Name: "remote", Host: s.Host()})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	poll := func() *Snapshot {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		snap, err := c.Collect(ctx)
		if err != nil {
			b.Fatal(err)
		}
		return snap.(*Snapshot)
	}
	for range 3 { // connect, inspect everything, start the first stats round
		poll()
	}
	before, spawned := sshProcesses(b), spawns()
	b.ResetTimer()
	start := time.Now()
	var last *Snapshot
	for b.Loop() {
		last = poll()
	}
	el := time.Since(start)
	b.StopTimer()
	for _, id := range ids {
		if _, ok := last.Container(id); !ok {
			b.Fatalf("container %.12s missing from the poll over ssh", id)
		}
	}
	b.ReportMetric(float64(el.Microseconds())/1000/float64(b.N), "ms/poll")
	b.ReportMetric(float64(spawns()-spawned)/float64(b.N), "ssh-spawns/poll")
	b.ReportMetric(float64(before), "ssh-procs-warm")
	b.ReportMetric(float64(sshProcesses(b)), "ssh-procs-end")
	b.ReportMetric(float64(len(last.Containers)), "containers-listed")
}

// countSpawns makes c's ssh wrapper note each ssh process it starts, and
// returns a function counting them so far.
func countSpawns(b *testing.B, c sshtest.Client) func() int {
	b.Helper()
	real, err := exec.LookPath("ssh")
	if err != nil {
		b.Fatal(err)
	}
	log := filepath.Join(b.TempDir(), "spawns")
	wrapper := fmt.Sprintf("#!/bin/sh\necho x >> %s\nexec %s -F %s \"$@\"\n", log, real, c.Config)
	if err := os.WriteFile(filepath.Join(c.BinDir, "ssh"), []byte(wrapper), 0o755); err != nil {
		b.Fatal(err)
	}
	return func() int {
		data, _ := os.ReadFile(log)
		return strings.Count(string(data), "\n")
	}
}
