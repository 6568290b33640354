package host

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stacktop/stacktop/collectors"
	hs "github.com/stacktop/stacktop/collectors/host"
	"github.com/stacktop/stacktop/ui/internal/fixture"
	"github.com/stacktop/stacktop/ui/internal/frametest"
	"github.com/stacktop/stacktop/ui/internal/keytest"
	"github.com/stacktop/stacktop/ui/view"
)

func testCtx(w, h int) view.Context { return fixture.Context(w, h) }

// newTab is a Host tab of w×h showing the fixture with nprocs processes.
func newTab(w, h, nprocs int) (*Tab, view.Context) {
	ctx := testCtx(w, h)
	t := New(ctx.Styles, Options{})
	t.Update(view.SizeMsg{Width: w, Height: h})
	t.Update(fixture.HostUpdate(fixture.Host(fixture.Now(), nprocs, 0)))
	return t, ctx
}

func press(t *Tab, ks ...string) {
	for _, k := range ks {
		t.Update(keytest.Msg(k))
	}
}

// tableRows returns the process rows as drawn: the lines after the column
// header up to the details rule.
func tableRows(frame string) []string {
	return frametest.Rows(frame, func(l string) bool { return strings.Contains(l, " USER ") && strings.Contains(l, " NAME") })
}

// pidOf reads the PID column of a drawn row.
func pidOf(t *testing.T, row string) int32 {
	t.Helper()
	f := strings.Fields(strings.TrimPrefix(row, ">"))
	pid, err := strconv.Atoi(f[0])
	if err != nil {
		t.Fatalf("row %q has no PID: %v", row, err)
	}
	return int32(pid)
}

func TestSortCycles(t *testing.T) {
	tab, ctx := newTab(120, 40, 200)
	byPID := map[int32]*hs.Process{}
	for i := range tab.snap.Processes.List {
		p := &tab.snap.Processes.List[i]
		byPID[p.PID] = p
	}
	checks := []struct {
		name   string
		header string
		sorted func(a, b *hs.Process) bool // a may come before b
	}{
		{"CPU%", "CPU%▼", func(a, b *hs.Process) bool { return cpuOf(a) >= cpuOf(b) }},
		{"memory", "RSS▼", func(a, b *hs.Process) bool { return a.RSS >= b.RSS }},
		{"PID", "PID▲", func(a, b *hs.Process) bool { return a.PID < b.PID }},
		{"name", "NAME▲", func(a, b *hs.Process) bool { return a.Name <= b.Name }},
		{"CPU%", "CPU%▼", func(a, b *hs.Process) bool { return cpuOf(a) >= cpuOf(b) }},
	}
	for i, c := range checks {
		if i > 0 {
			press(tab, "s")
		}
		frame := tab.View(ctx)
		if !strings.Contains(frame, "sort "+c.name) || !strings.Contains(frame, c.header) {
			t.Fatalf("step %d: title or header does not show sort %q", i, c.name)
		}
		rows := tableRows(frame)
		if len(rows) < 10 {
			t.Fatalf("only %d rows drawn", len(rows))
		}
		for j := 1; j < len(rows); j++ {
			a, b := byPID[pidOf(t, rows[j-1])], byPID[pidOf(t, rows[j])]
			if !c.sorted(a, b) {
				t.Errorf("sort %s: row %d (pid %d) before row %d (pid %d)", c.name, j-1, a.PID, j, b.PID)
			}
		}
	}
}

func TestFilter(t *testing.T) {
	tab, ctx := newTab(120, 40, 300)
	press(tab, "/")
	if !tab.InputActive() {
		t.Fatal("/ does not open the filter prompt")
	}
	press(tab, "J", "a", "v", "a") // case-insensitive
	frame := tab.View(ctx)
	rows := tableRows(frame)
	if len(rows) == 0 {
		t.Fatal("no rows match java")
	}
	for _, r := range rows {
		if !strings.Contains(strings.ToLower(r), "java") {
			t.Errorf("row does not match the filter: %q", r)
		}
	}
	press(tab, "enter")
	if tab.InputActive() {
		t.Fatal("enter leaves the prompt open")
	}
	frame = tab.View(ctx)
	if !strings.Contains(frame, "filter Java ("+strconv.Itoa(len(tab.rows))+" shown)") {
		t.Errorf("title does not show the applied filter:\n%s", frame)
	}
	press(tab, "esc")
	if got := len(tab.rows); got != 300 {
		t.Errorf("esc leaves %d of 300 rows", got)
	}
	press(tab, "/", "n", "o", "s", "u", "c", "h")
	if !strings.Contains(tab.View(ctx), "no process matches") {
		t.Error("an empty result does not say so")
	}
	press(tab, "esc")
	if tab.InputActive() || len(tab.rows) != 300 {
		t.Error("esc in the prompt does not clear and close it")
	}
}

