package postgres

import (
	"github.com/stacktop/stacktop/collectors/postgres/pgtest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	pg "github.com/stacktop/stacktop/collectors/postgres"
)

// lockRowRe splits a rendered lock-tree row into its tree glyphs (the
// indentation a user reads) and the PID: "> └─1234 ...".
var lockRowRe = regexp.MustCompile(`^[> ] ([ │├└─]*?)(\d+) `)

// treeRow is one rendered lock-tree row as a user reads it.
type treeRow struct {
	prefix string // "" for a root, "└─" under it, "  └─" one level deeper
	pid    int
	line   string
}

// renderedTree parses the lock rows of a locks-view frame, in screen order.
func renderedTree(lines []string) []treeRow {
	var out []treeRow
	for _, l := range lines {
		m := lockRowRe.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		pid, _ := strconv.Atoi(m[2])
		out = append(out, treeRow{prefix: m[1], pid: pid, line: l})
	}
	return out
}

// A blocks B blocks C (row locks) and F waits on both D and E (table
// locks): the locks view draws A first with B under it and C under B, and
// F under each of D and E.
func TestLiveLockTreeRendered(t *testing.T) {
	cl := liveCluster.Cluster(t)
	dsn := cl.SuperDSN("postgres")
	setup := pgtest.Session(t, dsn)
	pgtest.ExecOn(t, setup,
		"DROP TABLE IF EXISTS ui_lt_rows, ui_lt_table",
		"CREATE TABLE ui_lt_rows (id int PRIMARY KEY, v int)", "INSERT INTO ui_lt_rows VALUES (1, 0), (2, 0)",
		"CREATE TABLE ui_lt_table (id int)")

	// PIDs first, so each session's last query is the one that matters.
	a, b, c := pgtest.Session(t, dsn), pgtest.Session(t, dsn), pgtest.Session(t, dsn)
	pidA := pgtest.BackendPID(t, a)
	pgtest.ExecOn(t, a, "BEGIN", "UPDATE ui_lt_rows SET v = 1 WHERE id = 1")
	pgtest.ExecOn(t, b, "BEGIN", "UPDATE ui_lt_rows SET v = 1 WHERE id = 2")
	pidB := pgtest.Background(t, b, "UPDATE ui_lt_rows SET v = 2 WHERE id = 1") // waits on A
	pidC := pgtest.Background(t, c, "UPDATE ui_lt_rows SET v = 3 WHERE id = 2") // waits on B

	d, e, f := pgtest.Session(t, dsn), pgtest.Session(t, dsn), pgtest.Session(t, dsn)
	pidD, pidE := pgtest.BackendPID(t, d), pgtest.BackendPID(t, e)
	pgtest.ExecOn(t, d, "BEGIN", "SELECT * FROM ui_lt_table")
	pgtest.ExecOn(t, e, "BEGIN", "SELECT * FROM ui_lt_table")
	pidF := pgtest.Background(t, f, "ALTER TABLE ui_lt_table ADD COLUMN x int") // needs AccessExclusiveLock

	coll := liveCollector(t, "locks", dsn)
	// Waits of a second or more, so the root's WAITED is a real figure.
	s := livePoll(t, coll, "B, C and F waiting for 1 s", func(s *pg.Snapshot) bool {
		return liveWaiting(s, pidB) && liveWaiting(s, pidC) && liveWaiting(s, pidF) &&
			len(s.LockTree) > 0 && s.LockTree[0].LongestWait >= time.Second
	})
	tab, vctx := liveTab(liveUpdate("locks", s), Options{}, "l")
	lines := strings.Split(tab.View(vctx), "\n")
	frame := strings.Join(lines, "\n")
	if sum := tab.Summary(vctx, 80, 6); !strings.Contains(sum, "! pid "+strconv.Itoa(pidA)+" blocks 2 for ") {
		t.Errorf("the Overview box should name root blocker A with the 2 sessions behind it:\n%s", sum)
	}
	rows := renderedTree(lines)
	if len(rows) != 7 {
		t.Fatalf("want 7 tree rows (A>B>C, D>F, E>F), got %d:\n%s", len(rows), frame)
	}
	t.Logf("locks view:\n%s", frame)

	want := []treeRow{{prefix: "", pid: pidA}, {prefix: "└─", pid: pidB}, {prefix: "  └─", pid: pidC}}
	for i, w := range want {
		if rows[i].prefix != w.prefix || rows[i].pid != w.pid {
			t.Errorf("row %d: want %q%d, got %q%d (A first, B under A, C under B):\n%s", i, w.prefix, w.pid, rows[i].prefix, rows[i].pid, frame)
		}
	}
	if f := strings.Fields(strings.TrimPrefix(rows[0].line, ">")); len(f) < 3 || f[1] != "2" || f[2] == "0s" {
		t.Errorf("root A should show 2 sessions behind it, blocking for a second or more: %q", rows[0].line)
	}
	if !strings.Contains(rows[0].line, "idle in tx") || !strings.Contains(rows[0].line, "UPDATE ui_lt_rows SET v = 1 WHERE id = 1") {
		t.Errorf("root A should show its state and last query: %q", rows[0].line)
	}
	for _, r := range rows[1:3] {
		if !strings.Contains(r.line, "Share (row)") || !strings.Contains(r.line, " ui_lt_rows ") {
			t.Errorf("B and C wait for a row of ui_lt_rows; drawn as %q", r.line)
		}
	}
	// D and E are roots in either order, each followed by F one level in.
	roots := map[int]bool{}
	for i := 3; i+1 < len(rows); i += 2 {
		r, child := rows[i], rows[i+1]
		if r.prefix != "" || child.prefix != "└─" || child.pid != pidF {
			t.Errorf("rows %d-%d: want a root with F (%d) under it, got %q%d then %q%d", i, i+1, pidF, r.prefix, r.pid, child.prefix, child.pid)
		}
		if !strings.Contains(child.line, "AccessExclusive") || !strings.Contains(child.line, "ui_lt_table") {
			t.Errorf("F's row should name its lock mode and table: %q", child.line)
		}
		roots[r.pid] = true
	}
	if !roots[pidD] || !roots[pidE] {
		t.Errorf("want roots D (%d) and E (%d) each drawn with F under it, got %v", pidD, pidE, roots)
	}
	if lineWith(lines, "Lock waits 3 root blockers · 3 sessions waiting") < 0 || lineWith(lines, "[l locks 3]") < 0 {
		t.Errorf("the title should count 3 roots and 3 waiting sessions:\n%s", frame)
	}
}

