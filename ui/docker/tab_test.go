package docker

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stacktop/stacktop/collectors"
	ds "github.com/stacktop/stacktop/collectors/docker"
	"github.com/stacktop/stacktop/ui/internal/fixture"
	"github.com/stacktop/stacktop/ui/internal/frametest"
	"github.com/stacktop/stacktop/ui/view"
)

// names lists the container names (and "[project]" for project headers;
// engines' headers and notes left out) from the rows model the view draws.
func names(tab *Tab) []string {
	var out []string
	for _, r := range tab.list.rows {
		switch r.kind {
		case rowProject:
			out = append(out, "["+r.project+"]")
		case rowContainer:
			out = append(out, r.c.Name)
		}
	}
	return out
}

// listLines are the drawn list rows: the lines after the column header up
// to a pane rule or the end.
func listLines(frame string) []string {
	return frametest.Rows(frame, func(l string) bool { return strings.Contains(l, "NAME") && strings.Contains(l, "STATE") })
}

// TestEnginesInOneList: every engine's containers in one list, each
// under its header with its health and version; a down engine says why in
// its group while the others stay listed; a container's actions and panes
// go to its own engine; enter on an engine's header folds it.
func TestEnginesInOneList(t *testing.T) {
	tab, ctx, _ := newTab(t, 140, 40, 0, Options{Allowed: allowAll})
	edgeEng := newFakeEngine()
	t.Cleanup(edgeEng.closeAll)
	tab.opts.Engines["edge"] = edgeEng
	tab.Update(down("prod"))
	other := fleetSnapshot(0)
	other.EngineVersion = "27.3.1"
	other.Containers = []ds.Container{running("edge-cache", "", "", "varnish:7", 1, 50*mib, time.Hour)}
	tab.Update(ok("edge", other))
	frame := tab.View(ctx)
	if !strings.Contains(frame, "Docker  local ok  prod down  edge ok") {
		t.Errorf("the engines line does not list the engines with their health:\n%s", frame)
	}
	lines := listLines(frame)
	at := func(prefix string) int {
		for i, l := range lines {
			if strings.HasPrefix(strings.TrimLeft(l, " >"), prefix) {
				return i
			}
		}
		t.Fatalf("no line starting %q in the list:\n%s", prefix, frame)
		return -1
	}
	local, prod, edge := at("▾ local  ok   engine 20.10.24"), at("▾ prod  down"), at("▾ edge  ok   engine 27.3.1")
	if !(local < at("shop-api-1") && at("shop-api-1") < prod && prod < edge && edge < at("edge-cache")) {
		t.Errorf("containers not grouped under their engines:\n%s", frame)
	}
	if why := lines[prod+1]; !strings.Contains(why, "unreachable: docker \"prod\": version: cannot connect") ||
		!strings.Contains(why, "is the Docker daemon running?") {
		t.Errorf("the down engine does not say why under its header: %q", why)
	}
	if strings.Contains(frame, "h: next host") || len(tab.list.keys.ShortHelp()) == 0 {
		t.Error("the list still offers switching hosts")
	}

	selectName(t, tab, "edge-cache")
	if src, _, name, ok := tab.SelectedContainer(); !ok || src != "edge" || name != "edge-cache" {
		t.Errorf("selected %q/%q %v, want edge/edge-cache", src, name, ok)
	}
	if req := request(tab, "R"); req == nil || req.Target.Source != "edge" || req.Target.Object != "edge-cache" {
		t.Errorf("R on edge-cache requested %+v, want a restart on the edge engine", req)
	}
	press(tab, "i")
	if len(edgeEng.reveals) != 1 {
		t.Errorf("inspect went to the edge engine %d times, want once", len(edgeEng.reveals))
	}
	press(tab, "l")
	if len(edgeEng.streams) != 1 || !strings.Contains(tab.View(ctx), "logs edge-cache") {
		t.Errorf("logs of edge-cache did not come from the edge engine (%d streams)", len(edgeEng.streams))
	}
	press(tab, "esc")

	// Fold the local engine: its containers go, the others stay.
	press(tab, "g")
	press(tab, "enter")
	got := names(tab)
	if slices.Contains(got, "shop-api-1") || !slices.Contains(got, "edge-cache") {
		t.Errorf("folding local leaves %v", got)
	}
	if f := tab.View(ctx); !strings.Contains(f, "▸ local  ok") {
		t.Errorf("a folded engine's header has no ▸:\n%s", f)
	}
	// The filter's count includes what a folded engine hides.
	press(tab, "/", "s", "h", "o", "p", "-", "enter")
	if f := tab.View(ctx); !strings.Contains(f, "filter shop- (5 shown)") {
		t.Errorf("the filter's count leaves out the folded engine's containers:\n%s", f)
	}
	press(tab, "esc", "g")
	press(tab, "enter")
	if !slices.Contains(names(tab), "shop-api-1") {
		t.Error("enter again does not unfold local")
	}
}

