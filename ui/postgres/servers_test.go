package postgres

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/stacktop/stacktop/ui/view"
)

// serverRows are the frame's servers-view rows, by target name.
func serverRows(frame string) map[string]string {
	out := map[string]string{}
	in := false
	for _, l := range strings.Split(frame, "\n") {
		if strings.Contains(l, "TARGET") && strings.Contains(l, "HEALTH") {
			in = true
			continue
		}
		if f := strings.Fields(strings.TrimLeft(l, " >!~")); in && len(f) > 0 {
			out[f[0]] = l
		}
	}
	return out
}

// serverOrder is the target names of the servers view, top to bottom.
func serverOrder(frame string) []string {
	var out []string
	in := false
	for _, l := range strings.Split(frame, "\n") {
		if strings.Contains(l, "TARGET") && strings.Contains(l, "HEALTH") {
			in = true
			continue
		}
		if f := strings.Fields(strings.TrimLeft(l, " >!~")); in && len(f) > 0 {
			out = append(out, f[0])
		}
	}
	return out
}

// TestServersViewByDefault: with more than one target the tab opens on
// the servers view, problems first; with one it opens on activity.
func TestServersViewByDefault(t *testing.T) {
	ctx := testCtx(160, 48)
	tab := New(ctx.Styles, Options{})
	tab.Update(view.SizeMsg{Width: 160, Height: 48})
	tab.Update(update("main", primary(20), nil))
	if tab.SubView() != Activity {
		t.Fatalf("one target: view %v, want activity", tab.SubView())
	}
	tab.Update(update("replica", standby(), nil))
	tab.Update(update("billing", nil, errDown))
	if tab.SubView() != Servers {
		t.Fatalf("three targets: view %v, want servers", tab.SubView())
	}
	press(tab, "[") // the shown target is billing, which has no data: the rows stay
	if rows := serverRows(tab.View(ctx)); len(rows) != 3 {
		t.Errorf("with a down target shown, the servers view lists %d rows:\n%s", len(rows), tab.View(ctx))
	}
	press(tab, "]")
	frame := tab.View(ctx)
	if got := serverOrder(frame); strings.Join(got, " ") != "billing main replica" {
		t.Errorf("rows %v, want the down target, then main (blockers, lag), then the healthy replica:\n%s", got, frame)
	}
	rows := serverRows(frame)
	for name, want := range map[string][]string{
		"main":    {"ok 1s", "15.8", "primary", "19/100", "1270", "45s", "12m03s", "30.0%"},
		"replica": {"ok 1s", "16.4", "standby of 10.0.1.10:5432", "3/100", "2s"},
		"billing": {"down", "password authentication failed"},
	} {
		for _, w := range want {
			if !strings.Contains(rows[name], w) {
				t.Errorf("%s row %q lacks %q", name, rows[name], w)
			}
		}
	}
}

// TestServersSortFilterOpen: s sorts, / filters, enter opens the target
// in its own views and esc comes back with the row still selected.
func TestServersSortFilterOpen(t *testing.T) {
	tab, ctx := newTab(160, 48, 40)
	press(tab, "v")
	press(tab, "s") // by name
	if got := strings.Join(serverOrder(tab.View(ctx)), " "); got != "billing local main replica reports" {
		t.Errorf("sorted by name: %s", got)
	}
	press(tab, "/", "r", "e", "p", "enter")
	if got := strings.Join(serverOrder(tab.View(ctx)), " "); got != "replica reports" {
		t.Errorf("filtered by \"rep\": %s", got)
	}
	press(tab, "esc", "g", "j", "j", "j") // replica, by name
	if r := tab.srv.selected(); r == nil || r.name != "replica" {
		t.Fatalf("selected %+v, want replica", r)
	}
	press(tab, "enter")
	if tab.SubView() != Activity || tab.Target() != "replica" {
		t.Fatalf("enter: view %v target %q, want replica's activity", tab.SubView(), tab.Target())
	}
	if f := tab.View(ctx); !strings.Contains(f, "[replica ok]") || !strings.Contains(f, "esc back to servers") && !strings.Contains(f, "Sessions 2") {
		t.Errorf("enter did not show replica:\n%s", f)
	}
	press(tab, "r", "esc")
	if tab.SubView() != Servers {
		t.Fatalf("esc: view %v, want servers", tab.SubView())
	}
	if r := tab.srv.selected(); r == nil || r.name != "replica" {
		t.Errorf("back on servers, selected %+v, want replica still", r)
	}
	press(tab, "enter")
	if tab.SubView() != Replication || tab.Target() != "replica" {
		t.Errorf("enter again: view %v target %q, want replica's replication view (the one left with esc)", tab.SubView(), tab.Target())
	}
}

