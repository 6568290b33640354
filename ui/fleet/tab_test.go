package fleet

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/stacktop/stacktop/collectors"
	fs "github.com/stacktop/stacktop/collectors/fleet"
	"github.com/stacktop/stacktop/ui/internal/fixture"
	"github.com/stacktop/stacktop/ui/internal/keytest"
	"github.com/stacktop/stacktop/ui/view"
)

// TestProblemsFirst: by default the down host leads, then the hosts past
// a threshold, then the healthy ones, busiest first; every problem row
// carries the "!" a colourless terminal shows.
func TestProblemsFirst(t *testing.T) {
	h := newHarness(t, 120, 30, 40)
	got := names(h.frame())
	want := []string{"db-3.prod", "web-1.prod", "web-2.prod", "db-2.prod", "cache-1.prod"}
	if !slices.Equal(got[:5], want) {
		t.Fatalf("first rows %v, want %v", got[:5], want)
	}
	for i, r := range rows(h.frame()) {
		bad := strings.HasPrefix(strings.TrimPrefix(r, ">"), "!") || strings.HasPrefix(r, " !")
		if bad != (i < 5) {
			t.Errorf("row %d %q: problem mark %v, want %v", i, r, bad, i < 5)
		}
	}
	if r := rows(h.frame())[0]; !strings.Contains(r, "down") || !strings.Contains(r, "dial tcp 10.0.3.13:9100: connect:") {
		t.Errorf("the down host's row does not say down with its scrape error: %q", r)
	}
	if r := rows(h.frame())[1]; !strings.Contains(r, "!97.3%") || !strings.Contains(r, "!2.42") {
		t.Errorf("web-1's CPU and load are not marked: %q", r)
	}
}

// TestSortCycles: s goes through the orders, the header marks the column,
// and the rows follow.
func TestSortCycles(t *testing.T) {
	h := newHarness(t, 160, 45, 40)
	value := func(frame string, col string) []float64 {
		ls := strings.Split(frame, "\n")
		var hdr string
		for _, l := range ls {
			if strings.Contains(l, "NAME") {
				hdr = l
			}
		}
		// Cells are one rune per cell: cut the rows where the column ends.
		at := len([]rune(hdr[:strings.Index(hdr, col)+len(col)]))
		var out []float64
		for _, r := range rows(frame) {
			if strings.Contains(r, " down ") {
				continue
			}
			f := strings.Fields(string([]rune(r)[:at]))
			v, err := strconv.ParseFloat(strings.Trim(f[len(f)-1], "!%"), 64)
			if err != nil {
				t.Fatalf("row %q: %s is not a figure: %v", r, col, err)
			}
			out = append(out, v)
		}
		return out
	}
	checks := []struct {
		order, header string
	}{
		{"name", "NAME▲"}, {"CPU", "CPU%▼"}, {"memory", "MEM%▼"}, {"disk", "FS%▼"}, {"load", "LOAD/C▼"}, {"problems", ""},
	}
	for _, c := range checks {
		h.press("s")
		f := h.frame()
		if !strings.Contains(f, "sort "+c.order) {
			t.Fatalf("after s the strip does not say sort %s:\n%s", c.order, f)
		}
		if c.header != "" && !strings.Contains(f, c.header) {
			t.Errorf("sort %s: header does not mark %s", c.order, c.header)
		}
		switch c.order {
		case "name":
			n := names(f)
			if !slices.IsSorted(n) {
				t.Errorf("by name: %v", n)
			}
		case "problems":
			if names(f)[0] != "db-3.prod" {
				t.Errorf("back to problems first: %v", names(f)[:3])
			}
		default:
			col := strings.TrimSuffix(c.header, "▼")
			v := value(f, c.header)
			if !slices.IsSortedFunc(v, func(a, b float64) int { return int(b*100 - a*100) }) {
				t.Errorf("by %s (%s): not descending: %v", c.order, col, v)
			}
		}
	}
}

