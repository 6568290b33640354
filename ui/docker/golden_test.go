package docker

import (
	"strconv"
	"testing"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/stacktop/stacktop/ui/view"
)

// selectName moves the cursor down to the container called name.
func selectName(t *testing.T, tab *Tab, name string) {
	t.Helper()
	press(tab, "g")
	for range len(tab.rows) {
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
}

// checkedGolden asserts the frame fits w×h and has no escape byte, then
// compares it with the golden file.
func checkedGolden(t *testing.T, frame string, w, h int) {
	t.Helper()
	checkFrame(t, frame, w, h)
	golden.RequireEqual(t, []byte(frame))
}
