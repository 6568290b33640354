package host

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stacktop/stacktop/collectors"
	ds "github.com/stacktop/stacktop/collectors/docker"
	"github.com/stacktop/stacktop/collectors/docker/dockertest"
	hs "github.com/stacktop/stacktop/collectors/host"
	"github.com/stacktop/stacktop/ui/view"
)

// TestContainerColumnWithRealEngine runs a container on the default bridge
// and renders the Host tab from a real host poll and a real Docker poll:
// the container's process carries the container's name in the CONTAINER
// column and the details, and the container's veth is grouped, not listed.
func TestContainerColumnWithRealEngine(t *testing.T) {
	e := dockertest.Start(t)
	id, _ := e.Run(t, dockertest.Spec{Name: "hostview", Args: []string{"idle"}})
	// A short name, unique to this run, that fits the column whole.
	name := fmt.Sprintf("hostview-%d", os.Getpid())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := e.Client.ContainerRename(ctx, id, name); err != nil {
		t.Fatalf("rename: %v", err)
	}

	dc, err := ds.New(ds.Options{Name: "local"})
	if err != nil {
		t.Fatal(err)
	}
	defer dc.Close()
	var dsnap *ds.Snapshot
	waitFor(t, ctx, "the engine to list the container running as "+name, func() bool {
		s, err := dc.Collect(ctx)
		if err != nil {
			return false
		}
		dsnap = s.(*ds.Snapshot)
		c, ok := dsnap.Container(id)
		return ok && c.Running() && c.Name == name
	})

	hc := hs.New(hs.Options{})
	var hsnap *hs.Snapshot
	var pid int32
	waitFor(t, ctx, "the host poll to show a process of container "+id[:12], func() bool {
		s, err := hc.Collect(ctx)
		if err != nil {
			return false
		}
		hsnap = s.(*hs.Snapshot)
		for _, p := range hsnap.Processes.List {
			if p.Container == id {
				pid = p.PID
				return true
			}
		}
		return false
	})
	kinds := map[hs.NetKind]int{}
	for _, n := range hsnap.Networks {
		kinds[n.Kind]++
	}
	if kinds[hs.NetVeth] == 0 || kinds[hs.NetLoopback] != 1 {
		t.Errorf("interfaces by kind %v: want the container's veth and one loopback (%+v)", kinds, hsnap.Networks)
	}

	const w, h = 160, 48
	vctx := testCtx(w, h)
	vctx.Now = hsnap.Taken
	tab := New(vctx.Styles, Options{})
	tab.Update(view.SizeMsg{Width: w, Height: h})
	tab.Update(collectors.Update{Source: collectors.SourceID{Kind: collectors.KindDocker, Name: "local"},
		Snapshot: dsnap, LastGood: dsnap.Taken, PolledAt: dsnap.Taken, Interval: time.Second})
	tab.Update(collectors.Update{Source: collectors.SourceID{Kind: collectors.KindHost, Name: "local"},
		Snapshot: hsnap, LastGood: hsnap.Taken, PolledAt: hsnap.Taken, Interval: time.Second})
	press(tab, "/")
	press(tab, strings.Split("container:"+name, "")...)
	press(tab, "enter")
	frame := tab.View(vctx)
	row := rowOf(t, frame, pid)
	if row == "" {
		t.Fatalf("pid %d of container %s not listed by container:%s:\n%s", pid, id[:12], name, frame)
	}
	header := tableHeader(frame)
	// Columns line up in cells; the header's ▼ is one cell but three bytes.
	col := strings.Index(header, "CONTAINER")
	if col >= 0 {
		col = len([]rune(header[:col]))
	}
	if col < 0 || !strings.HasPrefix(string([]rune(row)[col:]), name+" ") {
		t.Errorf("CONTAINER column of pid %d does not say %s:\n%s\n%s", pid, name, header, row)
	}
	if !strings.Contains(frame, "· container "+name) {
		t.Errorf("details do not name the container %s:\n%s", name, frame)
	}
	if !strings.Contains(frame, "veth ×") {
		t.Errorf("the container's veth is not grouped:\n%s", frame)
	}
	for _, n := range hsnap.Networks {
		if n.Kind == hs.NetVeth && strings.Contains(frame, n.Name) {
			t.Errorf("veth %s listed on its own:\n%s", n.Name, frame)
		}
	}
}

// waitFor retries cond until it holds or ctx ends, a little apart.
func waitFor(t *testing.T, ctx context.Context, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("timed out waiting for %s", what)
		case <-tick.C:
		}
	}
}
