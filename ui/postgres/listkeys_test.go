package postgres

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stacktop/stacktop/collectors"
	pg "github.com/stacktop/stacktop/collectors/postgres"
	"github.com/stacktop/stacktop/ui/internal/frametest"
	"github.com/stacktop/stacktop/ui/view"
)

// tabWith is a w×h tab showing s (host figures joined), and its context.
func tabWith(w, h int, s *pg.Snapshot) (*Tab, view.Context) {
	ctx := testCtx(w, h)
	tab := New(ctx.Styles, Options{})
	tab.Update(view.SizeMsg{Width: w, Height: h})
	tab.Update(hostFor(s))
	tab.Update(update("main", s, nil))
	return tab, ctx
}

// idleCount is how many of s's backends "running only" leaves out.
func idleCount(s *pg.Snapshot) int {
	n := 0
	for i := range s.Activity {
		if isIdle(&s.Activity[i]) {
			n++
		}
	}
	return n
}

func TestRunningOnlyByDefault(t *testing.T) {
	tab, ctx := newTab(160, 48, 40)
	idle := idleCount(tab.snap())
	if idle < 10 {
		t.Fatalf("the fixture has only %d idle sessions", idle)
	}
	frame := tab.View(ctx)
	pids := activityPIDs(t, frame)
	if want := len(tab.snap().Activity) - idle; len(pids) != want {
		t.Errorf("%d rows drawn, want the %d sessions that are not idle:\n%s", len(pids), want, frame)
	}
	for _, pid := range pids {
		if b := tab.d.byPID[pid].b; b.State == pg.StateIdle {
			t.Errorf("idle pid %d is shown while running only", pid)
		}
	}
	// Idle in a transaction holds locks: never hidden.
	for _, pid := range []int{pidA, pidIdleTx, 115} {
		if !slices.Contains(pids, pid) {
			t.Errorf("pid %d (idle in transaction) is hidden", pid)
		}
	}
	marker := "Sessions 40 · running only · " + strconv.Itoa(idle) + " idle hidden"
	if !strings.Contains(frame, marker) {
		t.Errorf("header lacks %q:\n%s", marker, frame)
	}
	if h := tab.act.keys.Idle.Help(); !tab.act.keys.Idle.Enabled() || h.Key != "i" || h.Desc != "show idle" {
		t.Errorf("help offers %q %q (enabled %v), want i show idle", h.Key, h.Desc, tab.act.keys.Idle.Enabled())
	}

	press(tab, "i")
	frame = tab.View(ctx)
	if pids := activityPIDs(t, frame); len(pids) != 40 || !slices.Contains(pids, 200) {
		t.Errorf("after i, %d rows (want all 40, idle pid 200 among them):\n%s", len(pids), frame)
	}
	if strings.Contains(frame, "running only") || strings.Contains(frame, "idle hidden") {
		t.Errorf("after i the header still says running only:\n%s", frame)
	}
	if h := tab.act.keys.Idle.Help(); h.Desc != "hide idle" {
		t.Errorf("after i, help says %q, want hide idle", h.Desc)
	}
	press(tab, "i")
	if got := len(activityPIDs(t, tab.View(ctx))); got != 40-idle {
		t.Errorf("i again shows %d rows, want %d", got, 40-idle)
	}

	// A filter counts only the idle sessions it matches.
	press(tab, "/", "d", "b", ":", "a", "n", "a", "l", "y", "t", "i", "c", "s", "enter")
	analyticsIdle := 0
	for _, b := range tab.snap().Activity {
		if b.Database == "analytics" && isIdle(&b) {
			analyticsIdle++
		}
	}
	if want := "running only · " + strconv.Itoa(analyticsIdle) + " idle hidden"; !strings.Contains(tab.View(ctx), want) {
		t.Errorf("with db:analytics the header lacks %q:\n%s", want, tab.View(ctx))
	}

	// Nothing running: the view says why it is empty.
	quiet := primary(0)
	quiet.Activity = []pg.Backend{backend(300, "app", "shop", "web", pg.StateIdle, "SELECT 1", time.Second)}
	quiet.LockTree = nil
	qt, qctx := tabWith(100, 24, quiet)
	if f := qt.View(qctx); !strings.Contains(f, "no session is running — i shows the idle ones") {
		t.Errorf("an all-idle server does not say so:\n%s", f)
	}
}