func liveWaiting(s *pg.Snapshot, pid int) bool {
	b, ok := s.Backend(pid)
	return ok && b.Waiting()
}

// A session idle in a transaction past the threshold is flagged in the
// activity view with its state, and counted on the server line.
func TestLiveIdleInTransactionRendered(t *testing.T) {
	cl := liveCluster.Cluster(t)
	dsn := cl.SuperDSN("postgres")
	idle := pgtest.Session(t, dsn)
	pid := pgtest.BackendPID(t, idle)
	pgtest.ExecOn(t, idle, "BEGIN", "SELECT 1 /* stacktop-ui-idle-tx */")
	opts := Options{Thresholds: Thresholds{IdleInTransaction: time.Second}}

	coll := liveCollector(t, "idle", dsn)
	s := livePoll(t, coll, "idle in transaction for 1.5 s", func(s *pg.Snapshot) bool {
		b, ok := s.Backend(pid)
		return ok && b.State == pg.StateIdleInTransaction && b.StateAge.D >= 1500*time.Millisecond
	})
	tab, vctx := liveTab(liveUpdate("idle", s), opts)
	lines := strings.Split(tab.View(vctx), "\n")
	frame := strings.Join(lines, "\n")
	if sum := tab.Summary(vctx, 80, 6); !strings.Contains(sum, "! 1 idle in transaction, longest ") {
		t.Errorf("the Overview box should count the idle-in-transaction session:\n%s", sum)
	}
	i := lineWith(lines, " "+strconv.Itoa(pid)+" ", "idle in tx")
	if i < 0 {
		t.Fatalf("no activity row for pid %d in state idle in tx:\n%s", pid, frame)
	}
	row := lines[i]
	t.Logf("activity row: %s", row)
	// Column 0 is the selection marker, column 2 the problem flag.
	if len(row) < 3 || row[2] != '!' {
		t.Errorf("the idle-in-transaction row is not flagged \"!\": %q", row)
	}
	if !strings.Contains(row, "stacktop-ui-idle-tx") {
		t.Errorf("the row should show the transaction's last query: %q", row)
	}
	if lineWith(lines, "1 idle in tx") < 0 {
		t.Errorf("the server line should count the idle-in-transaction session:\n%s", frame)
	}
}