func TestSortCycles(t *testing.T) {
	tab, ctx, _ := newTab(t, 160, 40, 5, Options{})
	want := []string{"name", "CPU%", "memory", "state", "name"}
	for i, w := range want {
		if i > 0 {
			press(tab, "s")
		}
		if tab.SortKey().String() != w {
			t.Fatalf("after %d presses the order is %s, want %s", i, tab.SortKey(), w)
		}
		if !strings.Contains(tab.View(ctx), "sort "+w) {
			t.Errorf("title does not say sort %s", w)
		}
		// The arrow says which way: names A to Z, the largest CPU% first.
		if i == 0 && (!strings.Contains(tab.View(ctx), "NAME▲") || strings.Contains(tab.View(ctx), "NAME▼")) {
			t.Error("by name (A to Z), the NAME column is not marked ▲")
		}
		if i == 1 {
			// Inside the batch project the CPU burner comes first; the
			// projects themselves go by total CPU.
			got := names(tab)
			b := slices.Index(got, "[batch]")
			if got[b+1] != "batch-burner-1" {
				t.Errorf("by CPU, batch starts with %s", got[b+1])
			}
			if slices.Index(got, "[batch]") > slices.Index(got, "[shop]") {
				t.Errorf("batch (99.6%%) after shop (55.7%%): %v", got)
			}
			if !strings.Contains(tab.View(ctx), "CPU%▼") {
				t.Error("CPU column not marked")
			}
		}
		if i == 3 {
			got := names(tab)
			s := slices.Index(got, "[shop]")
			if got[s+1] != "shop-api-1" || got[s+2] != "shop-worker-1" {
				t.Errorf("by state, shop starts %v; want unhealthy then restarting", got[s+1:s+3])
			}
		}
	}
}

func TestFilter(t *testing.T) {
	tab, ctx, _ := newTab(t, 120, 30, 20, Options{})
	press(tab, "/")
	if !tab.InputActive() {
		t.Fatal("/ does not open the filter prompt")
	}
	press(tab, "S", "h", "O", "p", "-")
	press(tab, "enter")
	if tab.InputActive() {
		t.Fatal("enter does not close the prompt")
	}
	got := names(tab)
	if got[0] != "[shop]" || len(got) != 6 {
		t.Errorf("filter shop gave %v", got)
	}
	if !strings.Contains(tab.View(ctx), "filter ShOp- (5 shown)") {
		t.Errorf("title does not show the filter:\n%s", tab.View(ctx))
	}
	for _, q := range []struct{ q, want string }{{"exited", "batch-job-1"}, {"postgres", "shop-db-1"}, {"unhealthy", "shop-api-1"}} {
		press(tab, "esc", "/")
		press(tab, strings.Split(q.q, "")...)
		press(tab, "enter")
		if !slices.Contains(names(tab), q.want) {
			t.Errorf("filter %q misses %s: %v", q.q, q.want, names(tab))
		}
	}
	press(tab, "esc")
	if len(tab.list.rows) != 1+11+3+20 { // the engine's header, containers, projects

		t.Errorf("esc leaves %d rows", len(tab.list.rows))
	}
	press(tab, "/", "z", "z", "z", "enter")
	if !strings.Contains(tab.View(ctx), "no container matches “zzz” — esc clears the filter") {
		t.Error("an empty result does not say how to clear it")
	}
}

func TestGroupCollapse(t *testing.T) {
	tab, ctx, _ := newTab(t, 120, 30, 0, Options{})
	press(tab, "g")
	for tab.list.rows[tab.list.cursor.Sel].project != "batch" {
		press(tab, "down")
	}
	if !tab.list.keys.Toggle.Enabled() || tab.list.keys.Detail.Enabled() {
		t.Fatal("on a project row enter should fold, not inspect")
	}
	press(tab, "enter")
	if slices.Contains(names(tab), "batch-job-1") {
		t.Error("enter did not fold batch")
	}
	frame := tab.View(ctx)
	if !strings.Contains(frame, "▸ batch (4)") {
		t.Errorf("folded header not drawn:\n%s", frame)
	}
	// A new poll keeps it folded and the cursor on it.
	tab.Update(ok("local", fleetSnapshot(0)))
	if slices.Contains(names(tab), "batch-job-1") || tab.list.rows[tab.list.cursor.Sel].project != "batch" || tab.list.rows[tab.list.cursor.Sel].c != nil {
		t.Error("a refresh unfolded the project or lost the cursor")
	}
	press(tab, "space")
	if !slices.Contains(names(tab), "batch-job-1") {
		t.Error("space did not unfold batch")
	}
}