// withWorkers is the primary with the server's own processes added: a
// parallel worker whose query has run longest of all, an autovacuum
// launcher and a checkpointer asleep in their main loops, and a
// checkpointer-like process at work.
func withWorkers() *pg.Snapshot {
	s := primary(40)
	par := pg.Backend{PID: 150, BackendType: "parallel worker", Database: "analytics", User: "reporter", State: pg.StateActive,
		Query: "SELECT count(*) FROM events", QueryAge: pgAge(20 * time.Minute), XactAge: pgAge(20 * time.Minute), BackendAge: pgAge(20 * time.Minute)}
	launcher := pg.Backend{PID: 2, BackendType: "autovacuum launcher", WaitEventType: "Activity", WaitEvent: "AutoVacuumMain", BackendAge: pgAge(72 * time.Hour)}
	ckpt := pg.Backend{PID: 3, BackendType: "checkpointer", WaitEventType: "Activity", WaitEvent: "CheckpointerMain", BackendAge: pgAge(72 * time.Hour)}
	writer := pg.Backend{PID: 4, BackendType: "walwriter", WaitEventType: "IO", WaitEvent: "WALWrite", BackendAge: pgAge(72 * time.Hour)}
	s.Activity = append(s.Activity, par, launcher, ckpt, writer)
	return s
}

func TestBackgroundBelowClients(t *testing.T) {
	tab, ctx := tabWith(160, 60, withWorkers())
	check := func(step string, wantBG int) {
		t.Helper()
		frame := tab.View(ctx)
		pids := activityPIDs(t, frame)
		first := slices.IndexFunc(pids, func(pid int) bool { return isBackground(tab.d.byPID[pid].b) })
		if first < 0 {
			t.Fatalf("%s: no background process drawn:\n%s", step, frame)
		}
		if n := len(pids) - first; n != wantBG {
			t.Errorf("%s: %d background rows at the bottom, want %d:\n%s", step, n, wantBG, frame)
		}
		for _, pid := range pids[first:] {
			if !isBackground(tab.d.byPID[pid].b) {
				t.Errorf("%s: client pid %d drawn among the background processes:\n%s", step, pid, frame)
			}
		}
	}
	// Running only: the sleeping launcher and checkpointer are left out; the
	// parallel worker, the autovacuum worker, the walsender and the busy WAL
	// writer are shown.
	check("running only", 4)
	if pids := activityPIDs(t, tab.View(ctx)); slices.Contains(pids, 2) || slices.Contains(pids, 3) {
		t.Error("a background process asleep in its main loop is shown while running only")
	}
	press(tab, "i")
	for range activitySorts {
		for _, rev := range []bool{false, true} {
			if rev {
				press(tab, "I")
			}
			check(tab.act.sort.String()+" reversed "+strconv.FormatBool(rev), 6)
		}
		press(tab, "s")
	}
	if tab.act.sort != ByQueryAge {
		t.Fatalf("s did not cycle back to query age (%v)", tab.act.sort)
	}
	if _, pid, _, _ := tab.SelectedBackend(); pid != pidReport {
		t.Errorf("the top row is pid %d, want the 12-minute report %d, not the 20-minute parallel worker", pid, pidReport)
	}
}

