package postgres_test

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/stacktop/stacktop/actions"
	pga "github.com/stacktop/stacktop/actions/postgres"
)

// parallelSettings make the planner choose a parallel plan for a small
// table; they go in the DSN, so the action's own session gets them.
const parallelSettings = " max_parallel_workers_per_gather=2 parallel_setup_cost=0 parallel_tuple_cost=0 min_parallel_table_scan_size=0"

// jsonNode is a node of EXPLAIN (FORMAT JSON) read independently of Node.
type jsonNode struct {
	Type            string     `json:"Node Type"`
	ParallelAware   bool       `json:"Parallel Aware"`
	WorkersPlanned  float64    `json:"Workers Planned"`
	WorkersLaunched *float64   `json:"Workers Launched"`
	ActualMS        float64    `json:"Actual Total Time"`
	ActualRows      float64    `json:"Actual Rows"`
	Loops           float64    `json:"Actual Loops"`
	Plans           []jsonNode `json:"Plans"`
}

// TestParallelPlanTimes runs a real EXPLAIN ANALYZE of a Gather over a
// Parallel Seq Scan (two workers planned) through the action and checks
// each node against the server's JSON: the parallel node is labelled so,
// the Gather names its workers, no node looks slower than its parent or
// than the whole query (the scan's time per process, not the processes'
// sum), and no finding weighs more than the query took.
func TestParallelPlanTimes(t *testing.T) {
	f := parallelFixture(t)
	p, root, execMS := explainParallel(t, f, "SELECT * FROM big WHERE v = 5")
	if root.Type != "Gather" || len(root.Plans) != 1 || root.Plans[0].Type != "Seq Scan" || !root.Plans[0].ParallelAware {
		t.Fatalf("the server did not plan Gather → Parallel Seq Scan:\n%s", p.JSON)
	}
	checkParallelTimes(t, p, execMS)
	gather, scan := p.Root, p.Root.Children[0]
	js := root.Plans[0]
	workersLaunched := *root.WorkersLaunched

	// What the plan view and the saved text show.
	if got := scan.Label(); got != "Parallel Seq Scan on big" {
		t.Errorf("scan label %q, want Parallel Seq Scan on big", got)
	}
	workers := "workers: 2 planned, " + strconv.FormatFloat(workersLaunched, 'f', 0, 64) + " launched"
	if d := gather.Details(); len(d) == 0 || d[0].String() != workers {
		t.Errorf("Gather details %v, want %q", d, workers)
	}
	text := p.Text()
	for _, want := range []string{"-> Parallel Seq Scan on big", workers} {
		if !strings.Contains(text, want) {
			t.Errorf("saved text lacks %q:\n%s", want, text)
		}
	}

	// Under the Gather each process (workers and the leader) ran the scan
	// once: the JSON's loops are processes, not repeats.
	if js.Loops != workersLaunched+1 {
		t.Fatalf("scan loops %v with %v workers launched: the test's premise (leader + workers) does not hold", js.Loops, workersLaunched)
	}
	// Inclusive time is one process's time (capped by the Gather's), not
	// time × loops; self time never exceeds what contains it.
	if want := math.Min(js.ActualMS, gather.TotalMS); scan.TotalMS != want {
		t.Errorf("scan total %.3f ms, want %.3f (per process, JSON %v ms × %v loops is the workers' sum)", scan.TotalMS, want, js.ActualMS, js.Loops)
	}
	if gather.TotalMS != math.Min(root.ActualMS, execMS) {
		t.Errorf("Gather total %.3f ms, JSON %.3f ms, execution %.3f ms", gather.TotalMS, root.ActualMS, execMS)
	}
	// Rows are per loop too, and there rows × loops is the total: the
	// Gather returns all 300 rows with v = 5.
	if gather.ActualRows != 300 || math.Abs(scan.ActualRows*scan.Loops-300) > scan.Loops {
		t.Errorf("rows: Gather %v, scan %v × %v loops; want 300 in all", gather.ActualRows, scan.ActualRows, scan.Loops)
	}

	// The sequential scan finding is there (300k rows read to keep 300),
	// weighed by the scan's own time, never by the workers' sum; a hot
	// mark rests on that time too.
	var seq *pga.Finding
	for i, fd := range p.Findings {
		if fd.Kind == "seqscan" {
			seq = &p.Findings[i]
		}
	}
	if seq == nil || seq.Node != scan || !strings.Contains(seq.Text, "reads 300k rows to keep 300") {
		t.Errorf("no sequential scan finding on the parallel scan reading all 300k rows: %+v", p.Findings)
	}
	whole := math.Max(gather.TotalMS, execMS)
	if scan.Hot != (scan.SelfMS >= 0.1*whole) || scan.SelfMS > js.ActualMS {
		t.Errorf("scan self %.3f ms, hot %v (whole %.3f ms, one process %.3f ms)", scan.SelfMS, scan.Hot, whole, js.ActualMS)
	}
}