func TestSelectionFollowsContainer(t *testing.T) {
	tab, _, _ := newTab(t, 120, 30, 0, Options{})
	selectName(t, tab, "shop-db-1")
	s := fleetSnapshot(0)
	// A new container sorting before it: the cursor stays on shop-db-1.
	s.Containers = append(s.Containers, running("shop-aaa-1", "shop", "aaa", "x", 1, mib, time.Minute))
	tab.Update(ok("local", s))
	if _, _, name, _ := tab.SelectedContainer(); name != "shop-db-1" {
		t.Errorf("selection moved to %s", name)
	}
}

func TestRemovedWhileSelected(t *testing.T) {
	tab, ctx, _ := newTab(t, 120, 40, 0, Options{})
	selectName(t, tab, "shop-db-1")
	press(tab, "i")
	if !strings.Contains(tab.View(ctx), "inspect shop-db-1") {
		t.Fatalf("detail did not open:\n%s", tab.View(ctx))
	}
	s := fleetSnapshot(0)
	s.Containers = slices.DeleteFunc(s.Containers, func(c ds.Container) bool { return c.Name == "shop-db-1" })
	tab.Update(ok("local", s))
	frame := tab.View(ctx)
	if !strings.Contains(frame, "container removed") {
		t.Errorf("the detail pane does not say the container was removed:\n%s", frame)
	}
	if _, _, name, ok := tab.SelectedContainer(); !ok || name != "shop-migrate-1" {
		t.Errorf("selection went to %q (%v), want the next row", name, ok)
	}
	press(tab, "esc")
	if tab.pane != paneNone {
		t.Error("esc does not close the pane")
	}
	// The logs pane says it too.
	press(tab, "l")
	s2 := fleetSnapshot(0)
	s2.Containers = slices.DeleteFunc(s2.Containers, func(c ds.Container) bool { return c.Name == "shop-migrate-1" || c.Name == "shop-db-1" })
	tab.Update(ok("local", s2))
	if !strings.Contains(tab.View(ctx), "shop-migrate-1 · "+id("shop-migrate-1")[:12]+" · container removed") {
		t.Errorf("the logs pane does not say the container was removed:\n%s", tab.View(ctx))
	}
}

func TestNoEscapeReachesTheScreen(t *testing.T) {
	tab, ctx, _ := newTab(t, 200, 60, 3, Options{})
	check := func(what string) {
		t.Helper()
		frame := tab.View(ctx)
		checkFrame(t, frame, 200, 60)
		if !strings.Contains(frame, "evil-box") && what == "list" {
			t.Errorf("the hostile name is not drawn sanitized:\n%s", frame)
		}
	}
	check("list")
	press(tab, "g", "j", "i") // the engine's header, then the first container
	check("detail")
	press(tab, "l", "/", "c", "o", "l", "o", "u", "r", "e", "d", "enter")
	check("logs")
	if !strings.Contains(tab.View(ctx), "»coloured« status  line with  clear-screen") {
		t.Errorf("the escape-laden log line is not drawn clean:\n%s", tab.View(ctx))
	}
	sum := tab.Summary(ctx, 60, 20)
	if strings.ContainsRune(sum, 0x1b) {
		t.Errorf("summary has an escape: %q", sum)
	}
	// In colour, styles add escapes of their own, but nothing of the
	// engine's: no OSC, no bell, no screen clear.
	cctx := testCtx(colourStyles(), 200, 60)
	for _, f := range []string{tab.View(cctx), tab.Summary(cctx, 60, 20)} {
		for _, bad := range []string{"\x1b]", "\a", "\x1b[2J", "\x1b[5m", "\u202e"} {
			if strings.Contains(f, bad) {
				t.Errorf("colour frame holds %q", bad)
			}
		}
	}
}

