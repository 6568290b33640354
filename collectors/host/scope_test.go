package host

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// writeServerProc writes a PostgreSQL server process with parent ppid:
// its stat line and command line; a postmaster also gets the children
// file procfs keeps for its main thread.
func writeServerProc(t *testing.T, root string, pid, ppid int, ticks, start uint64, children string) {
	t.Helper()
	dir := filepath.Join(root, strconv.Itoa(pid))
	if err := os.MkdirAll(filepath.Join(dir, "task", strconv.Itoa(pid)), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "stat"), fmt.Sprintf("%d (postgres) S %d %d %d 0 -1 4194560 100 0 0 0 %d 0 0 0 20 0 1 0 %d 10485760 100 "+
		"18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n", pid, ppid, pid, pid, ticks, start))
	writeFile(t, filepath.Join(dir, "cmdline"), "postgres: backend\x00")
	writeFile(t, filepath.Join(dir, "task", strconv.Itoa(pid), "children"), children)
}

func scanScope(t *testing.T, r *procReader, postgresOnly bool) (Processes, map[int32]Process) {
	t.Helper()
	procs, _, err := r.scan(context.Background(), postgresOnly)
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	byPID := make(map[int32]Process, len(procs.List))
	for _, p := range procs.List {
		byPID[p.PID] = p
	}
	return procs, byPID
}

// While only the PostgreSQL processes are needed, a scan returns those
// alone (marked partial) with right CPU figures; the next whole scan has
// every process again, and no CPU% for those it passed over, since their
// last reading is older than the previous scan.
func TestProcReaderPostgresOnly(t *testing.T) {
	root := fixtureProc(t)
	writeServerProc(t, root, 700, 1, 100, 5000, "701 ")
	writeServerProc(t, root, 701, 700, 10, 90000, "")
	r := fixtureReader(root, fixtureBoot)
	if all, got := scanScope(t, r, false); all.Partial || got[1].PID != 1 || got[700].PID != 700 || got[701].PID != 701 {
		t.Fatalf("whole scan: partial=%v, %d processes: %+v", all.Partial, len(all.List), all.List)
	}

	advanceTo(t, r, root, 1002)
	writeServerProc(t, root, 701, 700, 10+100, 90000, "") // 100 ticks in 2 s
	writeStat(t, root, 1, "init", 'S', 9999, 1)
	pg, got := scanScope(t, r, true)
	if !pg.Partial || pg.Count != 2 || len(got) != 2 {
		t.Fatalf("postgres-only scan: partial=%v count=%d rows=%v, want partial, the two server processes", pg.Partial, pg.Count, got)
	}
	if p := got[701]; !p.CPUValid || !near(p.CPUPercent, 50) || p.PPID != 700 {
		t.Errorf("backend 701: CPU%% %.2f valid=%v ppid %d, want 50 valid, ppid 700", p.CPUPercent, p.CPUValid, p.PPID)
	}

	advanceTo(t, r, root, 1004)
	writeServerProc(t, root, 701, 700, 110+50, 90000, "")
	all, got := scanScope(t, r, false)
	if all.Partial || got[1].PID != 1 || got[400].PID != 400 {
		t.Fatalf("whole scan after: partial=%v, pids 1 and 400 present: %v %v", all.Partial, got[1].PID == 1, got[400].PID == 400)
	}
	if got[1].CPUValid {
		t.Errorf("pid 1 was not read by the previous scan, yet has CPU%% %.2f", got[1].CPUPercent)
	}
	if p := got[701]; !p.CPUValid || !near(p.CPUPercent, 25) {
		t.Errorf("backend 701: CPU%% %.2f valid=%v, want 25", p.CPUPercent, p.CPUValid)
	}
}

// A scan of PostgreSQL processes only that lists the whole directory (no
// server known yet) reads other processes' stat line alone.
func TestProcReaderPostgresOnlyFirstScan(t *testing.T) {
	root := fixtureProc(t)
	writeServerProc(t, root, 700, 1, 100, 5000, "")
	r := fixtureReader(root, fixtureBoot)
	pg, got := scanScope(t, r, true)
	if !pg.Partial || len(got) != 1 || got[700].Name != "postgres" {
		t.Fatalf("got %v, want the postmaster alone", got)
	}
	if e := r.known[1]; e == nil || !e.light {
		t.Errorf("pid 1 should be remembered light (stat only), got %+v", e)
	}
	_, all := scanScope(t, r, false)
	if all[1].Command == "" {
		t.Errorf("a whole scan after a light entry must read the command line: %+v", all[1])
	}
}
