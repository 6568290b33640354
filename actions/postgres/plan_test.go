package postgres

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stacktop/stacktop/actions"
	"github.com/stacktop/stacktop/actions/actionstest"
	"github.com/stacktop/stacktop/collectors"
)

// planJSON wraps a root node as EXPLAIN (FORMAT JSON) prints it.
func planJSON(t testing.TB, root *Node, execMS float64) []byte {
	t.Helper()
	b, err := json.Marshal([]map[string]any{{"Plan": root, "Planning Time": 0.1, "Execution Time": execMS}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDerivedFigures(t *testing.T) {
	inner := &Node{Type: "Index Scan", Relation: "b", Index: "b_pkey", Relationship: "Inner",
		EstRows: 1, ActualRows: 1, ActualMS: 0.01, Loops: 5000}
	outer := &Node{Type: "Seq Scan", Relation: "a", Relationship: "Outer", EstRows: 50, ActualRows: 5000, ActualMS: 2, Loops: 1}
	root := &Node{Type: "Nested Loop", EstRows: 50, ActualRows: 5000, ActualMS: 60, Loops: 1, Children: []*Node{outer, inner}}
	p, err := parsePlan(planJSON(t, root, 61), true)
	if err != nil {
		t.Fatal(err)
	}
	r := p.Root
	if p.Nodes != 3 || r.Children[1].Depth != 1 {
		t.Errorf("nodes %d, depth %d", p.Nodes, r.Children[1].Depth)
	}
	// inner: 0.01 ms × 5000 loops = 50 ms; root self = 60 - 2 - 50 = 8 ms.
	if in := r.Children[1]; in.TotalMS != 50 || in.SelfMS != 50 || !in.Hot {
		t.Errorf("inner total %v self %v hot %v", in.TotalMS, in.SelfMS, in.Hot)
	}
	if r.SelfMS != 8 || !r.Hot || r.Children[0].Hot {
		t.Errorf("root self %v hot %v; outer hot %v", r.SelfMS, r.Hot, r.Children[0].Hot)
	}
	if m := r.Children[0].Misestimate; m != 100 {
		t.Errorf("outer misestimate %v, want 100", m)
	}
	p.Findings = findings(p)
	var kinds []string
	for _, f := range p.Findings {
		kinds = append(kinds, f.Kind)
	}
	if strings.Join(kinds, ",") != "misestimate,nested-loop,misestimate" {
		t.Errorf("findings %v", kinds)
	}
}

func TestLabel(t *testing.T) {
	for want, n := range map[string]Node{
		"Seq Scan on orders o":                     {Type: "Seq Scan", Relation: "orders", Alias: "o"},
		"Index Scan using orders_pkey on s.orders": {Type: "Index Scan", Index: "orders_pkey", Relation: "orders", Schema: "s", Alias: "orders"},
		"HashAggregate":                            {Type: "Aggregate", Strategy: "Hashed"},
		"GroupAggregate":                           {Type: "Aggregate", Strategy: "Sorted"},
		"Aggregate":                                {Type: "Aggregate", Strategy: "Plain"},
		"Hash Join (Left)":                         {Type: "Hash Join", JoinType: "Left"},
		"Parallel Seq Scan on big":                 {Type: "Seq Scan", Relation: "big", ParallelAware: true},
		"Partial HashAggregate":                    {Type: "Aggregate", Strategy: "Hashed", PartialMode: "Partial"},
		"Finalize GroupAggregate":                  {Type: "Aggregate", Strategy: "Sorted", PartialMode: "Finalize"},
	} {
		if got := n.Label(); got != want {
			t.Errorf("Label = %q, want %q", got, want)
		}
	}
}

func TestBadPlanJSON(t *testing.T) {
	for _, raw := range []string{"", "{}", "[]", `[{"Plan": null}]`, `[{"Plan":{}},{"Plan":{}}]`} {
		if _, err := parsePlan([]byte(raw), true); err == nil {
			t.Errorf("parsePlan(%q) accepted", raw)
		}
	}
}

// bigPlan is an Append of n-1 filtered sequential scans, one per partition.
func bigPlan(n int) *Node {
	root := &Node{Type: "Append", EstRows: float64(n), ActualRows: float64(n), ActualMS: float64(n), Loops: 1}
	for i := 1; i < n; i++ {
		root.Children = append(root.Children, &Node{Type: "Seq Scan", Relation: fmt.Sprintf("part_%d", i),
			Relationship: "Member", Filter: "(v = 5)", RemovedByFilter: 20000, EstRows: 1, ActualRows: 1,
			ActualMS: 0.9, Loops: 1, SharedHit: 100, SharedRead: 20})
	}
	return root
}

// BenchmarkPlan500 parses, analyses and renders a 500-node plan: what the
// plan view pays once per EXPLAIN (target: well under 5 ms).
func BenchmarkPlan500(b *testing.B) {
	raw := planJSON(b, bigPlan(500), 500)
	b.ReportAllocs()
	for b.Loop() {
		p, err := parsePlan(raw, true)
		if err != nil {
			b.Fatal(err)
		}
		p.Findings = findings(p)
		_ = p.Text()
	}
}

// BenchmarkPlanText500 renders an already parsed 500-node plan as text.
func BenchmarkPlanText500(b *testing.B) {
	p, err := parsePlan(planJSON(b, bigPlan(500), 500), true)
	if err != nil {
		b.Fatal(err)
	}
	p.Findings = findings(p)
	b.ReportAllocs()
	for b.Loop() {
		_ = p.Text()
	}
}

func TestSavePlan(t *testing.T) {
	p, err := parsePlan(planJSON(t, bigPlan(3), 3), true)
	if err != nil {
		t.Fatal(err)
	}
	p.Query = "SELECT * FROM parts WHERE v = 5"
	dir := filepath.Join(t.TempDir(), "plans")
	txt, js, err := p.Save(dir, "local-20260301")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(txt)
	if !strings.Contains(string(b), "SELECT * FROM parts WHERE v = 5") || !strings.Contains(string(b), "-> Seq Scan on part_2") {
		t.Errorf("text file:\n%s", b)
	}
	var back []map[string]any
	if b, _ := os.ReadFile(js); json.Unmarshal(b, &back) != nil || len(back) != 1 {
		t.Errorf("json file does not hold the plan: %s", b)
	}
	if fi, _ := os.Stat(js); fi.Mode().Perm() != 0o600 {
		t.Errorf("json file mode %v", fi.Mode().Perm())
	}
	if _, _, err := p.Save(dir, "local-20260301"); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("second save over the same name: %v", err)
	}
}

// TestParallelDerive: under a Gather a node's loops are divided among the
// processes that ran it (workers launched and the leader); with no worker
// launched the leader ran everything; a repeated inner side keeps its
// repeats per process; and a child is never shown slower than its parent,
// nor the root than the execution.
func TestParallelDerive(t *testing.T) {
	for _, c := range []struct {
		name                   string
		launched, loops, perMS float64
		gatherMS, execMS, want float64
	}{
		{"two workers and the leader", 2, 3, 120, 140, 141, 120},
		{"leader not participating", 2, 2, 120, 140, 141, 120},
		{"no worker launched", 0, 1, 120, 140, 141, 120},
		{"repeated per process", 2, 3000, 0.01, 140, 141, 10},
		{"child clamped to its parent", 2, 3, 150, 140, 141, 140},
		{"root clamped to the execution", 2, 3, 120, 140, 130, 120},
	} {
		t.Run(c.name, func(t *testing.T) {
			scan := &Node{Type: "Seq Scan", ParallelAware: true, ActualMS: c.perMS, Loops: c.loops}
			gather := &Node{Type: "Gather", WorkersPlanned: 2, WorkersLaunched: c.launched, ActualMS: c.gatherMS, Loops: 1,
				Children: []*Node{scan}}
			p, err := parsePlan(planJSON(t, gather, c.execMS), true)
			if err != nil {
				t.Fatal(err)
			}
			g, s := p.Root, p.Root.Children[0]
			if math.Abs(s.TotalMS-c.want) > 1e-9 || s.TotalMS > g.TotalMS || g.TotalMS > c.execMS || s.SelfMS > g.TotalMS {
				t.Errorf("scan total %v self %v, Gather %v, execution %v; want scan total %v", s.TotalMS, s.SelfMS, g.TotalMS, c.execMS, c.want)
			}
			if math.Abs(g.SelfMS-(g.TotalMS-s.TotalMS)) > 1e-9 || g.SelfMS < 0 {
				t.Errorf("Gather self %v, want %v", g.SelfMS, g.TotalMS-s.TotalMS)
			}
		})
	}
}

// TestSavePlanAction: the plan view's save is an action: Read, so the
// Runner runs it under read-only and audits it; it rebuilds the very plan
// shown (the saved text equals the plan's own, findings included) from
// the server's JSON, and refuses a name that is not a plain file name.
func TestSavePlanAction(t *testing.T) {
	p, err := parsePlan(planJSON(t, bigPlan(3), 3), true)
	if err != nil {
		t.Fatal(err)
	}
	p.Query, p.WorkMem = "SELECT * FROM parts WHERE v = 5", "4MB"
	p.Findings = findings(p)
	dir := filepath.Join(t.TempDir(), "plans")
	reg, err := actions.NewRegistry(Kinds(Options{PlanDir: dir})...)
	if err != nil {
		t.Fatal(err)
	}
	target := actions.Target{Kind: collectors.KindPostgres, Source: "main"}
	a, err := reg.New(SavePlanID, target, SavePlanParams(p, "main-plan"))
	if err != nil {
		t.Fatal(err)
	}
	runner, audit := actionstest.NewRunner(t, actions.RunnerOptions{ReadOnly: true})
	res, err := runner.Run(t.Context(), a, actions.Confirmation{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := res.Output.(SavedPlan)
	if out.Text != filepath.Join(dir, "main-plan.txt") || out.JSON != filepath.Join(dir, "main-plan.json") {
		t.Errorf("output %+v", out)
	}
	if b, err := os.ReadFile(out.Text); err != nil || string(b) != p.Text() {
		t.Errorf("saved text differs from the plan shown (%v):\n%s\nwant:\n%s", err, b, p.Text())
	}
	if recs := actionstest.ReadAudit(t, audit); len(recs) != 1 || recs[0].Action != SavePlanID || recs[0].Outcome != actions.OutcomeOK {
		t.Errorf("audit %+v, want one ok %s", recs, SavePlanID)
	}
	for _, name := range []string{"../escape", ".hidden", "a/b"} {
		if _, err := reg.New(SavePlanID, target, SavePlanParams(p, name)); err == nil {
			t.Errorf("name %q accepted", name)
		}
	}
	none, _ := actions.NewRegistry(Kinds(Options{})...)
	if _, err := none.New(SavePlanID, target, SavePlanParams(p, "x")); err == nil || !strings.Contains(err.Error(), "state_dir") {
		t.Errorf("save without a plan directory: %v", err)
	}
}