// TestParallelAggregateTimes: the same checks on the shape a GROUP BY
// takes in parallel — partial aggregates in each process under a Gather
// (or Gather Merge) and a final one above it.
func TestParallelAggregateTimes(t *testing.T) {
	f := parallelFixture(t)
	p, root, execMS := explainParallel(t, f, "SELECT v, count(*) FROM big GROUP BY v ORDER BY v")
	checkParallelTimes(t, p, execMS)
	var gathers, parallel int
	p.Root.Walk(func(n *pga.Node) {
		if n.Type == "Gather" || n.Type == "Gather Merge" {
			gathers++
			if d := n.Details(); len(d) == 0 || !strings.HasPrefix(d[0].String(), "workers: 2 planned, ") {
				t.Errorf("%s details %v: no workers", n.Type, d)
			}
		}
		if n.ParallelAware {
			parallel++
			if !strings.HasPrefix(n.Label(), "Parallel ") {
				t.Errorf("parallel-aware %s labelled %q", n.Type, n.Label())
			}
		}
	})
	if gathers != 1 || parallel == 0 {
		t.Fatalf("the server did not plan the aggregate in parallel (%d gathers, %d parallel nodes):\n%s", gathers, parallel, p.JSON)
	}
	// Under the Gather every process ran each node once: each one's time
	// is its per-loop figure, capped by its parent, never the sum.
	var walk func(js jsonNode, n *pga.Node, under bool, parent float64)
	walk = func(js jsonNode, n *pga.Node, under bool, parent float64) {
		if under && js.Loops > 1 {
			if want := math.Min(js.ActualMS, parent); n.TotalMS != want {
				t.Errorf("%s: total %.3f ms, want %.3f (JSON %v ms × %v loops is the processes' sum)", n.Label(), n.TotalMS, want, js.ActualMS, js.Loops)
			}
		}
		under = under || js.Type == "Gather" || js.Type == "Gather Merge"
		for i, c := range js.Plans {
			walk(c, n.Children[i], under, n.TotalMS)
		}
	}
	walk(root, p.Root, false, execMS)
}

// parallelFixture is a 300,000-row table and the Postgres actions on a
// target whose sessions plan in parallel even for it.
func parallelFixture(t *testing.T) *fixture {
	t.Helper()
	f := newFixture(t, pga.Options{}, `CREATE TABLE big (id int, v int)`,
		`INSERT INTO big SELECT g, g % 1000 FROM generate_series(1, 300000) g`, `ANALYZE big`)
	reg, err := actions.NewRegistry(pga.Kinds(pga.Options{DSNs: map[string]string{"local": f.c.SuperDSN(f.db) + parallelSettings}})...)
	if err != nil {
		t.Fatal(err)
	}
	f.reg = reg
	return f
}

// explainParallel runs EXPLAIN ANALYZE of query through the action until
// a run launches at least one worker, and returns the plan with the
// server's JSON read on its own.
func explainParallel(t *testing.T, f *fixture, query string) (*pga.Plan, jsonNode, float64) {
	t.Helper()
	// Workers are a shared resource: a busy server may launch none. Try a
	// few times for a run with at least one.
	for try := 0; ; try++ {
		p, err := explainRun(t, f, pga.ExplainAnalyzeID, actions.Params{"query": query})
		if err != nil {
			t.Fatal(err)
		}
		var rows []struct {
			Plan          jsonNode `json:"Plan"`
			ExecutionTime float64  `json:"Execution Time"`
		}
		if err := json.Unmarshal(p.JSON, &rows); err != nil || len(rows) != 1 {
			t.Fatalf("server JSON: %v\n%s", err, p.JSON)
		}
		if launched(rows[0].Plan) >= 1 {
			return p, rows[0].Plan, rows[0].ExecutionTime
		}
		if try == 4 {
			t.Fatalf("no parallel worker launched in 5 runs:\n%s", p.JSON)
		}
	}
}

// launched is the workers launched by the first Gather in js, or -1.
func launched(js jsonNode) float64 {
	if js.WorkersLaunched != nil {
		return *js.WorkersLaunched
	}
	for _, c := range js.Plans {
		if n := launched(c); n >= 0 {
			return n
		}
	}
	return -1
}

// checkParallelTimes: no node looks slower than its parent or than the
// whole query, and none has a negative time of its own.
func checkParallelTimes(t *testing.T, p *pga.Plan, execMS float64) {
	t.Helper()
	p.Root.Walk(func(n *pga.Node) {
		if n.TotalMS > execMS || n.SelfMS > execMS || n.SelfMS < 0 || n.SelfMS > n.TotalMS {
			t.Errorf("%s: total %.3f self %.3f ms against the whole query's %.3f ms", n.Label(), n.TotalMS, n.SelfMS, execMS)
		}
		for _, c := range n.Children {
			if c.TotalMS > n.TotalMS || c.SelfMS > n.TotalMS {
				t.Errorf("%s (total %.3f, self %.3f ms) looks slower than its parent %s (%.3f ms)", c.Label(), c.TotalMS, c.SelfMS, n.Label(), n.TotalMS)
			}
		}
	})
	for _, fd := range p.Findings {
		if fd.Weight > execMS {
			t.Errorf("finding %s weighs %.3f ms, more than the whole query's %.3f ms: %s", fd.Kind, fd.Weight, execMS, fd.Text)
		}
	}
}