// TestFilter: / filters by name and by any label (job:, env:), several
// terms must all match, the PostgreSQL and container views follow, esc
// clears.
func TestFilter(t *testing.T) {
	h := newHarness(t, 120, 40, 40)
	typeFilter := func(s string) {
		h.press("/")
		for _, r := range s {
			h.press(string(r))
		}
		h.press("enter")
	}
	typeFilter("web")
	if got := names(h.frame()); !slices.Equal(got, []string{"web-1.prod", "web-2.prod"}) {
		t.Errorf("filter web: %v", got)
	}
	h.press("esc")
	if n := len(h.tab.hosts.rows); n != 40 || h.tab.filter.Value() != "" {
		t.Errorf("esc did not clear the filter: %d rows, filter %q", n, h.tab.filter.Value())
	}
	typeFilter("env:staging")
	if got := names(h.frame()); !slices.Equal(got, []string{"stage-1.staging"}) {
		t.Errorf("filter env:staging: %v", got)
	}
	h.press("esc")
	typeFilter("job:node env:ci")
	if got := names(h.frame()); !slices.Equal(got, []string{"build.ci"}) {
		t.Errorf("filter job:node env:ci: %v", got)
	}
	h.press("v", "v") // containers: only build.ci's
	f := h.frame()
	if !strings.Contains(f, "runner-7") || strings.Contains(f, "shop-web-1") {
		t.Errorf("containers view does not follow the filter:\n%s", f)
	}
	h.press("esc", "v")
	typeFilter("job:nope")
	if f := h.frame(); !strings.Contains(f, `no hosts match the filter "job:nope" — esc clears it`) {
		t.Errorf("an empty result does not say why:\n%s", f)
	}
}

// TestSourceSwitch: ] and [ go through the Prometheus sources, each with
// its own hosts.
func TestSourceSwitch(t *testing.T) {
	h := newHarness(t, 120, 30, 40)
	if !strings.Contains(h.frame(), `Prometheus "prod" 1/2`) {
		t.Fatalf("first source not prod:\n%s", h.frame())
	}
	h.press("]")
	f := h.frame()
	if !strings.Contains(f, `Prometheus "staging" 2/2`) || !slices.Equal(names(f), []string{"stage-2.staging", "stage-1.staging"}) &&
		!slices.Equal(names(f), []string{"stage-1.staging", "stage-2.staging"}) {
		t.Errorf("] does not show staging:\n%s", f)
	}
	h.press("]")
	if !strings.Contains(h.frame(), `Prometheus "prod" 1/2`) {
		t.Errorf("] does not wrap around to prod")
	}
	h.press("[")
	if !strings.Contains(h.frame(), `Prometheus "staging"`) {
		t.Errorf("[ does not go back to staging")
	}
}

// TestDetail: enter asks the source for the selected host's detail
// (loading shows until it answers), esc goes back to the same row; a
// failure is one line with what to do.
func TestDetail(t *testing.T) {
	h := newHarness(t, 100, 30, 40)
	h.press("j", "j") // web-2
	_, cmd := h.tab.Update(tea.KeyMsg{Type: tea.KeyEnter})
	if f := h.frame(); !strings.Contains(f, "loading the host's detail") || !strings.HasPrefix(f, " web-2.prod up") {
		t.Fatalf("before the answer the detail does not say loading:\n%s", f)
	}
	h.run(cmd)
	f := h.frame()
	for _, want := range []string{"CPU per core", "Filesystems", "/var/lib/postgresql", "Network", "eth0", "Disks", "nvme1n1", "Containers", "shop-web-2"} {
		if !strings.Contains(f, want) {
			t.Errorf("detail lacks %q:\n%s", want, f)
		}
	}
	if !strings.Contains(f, "!93.2%") {
		t.Errorf("detail does not mark memory past its threshold:\n%s", f)
	}
	h.press("esc")
	if f := h.frame(); !strings.Contains(rows(f)[2], ">! web-2.prod") {
		t.Errorf("back from the detail, web-2 is not selected:\n%s", f)
	}
	if n := h.src[fixture.ProdFleet].detail; n != 1 {
		t.Errorf("%d detail requests, want 1", n)
	}

	// A new snapshot refreshes an open detail; a failed refresh keeps
	// the figures and says so.
	h.press("enter")
	h.src[fixture.ProdFleet].err = errors.New(`prometheus "prod": a query timed out on the server (query timed out in expression evaluation) — raise timeout in [[prometheus]] or check Prometheus' load`)
	later := fixture.Fleet(fixture.Now().Add(15*time.Second), 40)
	h.send(fixture.FleetUpdate(later))
	f = h.frame()
	if !strings.Contains(f, "! refresh failed") || !strings.Contains(f, "a query timed out on the server") || !strings.Contains(f, "eth0") {
		t.Errorf("a failed refresh is not one line over the old figures:\n%s", f)
	}
}