func TestReverseSort(t *testing.T) {
	tab, ctx := newTab(160, 48, 40)
	press(tab, "i")
	normal := activityPIDs(t, tab.View(ctx))
	press(tab, "I")
	frame := tab.View(ctx)
	if !strings.Contains(frame, "TIME▲") || strings.Contains(frame, "TIME▼") || !strings.Contains(frame, "sort query age, reversed") {
		t.Errorf("reversed query age: header or title does not say so:\n%s", frame)
	}
	reversed := activityPIDs(t, frame)
	split := func(pids []int) (clients, bg []int) {
		for _, pid := range pids {
			if isBackground(tab.d.byPID[pid].b) {
				bg = append(bg, pid)
			} else {
				clients = append(clients, pid)
			}
		}
		return clients, bg
	}
	nc, nb := split(normal)
	rc, rb := split(reversed)
	slices.Reverse(nc)
	slices.Reverse(nb)
	if !slices.Equal(nc, rc) || !slices.Equal(nb, rb) {
		t.Errorf("I does not reverse the order within clients and background:\nnormal   %v\nreversed %v", normal, reversed)
	}
	press(tab, "I")
	if !slices.Equal(activityPIDs(t, tab.View(ctx)), normal) || !strings.Contains(tab.View(ctx), "TIME▼") {
		t.Error("I twice is not the original order")
	}

	// s starts the next order in its own direction: PIDs ascending, ▲.
	press(tab, "I", "s", "s")
	frame = tab.View(ctx)
	pids, _ := split(activityPIDs(t, frame))
	if !strings.Contains(frame, "PID▲") || !slices.IsSorted(pids) {
		t.Errorf("s after I: want PIDs ascending under PID▲, got %v:\n%s", pids, frame)
	}
	press(tab, "I")
	frame = tab.View(ctx)
	pids, _ = split(activityPIDs(t, frame))
	if !strings.Contains(frame, "PID▼") || !slices.IsSortedFunc(pids, func(a, b int) int { return b - a }) {
		t.Errorf("PID reversed: want descending under PID▼, got %v", pids)
	}

	// Tables and statements: the largest first (▼), I the smallest first (▲).
	press(tab, "t", "I")
	frame = tab.View(ctx)
	if !strings.Contains(frame, "TOTAL▲") || !strings.Contains(frame, "sort total size, reversed") {
		t.Errorf("reversed tables: header does not say so:\n%s", frame)
	}
	if !slices.IsSortedFunc(tab.tbl.tables, func(a, b *pg.Table) int { return int(a.TotalBytes - b.TotalBytes) }) {
		t.Error("reversed tables are not smallest first")
	}
	if rows := tableRows(frame); len(rows) == 0 || !strings.Contains(rows[0], " settings ") {
		t.Errorf("reversed tables: the smallest (settings) is not drawn first: %q", rows)
	}
	press(tab, "S")
	if frame := tab.View(ctx); !strings.Contains(frame, "TOTAL▼") {
		t.Errorf("statements keep their own direction; want TOTAL▼:\n%s", frame)
	}
	press(tab, "I")
	if frame := tab.View(ctx); !strings.Contains(frame, "TOTAL▲") {
		t.Errorf("reversed statements: want TOTAL▲:\n%s", frame)
	}
	if !slices.IsSortedFunc(tab.stmt.stmts, func(a, b *pg.Statement) int { return int(a.TotalTime - b.TotalTime) }) {
		t.Error("reversed statements are not the smallest total time first")
	}
	press(tab, "d")
	if tab.sub(tab.view).keyMap().Reverse.Enabled() {
		t.Error("I is offered in the databases view, which has no order")
	}
}

// tableRows are the drawn rows of the tables view's table list.
func tableRows(frame string) []string {
	rows := frametest.Rows(frame, func(l string) bool { return strings.Contains(l, "TABLE") && strings.Contains(l, "SEQ SCANS") })
	if i := slices.IndexFunc(rows, func(l string) bool { return strings.Contains(l, "Unused indexes") }); i >= 0 {
		rows = rows[:i]
	}
	return rows
}

// statementRows are the drawn rows of the statements view.
func statementRows(frame string) []string {
	return frametest.Rows(frame, func(l string) bool { return strings.Contains(l, "CALLS") && strings.Contains(l, "QUERY") })
}

func typeFilter(tab *Tab, text string) {
	press(tab, "/")
	for _, r := range text {
		press(tab, string(r))
	}
	press(tab, "enter")
}