func TestStates(t *testing.T) {
	ctx := testCtx(plainStyles(), 100, 20)
	tab := New(ctx.Styles, Options{})
	tab.Update(view.SizeMsg{Width: 100, Height: 20})
	if !strings.Contains(tab.View(ctx), "no Docker host yet") || !strings.Contains(tab.Summary(ctx, 40, 5), "not configured") {
		t.Errorf("no host: %s", tab.View(ctx))
	}
	waiting := ok("local", fleetSnapshot(0))
	waiting.Snapshot, waiting.PolledAt, waiting.LastGood = nil, time.Time{}, time.Time{}
	tab.Update(waiting)
	if v := tab.View(ctx); !strings.Contains(v, "▾ local  waiting") || !strings.Contains(v, "waiting for the first poll…") {
		t.Errorf("waiting: %s", tab.View(ctx))
	}
	tab.Update(notFound("local"))
	if v := tab.View(ctx); !strings.Contains(v, "▾ local  not found") || !strings.Contains(v, "   not found — docker \"local\"") || !strings.Contains(tab.Summary(ctx, 40, 5), "local: not found") {
		t.Errorf("not found: %s", v)
	}
	// Data, then a failed poll: the data stays with one line of cause.
	s := fleetSnapshot(0)
	tab.Update(ok("local", s))
	bad := down("local")
	bad.Snapshot, bad.LastGood, bad.PolledAt = s, s.Taken, s.Taken.Add(8*time.Second)
	bad.Cause, bad.NextTry = collectors.CauseRefused, bad.PolledAt.Add(5*time.Second)
	tab.Update(bad)
	ctx.Now = s.Taken.Add(9 * time.Second)
	v := tab.View(ctx)
	if !strings.Contains(v, "local down") || !strings.Contains(v, "! down (next try in 4s): docker \"local\": version: cannot connect") ||
		!strings.Contains(v, "shop-api-1") || !strings.Contains(v, "as of "+s.Taken.Format("15:04:05")+" (9s ago)") ||
		!strings.Contains(v, "next try in 4s") {
		t.Errorf("down with the last data as history:\n%s", v)
	}
	// The Overview box: the host's state and cause, its last count as of
	// when, and no CPU figures (rates) from the old snapshot.
	if box := tab.Summary(ctx, 80, 20); !strings.Contains(box, "local: down: docker") ||
		!strings.Contains(box, "as of "+s.Taken.Format("15:04:05")+" · local: 11 containers") || strings.Contains(box, "CPU ") {
		t.Errorf("Overview box of a down host:\n%s", box)
	}
	checkFrame(t, v, 100, 20)
	// A broken event stream is said once, under the hosts line.
	s2 := fleetSnapshot(0)
	s2.Stream = ds.StreamStatus{Err: "unexpected EOF"}
	tab.Update(ok("local", s2))
	ctx.Now = fixture.Now()
	if v := tab.View(ctx); !strings.Contains(v, "! event stream: unexpected EOF — reconnecting") {
		t.Errorf("broken stream:\n%s", v)
	}
}

func TestOverviewOrdering(t *testing.T) {
	tab, ctx, _ := newTab(t, 120, 40, 30, Options{})
	tab.Update(down("prod"))
	lines := strings.Split(tab.Summary(ctx, 60, 30), "\n")
	want := []string{
		"prod: unreachable",
		"!local/shop-api-1", "!local/batch-cruncher-1", "!local/shop-worker-1", "!local/batch-job-1", // worst first
		" local/batch-burner-1", " local/fleet-svc-016", " local/fleet-svc-015", // top CPU
		" local/shop-db-1", " local/shop-web-1", // top memory not listed yet
		"local: 41 containers · 36 running",
	}
	at := 0
	for _, w := range want {
		for at < len(lines) && !strings.HasPrefix(lines[at], w) {
			at++
		}
		if at == len(lines) {
			t.Fatalf("summary lacks %q in order:\n%s", w, strings.Join(lines, "\n"))
		}
	}
	for _, l := range lines {
		if strings.Contains(l, "shop-api-1") && !strings.Contains(l, "unhealthy (4 failed checks)") {
			t.Errorf("unhealthy line %q", l)
		}
		if strings.Contains(l, "batch-job-1") && !strings.Contains(l, "exited (1) 3m ago") {
			t.Errorf("exited line %q", l)
		}
	}
	if short := tab.Summary(ctx, 40, 2); len(strings.Split(short, "\n")) != 2 || !strings.Contains(short, "prod") || !strings.Contains(short, "shop-api-1") {
		t.Errorf("two lines should be the down host and the worst container:\n%s", short)
	}
}

