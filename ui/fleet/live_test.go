package fleet

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stacktop/stacktop/collectors"
	fs "github.com/stacktop/stacktop/collectors/fleet"
	"github.com/stacktop/stacktop/collectors/fleet/promtest"
	"github.com/stacktop/stacktop/ui/view"
)

// liveFleet is the package's one real Prometheus, scraping every second
// two real node_exporters relabelled as hosts "alpha" and "beta" (beta is
// stopped by a test). It starts on first use and stops in TestMain.
type liveFleet struct {
	once        sync.Once
	dir         string
	prom        *promtest.Prometheus
	alpha, beta *promtest.Process
	err         error
}

var live = &liveFleet{}

func TestMain(m *testing.M) {
	code := m.Run()
	live.stop()
	os.Exit(code)
}

func (l *liveFleet) start() error {
	if err := promtest.Available(); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "stacktop-uifleet-")
	if err != nil {
		return err
	}
	l.dir = dir
	if l.alpha, err = promtest.NodeExporter(dir); err != nil {
		return err
	}
	if l.beta, err = promtest.NodeExporter(dir); err != nil {
		return err
	}
	for _, p := range []*promtest.Process{l.alpha, l.beta} {
		if err := p.Start("/metrics"); err != nil {
			return err
		}
	}
	l.prom, err = promtest.StartPrometheus(dir, promtest.PromConfig{
		ScrapeInterval: time.Second,
		Jobs: []promtest.Job{{Name: "node", Targets: []string{l.alpha.Addr, l.beta.Addr},
			Instances: []string{"alpha:9100", "beta:9100"}, Labels: map[string]string{"env": "test"}}},
	})
	return err
}

func (l *liveFleet) stop() {
	if l.prom != nil {
		l.prom.Destroy()
	}
	for _, p := range []*promtest.Process{l.alpha, l.beta} {
		if p != nil {
			_ = p.Stop()
		}
	}
	if l.dir != "" {
		_ = os.RemoveAll(l.dir)
	}
}

// needLive starts the fleet once; it skips loudly without the binaries
// (and fails when the CI requires them).
func needLive(t *testing.T) *liveFleet {
	t.Helper()
	live.once.Do(func() { live.err = live.start() })
	if errors.Is(live.err, promtest.ErrNoBinaries) {
		if os.Getenv(promtest.RequireEnv) == "1" {
			t.Fatalf("%s=1 but %v", promtest.RequireEnv, live.err)
		}
		t.Skipf("SKIP: no test Prometheus: %v", live.err)
	}
	if live.err != nil {
		t.Fatalf("test fleet: %v", live.err)
	}
	return live
}

// memUsedPercent is this machine's (total − available) / total from /proc.
func memUsedPercent(t *testing.T) float64 {
	t.Helper()
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	kv := map[string]float64{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), ":")
		kv[k], _ = strconv.ParseFloat(strings.Fields(v)[0], 64)
	}
	return 100 * (1 - kv["MemAvailable"]/kv["MemTotal"])
}

// rowOf is the drawn row of host name, "" when not on screen.
func rowOf(frame, name string) string {
	for _, r := range rows(frame) {
		f := strings.Fields(strings.TrimLeft(r, ">! "))
		if len(f) > 0 && f[0] == name {
			return r
		}
	}
	return ""
}