// TestServerDownChangesOnlyItsRow: a target that goes down (connection
// refused after good polls) shows down with its cause in its own row; the
// other rows are as they were.
func TestServerDownChangesOnlyItsRow(t *testing.T) {
	tab, ctx := newTab(160, 48, 40)
	press(tab, "v")
	before := serverRows(tab.View(ctx))
	u := update("replica", standby(), errors.New(`postgres "replica": connect: dial tcp 10.0.1.11:5432: connect: connection refused — is the server running and listening there?`))
	u.Err = absentErr{u.Err.Error()}
	u.LastGood = now.Add(-40 * time.Second)
	tab.Update(u)
	after := serverRows(tab.View(ctx))
	if r := after["replica"]; !strings.Contains(r, "down 40s") || !strings.Contains(r, "connection refused") || strings.Contains(r, "16.4") {
		t.Errorf("replica row %q: want down, the data's age and the cause instead of figures", r)
	}
	for _, name := range []string{"main", "billing", "reports", "local"} {
		// The selection mark (the top row's) may move; the figures may not.
		if before[name][1:] != after[name][1:] {
			t.Errorf("%s row changed:\n%q\n%q", name, before[name], after[name])
		}
	}
}

// TestOverviewTargetOpensServersRow: a target's first line in the
// Overview box opens the servers view on that target's row.
func TestOverviewTargetOpensServersRow(t *testing.T) {
	tab, ctx := newTab(160, 48, 40)
	var jump *view.Jump
	for _, l := range tab.SummaryLines(ctx, 70, 30) {
		if strings.HasPrefix(l.Text, "replica ok") {
			jump = l.Jump
		}
	}
	if jump == nil || jump.What != view.JumpSource {
		t.Fatalf("replica's line carries %+v, want a JumpSource", jump)
	}
	tab.Update(view.JumpMsg{Jump: *jump})
	if r := tab.srv.selected(); tab.SubView() != Servers || r == nil || r.name != "replica" {
		t.Errorf("jump: view %v, selected %+v; want the servers view on replica", tab.SubView(), r)
	}
}

// TestServerMarksFollowThresholds: each figure is judged by its
// [thresholds] key; a target whose only problem is one threshold moves up
// once that threshold is lowered past its figure.
func TestServerMarksFollowThresholds(t *testing.T) {
	f := factsOf(standby()) // 3/100 connections, 2 s replay delay, xid 30%
	th := DefaultThresholds()
	m := marksOf(&f, th)
	if m[svConns] != sevNone || m[svLag] != sevNone || m[svXID] != sevWarn {
		t.Errorf("default thresholds: conns %v lag %v xid %v; want none, none, warning", m[svConns], m[svLag], m[svXID])
	}
	th.ConnectionsPercent, th.ReplicationLag = 2, time.Second
	if m = marksOf(&f, th); m[svConns] != sevCrit || m[svLag] != sevCrit {
		t.Errorf("lowered thresholds: conns %v lag %v; want both critical", m[svConns], m[svLag])
	}

	ctx := testCtx(160, 48)
	tab := New(ctx.Styles, Options{Thresholds: Thresholds{ReplicationLag: time.Second}})
	tab.Update(view.SizeMsg{Width: 160, Height: 48})
	tab.Update(update("quiet", standby(), nil))
	tab.Update(update("replica", standby(), nil))
	tab.Update(update("lagging", standby(), nil))
	// All three start from the fixture's 2 s replay delay; quiet and
	// replica then report 0.5 s, under the lowered 1 s threshold.
	for _, name := range []string{"quiet", "replica"} {
		s := standby()
		s.Replication.Receiver.ReplayDelay = pgAge(500 * time.Millisecond)
		tab.Update(update(name, s, nil))
	}
	if got := serverOrder(tab.View(ctx)); len(got) != 3 || got[0] != "lagging" {
		t.Errorf("rows %v: the target past the lag threshold should come first", got)
	}
}

// TestServerHungGoesStale: a target whose poll hangs publishes nothing
// more; as its data ages past three intervals its row turns stale, with
// the age, and sorts up, while the others stay as they were.
func TestServerHungGoesStale(t *testing.T) {
	tab, ctx := newTab(160, 48, 40)
	press(tab, "v")
	before := serverRows(tab.View(ctx))
	u := update("replica", standby(), nil)
	u.PolledAt, u.LastGood = now.Add(-40*time.Second), now.Add(-40*time.Second)
	tab.Update(u)
	frame := tab.View(ctx)
	after := serverRows(frame)
	if r := after["replica"]; !strings.Contains(r, "stale 40s") || !strings.Contains(r, "standby of") {
		t.Errorf("replica row %q: want stale with the data's age, its figures kept", r)
	}
	for _, name := range []string{"main", "billing", "reports", "local"} {
		if before[name][1:] != after[name][1:] {
			t.Errorf("%s row changed:\n%q\n%q", name, before[name], after[name])
		}
	}
	if order := serverOrder(frame); strings.Join(order, " ") != "billing replica main reports local" {
		t.Errorf("order %v: down, then stale, then the rest", order)
	}
}

// TestOverviewOneLineForSeveralTargets: with room for one target line
// only, the box shows the worst target and how many more there are,
// never a lone "… N more" that names none of them.
func TestOverviewOneLineForSeveralTargets(t *testing.T) {
	tab, ctx := newTab(160, 48, 40)
	lines := tab.SummaryLines(ctx, 200, 1)
	if len(lines) != 1 {
		t.Fatalf("%d lines for a height of 1: %+v", len(lines), lines)
	}
	text := ansi.Strip(lines[0].Text)
	if strings.HasPrefix(text, "…") || !strings.Contains(text, "more (v)") || lines[0].Jump == nil {
		t.Errorf("one line for several targets reads %q (jump %v); want the worst target and the count of the rest", text, lines[0].Jump)
	}
}