// TestJumpLive: a host that is also a live target offers the key to its
// live tab, from the table and from its detail; others do not.
func TestJumpLive(t *testing.T) {
	h := newHarness(t, 120, 40, 40)
	h.press("/", "d", "b", "-", "1", "enter")
	if !h.tab.keys.LivePostgres.Enabled() || h.tab.keys.LiveDocker.Enabled() {
		t.Fatalf("db-1: live postgres %v docker %v, want true false", h.tab.keys.LivePostgres.Enabled(), h.tab.keys.LiveDocker.Enabled())
	}
	h.press("enter")
	if f := h.frame(); !strings.Contains(f, `live: postgres "main" (p)`) {
		t.Errorf("db-1's detail does not name its live target:\n%s", f)
	}
	h.press("p")
	h.press("d") // no Docker target: nothing
	want := []view.Jump{{Source: collectors.SourceID{Kind: collectors.KindPostgres, Name: "main"}, What: view.JumpSource}}
	if !slices.Equal(h.jumps, want) {
		t.Errorf("jumps %+v, want %+v", h.jumps, want)
	}
	// build.ci is a [[docker]] by host name.
	h.press("esc", "esc", "/", "b", "u", "i", "l", "d", "enter", "d")
	if len(h.jumps) != 2 || h.jumps[1].Source != (collectors.SourceID{Kind: collectors.KindDocker, Name: "build"}) {
		t.Errorf("d on build.ci: jumps %+v", h.jumps)
	}
	h.press("esc", "/", "w", "e", "b", "-", "1", "enter", "p", "d")
	if len(h.jumps) != 2 {
		t.Errorf("web-1 has no live target but jumped: %+v", h.jumps)
	}
}

// TestSparklinesOnScreenOnly: the CPU sparklines are asked for the rows
// on screen (not the down host), once per snapshot; paging asks for the
// next rows.
func TestSparklinesOnScreenOnly(t *testing.T) {
	h := newHarness(t, 100, 21, 500)
	src := h.src[fixture.ProdFleet]
	shown := h.tab.tableRows()
	first := src.asked()
	if len(first) != shown-1 || slices.Contains(first, fixture.DownHost) {
		t.Fatalf("asked %d sparklines (%v), want the %d up rows on screen", len(first), first, shown-1)
	}
	h.send(fixture.FleetUpdate(src.snap)) // the same snapshot again: nothing new
	h.press("j", "k")
	if n := len(src.asked()); n != len(first) {
		t.Errorf("moving within the page or the same snapshot asked again: %d requests", n)
	}
	h.press("pgdown")
	if n := len(src.asked()) - len(first); n == 0 || n > shown {
		t.Errorf("a page down asked %d sparklines, want up to %d", n, shown)
	}
	before := len(src.asked())
	h.send(fixture.FleetUpdate(fixture.Fleet(fixture.Now().Add(15*time.Second), 500)))
	if n := len(src.asked()) - before; n != shown && n != shown-1 {
		t.Errorf("a new snapshot asked %d sparklines, want the rows on screen (%d)", n, shown)
	}
	if !strings.Contains(h.frame(), "▇") && !strings.Contains(h.frame(), "█") {
		t.Errorf("no sparkline drawn:\n%s", h.frame())
	}
}

// TestOverviewBox: the Fleet box says each source's hosts, down and over,
// then the problem hosts worst first; a host line opens its detail.
func TestOverviewBox(t *testing.T) {
	h := newHarness(t, 120, 30, 40)
	lines := h.tab.SummaryLines(h.ctx, 40, 8)
	text := make([]string, len(lines))
	for i, l := range lines {
		text[i] = ansi.Strip(l.Text)
	}
	want := []string{
		"prod: 40 hosts · 1 down · 4 over",
		"staging: 2 hosts · all ok",
		"! db-3.prod down",
		"! web-1.prod CPU 97.3% · load 2.42/core",
		"! web-2.prod mem 93.2%",
		"! db-2.prod disk 95.4% /var/lib/postgre…",
		"! cache-1.prod swap 37.5%",
	}
	if !slices.Equal(text, want) {
		t.Fatalf("box lines:\n%s\nwant:\n%s", strings.Join(text, "\n"), strings.Join(want, "\n"))
	}
	j := *lines[3].Jump
	if j.What != view.JumpHost || j.Instance != "web-1.prod:9100" || !h.tab.Opens(j) {
		t.Fatalf("web-1's line opens %+v", j)
	}
	h.press("]") // elsewhere: the jump comes back to prod
	h.send(view.JumpMsg{Jump: j})
	if f := h.frame(); !strings.HasPrefix(f, " web-1.prod up") || !strings.Contains(f, "CPU per core") {
		t.Errorf("the jump does not open web-1's detail:\n%s", f)
	}
	if h.tab.Opens(view.Jump{Source: fixture.FleetID("nope")}) {
		t.Error("opens a source it does not know")
	}
}

