package postgres

import (
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	pg "github.com/stacktop/stacktop/collectors/postgres"
	"github.com/stacktop/stacktop/ui/internal/frametest"
	"github.com/stacktop/stacktop/ui/view"
)

// activityPIDs reads the PID column of the activity rows as drawn.
func activityPIDs(t *testing.T, frame string) []int {
	t.Helper()
	var pids []int
	for _, l := range frametest.Rows(frame, func(l string) bool { return strings.Contains(l, " PID") && strings.Contains(l, "QUERY") }) {
		f := strings.Fields(strings.TrimLeft(l, "> !~"))
		pid, err := strconv.Atoi(f[0])
		if err != nil {
			t.Fatalf("row %q has no PID", l)
		}
		pids = append(pids, pid)
	}
	return pids
}

func TestSubViewSwitching(t *testing.T) {
	tab, ctx := newTab(160, 48, 40)
	keys := []struct {
		key   string
		view  SubView
		shows string
	}{
		{"l", Locks, "Lock waits"}, {"d", Databases, "TPS HISTORY"}, {"r", Replication, "Standbys"},
		{"m", Maintenance, "oldest xmin age"}, {"t", Tables, "Unused indexes"}, {"S", Statements, "pg_stat_statements"},
		{"a", Activity, "Sessions"}, {"left", Servers, "HEALTH"}, {"left", Statements, "TOTAL▼"}, {"right", Servers, "HEALTH"},
		{"right", Activity, "TIME▼"}, {"right", Locks, "├─102"}, {"v", Servers, "Servers 5"},
	}
	for _, k := range keys {
		press(tab, k.key)
		frame := tab.View(ctx)
		if tab.SubView() != k.view {
			t.Fatalf("%s: view %v, want %v", k.key, tab.SubView(), k.view)
		}
		if !strings.Contains(frame, "["+viewLabels()[0][k.view]) || !strings.Contains(frame, k.shows) {
			t.Errorf("%s: frame does not show the %v tab and %q:\n%s", k.key, k.view, k.shows, frame)
		}
	}
	// While the filter prompt is open, view keys are text.
	press(tab, "a", "/", "d", "l")
	if tab.SubView() != Activity || !tab.InputActive() {
		t.Fatalf("typing in the filter switched views (view %v, input %v)", tab.SubView(), tab.InputActive())
	}
}

func TestActivitySortCycles(t *testing.T) {
	tab, ctx := newTab(160, 48, 60)
	press(tab, "i") // every session, idle ones too
	byPID := map[int]*pg.Backend{}
	for i := range tab.snap().Activity {
		b := &tab.snap().Activity[i]
		byPID[b.PID] = b
	}
	cpu := map[int]float64{}
	for _, r := range tab.d.all {
		cpu[r.b.PID] = cpuOf(&r)
	}
	runs := func(b *pg.Backend) int64 { return runningFor(&actRow{b: b}) }
	checks := []struct {
		name, header string
		ok           func(a, b *pg.Backend) bool
	}{
		{"query age", "TIME▼", func(a, b *pg.Backend) bool { return runs(a) >= runs(b) }},
		{"xact age", "XACT▼", func(a, b *pg.Backend) bool { return ageOrNeg(a.XactAge) >= ageOrNeg(b.XactAge) }},
		{"PID", "PID▲", func(a, b *pg.Backend) bool { return a.PID < b.PID }},
		{"state", "STATE▲", func(a, b *pg.Backend) bool { return stateRank(a) <= stateRank(b) }},
		{"CPU%", "CPU%▼", func(a, b *pg.Backend) bool { return cpu[a.PID] >= cpu[b.PID] }},
		{"query age", "TIME▼", func(a, b *pg.Backend) bool { return runs(a) >= runs(b) }},
	}
	for i, c := range checks {
		if i > 0 {
			press(tab, "s")
		}
		frame := tab.View(ctx)
		if !strings.Contains(frame, "sort "+c.name) || !strings.Contains(frame, c.header) {
			t.Fatalf("step %d: title or header does not show sort %q:\n%s", i, c.name, frame)
		}
		pids := activityPIDs(t, frame)
		if len(pids) < 30 {
			t.Fatalf("step %d: only %d rows drawn", i, len(pids))
		}
		for j := 1; j < len(pids); j++ {
			// Background processes come after client sessions (see
			// TestBackgroundBelowClients); the order holds within each part.
			if a, b := byPID[pids[j-1]], byPID[pids[j]]; isBackground(a) == isBackground(b) && !c.ok(a, b) {
				t.Errorf("sort %s: pid %d drawn before pid %d", c.name, a.PID, b.PID)
			}
		}
	}
	if pids := activityPIDs(t, tab.View(ctx)); pids[0] != pidReport {
		t.Errorf("longest running query is pid %d, want %d (the 12-minute report)", pids[0], pidReport)
	}
}

