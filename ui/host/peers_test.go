package host

import (
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/stacktop/stacktop/collectors"
	ds "github.com/stacktop/stacktop/collectors/docker"
	hs "github.com/stacktop/stacktop/collectors/host"
	"github.com/stacktop/stacktop/ui/internal/fixture"
	"github.com/stacktop/stacktop/ui/view"
)

// The containers of the fixture below: the shop's database and web server.
const (
	dbContainer  = "5d1c8a7e2f3b4a6c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e"
	webContainer = "a0b1c2d3e4f5061728394a5b6c7d8e9fa0b1c2d3e4f5061728394a5b6c7d8e9f"
	// unnamedContainer is known to no engine (a Podman container).
	unnamedContainer = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"
)

// containerHost is the fixture host with a containerised stack: postgres
// 1201 and its backends in the database container, nginx 2301 in the web
// container, 3999 in a container no engine names; eth0, lo, docker0 and
// three veths.
func containerHost(nprocs int) *hs.Snapshot {
	s := fixture.Host(fixture.Now(), nprocs, 0)
	for i := range s.Processes.List {
		p := &s.Processes.List[i]
		switch p.PID {
		case 1201, 4711, 4712:
			p.Container = dbContainer
		case 2301:
			p.Container = webContainer
		case 3999:
			p.Container = unnamedContainer
		}
	}
	rate := func(v float64) collectors.Rate { return collectors.Rate{PerSec: v, Valid: true} }
	s.Networks = []hs.NetInterface{
		{Name: "docker0", Kind: hs.NetBridge, RxBytes: rate(300 << 10), TxBytes: rate(600 << 10)},
		{Name: "eth0", Kind: hs.NetPhysical, RxBytes: rate(1 << 20), TxBytes: rate(400 << 10)},
		{Name: "lo", Kind: hs.NetLoopback, RxBytes: rate(80 << 10), TxBytes: rate(80 << 10)},
		{Name: "veth1a2b3c4", Kind: hs.NetVeth, RxBytes: rate(100 << 10), TxBytes: rate(200 << 10)},
		{Name: "veth5d6e7f8", Kind: hs.NetVeth, RxBytes: rate(200 << 10), TxBytes: rate(400 << 10),
			RxDrops: rate(3)},
		{Name: "veth9a0b1c2", Kind: hs.NetVeth, RxBytes: rate(0), TxBytes: rate(0)},
	}
	return s
}

// engineUpdate is a Docker snapshot naming the shop's two containers.
func engineUpdate() collectors.Update {
	s := &ds.Snapshot{Taken: fixture.Now(), Containers: []ds.Container{
		{ID: dbContainer, Name: "shop-db-1", State: "running"},
		{ID: webContainer, Name: "shop-web-1", State: "running"},
	}}
	return collectors.Update{Source: collectors.SourceID{Kind: collectors.KindDocker, Name: "local"},
		Snapshot: s, LastGood: s.Taken, PolledAt: s.Taken, Interval: fixture.Interval}
}

// containerTab is a Host tab of w×h showing containerHost, with the
// Docker snapshot when engine is true.
func containerTab(w, h int, engine bool) (*Tab, view.Context) {
	ctx := testCtx(w, h)
	t := New(ctx.Styles, Options{})
	t.Update(view.SizeMsg{Width: w, Height: h})
	if engine {
		t.Update(engineUpdate())
	}
	t.Update(fixture.HostUpdate(containerHost(40)))
	return t, ctx
}

// rowOf returns the drawn row of pid, or "".
func rowOf(t *testing.T, frame string, pid int32) string {
	t.Helper()
	for _, r := range tableRows(frame) {
		if strings.TrimSpace(r) != "" && pidOf(t, r) == pid {
			return r
		}
	}
	return ""
}

