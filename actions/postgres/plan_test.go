package postgres

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