func TestCPUSortOnlyWhenJoined(t *testing.T) {
	tab, ctx := newTab(160, 48, 40)
	press(tab, "]") // the replica is not local: no host figures
	if strings.Contains(tab.View(ctx), "CPU%") {
		t.Error("a remote target shows a CPU% column")
	}
	for range activitySorts {
		press(tab, "s")
		if tab.act.sort == ByCPU {
			t.Fatal("s offers the CPU% order for a remote target")
		}
	}
}

func TestActivityFilter(t *testing.T) {
	tab, ctx := newTab(160, 48, 60)
	press(tab, "i") // every session, idle ones too
	cases := []struct {
		filter string
		ok     func(b *pg.Backend) bool
	}{
		{"db:analytics", func(b *pg.Backend) bool { return b.Database == "analytics" }},
		{"USER:bob", func(b *pg.Backend) bool { return b.User == "bob" }},
		{"state:idle", func(b *pg.Backend) bool { return strings.HasPrefix(b.State, "idle") }},
		{"app:rails state:aborted", func(b *pg.Backend) bool { return b.PID == 115 }},
		{"carts", func(b *pg.Backend) bool { return strings.Contains(b.Query, "carts") }},
		{"10.0.3.111", func(b *pg.Backend) bool { return b.PID == pidSlow }},
	}
	for _, c := range cases {
		press(tab, "/")
		for _, r := range c.filter {
			press(tab, string(r))
		}
		press(tab, "enter")
		if tab.InputActive() {
			t.Fatal("enter leaves the prompt open")
		}
		frame := tab.View(ctx)
		pids := activityPIDs(t, frame)
		if len(pids) == 0 {
			t.Fatalf("%q: no rows", c.filter)
		}
		for _, pid := range pids {
			if b := tab.d.byPID[pid].b; !c.ok(b) {
				t.Errorf("%q: row pid %d (%s/%s/%s) should not match", c.filter, pid, b.Database, b.User, b.State)
			}
		}
		if !strings.Contains(frame, "filter "+c.filter+" ("+strconv.Itoa(len(pids))+" shown)") {
			t.Errorf("%q: title does not show the filter and count:\n%s", c.filter, frame)
		}
		press(tab, "esc")
		if got := len(activityPIDs(t, tab.View(ctx))); got < 40 {
			t.Fatalf("esc leaves %d rows; the filter was not cleared", got)
		}
	}
	press(tab, "/", "z", "z", "z", "enter")
	if frame := tab.View(ctx); !strings.Contains(frame, "no session matches “zzz” — esc clears the filter") {
		t.Errorf("an empty result does not say so:\n%s", frame)
	}
}

func TestSelectionFollowsPID(t *testing.T) {
	tab, ctx := newTab(120, 40, 40)
	press(tab, "down", "down")
	_, pid, _, ok := tab.SelectedBackend()
	if !ok || pid != pidB {
		t.Fatalf("after two downs the selection is pid %d (ok %v), want %d", pid, ok, pidB)
	}
	// The next poll: pid 102's query is now the newest; the selection stays on it.
	next := primary(40)
	next.Taken = now
	for i := range next.Activity {
		if next.Activity[i].PID == pidB {
			next.Activity[i].QueryAge = pgAge(time.Second)
		}
	}
	tab.Update(update("main", next, nil))
	if _, pid, _, _ := tab.SelectedBackend(); pid != pidB {
		t.Errorf("selection moved to pid %d", pid)
	}
	if !strings.Contains(tab.View(ctx), "> !     102") {
		t.Error("the selected row is not drawn with its marker")
	}
	press(tab, "g")
	if _, pid, _, _ := tab.SelectedBackend(); pid != pidReport {
		t.Errorf("g selects pid %d, want the top row %d", pid, pidReport)
	}
}