func TestFilterByPIDAndUser(t *testing.T) {
	tab, _ := newTab(120, 40, 300)
	press(tab, "/", "4", "7", "1", "1", "enter")
	if len(tab.rows) != 1 || tab.rows[0].PID != 4711 {
		t.Errorf("filter 4711 gives %d rows", len(tab.rows))
	}
	press(tab, "esc", "/", "a", "l", "i", "c", "e", "enter")
	if len(tab.rows) != 1 || tab.rows[0].User != "alice" {
		t.Errorf("filter alice gives %d rows", len(tab.rows))
	}
}

func TestSelectionFollowsPID(t *testing.T) {
	tab, ctx := newTab(120, 40, 300)
	press(tab, "down", "down") // third busiest: 4712 (35%)
	if got := tab.Selected().PID; got != 4712 {
		t.Fatalf("selected %d, want 4712", got)
	}
	// Next poll: 4712 is now the busiest process.
	next := fixture.Host(fixture.Now().Add(2*time.Second), 300, 1)
	for i := range next.Processes.List {
		if next.Processes.List[i].PID == 4712 {
			next.Processes.List[i].CPUPercent = 399
		}
	}
	tab.Update(fixture.HostUpdate(next))
	if got := tab.Selected().PID; got != 4712 {
		t.Fatalf("after a refresh selected %d, want 4712 still", got)
	}
	rows := tableRows(tab.View(ctx))
	if !strings.HasPrefix(rows[0], ">") || pidOf(t, rows[0]) != 4712 {
		t.Errorf("the selected process is not marked on the first row: %q", rows[0])
	}
	if !strings.Contains(tab.View(ctx), "PID 4712 · PPID 1201 · postgres") {
		t.Error("details pane is not about 4712")
	}
	// The process exits: the selection stays at the same position.
	gone := fixture.Host(fixture.Now().Add(4*time.Second), 300, 2)
	gone.Processes.List = slices.DeleteFunc(gone.Processes.List, func(p hs.Process) bool { return p.PID == 4712 })
	tab.Update(fixture.HostUpdate(gone))
	if p := tab.Selected(); p == nil || p.PID == 4712 {
		t.Errorf("selection after exit: %v", p)
	}
}

func TestScrolling(t *testing.T) {
	tab, ctx := newTab(120, 40, 2000)
	page := tab.plan().tableRows
	press(tab, "G")
	if tab.cur.Sel != 1999 {
		t.Fatalf("G selects row %d", tab.cur.Sel)
	}
	rows := tableRows(tab.View(ctx))
	if len(rows) != page || !strings.HasPrefix(rows[len(rows)-1], ">") {
		t.Errorf("after G the last drawn row is not the selected one (%d rows, page %d)", len(rows), page)
	}
	press(tab, "g")
	if tab.cur.Sel != 0 || tab.cur.Offset != 0 {
		t.Fatalf("g: sel %d offset %d", tab.cur.Sel, tab.cur.Offset)
	}
	press(tab, "pgdown")
	if tab.cur.Sel != page {
		t.Errorf("pgdown moves to %d, want %d", tab.cur.Sel, page)
	}
	press(tab, "k", "j", "j")
	if tab.cur.Sel != page+1 {
		t.Errorf("k j j ends at %d, want %d", tab.cur.Sel, page+1)
	}
	rows = tableRows(tab.View(ctx))
	marked := 0
	for _, r := range rows {
		if strings.HasPrefix(r, ">") {
			marked++
		}
	}
	if marked != 1 {
		t.Errorf("%d rows marked selected", marked)
	}
}

