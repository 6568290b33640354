package docker

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/stacktop/stacktop/collectors"
	ds "github.com/stacktop/stacktop/collectors/docker"
	"github.com/stacktop/stacktop/ui/internal/fixture"
	"github.com/stacktop/stacktop/ui/view"
)

// selectName moves the cursor down to the container called name.
func selectName(t *testing.T, tab *Tab, name string) {
	t.Helper()
	press(tab, "g")
	for range len(tab.list.rows) {
		if _, _, n, ok := tab.SelectedContainer(); ok && n == name {
			return
		}
		press(tab, "down")
	}
	t.Fatalf("no container %q in the list", name)
}

// TestGolden records the Docker tab as a person sees it without colour.
// Regenerate with `go test ./ui/docker -update`; read the files before committing.
func TestGolden(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		w, h := size[0], size[1]
		suffix := "_" + strconv.Itoa(w) + "x" + strconv.Itoa(h)
		t.Run("list"+suffix, func(t *testing.T) {
			tab, ctx, _ := newTab(t, w, h, 12, Options{})
			selectName(t, tab, "shop-api-1")
			checkedGolden(t, tab.View(ctx), w, h)
		})
		t.Run("detail"+suffix, func(t *testing.T) {
			tab, ctx, _ := newTab(t, w, h, 12, Options{})
			selectName(t, tab, "shop-api-1")
			press(tab, "i")
			checkedGolden(t, tab.View(ctx), w, h)
		})
		// Three engines in one list: the local one, a remote one reached
		// over ssh://, and one down with its cause in its group; the
		// selection on a remote container.
		t.Run("engines"+suffix, func(t *testing.T) {
			tab, ctx, _ := newTab(t, w, h, 0, Options{})
			tab.Update(down("prod"))
			tab.Update(ok("remote", remoteSnapshot()))
			selectName(t, tab, "blog-web-1")
			checkedGolden(t, tab.View(ctx), w, h)
		})
		t.Run("logs_search"+suffix, func(t *testing.T) {
			tab, ctx, _ := newTab(t, w, h, 12, Options{})
			selectName(t, tab, "shop-api-1")
			press(tab, "l", "t", "/", "e", "r", "r", "o", "r", "enter", "n")
			checkedGolden(t, tab.View(ctx), w, h)
		})
	}
	t.Run("hosts_down_and_sorted_by_cpu_120x30", func(t *testing.T) {
		tab, ctx, _ := newTab(t, 120, 30, 40, Options{})
		tab.Update(down("prod"))
		tab.Update(notFound("default"))
		press(tab, "s")
		checkedGolden(t, tab.View(ctx), 120, 30)
	})
	t.Run("unreachable_host_80x24", func(t *testing.T) {
		ctx := testCtx(plainStyles(), 80, 24)
		tab := New(ctx.Styles, Options{})
		tab.Update(view.SizeMsg{Width: 80, Height: 24})
		tab.Update(down("prod"))
		checkedGolden(t, tab.View(ctx), 80, 24)
	})
	// The engine refused connections after it worked: the list and the
	// Overview box show its last data as history, "as of", without rates.
	t.Run("down_with_history_100x24", func(t *testing.T) {
		tab, ctx, _ := newTab(t, 100, 24, 0, Options{})
		ctx.Now = ctx.Now.Add(5 * time.Second)
		tab.Update(refusedAfterData("local", tab.hostNamed("local").snap))
		checkedGolden(t, tab.View(ctx), 100, 24)
	})
	t.Run("overview_box_down_with_history_50x12", func(t *testing.T) {
		tab, ctx, _ := newTab(t, 100, 24, 0, Options{})
		ctx.Now = ctx.Now.Add(5 * time.Second)
		tab.Update(refusedAfterData("local", tab.hostNamed("local").snap))
		golden.RequireEqual(t, []byte(tab.Summary(ctx, 50, 12)))
	})
}

// refusedAfterData is the hub's update after s's engine started refusing
// connections: s kept, two failed polls, the next a second after the
// frame's clock (fixture.Now + 5s).
func refusedAfterData(name string, s *ds.Snapshot) collectors.Update {
	u := ok(name, s)
	u.PolledAt = fixture.Now().Add(4 * time.Second)
	u.DownSince = fixture.Now().Add(2 * time.Second)
	u.Failures, u.Cause, u.NextTry = 2, collectors.CauseRefused, u.PolledAt.Add(2*time.Second)
	u.Err = fmt.Errorf(`docker %q: version: cannot connect to unix:///var/run/docker.sock%.0w`, name, collectors.ErrSourceAbsent)
	u.Err = outageErr{u.Err, u.Outage()}
	return u
}

// checkedGolden asserts the frame fits w×h and has no escape byte, then
// compares it with the golden file.
func checkedGolden(t *testing.T, frame string, w, h int) {
	t.Helper()
	checkFrame(t, frame, w, h)
	golden.RequireEqual(t, []byte(frame))
}

// outageErr reads as the hub's error for a host that worked before: the
// collector's cause, then the outage in place of the first-run hint.
type outageErr struct {
	cause  error
	advice string
}

func (e outageErr) Error() string       { return e.cause.Error() + " — " + e.advice }
func (e outageErr) Unwrap() error       { return e.cause }
func (e outageErr) WithoutHint() string { return e.cause.Error() }
func (e outageErr) Advice() string      { return e.advice }