func TestTargetSwitching(t *testing.T) {
	tab, ctx := newTab(120, 30, 40)
	want := []struct{ name, shows string }{
		{"replica", "standby"}, {"reports", "waiting for the first poll of reports"},
		{"local", "not found: no PostgreSQL server answers"}, {"billing", "unreachable: postgres \"billing\""}, {"main", "primary"},
	}
	for _, w := range want {
		press(tab, "]")
		frame := tab.View(ctx)
		if tab.Target() != w.name || !strings.Contains(frame, "["+w.name+" ") || !strings.Contains(frame, w.shows) {
			t.Fatalf("target %q, want %q showing %q:\n%s", tab.Target(), w.name, w.shows, frame)
		}
	}
	press(tab, "[")
	if tab.Target() != "billing" {
		t.Errorf("[ goes to %q, want billing", tab.Target())
	}
}

func TestDetailPane(t *testing.T) {
	tab, ctx := newTab(120, 40, 40)
	press(tab, "down", "down") // pid 102: blocked by 101, blocks 103
	if strings.Contains(tab.View(ctx), "blocked by") {
		t.Fatal("the detail pane is open before enter")
	}
	press(tab, "enter")
	frame := tab.View(ctx)
	for _, want := range []string{"─ PID 102 · app@shop · billing", "blocked by 101", "waits for ShareLock on a row of accounts",
		"blocks 1 session", "UPDATE accounts SET balance = balance + 100 WHERE id = 42", "wait Lock:transactionid"} {
		if !strings.Contains(frame, want) {
			t.Errorf("detail pane lacks %q:\n%s", want, frame)
		}
	}
	if got := strings.Count(frame, "\n") + 1; got != 40 {
		t.Errorf("frame is %d lines, want 40", got)
	}
	press(tab, "up")
	if frame := tab.View(ctx); !strings.Contains(frame, "─ PID 101 ") || !strings.Contains(frame, "blocks 3 sessions") {
		t.Errorf("the pane does not follow the selection:\n%s", frame)
	}
	press(tab, "esc")
	if strings.Contains(tab.View(ctx), "─ PID 101 ") {
		t.Error("esc does not close the pane")
	}
}

func TestDetailPaneMultilineAndHuge(t *testing.T) {
	tab, ctx := newTab(100, 40, 40)
	press(tab, "/", "r", "e", "c", "e", "n", "t", "enter", "enter")
	frame := tab.View(ctx)
	if !strings.Contains(frame, "\n     SELECT id, total\n") || !strings.Contains(frame, "\n      WHERE created_at > now() - interval '1 day'\n") {
		t.Errorf("line breaks and indentation of the query are not kept:\n%s", frame)
	}
	press(tab, "esc", "esc", "/", "b", "l", "o", "b", "s", "enter", "enter")
	frame = tab.View(ctx)
	if !strings.Contains(frame, "… query continues: 1.0 MiB in all") {
		t.Errorf("a megabyte query does not say it continues:\n%s", frame)
	}
	if len(frame) > 100*40*4 {
		t.Errorf("frame is %d bytes: the megabyte query leaked into it", len(frame))
	}
}

// frames renders every sub-view of every target, with the detail pane on
// the escape-laden query, plus the Overview box.
func frames(tab *Tab, ctx view.Context) []string {
	var out []string
	for range tab.order {
		for _, k := range []string{"a", "l", "d", "r", "m", "t", "S"} {
			press(tab, k)
			out = append(out, tab.View(ctx))
		}
		press(tab, "]")
	}
	press(tab, "a", "/", "m", "a", "l", "l", "o", "r", "y", "enter", "enter")
	out = append(out, tab.View(ctx), tab.Summary(ctx, 60, 12))
	return out
}

