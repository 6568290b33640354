package postgres

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
)

// Plan is one EXPLAIN result: the node tree with derived figures and the
// findings, plus the server's JSON as it came, for saving.
type Plan struct {
	// Query is the explained statement (raw, untrusted text).
	Query string
	// Analyzed is true for EXPLAIN (ANALYZE, BUFFERS): the Actual and
	// buffer figures are filled in.
	Analyzed bool
	// Generic is true when the plan is PostgreSQL 16's GENERIC_PLAN for a
	// statement with $n parameters.
	Generic bool
	Root    *Node
	// Nodes counts the nodes in the tree.
	Nodes int
	// PlanningMS and ExecutionMS are the server's figures (ANALYZE only).
	PlanningMS, ExecutionMS float64
	// WorkMem is the session's work_mem, quoted by the spill findings.
	WorkMem string
	// Findings are the problems found, worst first.
	Findings []Finding
	// JSON is the server's EXPLAIN (FORMAT JSON) output, unchanged.
	JSON json.RawMessage
}

// Node is one plan node. Actual* and buffer fields are zero without ANALYZE.
type Node struct {
	// Type is the node type ("Seq Scan", "Hash Join").
	Type string `json:"Node Type"`
	// Relationship is how it feeds its parent ("Outer", "Inner", "InitPlan").
	Relationship string `json:"Parent Relationship"`
	JoinType     string `json:"Join Type"`
	Strategy     string `json:"Strategy"`
	// PartialMode is an aggregate's part in a parallel plan: "Partial"
	// (in each process), "Finalize" (above the Gather) or "Simple".
	PartialMode string `json:"Partial Mode"`
	Relation    string `json:"Relation Name"`
	Schema      string `json:"Schema"`
	Alias       string `json:"Alias"`
	Index       string `json:"Index Name"`
	// ParallelAware is true for a node that shares its work with the other
	// processes of a parallel query ("Parallel Seq Scan").
	ParallelAware bool `json:"Parallel Aware"`

	StartupCost float64 `json:"Startup Cost"`
	TotalCost   float64 `json:"Total Cost"`
	// EstRows is the planner's rows per loop.
	EstRows float64 `json:"Plan Rows"`

	// ActualRows and ActualMS are per loop (averaged), as the server gives
	// them. Under a Gather, Loops counts the loops of every process that
	// ran the node (workers and leader), so rows × loops is the total, but
	// time × loops is the processes' time added up, not time that passed.
	ActualRows float64 `json:"Actual Rows"`
	ActualMS   float64 `json:"Actual Total Time"`
	Loops      float64 `json:"Actual Loops"`

	Filter          string   `json:"Filter"`
	RemovedByFilter float64  `json:"Rows Removed by Filter"`
	IndexCond       string   `json:"Index Cond"`
	JoinFilter      string   `json:"Join Filter"`
	HashCond        string   `json:"Hash Cond"`
	SortKey         []string `json:"Sort Key"`
	SortMethod      string   `json:"Sort Method"`
	SortSpaceKB     float64  `json:"Sort Space Used"`
	SortSpaceType   string   `json:"Sort Space Type"`
	HashBatches     float64  `json:"Hash Batches"`
	OrigHashBatches float64  `json:"Original Hash Batches"`
	PeakMemoryKB    float64  `json:"Peak Memory Usage"`
	HashAggBatches  float64  `json:"HashAgg Batches"`
	DiskUsageKB     float64  `json:"Disk Usage"`
	// WorkersPlanned and WorkersLaunched are a Gather's (or Gather
	// Merge's) parallel workers; launched is known with ANALYZE only.
	WorkersPlanned  float64 `json:"Workers Planned"`
	WorkersLaunched float64 `json:"Workers Launched"`
	SharedHit       int64   `json:"Shared Hit Blocks"`
	SharedRead      int64   `json:"Shared Read Blocks"`
	SharedDirtied   int64   `json:"Shared Dirtied Blocks"`
	SharedWritten   int64   `json:"Shared Written Blocks"`
	TempRead        int64   `json:"Temp Read Blocks"`
	TempWritten     int64   `json:"Temp Written Blocks"`
	Children        []*Node `json:"Plans"`

	// Derived, after parsing (ANALYZE only):

	// TotalMS is the time that passed in this node and below over all
	// loops. Under a Gather the processes run side by side, so it is the
	// time of one process, not their sum (see derive). It is never more
	// than the parent's TotalMS, nor than the whole execution.
	TotalMS float64 `json:"-"`
	// SelfMS is TotalMS minus the children's: the time this node itself
	// took; never negative.
	SelfMS float64 `json:"-"`
	// Misestimate is how far the estimate was off, as a factor ≥ 1 (10 =
	// ten times too many or too few rows); 0 when not analyzed or never run.
	Misestimate float64 `json:"-"`
	// Hot marks a node taking a large share of the execution time itself.
	Hot bool `json:"-"`
	// Depth is the node's depth in the tree, the root being 0.
	Depth int `json:"-"`
}

// MisestimateFlag is the factor from which an estimate counts as badly off.
const MisestimateFlag = 10

// hotShare is the share of the whole run's time a node must take itself to
// be hot.
const hotShare = 0.10