func TestFilterStatementsTablesDatabases(t *testing.T) {
	tab, ctx := newTab(160, 48, 40)
	press(tab, "S")
	all := len(statementRows(tab.View(ctx)))
	if all != 10 {
		t.Fatalf("%d statement rows, want 10", all)
	}
	cases := []struct {
		filter string
		want   []string // every row contains one of these
		n      int
	}{
		{"user:reporter", []string{"date_trunc"}, 1},
		{"db:shop", []string{"shop"}, 9},
		{"INVOICES", []string{"FROM invoices"}, 1},
		{"accounts shop", []string{"UPDATE accounts"}, 1},
	}
	for _, c := range cases {
		typeFilter(tab, c.filter)
		frame := tab.View(ctx)
		rows := statementRows(frame)
		if len(rows) != c.n {
			t.Errorf("%q: %d rows, want %d:\n%s", c.filter, len(rows), c.n, frame)
		}
		for _, r := range rows {
			if !slices.ContainsFunc(c.want, func(w string) bool { return strings.Contains(r, w) }) {
				t.Errorf("%q: row %q should not match", c.filter, r)
			}
		}
		if want := "filter " + c.filter + " (" + strconv.Itoa(c.n) + " shown)"; !strings.Contains(frame, want) {
			t.Errorf("%q: title lacks %q:\n%s", c.filter, want, frame)
		}
		press(tab, "esc")
		if got := len(statementRows(tab.View(ctx))); got != all {
			t.Fatalf("esc leaves %d statements, want %d", got, all)
		}
	}
	typeFilter(tab, "zzz")
	if frame := tab.View(ctx); !strings.Contains(frame, "no statement matches “zzz” — esc clears the filter") {
		t.Errorf("an empty result does not say so:\n%s", frame)
	}
	press(tab, "esc")

	// Tables: by schema-qualified name.
	press(tab, "t")
	typeFilter(tab, "orders")
	frame := tab.View(ctx)
	rows := tableRows(frame)
	if len(rows) != 2 || !strings.Contains(rows[0], " orders ") || !strings.Contains(rows[1], "archive.orders_2019") {
		t.Errorf("tables filtered by orders: %q\n%s", rows, frame)
	}
	if !strings.Contains(frame, "filter orders (2 shown)") {
		t.Errorf("tables title lacks the filter:\n%s", frame)
	}
	press(tab, "esc")
	if got := len(tableRows(tab.View(ctx))); got < 10 {
		t.Errorf("esc leaves %d tables", got)
	}

	// Databases: by name; the total stays the server's.
	press(tab, "d")
	typeFilter(tab, "ana")
	frame = tab.View(ctx)
	if !strings.Contains(frame, " analytics ") || strings.Contains(frame, " shop ") || strings.Contains(frame, "new_db") ||
		!strings.Contains(frame, " total ") || !strings.Contains(frame, "filter ana (1 shown)") {
		t.Errorf("databases filtered by ana:\n%s", frame)
	}

	// Each view keeps its own filter: the activity's does not cut statements.
	press(tab, "a")
	typeFilter(tab, "mallory")
	if got := len(activityPIDs(t, tab.View(ctx))); got != 1 {
		t.Fatalf("activity filter mallory: %d rows", got)
	}
	press(tab, "S")
	if got := len(statementRows(tab.View(ctx))); got != all {
		t.Errorf("the activity filter cut the statements to %d", got)
	}
	press(tab, "d")
	if !strings.Contains(tab.View(ctx), "filter ana (1 shown)") {
		t.Error("the databases filter was lost on the way")
	}
}

func TestStatementFilterMatchesRedactedText(t *testing.T) {
	ctx := testCtx(160, 48)
	tab := New(ctx.Styles, Options{Redact: true})
	tab.Update(view.SizeMsg{Width: 160, Height: 48})
	s := primary(40)
	s.Statements.Rows[4].Query = "SELECT * FROM invoices WHERE status = 'secret-literal'"
	tab.Update(update("main", s, nil))
	press(tab, "S")
	typeFilter(tab, "secret")
	if f := tab.View(ctx); !strings.Contains(f, "no statement matches “secret”") {
		t.Errorf("under redaction a filter finds a masked literal:\n%s", f)
	}
}