func TestNoEscapeReachesTheScreen(t *testing.T) {
	tab, ctx := newTab(200, 60, 40)
	for i, f := range frames(tab, ctx) {
		if i == len(frames(tab, ctx))-2 && !strings.Contains(f, "SELECT 'red' AS x") {
			t.Errorf("the evil query is not shown at all:\n%s", f)
		}
		for _, bad := range []string{"\x1b", "\x07", "\u202e", "pwned"} {
			if strings.Contains(f, bad) {
				t.Fatalf("frame %d contains %q:\n%s", i, bad, f)
			}
		}
	}
}

func TestFramesFit(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {60, 15}, {200, 60}} {
		tab, ctx := newTab(size[0], size[1], 500)
		for i, f := range frames(tab, ctx) {
			if i == len(frames(tab, ctx))-1 {
				continue // the summary has its own size
			}
			lines := strings.Split(f, "\n")
			if len(lines) > size[1] {
				t.Errorf("%dx%d frame %d has %d lines", size[0], size[1], i, len(lines))
			}
			for _, l := range lines {
				if w := ansi.StringWidth(l); w > size[0] {
					t.Errorf("%dx%d frame %d: line %d cells wide: %q", size[0], size[1], i, w, l)
				}
			}
		}
	}
}

func TestStaleAndDegraded(t *testing.T) {
	tab, ctx := newTab(120, 30, 40)
	tab.Update(degradedUpdate())
	frame := tab.View(ctx)
	for _, want := range []string{"[main degraded]", "as of 14:29:35 (30s ago)", "! degraded: postgres \"main\": poll: canceling statement",
		"too short (last good data shown)", "note: activity: role lacks pg_monitor", "Sessions 30"} {
		if !strings.Contains(frame, want) {
			t.Errorf("degraded frame lacks %q:\n%s", want, frame)
		}
	}
	if strings.Contains(frame, "tps") {
		t.Errorf("old figures shown with a live rate:\n%s", frame)
	}
	// Fresh again: no marker.
	tab.Update(update("main", primary(40), nil))
	if frame := tab.View(ctx); strings.Contains(frame, "as of") || strings.Contains(frame, "degraded") {
		t.Errorf("a good poll leaves the stale/degraded marks:\n%s", frame)
	}
}

// TestSummary: with several targets the Overview box ranks the problems
// of all of them, the worst first, each naming its target, then lists the
// targets; with one, its figures and offenders as before.
func TestSummary(t *testing.T) {
	tab, ctx := newTab(200, 60, 40)
	got := tab.Summary(ctx, 70, 30)
	wants := []string{
		"billing down: postgres \"billing\": connect: password authentication",
		"main: ! pid 101 blocks 3 for 1m35s", "main: ! pid 105 blocks 1 for 1m00s",
		"main: ! longest query 12m03s pid 110 reporter: SELECT date_trunc",
		"main: ! 2 idle in transaction, longest 2m05s",
		"main: ! 2 standbys, worst replay lag replica2 96.0 MiB / 45s",
		"main: ! inactive slot old_debezium retains 2.0 GiB",
		"main ok · conns 39/100 · 1270 tps", "replica ok · conns 3/100",
		"reports waiting", "local not found",
	}
	at := 0
	for _, want := range wants {
		i := strings.Index(got[at:], want)
		if i < 0 {
			t.Fatalf("summary lacks %q (in this order):\n%s", want, got)
		}
		at += i
	}
	if strings.Contains(got, "standby: replay delay") {
		t.Errorf("a lag under the threshold is ranked among the problems:\n%s", got)
	}
	one, _ := tabWith(200, 60, standby())
	if s := one.Summary(ctx, 70, 10); !strings.Contains(s, "standby: replay delay 2s, 56.0 KiB to replay") {
		t.Errorf("one target: its figures are not listed:\n%s", s)
	}
	for _, l := range strings.Split(tab.Summary(ctx, 40, 6), "\n") {
		if ansi.StringWidth(l) > 40 {
			t.Errorf("summary line wider than 40: %q", l)
		}
	}
	if n := strings.Count(tab.Summary(ctx, 40, 6), "\n") + 1; n > 6 {
		t.Errorf("summary has %d lines for a height of 6", n)
	}
	empty := New(ctx.Styles, Options{})
	if s := empty.Summary(ctx, 60, 5); !strings.Contains(s, "not configured — add a [[postgres]] section") {
		t.Errorf("no targets: %q", s)
	}
}

