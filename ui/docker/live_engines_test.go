package docker

import (
	"context"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stacktop/stacktop/collectors"
	ds "github.com/stacktop/stacktop/collectors/docker"
	"github.com/stacktop/stacktop/collectors/docker/dockertest"
	"github.com/stacktop/stacktop/collectors/docker/sshtest"
	"github.com/stacktop/stacktop/ui/view"
)

// engineGroup is the drawn lines of an engine's group in frame: its header
// ("▾ name  …") and the lines under it up to the next engine's header; nil
// when the engine is not drawn.
func engineGroup(frame, name string) []string {
	var out []string
	in := false
	for _, l := range listLines(frame) {
		head := strings.TrimLeft(l, " >")
		switch {
		case strings.HasPrefix(head, "▾ "+name+"  ") || strings.HasPrefix(head, "▸ "+name+"  "):
			in = true
		case strings.HasPrefix(head, "▾ ") || strings.HasPrefix(head, "▸ "):
			in = false
		}
		if in {
			out = append(out, l)
		}
	}
	return out
}

// groupHas reports whether some line of the group holds every one of want.
func groupHas(g []string, want ...string) bool {
	for _, l := range g {
		all := true
		for _, w := range want {
			all = all && strings.Contains(l, w)
		}
		if all {
			return true
		}
	}
	return false
}

// killSSH makes the ssh:// engine unreachable: the sshd this test started
// stops listening, and the ssh client processes this test process started
// (the kept-alive connections) end, each by its PID.
func killSSH(t *testing.T, s *sshtest.Server) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(s.Dir, "sshd.pid"))
	if err != nil {
		t.Fatalf("sshd's pid file: %v", err)
	}
	if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
		_ = syscall.Kill(pid, syscall.SIGTERM)
	}
	out, _ := osexec.Command("pgrep", "-x", "-P", strconv.Itoa(os.Getpid()), "ssh").Output()
	for _, f := range strings.Fields(string(out)) {
		if pid, err := strconv.Atoi(f); err == nil {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

// TestLiveTwoEnginesOneUnreachable: the local engine and the same real
// engine reached through ssh:// under another name, polled by a real hub,
// list one container twice, each under its own engine's header; actions
// on the remote row go to the remote engine. Then the ssh:// engine
// becomes unreachable: its group says why, with the cause, while the local
// engine stays live — a container started afterwards shows under it.
func TestLiveTwoEnginesOneUnreachable(t *testing.T) {
	e := dockertest.Start(t)
	s := sshtest.Start(t)
	s.NewClient(t, s.ClientKey).Use(t)
	_, first := e.Run(t, dockertest.Spec{Name: "lv-two-a", NetworkMode: "none"})

	local := newLiveCollector(t)
	remote, err := ds.New(ds.Options{Name: "remote", Host: s.Host()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { remote.Close() })
	hub := collectors.NewHub(
		collectors.Source{ID: source("local"), Collector: local, Interval: 2 * time.Second, Timeout: 20 * time.Second},
		collectors.Source{ID: source("remote"), Collector: remote, Interval: 2 * time.Second, Timeout: 20 * time.Second},
	)
	ctx, cancel := context.WithCancel(context.Background())
	hub.Run(ctx)
	t.Cleanup(func() { cancel(); hub.Wait() })
	sub := hub.Subscribe()

	const w, h = 300, 30
	vctx := testCtx(plainStyles(), w, h)
	tab := New(vctx.Styles, Options{Engines: map[string]Engine{"local": FromCollector(local), "remote": FromCollector(remote)},
		Allowed: allowAll})
	tab.Update(view.SizeMsg{Width: w, Height: h})
	l := &liveTab{t: t, tab: tab, ctx: vctx, w: w, h: h}
	l.await(sub, 60*time.Second, "the first poll", func(string) bool { return true })
	l.filter(e.RunID + "-lv-two") // the shared engine runs other tests' containers too

	frame := l.await(sub, 90*time.Second, "the container under both engines", func(f string) bool {
		return groupHas(engineGroup(f, "local"), first) && groupHas(engineGroup(f, "remote"), first)
	})
	loc, rem := engineGroup(frame, "local"), engineGroup(frame, "remote")
	// Live, not failing: ok, or stale when a loaded machine slows the polls.
	live := func(head, name string) bool {
		return (strings.Contains(head, name+"  ok") || strings.Contains(head, name+"  stale")) && strings.Contains(head, "engine ")
	}
	if !live(loc[0], "local") || !live(rem[0], "remote") {
		t.Errorf("the engines' headers do not say they are live, with the version:\n%s", frame)
	}
	if strings.Index(frame, loc[0]) > strings.Index(frame, rem[0]) {
		t.Errorf("the engines are not in the hub's order:\n%s", frame)
	}

	// The second row of the name is the remote engine's: what acts on it
	// goes there.
	press(tab, "g")
	for seen := 0; ; press(tab, "down") {
		src, _, name, ok := tab.SelectedContainer()
		if ok && name == first {
			seen++
			if seen == 2 {
				if src != "remote" {
					t.Errorf("the row under remote acts on %q", src)
				}
				break
			}
		}
		if tab.list.cursor.Sel == len(tab.list.rows)-1 {
			t.Fatalf("the container is not listed twice:\n%s", l.frame())
		}
	}
	if _, target := tab.selectedContainer(); target.Source != "remote" {
		t.Errorf("an action on the remote row targets %q, want remote", target.Source)
	}

	killSSH(t, s)
	frame = l.awaitAny(sub, 60*time.Second, "the remote engine's cause in its group", func(f string) bool {
		g := engineGroup(f, "remote")
		return len(g) > 1 && !strings.Contains(g[0], "remote  ok") && groupHas(g, `docker "remote"`)
	})
	t.Logf("remote group once unreachable:\n%s", strings.Join(engineGroup(frame, "remote"), "\n"))
	if g := engineGroup(frame, "remote"); !groupHas(g, "ssh") {
		t.Errorf("the remote engine's line does not name the ssh cause:\n%s", frame)
	}

	// The local engine stays live: a container started now shows under it
	// from a new snapshot, while the remote group still says why.
	_, second := e.Run(t, dockertest.Spec{Name: "lv-two-b", NetworkMode: "none"})
	frame = l.await(sub, 30*time.Second, "the new container under local", func(f string) bool {
		return groupHas(engineGroup(f, "local"), second, "running")
	})
	if g := engineGroup(frame, "remote"); groupHas(g, second) || strings.Contains(g[0], "remote  ok") || !groupHas(g, `docker "remote"`) {
		t.Errorf("the unreachable engine changed with the local one:\n%s", frame)
	}
}

// awaitAny is await for any update, a failed poll's included.
func (l *liveTab) awaitAny(sub *collectors.Subscription, timeout time.Duration, what string, ok func(frame string) bool) string {
	l.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	frame := ""
	for {
		us, err := sub.Next(ctx)
		if err != nil {
			l.t.Fatalf("within %s: %s never showed; last frame:\n%s", timeout, what, frame)
		}
		for _, u := range us {
			l.tab.Update(u)
			if !u.PolledAt.IsZero() {
				l.ctx.Now = u.PolledAt
			}
			frame = l.frame()
			if ok(frame) {
				return frame
			}
		}
	}
}
