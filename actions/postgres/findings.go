package postgres

import (
	"fmt"
	"sort"
)

// Finding is one problem in a plan, in plain language.
type Finding struct {
	// Node is the node concerned.
	Node *Node
	// Kind names the rule ("seqscan", "sort-spill", "hash-spill",
	// "nested-loop", "misestimate"), for tests and styling.
	Kind string
	// Text says what happens and what to try, in one or two sentences.
	Text string
	// Weight orders findings, worst first: the time at stake, in ms, or
	// for plans without timing a rule-specific size.
	Weight float64
}

// Thresholds of the rules; a finding must be worth a person's attention.
const (
	// seqScanMinRows: a sequential scan reading fewer rows is cheap anyway.
	seqScanMinRows = 10_000
	// seqScanMaxKept: the filter keeps at most this share of the rows read.
	seqScanMaxKept = 0.05
	// nestedLoopMinLoops: inner sides run this often are worth a look.
	nestedLoopMinLoops = 1_000
	// misestimateMinRows: below this many rows either way, a large factor
	// is noise (1 estimated, 20 found).
	misestimateMinRows = 100
	// maxMisestimates caps misestimate findings; the tree flags all of them.
	maxMisestimates = 3
)

// findings applies every rule to an analyzed plan.
func findings(p *Plan) []Finding {
	if !p.Analyzed {
		return nil
	}
	var out, mis []Finding
	p.Root.Walk(func(n *Node) {
		out = append(out, seqScanFinding(n)...)
		out = append(out, spillFindings(n, p.WorkMem)...)
		out = append(out, nestedLoopFinding(n)...)
		mis = append(mis, misestimateFinding(n)...)
	})
	sort.SliceStable(mis, func(i, j int) bool { return mis[i].Weight > mis[j].Weight })
	out = append(out, mis[:min(len(mis), maxMisestimates)]...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Weight > out[j].Weight })
	return out
}

func seqScanFinding(n *Node) []Finding {
	if n.Type != "Seq Scan" || n.Filter == "" {
		return nil
	}
	read := (n.ActualRows + n.RemovedByFilter) * n.Loops
	kept := n.ActualRows * n.Loops
	if read < seqScanMinRows || kept > seqScanMaxKept*read {
		return nil
	}
	return []Finding{{Node: n, Kind: "seqscan", Weight: n.SelfMS, Text: fmt.Sprintf(
		"Sequential scan of %s reads %s rows to keep %s (%.2g%%): an index on the columns in the filter %s could avoid reading the whole table.",
		n.Relation, count(read), count(kept), 100*kept/read, n.Filter)}}
}

func spillFindings(n *Node, workMem string) []Finding {
	mem := ""
	if workMem != "" {
		mem = " (now " + workMem + ")"
	}
	var out []Finding
	if n.SortSpaceType == "Disk" {
		out = append(out, Finding{Node: n, Kind: "sort-spill", Weight: n.SelfMS, Text: fmt.Sprintf(
			"Sort spilled %s to disk (%s): raising work_mem%s for this query, or sorting fewer rows, keeps it in memory.",
			kb(n.SortSpaceKB), n.SortMethod, mem)})
	}
	if n.HashBatches > 1 && n.Type == "Hash" {
		out = append(out, Finding{Node: n, Kind: "hash-spill", Weight: n.SelfMS, Text: fmt.Sprintf(
			"Hash table spilled to disk in %.0f batches (planned %.0f): raising work_mem%s keeps it in memory.",
			n.HashBatches, n.OrigHashBatches, mem)})
	}
	if n.HashAggBatches > 1 || n.DiskUsageKB > 0 {
		out = append(out, Finding{Node: n, Kind: "hash-spill", Weight: n.SelfMS, Text: fmt.Sprintf(
			"Hash aggregate spilled %s to disk: raising work_mem%s keeps it in memory.", kb(n.DiskUsageKB), mem)})
	}
	return out
}

func nestedLoopFinding(n *Node) []Finding {
	if n.Type != "Nested Loop" || len(n.Children) < 2 {
		return nil
	}
	// Many loops are fine when they are cheap; only a loop that takes a
	// large share of the time is worth a finding.
	inner := n.Children[1]
	if inner.Loops < nestedLoopMinLoops || !(n.Hot || inner.Hot) {
		return nil
	}
	return []Finding{{Node: n, Kind: "nested-loop", Weight: n.SelfMS + inner.TotalMS, Text: fmt.Sprintf(
		"Nested loop runs its inner side (%s) %s times, for %s: a hash or merge join may be cheaper — check the row estimates of the outer side.",
		inner.Label(), count(inner.Loops), ms(inner.TotalMS))}}
}

func misestimateFinding(n *Node) []Finding {
	if n.Misestimate < MisestimateFlag || max(n.EstRows, n.ActualRows) < misestimateMinRows {
		return nil
	}
	dir := "more"
	if n.EstRows > n.ActualRows {
		dir = "fewer"
	}
	return []Finding{{Node: n, Kind: "misestimate", Weight: n.TotalMS + n.Misestimate/1000, Text: fmt.Sprintf(
		"%s returned %s rows where %s were estimated (%.0f× %s): plans above it rest on that guess — ANALYZE the table, or extended statistics (CREATE STATISTICS) for correlated columns, may help.",
		n.Label(), count(n.ActualRows), count(n.EstRows), n.Misestimate, dir)}}
}

// count writes a row count briefly: 950, 12k, 3.4M.
func count(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.1fM", v/1e6)
	case v >= 1e4:
		return fmt.Sprintf("%.0fk", v/1e3)
	}
	return fmt.Sprintf("%.0f", v)
}

func kb(v float64) string {
	if v >= 1024 {
		return fmt.Sprintf("%.1f MB", v/1024)
	}
	return fmt.Sprintf("%.0f kB", v)
}

func ms(v float64) string {
	if v >= 1000 {
		return fmt.Sprintf("%.2f s", v/1000)
	}
	return fmt.Sprintf("%.1f ms", v)
}