// TestLiveFleet feeds the tab from a real Prometheus: alpha shows up with
// CPU and memory figures (memory within 5 points of /proc/meminfo, the
// same machine) and its CPU sparkline, its detail lists cores and
// filesystems; stopping beta's node_exporter shows beta down, first,
// with Prometheus' scrape error.
func TestLiveFleet(t *testing.T) {
	l := needLive(t)
	c, err := fs.New(fs.Options{Name: "it", Client: fs.ClientOptions{URL: l.prom.URL(), Timeout: 10 * time.Second}, Interval: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(140, 30)
	h := &harness{t: t, ctx: ctx}
	h.tab = New(ctx.Styles, Options{Sources: map[string]Source{"it": c}, Thresholds: ctx.Thresholds, Context: context.Background()})
	h.send(view.SizeMsg{Width: 140, Height: 30})
	h.send(view.FocusMsg{Focused: true})
	id := collectors.SourceID{Kind: collectors.KindPrometheus, Name: "it"}
	poll := func() {
		pctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		s, err := c.Collect(pctx)
		now := time.Now()
		u := collectors.Update{Source: id, Snapshot: s, Err: err, PolledAt: now, Interval: time.Second}
		if err == nil {
			u.LastGood = now
		}
		h.ctx.Now = now
		h.send(u)
	}
	// waitRow polls until host name's row satisfies ok (60 s bound: a
	// liveness limit on a loaded machine, not a timing assertion).
	waitRow := func(name, what string, ok func(row string) bool) string {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for {
			poll()
			f := h.frame()
			if r := rowOf(f, name); r != "" && ok(r) {
				return r
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within 60s; last frame:\n%s", what, f)
			}
			time.Sleep(500 * time.Millisecond)
		}
	}
	row := waitRow("alpha", "alpha up with CPU and memory", func(r string) bool {
		f := strings.Fields(strings.TrimLeft(r, ">! "))
		// Its sparkline (a real query_range) draws too.
		return len(f) > 4 && f[1] == "up" && strings.HasSuffix(f[2], "%") && !strings.Contains(r, "n/a") &&
			strings.ContainsAny(r, "▁▂▃▄▅▆▇█")
	})
	if cpu := cellOf(t, h.frame(), "alpha", "CPU%"); cpu < 0 || cpu > 100 {
		t.Errorf("alpha's CPU%% %v is not a share: %q", cpu, row)
	}
	mem := cellOf(t, h.frame(), "alpha", "MEM%")
	if want := memUsedPercent(t); mem < want-5 || mem > want+5 {
		t.Errorf("alpha's memory %.1f%%, /proc/meminfo says %.1f%%", mem, want)
	}
	t.Logf("alpha: %s", row)

	// The detail, from the real server.
	h.tab.selectHost("alpha:9100")
	h.press("enter")
	f := h.frame()
	if !strings.Contains(f, "CPU per core") || !strings.Contains(f, "Filesystems") || strings.Contains(f, "loading") {
		t.Errorf("alpha's detail:\n%s", f)
	}
	h.press("esc")

	// Stop beta's node_exporter: down, with the scrape error.
	if err := l.beta.Stop(); err != nil {
		t.Fatal(err)
	}
	row = waitRow("beta", "beta down", func(r string) bool { return strings.Contains(r, " down ") })
	// Refused, or reset when the exporter died mid-scrape: either way
	// Prometheus' own error, as /api/v1/targets gives it.
	if !strings.Contains(row, `Get "http://`) || !strings.Contains(row, "/metrics") {
		t.Errorf("beta's row does not carry the scrape error: %q", row)
	}
	if r := rows(h.frame())[0]; !strings.Contains(r, "beta") {
		t.Errorf("the down host is not first: %q", r)
	}
	t.Logf("beta: %s", row)
}

// cellOf reads the figure in column col of host name's row, by the
// header's position (cells are one rune each).
func cellOf(t *testing.T, frame, name, col string) float64 {
	t.Helper()
	var hdr string
	for _, l := range strings.Split(frame, "\n") {
		if strings.Contains(l, "NAME") && strings.Contains(l, col) {
			hdr = l
		}
	}
	at := len([]rune(hdr[:strings.Index(hdr, col)+len(col)]))
	r := []rune(rowOf(frame, name))
	if len(r) < at {
		t.Fatalf("no row for %s:\n%s", name, frame)
	}
	f := strings.Fields(string(r[:at]))
	v, err := strconv.ParseFloat(strings.Trim(f[len(f)-1], "!%"), 64)
	if err != nil {
		t.Fatalf("%s's %s is not a figure: %v (%s)", name, col, err, fmt.Sprint(f))
	}
	return v
}