// TestHostileNames: names, labels and errors from Prometheus reach the
// screen without their control sequences.
func TestHostileNames(t *testing.T) {
	ctx := testCtx(120, 20)
	s := fixture.Fleet(fixture.Now(), 8)
	s.Hosts[0].Name = "ev\x1b[31mil\x1b]0;pwned\x07"
	s.Hosts[0].FullestFSMount = "/mnt/\x1b[2J"
	s.Hosts[2].ScrapeError = "boom\x1b[1;31m\r\nsecond line"
	tab := New(ctx.Styles, Options{})
	tab.Update(view.SizeMsg{Width: 120, Height: 20})
	tab.Update(fixture.FleetUpdate(s))
	f := tab.View(ctx)
	checkFrame(t, f, 120, 20)
	if !strings.Contains(f, "evil") {
		t.Errorf("the sanitized name is missing:\n%s", f)
	}
}

// TestNoSourceAccess: without a Source the tables work and enter says
// the detail cannot be asked.
func TestNoSourceAccess(t *testing.T) {
	ctx := testCtx(100, 20)
	tab := New(ctx.Styles, Options{})
	tab.Update(view.SizeMsg{Width: 100, Height: 20})
	tab.Update(fixture.FleetUpdate(fixture.Fleet(fixture.Now(), 10)))
	tab.Update(tea.KeyMsg{Type: tea.KeyEnter})
	if f := tab.View(ctx); !strings.Contains(f, "no query access") {
		t.Errorf("enter without a source:\n%s", f)
	}
}

// TestExportersMissing: a Prometheus with postgres_exporter but no
// node_exporter targets says so in one line, and the empty tables say
// why; with no exporter at all, the collector's note says it once.
func TestExportersMissing(t *testing.T) {
	ctx := testCtx(100, 20)
	tab := New(ctx.Styles, Options{})
	tab.Update(view.SizeMsg{Width: 100, Height: 20})
	tab.Update(fixture.FleetUpdate(&fs.Snapshot{Taken: fixture.Now(), Source: "pg-only", URL: "http://p:9090",
		Exporters: fs.Exporters{Postgres: 1, PostgresUp: 1}}))
	f := tab.View(ctx)
	if !strings.Contains(f, "no node_exporter targets found") || !strings.Contains(f, "no hosts in this Prometheus") {
		t.Errorf("a Prometheus without node_exporter:\n%s", f)
	}
	tab.Update(keytest.Msg("v"))
	tab.Update(keytest.Msg("v"))
	if f := tab.View(ctx); !strings.Contains(f, "no cAdvisor targets in this Prometheus") {
		t.Errorf("containers without cAdvisor:\n%s", f)
	}
	none := "no node_exporter, postgres_exporter or cAdvisor targets found — check node_job, postgres_job and cadvisor_job"
	tab.Update(fixture.FleetUpdate(&fs.Snapshot{Taken: fixture.Now().Add(time.Second), Source: "pg-only", URL: "http://p:9090", Notes: []string{none}}))
	if f := tab.View(ctx); strings.Count(f, "targets found") != 1 {
		t.Errorf("no exporter at all is not said exactly once:\n%s", f)
	}
}

// TestNoQueriesWhileUnseen: while another tab is focused the Fleet tab
// asks Prometheus for nothing (no sparkline, no detail refresh); focusing
// it asks for the rows on screen.
func TestNoQueriesWhileUnseen(t *testing.T) {
	ctx := testCtx(100, 21)
	snap := fixture.Fleet(fixture.Now(), 100)
	src := &fixtureSource{snap: snap}
	h := &harness{t: t, ctx: ctx}
	h.tab = New(ctx.Styles, Options{Sources: map[string]Source{fixture.ProdFleet: src}})
	h.send(view.SizeMsg{Width: 100, Height: 21})
	h.send(fixture.FleetUpdate(snap))
	if n := len(src.asked()); n != 0 {
		t.Fatalf("unfocused, the tab asked %d sparklines", n)
	}
	h.send(view.FocusMsg{Focused: true})
	if n := len(src.asked()); n == 0 || n > h.tab.tableRows() {
		t.Fatalf("focused, the tab asked %d sparklines, want the rows on screen", n)
	}
	h.press("j", "enter")
	h.send(view.FocusMsg{})
	asked, details := len(src.asked()), src.detail
	h.send(fixture.FleetUpdate(fixture.Fleet(fixture.Now().Add(15*time.Second), 100)))
	if len(src.asked()) != asked || src.detail != details {
		t.Errorf("unfocused again, a refresh asked %d sparklines and %d details", len(src.asked())-asked, src.detail-details)
	}
	h.send(view.FocusMsg{Focused: true})
	if src.detail != details+1 {
		t.Errorf("back on the tab, the open detail was not asked again")
	}
}