// Label is the node as EXPLAIN's text format heads it: "Seq Scan on
// orders o", "Index Scan using orders_pkey on orders", "Hash Join".
func (n *Node) Label() string {
	var b strings.Builder
	if n.ParallelAware {
		b.WriteString("Parallel ")
	}
	if n.PartialMode != "" && n.PartialMode != "Simple" {
		b.WriteString(n.PartialMode + " ")
	}
	if name, ok := aggregateNames[n.Strategy]; ok && n.Type == "Aggregate" {
		b.WriteString(name)
	} else {
		b.WriteString(n.Type)
	}
	if n.JoinType != "" && n.JoinType != "Inner" {
		fmt.Fprintf(&b, " (%s)", n.JoinType)
	}
	if n.Index != "" {
		fmt.Fprintf(&b, " using %s", n.Index)
	}
	if n.Relation != "" {
		b.WriteString(" on ")
		if n.Schema != "" {
			b.WriteString(n.Schema + ".")
		}
		b.WriteString(n.Relation)
		if n.Alias != "" && n.Alias != n.Relation {
			b.WriteString(" " + n.Alias)
		}
	}
	return b.String()
}

// aggregateNames are the text format's names for Aggregate strategies.
var aggregateNames = map[string]string{
	"Hashed": "HashAggregate", "Sorted": "GroupAggregate", "Mixed": "MixedAggregate",
}

// Walk calls f on n and every node below it, parents first.
func (n *Node) Walk(f func(*Node)) {
	f(n)
	for _, c := range n.Children {
		c.Walk(f)
	}
}

// explainRow is one element of EXPLAIN (FORMAT JSON)'s top-level array.
type explainRow struct {
	Plan          *Node   `json:"Plan"`
	PlanningTime  float64 `json:"Planning Time"`
	ExecutionTime float64 `json:"Execution Time"`
}

// parsePlan reads EXPLAIN (FORMAT JSON) output and derives the figures.
func parsePlan(raw []byte, analyzed bool) (*Plan, error) {
	var rows []explainRow
	if err := json.Unmarshal(raw, &rows); err != nil {
		return nil, fmt.Errorf("read the plan: %w", err)
	}
	if len(rows) != 1 || rows[0].Plan == nil {
		return nil, fmt.Errorf("read the plan: want one plan, got %d", len(rows))
	}
	p := &Plan{Analyzed: analyzed, Root: rows[0].Plan, JSON: raw,
		PlanningMS: rows[0].PlanningTime, ExecutionMS: rows[0].ExecutionTime}
	p.Derive()
	return p, nil
}

// Derive fills the figures derived from the server's (Nodes, and each
// node's Depth, TotalMS, SelfMS, Misestimate and Hot). Parsing calls it; a
// plan built by hand (a test's fixture) calls it to read like a parsed one.
func (p *Plan) Derive() {
	p.Nodes = 0
	// The root can take no longer than the whole execution, when known.
	ceiling := math.Inf(1)
	if p.Analyzed && p.ExecutionMS > 0 {
		ceiling = p.ExecutionMS
	}
	derive(p.Root, 0, 1, ceiling, &p.Nodes)
	if p.Analyzed {
		whole := max(p.Root.TotalMS, p.ExecutionMS)
		p.Root.Walk(func(n *Node) { n.Hot = whole > 0 && n.SelfMS >= hotShare*whole })
	}
}

// derive fills TotalMS, SelfMS, Misestimate and Depth below n. procs is
// how many processes run n side by side: 1, or under a Gather its
// workers and the leader. ceiling is the parent's TotalMS.
//
// PostgreSQL reports a node's time per loop, averaged over every loop of
// every process that ran it; under a Gather, Loops counts all of those
// loops (a Parallel Seq Scan with two workers has 3 loops, one per
// process, running at the same time). Time × loops would add up the
// processes' time — a scan taking 400 ms in each of three processes
// would show 1.2 s under a Gather that took 420 ms. Dividing the loops
// among the processes gives the time that passed, much as PEV2 and
// explain.depesz.com treat parallel nodes: time × loops ÷ processes, at
// least one loop's time.
func derive(n *Node, depth int, procs, ceiling float64, count *int) {
	*count++
	n.Depth = depth
	loops := n.Loops
	if procs > 1 && loops > 0 {
		loops = max(loops/procs, 1)
	}
	// A child can never look slower than its parent: the server's clocks
	// per process and per loop can disagree a little (workers start
	// before the Gather counts, rounding of the averages), and a child
	// shown slower than what contains it would only mislead.
	n.TotalMS = min(n.ActualMS*loops, ceiling)
	childProcs := procs
	if (n.Type == "Gather" || n.Type == "Gather Merge") && n.Loops > 0 {
		// Workers Launched is summed over the Gather's own loops; the
		// leader runs the plan too (parallel_leader_participation).
		childProcs = n.WorkersLaunched/n.Loops + 1
	}
	children := 0.0
	for _, c := range n.Children {
		derive(c, depth+1, childProcs, n.TotalMS, count)
		// An InitPlan runs once on its own, not inside this node's time
		// in every case; count only children feeding rows.
		if c.Relationship != "InitPlan" {
			children += c.TotalMS
		}
	}
	n.SelfMS = max(n.TotalMS-children, 0)
	if n.Loops > 0 {
		est, act := max(n.EstRows, 1), max(n.ActualRows, 1)
		n.Misestimate = max(est/act, act/est)
	}
}
