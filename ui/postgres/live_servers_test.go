package postgres

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stacktop/stacktop/collectors"
	pg "github.com/stacktop/stacktop/collectors/postgres"
	"github.com/stacktop/stacktop/collectors/postgres/pgtest"
	"github.com/stacktop/stacktop/ui/view"
)

// Three real clusters under one real hub — a primary, a standby of it and a
// third server — in the servers view: each row shows its role (the standby
// its upstream and lag); the third, stopped mid-test, turns down with its
// cause while the other two keep updating, and comes back when it starts.
func TestLiveServersView(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three clusters")
	}
	primary := pgtest.Need(t, pgtest.Config{MaxConnections: 20})
	standby, err := pgtest.StartStandby(primary, "st_servers")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(standby.Destroy)
	third := pgtest.Need(t, pgtest.Config{MaxConnections: 20})

	var sources []collectors.Source
	for name, cl := range map[string]*pgtest.Cluster{"alpha": primary, "bravo": standby, "charlie": third} {
		coll, err := pg.New(pg.Options{Name: name, DSN: cl.SuperDSN("postgres")})
		if err != nil {
			t.Fatal(err)
		}
		sources = append(sources, collectors.Source{ID: collectors.SourceID{Kind: collectors.KindPostgres, Name: name},
			Collector: coll, Interval: 500 * time.Millisecond, Timeout: 5 * time.Second})
	}
	hub := collectors.NewHub(sources...)
	ctx, cancel := context.WithCancel(context.Background())
	sub := hub.Subscribe()
	hub.Run(ctx)
	t.Cleanup(func() { cancel(); hub.Wait() })
	pollAll := func() {
		for _, s := range sources {
			hub.PollNow(s.ID)
		}
	}

	h := &hubScreen{vctx: testCtx(200, 40), sub: sub, poke: pollAll}
	h.tab = New(h.vctx.Styles, Options{})
	h.tab.Update(view.SizeMsg{Width: 200, Height: 40})
	upstream := "standby of 127.0.0.1:" + strconv.Itoa(primary.Port)
	frame := h.until(t, "three rows with their roles", func(f string) bool {
		rows := serverRows(f)
		return containsAll(rows["alpha"], "ok", "primary", "/20") &&
			containsAll(rows["bravo"], "ok", upstream, "/20") &&
			containsAll(rows["charlie"], "ok", "primary", "/20")
	})
	t.Logf("all up:\n%s", frame)
	if h.tab.SubView() != Servers {
		t.Errorf("three targets: the tab shows %v, want servers", h.tab.SubView())
	}
	// The primary's worst lag is its standby's, the standby's its own
	// replay: both are measured (a figure, not "–").
	rows := serverRows(frame)
	for _, name := range []string{"alpha", "bravo"} {
		if lag := lagCell(frame, rows[name]); lag == "" || lag == "–" {
			t.Errorf("%s: no replication lag in %q", name, rows[name])
		}
	}
	if lag := lagCell(frame, rows["charlie"]); lag != "–" {
		t.Errorf("charlie replicates nothing, yet its lag cell says %q", lag)
	}

	if err := third.Stop(); err != nil {
		t.Fatal(err)
	}
	stopped := time.Now()
	frame = h.until(t, "charlie down with its cause", func(f string) bool {
		return containsAll(serverRows(f)["charlie"], "down", `postgres "charlie"`, "connect")
	})
	t.Logf("charlie stopped:\n%s", frame)
	// The others kept updating: polls after the stop reached their rows.
	frame = h.until(t, "alpha and bravo polled after the stop", func(f string) bool {
		return h.tab.targets["alpha"].upd.LastGood.After(stopped) && h.tab.targets["bravo"].upd.LastGood.After(stopped) &&
			containsAll(serverRows(f)["alpha"], "ok", "primary") && containsAll(serverRows(f)["bravo"], "ok", upstream)
	})
	if rows := serverRows(frame); !strings.Contains(rows["charlie"], "down") {
		t.Errorf("charlie should still be down:\n%s", frame)
	}
	if order := serverOrder(frame); len(order) == 0 || order[0] != "charlie" {
		t.Errorf("the down target should sort first: %v", order)
	}

	if err := third.Start(); err != nil {
		t.Fatal(err)
	}
	frame = h.until(t, "charlie back", func(f string) bool {
		return containsAll(serverRows(f)["charlie"], "ok", "primary", "/20")
	})
	t.Logf("charlie back:\n%s", frame)
}

// lagCell is the LAG cell of row: the 8 cells the right-aligned column
// takes, ending under the header's LAG title.
func lagCell(frame, row string) string {
	for _, l := range strings.Split(frame, "\n") {
		if i := strings.Index(l, " LAG "); i >= 0 && strings.Contains(l, "TARGET") {
			end := i + len(" LAG")
			cells := []rune(row)
			if end > len(cells) || end < 8 {
				return ""
			}
			f := strings.Fields(string(cells[end-8 : end]))
			if len(f) == 0 {
				return ""
			}
			return f[len(f)-1]
		}
	}
	return ""
}