func TestKeysDisabledWhenUseless(t *testing.T) {
	tab := New(testCtx(80, 21).Styles, Options{})
	tab.Update(view.SizeMsg{Width: 80, Height: 21})
	if tab.keys.Down.Enabled() || tab.keys.Clear.Enabled() {
		t.Error("navigation or clear offered with nothing to act on")
	}
	tab.Update(fixture.HostUpdate(fixture.Host(fixture.Now(), 20, 0)))
	if !tab.keys.Down.Enabled() || tab.keys.Clear.Enabled() {
		t.Error("down should be on and clear off with rows and no filter")
	}
	press(tab, "/")
	if !tab.keys.Accept.Enabled() || tab.keys.Sort.Enabled() {
		t.Error("while editing, enter applies and s types")
	}
}

func TestFirstPollWithoutRates(t *testing.T) {
	ctx := testCtx(120, 40)
	tab := New(ctx.Styles, Options{})
	tab.Update(view.SizeMsg{Width: 120, Height: 40})
	s := fixture.Host(fixture.Now(), 20, 0)
	s.CPU.Valid = false
	for i := range s.Disks {
		s.Disks[i].ReadBytes, s.Disks[i].WriteBytes = collectors.Rate{}, collectors.Rate{}
	}
	for i := range s.Processes.List {
		s.Processes.List[i].CPUValid = false
	}
	tab.Update(fixture.HostUpdate(s))
	frame := tab.View(ctx)
	for _, want := range []string{"n/a until the second poll", "r         n/a"} {
		if !strings.Contains(frame, want) {
			t.Errorf("frame lacks %q:\n%s", want, frame)
		}
	}
	if strings.Contains(frame, "NaN") || strings.Contains(frame, "Inf") {
		t.Error("a missing figure leaks as NaN/Inf")
	}
}

func TestTopCPU(t *testing.T) {
	list := fixture.Processes(fixture.Now(), 500).List
	top := TopCPU(list, 5)
	all := ordered(list, ByCPU, "", nil)
	for i := range top {
		if top[i].PID != all[i].PID {
			t.Fatalf("top %d is %d, sorting says %d", i, top[i].PID, all[i].PID)
		}
	}
}

func TestUnpickedSelectionStaysOnTop(t *testing.T) {
	tab, _ := newTab(120, 40, 300)
	if got := tab.Selected().PID; got != 3100 {
		t.Fatalf("first selection %d, want the busiest (3100)", got)
	}
	next := fixture.Host(fixture.Now().Add(2*time.Second), 300, 1)
	for i := range next.Processes.List {
		if next.Processes.List[i].PID == 4712 {
			next.Processes.List[i].CPUPercent = 399
		}
	}
	tab.Update(fixture.HostUpdate(next))
	if got := tab.Selected().PID; got != 4712 {
		t.Errorf("before the user picks a row the selection should stay on top; got %d, want 4712", got)
	}
}

func TestManyInterfacesKeepTheTable(t *testing.T) {
	ctx := testCtx(200, 57)
	tab := New(ctx.Styles, Options{})
	tab.Update(view.SizeMsg{Width: 200, Height: 57})
	s := fixture.Host(fixture.Now(), 300, 0)
	for i := range 50 {
		s.Networks = append(s.Networks, hs.NetInterface{Name: "veth" + strconv.Itoa(i),
			RxBytes: collectors.Rate{Valid: true}, TxBytes: collectors.Rate{Valid: true}})
	}
	tab.Update(fixture.HostUpdate(s))
	frame := tab.View(ctx)
	if rows := len(tableRows(frame)); rows < 25 {
		t.Errorf("52 interfaces leave %d process rows at 200x57", rows)
	}
	if !strings.Contains(frame, "Net rx") || !strings.Contains(frame, "(52)") {
		t.Errorf("interfaces that do not fit should show as one totals line:\n%s", frame)
	}
}

// The host's poll failed: the processes stay on screen, labelled "as of"
// above the table, the live title gone.
func TestFiguresAsHistory(t *testing.T) {
	tab, ctx := newTab(120, 30, 20)
	s := fixture.Host(fixture.Now(), 20, 0)
	u := fixture.HostUpdate(s)
	u.PolledAt, u.Err, u.Failures = s.Taken.Add(2*time.Second), errors.New("host: read /proc/stat: input/output error"), 1
	tab.Update(u)
	ctx.Now = u.PolledAt
	frame := tab.View(ctx)
	if !strings.Contains(frame, " as of "+s.Taken.Format("15:04:05")+" · Processes 20") {
		t.Errorf("no as-of label over the processes:\n%s", frame)
	}
	if len(tableRows(frame)) == 0 {
		t.Errorf("the last processes should stay on screen:\n%s", frame)
	}
}