func TestThresholds(t *testing.T) {
	ctx := testCtx(160, 48)
	tab := New(ctx.Styles, Options{Thresholds: Thresholds{LongQueryWarn: 10 * time.Minute, LongQueryCrit: time.Hour, IdleInTransaction: time.Hour}})
	tab.Update(view.SizeMsg{Width: 160, Height: 48})
	tab.Update(update("main", primary(40), nil))
	levels := map[int]severity{}
	for _, r := range tab.d.all {
		levels[r.b.PID] = r.level
	}
	want := map[int]severity{pidReport: sevWarn, pidSlow: sevNone, pidIdleTx: sevNone, pidA: sevCrit /* blocks others */, pidB: sevCrit, pidC: sevNone}
	for pid, lv := range want {
		if levels[pid] != lv {
			t.Errorf("pid %d: level %d, want %d", pid, levels[pid], lv)
		}
	}
	def, _ := newTab(160, 48, 40)
	for _, r := range def.d.all {
		levels[r.b.PID] = r.level
	}
	want = map[int]severity{pidReport: sevCrit, pidSlow: sevWarn, pidIdleTx: sevCrit, 115: sevNone, 121: sevNone, 120: sevNone}
	for pid, lv := range want {
		if levels[pid] != lv {
			t.Errorf("defaults: pid %d: level %d, want %d", pid, levels[pid], lv)
		}
	}
}

func TestRedact(t *testing.T) {
	ctx := testCtx(200, 60)
	tab := New(ctx.Styles, Options{Redact: true})
	tab.Update(view.SizeMsg{Width: 200, Height: 60})
	tab.Update(update("main", primary(40), nil))
	press(tab, "/", "p", "s", "q", "l", "enter", "enter")
	frame := tab.View(ctx)
	if !strings.Contains(frame, "UPDATE accounts SET balance = balance - ? WHERE id = ?") {
		t.Errorf("query literals are not masked:\n%s", frame)
	}
	if strings.Contains(frame, "10.0.3.") || strings.Contains(frame, "100 WHERE") {
		t.Errorf("client address or literal shown under redaction:\n%s", frame)
	}
	if _, _, q, _ := tab.SelectedBackend(); !strings.Contains(q, "- 100") {
		t.Errorf("SelectedBackend must hand actions the raw query, got %q", q)
	}
}

func TestKeyMapEnabled(t *testing.T) {
	tab, _ := newTab(120, 30, 40)
	k, v := tab.keys, tab.sub(tab.view).keyMap()
	if !v.Filter.Enabled() || !v.Sort.Enabled() || !v.Detail.Enabled() || !k.NextTarget.Enabled() || v.Accept.Enabled() {
		t.Error("activity: filter, sort, details and targets should be on, accept off")
	}
	press(tab, "r")
	k, v = tab.keys, tab.sub(tab.view).keyMap()
	if v.Filter.Enabled() || v.Sort.Enabled() || v.Reverse.Enabled() || v.Idle.Enabled() || v.Detail.Enabled() || k.Down.Enabled() {
		t.Error("replication: filter, sort, reverse, idle, details and navigation should be off")
	}
	if !k.Pause.Enabled() {
		t.Error("replication: space should pause")
	}
	press(tab, "d")
	if v = tab.sub(tab.view).keyMap(); !v.Filter.Enabled() || v.Sort.Enabled() || v.Idle.Enabled() {
		t.Error("databases: filter on, sort and idle off")
	}
	press(tab, "a", "/")
	if k, v = tab.keys, tab.sub(tab.view).keyMap(); !v.Accept.Enabled() || !v.Clear.Enabled() || v.Sort.Enabled() || k.Locks.Enabled() {
		t.Error("while editing only accept and clear are on")
	}
	press(tab, "esc", "v")
	if v = tab.sub(tab.view).keyMap(); !v.Open.Enabled() || !v.Sort.Enabled() || !v.Filter.Enabled() || v.Detail.Enabled() || v.Idle.Enabled() {
		t.Error("servers: open, sort and filter on, details and idle off")
	}
	single := New(testCtx(80, 24).Styles, Options{})
	single.Update(update("main", primary(30), nil))
	if single.keys.NextTarget.Enabled() {
		t.Error("one target: target switching should be off")
	}
}

