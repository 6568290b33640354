package plan

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	pga "github.com/stacktop/stacktop/actions/postgres"
	"github.com/stacktop/stacktop/ui/internal/fixture"
	"github.com/stacktop/stacktop/ui/view"
)

func testCtx(w, h int) view.Context { return fixture.Context(w, h) }

// derive fills the figures actions/postgres derives after parsing, by its
// own rule, so a fixture reads like a parsed plan.
func derive(p *pga.Plan) { p.Derive() }

// analyzedPlan is an EXPLAIN ANALYZE of a join with a hot sequential scan
// behind a selective filter, a 100× misestimate, a sort spilling to disk
// and a branch that never ran; its query carries literals for redaction.
func analyzedPlan() *pga.Plan {
	seq := &pga.Node{Type: "Seq Scan", Relation: "orders", Schema: "public", Alias: "o", Relationship: "Outer",
		EstRows: 500, ActualRows: 480, ActualMS: 182.4, Loops: 1,
		Filter: "(status = 'shipped'::text)", RemovedByFilter: 99520, SharedHit: 120, SharedRead: 5400}
	idx := &pga.Node{Type: "Index Scan", Relation: "customers", Alias: "c", Index: "customers_pkey",
		EstRows: 12, ActualRows: 1200, ActualMS: 3.1, Loops: 1, IndexCond: "(id = 42)", SharedHit: 40}
	hash := &pga.Node{Type: "Hash", Relationship: "Inner", EstRows: 12, ActualRows: 1200, ActualMS: 3.9, Loops: 1,
		Children: []*pga.Node{idx}}
	join := &pga.Node{Type: "Hash Join", Relationship: "Outer", JoinType: "Inner", EstRows: 500, ActualRows: 470,
		ActualMS: 190.2, Loops: 1, HashCond: "(o.customer_id = c.id)", Children: []*pga.Node{seq, hash}}
	never := &pga.Node{Type: "Seq Scan", Relation: "refunds", Alias: "r", Relationship: "SubPlan", EstRows: 10}
	sort := &pga.Node{Type: "Sort", EstRows: 500, ActualRows: 470, ActualMS: 240.7, Loops: 1,
		SortKey: []string{"o.created_at DESC"}, SortMethod: "external merge", SortSpaceType: "Disk", SortSpaceKB: 9100,
		TempRead: 1100, TempWritten: 1100, Children: []*pga.Node{join, never}}
	p := &pga.Plan{Analyzed: true, Root: sort, PlanningMS: 0.42, ExecutionMS: 241.3, WorkMem: "64kB",
		Query: "SELECT o.*, c.name\nFROM orders o JOIN customers c ON c.id = o.customer_id\nWHERE o.status = 'shipped' AND c.id = 42\nORDER BY o.created_at DESC",
		JSON:  []byte(`[{"Plan": {"Node Type": "Sort"}}]`)}
	derive(p)
	p.Findings = []pga.Finding{
		{Node: seq, Kind: "seqscan", Weight: seq.SelfMS, Text: "Sequential scan of orders reads 100k rows to keep 480 (0.48%): an index on the columns in the filter (status = 'shipped'::text) could avoid reading the whole table."},
		{Node: sort, Kind: "sort-spill", Weight: sort.SelfMS, Text: "Sort spilled 8.9 MB to disk (external merge): raising work_mem (now 64kB) for this query, or sorting fewer rows, keeps it in memory."},
		{Node: idx, Kind: "misestimate", Weight: idx.TotalMS, Text: "Index Scan using customers_pkey on customers c returned 1200 rows where 12 were estimated (100× more): plans above it rest on that guess — ANALYZE the table, or extended statistics (CREATE STATISTICS) for correlated columns, may help."},
	}
	return p
}

// serverPlan reads testdata/name: EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)
// output captured from a real server, derived as the action derives it.
func serverPlan(t testing.TB, name, query string) *pga.Plan {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var rows []struct {
		Plan          *pga.Node `json:"Plan"`
		PlanningTime  float64   `json:"Planning Time"`
		ExecutionTime float64   `json:"Execution Time"`
	}
	if err := json.Unmarshal(raw, &rows); err != nil || len(rows) != 1 {
		t.Fatalf("%s: %v", name, err)
	}
	p := &pga.Plan{Analyzed: true, Root: rows[0].Plan, PlanningMS: rows[0].PlanningTime, ExecutionMS: rows[0].ExecutionTime,
		Query: query, JSON: raw}
	p.Derive()
	return p
}

// plainPlan is a plain EXPLAIN: costs and estimates only.
func plainPlan() *pga.Plan {
	leaf := &pga.Node{Type: "Index Scan", Relation: "orders", Index: "orders_pkey", StartupCost: 0.29, TotalCost: 8.31, EstRows: 1, IndexCond: "(id = $1)"}
	root := &pga.Node{Type: "Limit", StartupCost: 0.29, TotalCost: 8.31, EstRows: 1, Children: []*pga.Node{leaf}}
	p := &pga.Plan{Generic: true, Root: root, Query: "SELECT * FROM orders WHERE id = $1 LIMIT 1"}
	derive(p)
	return p
}

// bigPlan has n nodes (n = 3k+2): a Limit over an Append of k partitions,
// each joined to a lookup table by a nested loop, as a query over a
// partitioned table plans.
func bigPlan(n int) *pga.Plan {
	k := (n - 2) / 3
	app := &pga.Node{Type: "Append", EstRows: float64(k * 100), Loops: 1}
	for i := range k {
		outer := &pga.Node{Type: "Seq Scan", Relation: fmt.Sprintf("events_p%03d", i), Alias: "e", Relationship: "Outer",
			EstRows: 100, ActualRows: float64(100 * (i%20 + 1)), ActualMS: 0.8, Loops: 1,
			Filter: "(kind = 'click'::text)", RemovedByFilter: 900, SharedHit: 30, SharedRead: int64(i % 7)}
		inner := &pga.Node{Type: "Index Scan", Relation: "users", Alias: "u", Index: "users_pkey", Relationship: "Inner",
			EstRows: 1, ActualRows: 1, ActualMS: 0.002, Loops: outer.ActualRows, IndexCond: "(id = e.user_id)", SharedHit: 3}
		loop := &pga.Node{Type: "Nested Loop", Relationship: "Member", EstRows: 100, ActualRows: outer.ActualRows,
			ActualMS: 0.8 + inner.ActualMS*inner.Loops + 0.1, Loops: 1, Children: []*pga.Node{outer, inner}}
		app.Children = append(app.Children, loop)
		app.ActualMS += loop.ActualMS
		app.ActualRows += loop.ActualRows
	}
	app.ActualMS += 1
	root := &pga.Node{Type: "Limit", EstRows: 1000, ActualRows: 1000, ActualMS: app.ActualMS, Loops: 1, Children: []*pga.Node{app}}
	p := &pga.Plan{Analyzed: true, Root: root, ExecutionMS: root.ActualMS, PlanningMS: 3.2,
		Query: "SELECT e.*, u.name FROM events e JOIN users u ON u.id = e.user_id WHERE e.kind = 'click' LIMIT 1000"}
	derive(p)
	return p
}