// A query run many times is in the statements view with its call count.
func TestLiveStatementsRendered(t *testing.T) {
	cl := liveCluster.Cluster(t)
	if err := cl.Exec("postgres", "CREATE EXTENSION IF NOT EXISTS pg_stat_statements",
		"SELECT pg_stat_statements_reset()"); err != nil {
		t.Fatal(err)
	}
	conn := pgtest.Session(t, cl.SuperDSN("postgres"))
	for range 50 {
		pgtest.ExecOn(t, conn, "SELECT count(*) FROM generate_series(1, 20000) AS stacktop_ui_top_query")
	}
	coll := liveCollector(t, "stmts", cl.SuperDSN("postgres"))
	s := livePoll(t, coll, "the statement in pg_stat_statements", func(s *pg.Snapshot) bool {
		for _, st := range s.Statements.Rows {
			if strings.Contains(st.Query, "stacktop_ui_top_query") {
				return true
			}
		}
		return false
	})
	lines := liveRender(liveUpdate("stmts", s), Options{}, "S")
	frame := strings.Join(lines, "\n")
	i := lineWith(lines, "stacktop_ui_top_query")
	if i < 0 {
		t.Fatalf("the top query is not in the statements view:\n%s", frame)
	}
	row := lines[i]
	t.Logf("statements row: %s", row)
	// TOTAL, MEAN, CALLS are the first three figures after the marker.
	f := strings.Fields(strings.TrimPrefix(row, ">"))
	if len(f) < 3 || f[2] != "50" {
		t.Errorf("want CALLS 50 in %q", row)
	}
	if !strings.Contains(row, "postgres") || lineWith(lines, "[S statements]") < 0 {
		t.Errorf("want the user/database on the row and the statements tab shown:\n%s", frame)
	}
}

// A role with only pg_monitor sees another user's query text in the
// activity view; a role without it sees the row marked hidden and the note
// naming pg_monitor.
func TestLiveLeastPrivilegeRendered(t *testing.T) {
	cl := liveCluster.Cluster(t)
	for _, r := range []struct{ name, grant string }{{"st_ui_mon", "pg_monitor"}, {"st_ui_plain", ""}, {"st_ui_app", ""}} {
		var grants []string
		if r.grant != "" {
			grants = append(grants, r.grant)
		}
		if err := cl.CreateRole(r.name, r.name+"-pw", grants...); err != nil {
			t.Fatal(err)
		}
	}
	app := pgtest.Session(t, cl.DSN("st_ui_app", "st_ui_app-pw", "postgres"))
	pidApp := pgtest.Background(t, app, "SELECT pg_sleep(30) /* ui-app-secret-query */")
	pidText := " " + strconv.Itoa(pidApp) + " "

	mon := liveCollector(t, "mon", cl.DSN("st_ui_mon", "st_ui_mon-pw", "postgres"))
	s := livePoll(t, mon, "app's query visible to pg_monitor", func(s *pg.Snapshot) bool {
		b, ok := s.Backend(pidApp)
		return ok && strings.Contains(b.Query, "ui-app-secret-query")
	})
	lines := liveRender(liveUpdate("mon", s), Options{})
	if i := lineWith(lines, pidText, "st_ui_app", "pg_sleep(30) /* ui-app-secret-query */"); i < 0 {
		t.Errorf("pg_monitor role: the app's query text is not in the activity view:\n%s", strings.Join(lines, "\n"))
	}
	if lineWith(lines, "note:") >= 0 || lineWith(lines, "insufficient privilege") >= 0 {
		t.Errorf("pg_monitor role: no note and nothing hidden expected:\n%s", strings.Join(lines, "\n"))
	}

	plain := liveCollector(t, "plain", cl.DSN("st_ui_plain", "st_ui_plain-pw", "postgres"))
	s = livePoll(t, plain, "app's backend listed for the plain role", func(s *pg.Snapshot) bool {
		_, ok := s.Backend(pidApp)
		return ok
	})
	lines = liveRender(liveUpdate("plain", s), Options{})
	frame := strings.Join(lines, "\n")
	if lineWith(lines, pidText, "st_ui_app", "<insufficient privilege>") < 0 {
		t.Errorf("plain role: the app's row should say its query is hidden:\n%s", frame)
	}
	if strings.Contains(frame, "ui-app-secret-query") {
		t.Errorf("plain role: another user's query text reached the screen:\n%s", frame)
	}
	if i := lineWith(lines, "note:", "pg_monitor"); i < 0 || i > 4 {
		t.Errorf("plain role: want the note naming pg_monitor under the header:\n%s", frame)
	} else {
		t.Logf("note line: %s", lines[i])
	}
}