func TestAccessors(t *testing.T) {
	tab, _ := newTab(120, 30, 40)
	if target, pid, q, ok := tab.SelectedBackend(); !ok || target != "main" || pid != pidReport || !strings.HasPrefix(q, "SELECT date_trunc") {
		t.Errorf("SelectedBackend = %q %d %q %v", target, pid, q, ok)
	}
	press(tab, "l", "down")
	if _, pid, _, ok := tab.SelectedBackend(); !ok || pid != pidB {
		t.Errorf("locks view: SelectedBackend pid %d, want %d", pid, pidB)
	}
	press(tab, "d")
	if _, _, _, ok := tab.SelectedBackend(); ok {
		t.Error("databases view has a selected backend")
	}
	press(tab, "S", "s") // by mean time
	if _, id, q, ok := tab.SelectedStatement(); !ok || id == 0 || q == "" {
		t.Errorf("SelectedStatement = %d %q %v", id, q, ok)
	}
	means := tab.stmt.stmts
	for i := 1; i < len(means); i++ {
		if means[i-1].MeanTime < means[i].MeanTime {
			t.Errorf("statements not sorted by mean time at %d", i)
		}
	}
}

func TestHistoryGapsOnInvalidRates(t *testing.T) {
	tab, _ := newTab(120, 30, 40)
	s := primary(40)
	s.Taken = now
	s.Total.TPS = pg.Throughput{}.TPS // a stats reset: no rate
	tab.Update(update("main", s, nil))
	if v := tab.targets["main"].total.Last(); !math.IsNaN(v) {
		t.Errorf("an invalid rate is recorded as %v, want a gap", v)
	}
	// The same snapshot again (a failed poll re-sends it) adds nothing.
	n := tab.targets["main"].total.Len()
	tab.Update(update("main", s, nil))
	if tab.targets["main"].total.Len() != n {
		t.Error("a repeated snapshot was pushed into the history twice")
	}
}

func TestEmptyStates(t *testing.T) {
	ctx := testCtx(100, 24)
	tab := New(ctx.Styles, Options{})
	tab.Update(view.SizeMsg{Width: 100, Height: 24})
	s := primary(0)
	s.Activity, s.LockTree, s.Replication = nil, nil, pg.Replication{}
	tab.Update(update("main", s, nil))
	checks := map[string]string{"a": "no sessions besides stacktop's own", "l": "no lock waits", "r": "not replicating"}
	for k, want := range checks {
		press(tab, k)
		if frame := tab.View(ctx); !strings.Contains(frame, want) {
			t.Errorf("%s: lacks %q:\n%s", k, want, frame)
		}
	}
}

func TestKeysWithoutData(t *testing.T) {
	tab, _ := newTab(80, 24, 40)
	press(tab, "[") // billing: down
	if k, v := tab.keys, tab.sub(tab.view).keyMap(); v.Filter.Enabled() || v.Sort.Enabled() || v.Detail.Enabled() || !k.NextTarget.Enabled() {
		t.Error("a target without data offers filter, sort or details, or no way to another target")
	}
}

func TestConnectionSaturation(t *testing.T) {
	ctx := testCtx(120, 30)
	tab := New(ctx.Styles, Options{})
	tab.Update(view.SizeMsg{Width: 120, Height: 30})
	s := primary(30)
	s.Server.ConnectionsUsed, s.Server.ConnectionsMax = 95, 100
	tab.Update(update("main", s, nil))
	if frame := tab.View(ctx); !strings.Contains(frame, "!conns 95/100") {
		t.Errorf("95/100 connections are not flagged in the server line:\n%s", frame)
	}
	if sum := tab.Summary(ctx, 60, 8); !strings.Contains(sum, "main ok · !conns 95/100") {
		t.Errorf("95/100 connections are not flagged in the Overview box:\n%s", sum)
	}
	s2 := primary(30)
	s2.Taken = now
	s2.Server.ConnectionsUsed = 50
	tab.Update(update("main", s2, nil))
	if strings.Contains(tab.View(ctx), "!conns") {
		t.Error("50/100 connections are flagged")
	}
}