func TestContainerColumnNamesTheContainer(t *testing.T) {
	for _, w := range []int{80, 160} {
		tab, ctx := containerTab(w, 40, true)
		frame := tab.View(ctx)
		if !strings.Contains(frame, "CONTAINER") {
			t.Fatalf("%d columns: no CONTAINER column:\n%s", w, frame)
		}
		for pid, want := range map[int32]string{4711: "shop-db-1", 2301: "shop-web-1", 3999: unnamedContainer[:12]} {
			if row := rowOf(t, frame, pid); !strings.Contains(row, want) {
				t.Errorf("%d columns: pid %d row %q lacks its container %q", w, pid, row, want)
			}
		}
		if row := rowOf(t, frame, 3100); strings.Contains(row, "shop-") {
			t.Errorf("%d columns: java runs on the host, yet its row says %q", w, row)
		}
		// At 80 columns the essentials stay: PID, USER, CPU%, RSS, NAME and
		// some of the command.
		header := tableHeader(frame)
		for _, col := range []string{"PID", "USER", "CPU%", "RSS", "NAME", "COMMAND"} {
			if !strings.Contains(header, col) {
				t.Errorf("%d columns: header %q lost %s", w, header, col)
			}
		}
	}
	// Without a Docker snapshot the short ID stands in for the name.
	tab, ctx := containerTab(160, 40, false)
	if row := rowOf(t, tab.View(ctx), 4711); !strings.Contains(row, dbContainer[:12]) {
		t.Errorf("without an engine, 4711's row %q lacks the short ID %s", row, dbContainer[:12])
	}
	// The details pane says it too, whatever the width.
	press(tab, "/", "4", "7", "1", "1", "enter")
	tab.Update(engineUpdate())
	if frame := tab.View(ctx); !strings.Contains(frame, "· container shop-db-1") {
		t.Errorf("details of 4711 do not name its container:\n%s", frame)
	}
}

// No process in a container: no column, so hosts without containers keep
// their table as it was.
func TestNoContainerColumnWithoutContainers(t *testing.T) {
	tab, ctx := newTab(160, 40, 40)
	tab.Update(engineUpdate())
	if frame := tab.View(ctx); strings.Contains(frame, "CONTAINER") {
		t.Errorf("CONTAINER column with no process in a container:\n%s", frame)
	}
}

func tableHeader(frame string) string {
	for _, l := range strings.Split(frame, "\n") {
		if strings.Contains(l, " USER ") && strings.Contains(l, " NAME") {
			return l
		}
	}
	return ""
}

func shownPIDs(t *testing.T, frame string) []int32 {
	t.Helper()
	var out []int32
	for _, r := range tableRows(frame) {
		if strings.TrimSpace(r) != "" && !strings.Contains(r, "no process matches") {
			out = append(out, pidOf(t, r))
		}
	}
	return out
}

func TestFilterTermsUserAndContainer(t *testing.T) {
	cases := []struct {
		filter string
		want   []int32
	}{
		{"container:db", []int32{4711, 4712, 1201}}, // by name, busiest first
		{"container:shop-web", []int32{2301}},       // by name
		{"container:ffeedd", []int32{3999}},         // by ID
		{"shop-web", []int32{2301}},                 // a plain word finds containers too
		{"user:alice", []int32{5050}},               // exact user
		{"user:postgres container:db", []int32{4711, 4712, 1201}},
		{"user:www-data nginx", []int32{2301}}, // both terms must match
	}
	for _, c := range cases {
		tab, ctx := containerTab(160, 48, true)
		press(tab, "/")
		press(tab, strings.Split(c.filter, "")...)
		press(tab, "enter")
		got := shownPIDs(t, tab.View(ctx))
		// Generated processes may match words too; the hand-written ones
		// must come out exactly.
		got = slices.DeleteFunc(got, func(pid int32) bool { return pid >= 20000 })
		if !slices.Equal(got, c.want) {
			t.Errorf("filter %q shows %v, want %v", c.filter, got, c.want)
		}
	}
	// user:NAME is the whole name once it names a user: "user:app" is not
	// "apple"; while typed ("user:ap") it matches as a substring.
	s := containerHost(12)
	s.Processes.List = append(s.Processes.List, hs.Process{PID: 9000, User: "apple", Name: "cider", State: 'S'})
	ctx := testCtx(160, 48)
	tab := New(ctx.Styles, Options{})
	tab.Update(view.SizeMsg{Width: 160, Height: 48})
	tab.Update(fixture.HostUpdate(s))
	press(tab, "/", "u", "s", "e", "r", ":", "a", "p", "p", "enter")
	if got := shownPIDs(t, tab.View(ctx)); slices.Contains(got, 9000) || len(got) != 2 {
		t.Errorf("user:app shows %v, want app's two processes only", got)
	}
	press(tab, "esc", "/", "u", "s", "e", "r", ":", "a", "p", "enter")
	if got := shownPIDs(t, tab.View(ctx)); !slices.Contains(got, 9000) || len(got) != 3 {
		t.Errorf("user:ap shows %v, want app's and apple's", got)
	}
}