// enabledHelp lists the help keys of the enabled short-help bindings.
func enabledHelp(tab *Tab) []string {
	var out []string
	for _, b := range tab.KeyMap().ShortHelp() {
		if b.Enabled() {
			out = append(out, b.Help().Key)
		}
	}
	return out
}

func TestKeyMapPerSubView(t *testing.T) {
	tab, _, _ := newTab(t, 120, 40, 0, Options{Engines: map[string]Engine{}})
	selectName(t, tab, "shop-api-1")
	if got := enabledHelp(tab); !slices.Equal(got, []string{"enter/i", "l", "/", "s"}) {
		t.Errorf("list on a container offers %v", got)
	}
	press(tab, "up")
	for tab.list.rows[tab.list.cursor.Sel].c != nil {
		press(tab, "up")
	}
	if got := enabledHelp(tab); !slices.Equal(got, []string{"enter/space", "/", "s"}) {
		t.Errorf("list on a project offers %v", got)
	}
	selectName(t, tab, "shop-api-1")
	press(tab, "i")
	if got := enabledHelp(tab); !slices.Equal(got, []string{"esc", "r", "l", "↓/j", "↑/k"}) {
		t.Errorf("detail offers %v", got)
	}
	press(tab, "l") // no engine: nothing to follow or search
	if got := enabledHelp(tab); !slices.Equal(got, []string{"esc"}) {
		t.Errorf("logs without lines offer %v", got)
	}
	tab2, _, _ := newTab(t, 120, 40, 0, Options{})
	selectName(t, tab2, "shop-api-1")
	press(tab2, "l")
	if got := enabledHelp(tab2); !slices.Equal(got, []string{"esc", "f", "/", "t", "w"}) {
		t.Errorf("logs offer %v", got)
	}
	press(tab2, "/")
	if got := enabledHelp(tab2); !slices.Equal(got, []string{"enter", "esc"}) || !tab2.InputActive() {
		t.Errorf("search prompt offers %v", got)
	}
}

// The filter looks at the compose project and service themselves, not
// only at names that happen to contain them.
func TestFilterProjectAndService(t *testing.T) {
	c := ds.Container{ID: id("x"), Name: "a1b2c3", Image: "registry.example/app:7", ComposeProject: "payments", ComposeService: "ledger", State: "running"}
	for _, q := range []string{"payments", "ledger", "registry.example", "a1b2", "running"} {
		if !matches(&c, q) {
			t.Errorf("filter %q does not match %+v", q, c)
		}
	}
	if matches(&c, "billing") {
		t.Error("filter billing matches a container it has nothing to do with")
	}
}

// TestJumpPicksTheEngine: the Overview opens a container of the engine it
// names, even when another engine name reaches the same engine (the same
// container ID listed twice), unfolding that engine; an engine's own line
// opens its header.
func TestJumpPicksTheEngine(t *testing.T) {
	tab, ctx, _ := newTab(t, 140, 40, 0, Options{})
	twin := newFakeEngine()
	t.Cleanup(twin.closeAll)
	tab.opts.Engines["twin"] = twin
	tab.Update(ok("twin", fleetSnapshot(0))) // the same engine under another name
	press(tab, "g")
	for r := tab.list.selectedRow(); r.host.id.Name != "twin"; r = tab.list.selectedRow() {
		press(tab, "down")
	}
	press(tab, "enter") // fold twin
	c := fleetSnapshot(0).Containers[6]
	run(tab, tab.updateCmd(view.JumpMsg{Jump: view.Jump{Source: source("twin"), What: view.JumpContainer, Container: c.ID}}))
	if src, cid, _, ok := tab.SelectedContainer(); !ok || src != "twin" || cid != c.ID {
		t.Errorf("the jump selected %q/%.12s %v, want twin/%.12s", src, cid, ok, c.ID)
	}
	if len(twin.streams) != 1 || !strings.Contains(tab.View(ctx), "logs "+c.Name) {
		t.Errorf("the jump did not open the logs from the twin engine (%d streams)", len(twin.streams))
	}
	press(tab, "esc")
	run(tab, tab.updateCmd(view.JumpMsg{Jump: view.Jump{Source: source("local"), What: view.JumpSource}}))
	if r := tab.list.selectedRow(); r == nil || r.kind != rowEngine || r.host.id.Name != "local" {
		t.Errorf("opening the local engine selected %+v", r)
	}
}
