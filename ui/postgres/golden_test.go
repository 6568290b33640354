package postgres

import (
	"fmt"
	"testing"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/stacktop/stacktop/ui/view"
)

// TestGolden records every sub-view at 80x24 and 160x48, plus the states a
// target can be in. Regenerate with `go test ./ui/postgres -update`; read
// the files before committing.
func TestGolden(t *testing.T) {
	views := map[SubView]string{Servers: "v", Activity: "a", Locks: "l", Databases: "d", Replication: "r", Maintenance: "m", Tables: "t", Statements: "S"}
	for v := SubView(0); v < numViews; v++ {
		for _, size := range [][2]int{{80, 24}, {160, 48}} {
			t.Run(fmt.Sprintf("%s_%dx%d", v, size[0], size[1]), func(t *testing.T) {
				tab, ctx := newTab(size[0], size[1], 40)
				press(tab, views[v])
				golden.RequireEqual(t, []byte(tab.View(ctx)))
			})
		}
	}
	cases := []struct {
		name string
		w, h int
		keys []string
	}{
		{"activity_detail_evil_120x30", 120, 30, []string{"/", "mallory", "enter", "enter"}},
		{"activity_detail_huge_100x30", 100, 30, []string{"/", "blobs", "enter", "enter"}},
		{"activity_detail_multiline_100x30", 100, 30, []string{"/", "recent", "enter", "enter"}},
		{"activity_filter_editing_80x24", 80, 24, []string{"/", "d", "b", ":", "a", "n", "a"}},
		{"locks_detail_120x36", 120, 36, []string{"l", "down", "enter"}},
		{"replica_replication_100x24", 100, 24, []string{"]", "r"}},
		{"replica_statements_100x24", 100, 24, []string{"]", "S"}},
		{"waiting_target_80x24", 80, 24, []string{"]", "]"}},
		{"not_found_target_80x24", 80, 24, []string{"]", "]", "]"}},
		{"down_target_80x24", 80, 24, []string{"["}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tab, ctx := newTab(c.w, c.h, 40)
			press(tab, c.keys...)
			golden.RequireEqual(t, []byte(tab.View(ctx)))
		})
	}
	t.Run("degraded_80x24", func(t *testing.T) {
		tab, ctx := newTab(80, 24, 40)
		tab.Update(degradedUpdate())
		golden.RequireEqual(t, []byte(tab.View(ctx)))
	})
	// The server refused connections after it worked: its last data is
	// history, "as of", without TPS, in the tab and the Overview box.
	t.Run("down_with_history_80x24", func(t *testing.T) {
		tab, ctx := newTab(80, 24, 40)
		tab.Update(refusedAfterData())
		golden.RequireEqual(t, []byte(tab.View(ctx)))
	})
	t.Run("overview_box_down_with_history_60x14", func(t *testing.T) {
		tab, ctx := newTab(80, 24, 40)
		tab.Update(refusedAfterData())
		golden.RequireEqual(t, []byte(tab.Summary(ctx, 60, 14)))
	})
	t.Run("not_configured_80x24", func(t *testing.T) {
		ctx := testCtx(80, 24)
		tab := New(ctx.Styles, Options{})
		tab.Update(view.SizeMsg{Width: 80, Height: 24})
		golden.RequireEqual(t, []byte(tab.View(ctx)))
	})
}