func TestUserChooser(t *testing.T) {
	tab, ctx := containerTab(160, 48, true)
	press(tab, "u")
	if !tab.InputActive() {
		t.Fatal("the chooser is open but keys do not all go to it (q would quit)")
	}
	frame := tab.View(ctx)
	golden.RequireEqual(t, []byte(frame))
	for _, want := range []string{"all users", "alice", "1 process", "postgres", "www-data"} {
		if !strings.Contains(frame, want) {
			t.Errorf("chooser lacks %q:\n%s", want, frame)
		}
	}
	// "p" jumps to postgres; enter shows its processes only.
	press(tab, "p", "enter")
	if tab.InputActive() {
		t.Fatal("chooser still open after enter")
	}
	frame = tab.View(ctx)
	if !strings.Contains(frame, "filter user:postgres") {
		t.Errorf("the filter does not say user:postgres:\n%s", frame)
	}
	for _, r := range tableRows(frame) {
		if strings.TrimSpace(r) != "" && !strings.Contains(r, " postgres ") {
			t.Errorf("user postgres picked, yet row %q shows", r)
		}
	}
	// Other words of the filter stay; a new pick replaces the user.
	press(tab, "/", " ", "n", "g", "i", "n", "x", "enter", "u")
	if sel := tab.users.users[tab.users.sel].name; sel != "postgres" {
		t.Errorf("chooser opened on %q, want the filtered user postgres", sel)
	}
	press(tab, "w", "enter")
	if got := tab.filter.Value(); got != "nginx user:www-data" {
		t.Errorf("filter after picking www-data = %q, want %q", got, "nginx user:www-data")
	}
	// "all users" drops the user term; esc leaves the filter alone.
	press(tab, "u", "g", "enter")
	if got := tab.filter.Value(); got != "nginx" {
		t.Errorf("filter after all users = %q, want nginx", got)
	}
	press(tab, "u", "j", "esc")
	if got := tab.filter.Value(); got != "nginx" || tab.InputActive() {
		t.Errorf("esc in the chooser: filter %q, open %v; want nginx, closed", got, tab.InputActive())
	}
}

func TestUserChooserGolden80x24(t *testing.T) {
	tab, ctx := containerTab(80, 24, true)
	press(tab, "u", "p")
	golden.RequireEqual(t, []byte(tab.View(ctx)))
}

func TestUserFilterGolden(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		t.Run(sizeName(size), func(t *testing.T) {
			tab, ctx := containerTab(size[0], size[1], true)
			press(tab, "u", "p", "enter")
			golden.RequireEqual(t, []byte(tab.View(ctx)))
		})
	}
}