func TestPauseFreezesTheView(t *testing.T) {
	tab, ctx := newTab(120, 30, 40)
	press(tab, "space")
	if h := tab.keys.Pause.Help(); h.Desc != "resume" {
		t.Errorf("paused, help offers space %q, want resume", h.Desc)
	}
	press(tab, "d")
	beforeDB := tab.View(ctx)
	press(tab, "a")
	before := tab.View(ctx)
	if !strings.Contains(before, "paused · showing data from 1s ago · space to resume") {
		t.Fatalf("no pause line:\n%s", before)
	}
	// A new poll: the report query ended, a new one runs, TPS doubled.
	next := primary(40)
	next.Taken = now
	next.Activity = slices.DeleteFunc(next.Activity, func(b pg.Backend) bool { return b.PID == pidReport })
	next.Activity = append(next.Activity, backend(900, "app", "shop", "web", pg.StateActive, "SELECT 'fresh'", 20*time.Minute))
	next.Total.TPS = rate(2540)
	tab.Update(update("main", next, nil))
	tab.Update(hostFor(next))
	if after := tab.View(ctx); after != before {
		t.Errorf("the paused view changed with a new poll:\n--- before\n%s\n--- after\n%s", before, after)
	}
	// Other sub-views, the sparklines too, stay on the frozen data.
	press(tab, "d")
	if after := tab.View(ctx); after != beforeDB {
		t.Errorf("the paused databases view changed with a new poll:\n--- before\n%s\n--- after\n%s", beforeDB, after)
	}
	press(tab, "S", "a")
	if f := tab.View(ctx); strings.Contains(f, "fresh") || !strings.Contains(f, "1270 tps") {
		t.Errorf("paused, the view shows the new poll:\n%s", f)
	}
	// The data kept being collected: the Overview box has the new poll.
	if sum := tab.Summary(ctx, 80, 10); !strings.Contains(sum, "2540 tps") || !strings.Contains(sum, "pid 900") {
		t.Errorf("the Overview box stopped with the pause:\n%s", sum)
	}
	later := ctx
	later.Now = now.Add(10 * time.Second)
	if f := tab.View(later); !strings.Contains(f, "paused · showing data from 11s ago") {
		t.Errorf("the pause line does not age:\n%s", f)
	}

	press(tab, "space")
	frame := tab.View(ctx)
	pids := activityPIDs(t, frame)
	if strings.Contains(frame, "paused") || !strings.Contains(frame, "2540 tps") || len(pids) == 0 || pids[0] != 900 ||
		slices.Contains(pids, pidReport) {
		t.Errorf("space does not resume with the newest poll (rows %v):\n%s", pids, frame)
	}
	if slices.Contains(tab.keys.PageDown.Keys(), " ") {
		t.Error("space still pages down")
	}
	// Another target is shown as it is now: switching ends the pause.
	press(tab, "space", "]")
	if f := tab.View(ctx); strings.Contains(f, "paused") || tab.Target() != "replica" {
		t.Errorf("switching target keeps the pause:\n%s", f)
	}
}

// An Overview jump to a session "running only" hides shows the idle ones,
// and a jump ends a pause: the Overview named what is there now.
func TestJumpShowsHiddenIdleAndResumes(t *testing.T) {
	tab, ctx := newTab(160, 48, 40)
	press(tab, "space")
	next := primary(40)
	next.Taken = now
	next.Activity = append(next.Activity, backend(901, "app", "shop", "web", pg.StateIdle, "SELECT 'later'", time.Second))
	tab.Update(update("main", next, nil))
	tab.Update(view.JumpMsg{Jump: view.Jump{Source: collectors.SourceID{Kind: collectors.KindPostgres, Name: "main"}, What: view.JumpBackend, PID: 901}})
	frame := tab.View(ctx)
	if _, pid, _, ok := tab.SelectedBackend(); !ok || pid != 901 {
		t.Errorf("the jump selected pid %d (ok %v), want the idle 901:\n%s", pid, ok, frame)
	}
	if strings.Contains(frame, "paused") || strings.Contains(frame, "running only") {
		t.Errorf("after the jump the view is still paused or running only:\n%s", frame)
	}
}