// TestPostgresRowOpensItsHost: enter on a PostgreSQL server opens the
// detail of the host of the same name, and p jumps to its live target.
func TestPostgresRowOpensItsHost(t *testing.T) {
	h := newHarness(t, 120, 30, 40)
	h.press("v") // db-3 (down), db-1, db-2
	h.press("j")
	if !h.tab.keys.Open.Enabled() || !h.tab.keys.LivePostgres.Enabled() {
		t.Fatalf("on db-1's server: open %v, live postgres %v", h.tab.keys.Open.Enabled(), h.tab.keys.LivePostgres.Enabled())
	}
	h.press("enter")
	if f := h.frame(); !strings.HasPrefix(f, " db-1.prod up · db-1.prod:9100") {
		t.Errorf("enter on db-1's server:\n%s", f)
	}
	h.press("esc")
	if f := h.frame(); !strings.Contains(f, "[PostgreSQL 3") {
		t.Errorf("esc does not come back to the PostgreSQL view:\n%s", f)
	}
}

// TestSharedNamesShowInstance: hosts whose names are the same once the
// port is stripped (two exporters on one machine) show their instance.
func TestSharedNamesShowInstance(t *testing.T) {
	ctx := testCtx(100, 20)
	s := fixture.Fleet(fixture.Now(), 8)
	twin := s.Hosts[1]
	twin.Instance = "db-2.prod:9101"
	s.Hosts = append(s.Hosts, twin)
	tab := New(ctx.Styles, Options{})
	tab.Update(view.SizeMsg{Width: 100, Height: 20})
	tab.Update(fixture.FleetUpdate(s))
	got := names(tab.View(ctx))
	if !slices.Contains(got, "db-2.prod:9100") || !slices.Contains(got, "db-2.prod:9101") || !slices.Contains(got, "db-1.prod") {
		t.Errorf("names %v", got)
	}
}

// TestPostgresSortCycles: on the PostgreSQL table s goes through its own
// orders, the header marks the column, the strip names the order, and the
// server without figures (down) comes last in every figure's order.
func TestPostgresSortCycles(t *testing.T) {
	h := newHarness(t, 160, 45, 40)
	h.press("v")
	servers := func(frame string) (header string, order []string) {
		ls := strings.Split(frame, "\n")
		for i, l := range ls {
			if strings.Contains(l, "SERVER") && strings.Contains(l, "CONN/MAX") {
				header = l
				for _, r := range ls[i+1:] {
					if f := strings.Fields(strings.TrimLeft(r, "!> ")); len(f) > 0 && strings.HasSuffix(f[0], ".prod") {
						order = append(order, f[0])
					}
				}
				break
			}
		}
		return header, order
	}
	if _, got := servers(h.frame()); len(got) != 3 || got[0] != "db-3.prod" {
		t.Fatalf("PostgreSQL rows %v: the down server should lead by default", got)
	}
	checks := []struct {
		order, mark string
		want        []string
	}{
		{"name", "SERVER▲", []string{"db-1.prod", "db-2.prod", "db-3.prod"}},
		{"TPS", "TPS▼", []string{"db-1.prod", "db-2.prod", "db-3.prod"}},
		{"connections", "CONN/MAX▼", []string{"db-1.prod", "db-2.prod", "db-3.prod"}},
		{"lag", "LAG▼", []string{"db-2.prod", "db-1.prod", "db-3.prod"}},
		{"longest transaction", "LONGEST TX▼", []string{"db-1.prod", "db-2.prod", "db-3.prod"}},
		{"problems", "", []string{"db-3.prod"}},
	}
	for _, c := range checks {
		h.press("s")
		f := h.frame()
		header, got := servers(f)
		if c.mark != "" && !strings.Contains(header, c.mark) {
			t.Errorf("sort %s: header %q does not mark %s", c.order, header, c.mark)
		}
		if len(got) < len(c.want) || !slices.Equal(got[:len(c.want)], c.want) {
			t.Errorf("sort %s: rows %v, want %v first", c.order, got, c.want)
		}
		if !strings.Contains(f, "sort "+c.order) {
			t.Errorf("sort %s: the strip does not name the order:\n%s", c.order, f)
		}
		if !strings.Contains(f, "[PostgreSQL") {
			t.Errorf("sort %s: s left the PostgreSQL table", c.order)
		}
	}
}