func sizeName(size [2]int) string {
	return strings.Join([]string{itoa(size[0]), itoa(size[1])}, "x")
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

func TestTreeView(t *testing.T) {
	tab, ctx := containerTab(160, 48, true)
	flat := shownPIDs(t, tab.View(ctx))
	press(tab, "j", "j") // 4712, the third busiest
	press(tab, "t")
	if !tab.Tree() {
		t.Fatal("t did not switch to the tree")
	}
	frame := tab.View(ctx)
	golden.RequireEqual(t, []byte(frame))
	if sel := tab.Selected(); sel == nil || sel.PID != 4712 {
		t.Errorf("selection after t = %v, want pid 4712 still", sel)
	}
	rows := tableRows(frame)
	at := func(pid int32) int {
		for i, p := range tab.rows {
			if p.PID == pid {
				return i
			}
		}
		t.Fatalf("pid %d not in the tree", pid)
		return -1
	}
	// The postmaster's backends right under it, busiest first (the sort
	// applies among siblings), with the glyphs as drawn.
	pm := at(1201)
	if at(4711) != pm+1 || at(4712) != pm+2 {
		t.Errorf("backends 4711, 4712 not right under postmaster 1201:\n%s", frame)
	}
	if r := rowOf(t, frame, 4711); !strings.Contains(r, "│ ├─postgres") {
		t.Errorf("backend 4711 drawn %q, want it under 1201 with │ ├─", r)
	}
	if r := rowOf(t, frame, 4712); !strings.Contains(r, "│ └─postgres") {
		t.Errorf("backend 4712 drawn %q, want it last under 1201 with │ └─", r)
	}
	if r := rowOf(t, frame, 1); !strings.Contains(r, " systemd") || strings.Contains(r, "─systemd") {
		t.Errorf("pid 1 is not a root: %q", r)
	}
	if at(7000) != at(2)+1 || tab.prefix[at(7000)] != "└─" || tab.prefix[at(2)] != "" {
		t.Errorf("kworker 7000 not the only child of kthreadd 2, a root")
	}
	if len(rows) == 0 || len(tab.rows) != 40 {
		t.Errorf("tree has %d of 40 processes", len(tab.rows))
	}
	// t again: the flat list as it was, selection still on 4712.
	press(tab, "t")
	back := tab.View(ctx)
	if got := shownPIDs(t, back); !slices.Equal(got[:len(flat)], flat) {
		t.Errorf("flat list after two t = %v, want %v", got, flat)
	}
	if strings.Contains(back, "├─") || strings.Contains(back, "└─") {
		t.Errorf("flat list still has tree glyphs:\n%s", back)
	}
	if sel := tab.Selected(); sel == nil || sel.PID != 4712 {
		t.Errorf("selection after t t = %v, want pid 4712", sel)
	}
}

func TestTreeGolden80x24(t *testing.T) {
	tab, ctx := containerTab(80, 24, true)
	press(tab, "t", "/", "p", "o", "s", "t", "g", "r", "e", "s", "enter")
	golden.RequireEqual(t, []byte(tab.View(ctx)))
}

func TestTreeOrderKeepsEveryRow(t *testing.T) {
	// A parent loop (a snapshot that raced pid reuse) and a self-parent
	// must not lose rows nor loop forever.
	list := []hs.Process{
		{PID: 10, PPID: 11}, {PID: 11, PPID: 10}, // loop
		{PID: 12, PPID: 12}, // own parent
		{PID: 13, PPID: 12},
	}
	rows := ordered(list, ByPID, "", nil)
	out, prefix := treeOrder(rows)
	var pids []int32
	for _, p := range out {
		pids = append(pids, p.PID)
	}
	if !slices.Equal(pids, []int32{12, 13, 10, 11}) || len(prefix) != 4 {
		t.Errorf("tree of a loop = %v %q, want [12 13 10 11]", pids, prefix)
	}
}

// Veths show as one row; loopback and the bridge keep theirs; the totals
// (Overview and the one-line form) count the wire only.
func TestNetworksGroupVethsAndTotalTheWire(t *testing.T) {
	tab, ctx := containerTab(160, 48, true)
	frame := tab.View(ctx)
	for _, want := range []string{"docker0", "eth0", "lo ", "veth ×3"} {
		if !strings.Contains(frame, want) {
			t.Errorf("network rows lack %q:\n%s", want, frame)
		}
	}
	if strings.Contains(frame, "veth1a2b3c4") {
		t.Errorf("a veth has its own row:\n%s", frame)
	}
	// 100+200+0 KiB/s received over the veths, with the drops of one.
	for _, l := range strings.Split(frame, "\n") {
		if strings.Contains(l, "veth ×3") && !strings.Contains(l, "rx   300 KiB/s  tx   600 KiB/s") {
			t.Errorf("veth row %q: want rx 300 KiB/s, tx 600 KiB/s", l)
		}
		// The drops make the section's problem mark show.
		if strings.Contains(l, "Net") && !strings.HasPrefix(l, "!Net") {
			t.Errorf("net line %q: the veths' drops should mark it", l)
		}
	}
	rx, tx := NetTotals(containerHost(12))
	if rx.PerSec != 1<<20 || tx.PerSec != 400<<10 {
		t.Errorf("net totals rx %v tx %v, want eth0's 1 MiB/s and 400 KiB/s", rx.PerSec, tx.PerSec)
	}
	// In a container eth0 is itself a veth: without a physical device all
	// but loopback and bridges count.
	s := containerHost(12)
	s.Networks = []hs.NetInterface{
		{Name: "eth0", Kind: hs.NetVeth, RxBytes: collectors.Rate{PerSec: 5, Valid: true}},
		{Name: "lo", Kind: hs.NetLoopback, RxBytes: collectors.Rate{PerSec: 7, Valid: true}},
	}
	if rx, _ := NetTotals(s); rx.PerSec != 5 {
		t.Errorf("net totals in a container rx %v, want 5", rx.PerSec)
	}
}
