package postgres

import (
	"fmt"
	"strings"
)

// Text renders the plan as plain text, for saving to a file: a header,
// the findings, then one line per node (indented by depth) with its
// figures, and a line for each of its Details. Query text is written raw;
// sanitize before showing it on a terminal.
func (p *Plan) Text() string {
	var b strings.Builder
	b.Grow(p.Nodes * 160)
	if p.Analyzed {
		fmt.Fprintf(&b, "EXPLAIN (ANALYZE, BUFFERS)   planning %s   execution %s\n", ms(p.PlanningMS), ms(p.ExecutionMS))
	} else if p.Generic {
		b.WriteString("EXPLAIN (GENERIC_PLAN)\n")
	} else {
		b.WriteString("EXPLAIN\n")
	}
	b.WriteString(p.Query + "\n")
	if len(p.Findings) > 0 {
		b.WriteString("\nFindings:\n")
		for _, f := range p.Findings {
			b.WriteString("  ! " + f.Text + "\n")
		}
	}
	b.WriteString("\nPlan:\n")
	p.Root.Walk(func(n *Node) { writeNode(&b, n, p.Analyzed) })
	return b.String()
}

func writeNode(b *strings.Builder, n *Node, analyzed bool) {
	indent := strings.Repeat("   ", n.Depth)
	b.WriteString(indent)
	if n.Depth > 0 {
		b.WriteString("-> ")
	}
	b.WriteString(n.Label())
	if !analyzed {
		fmt.Fprintf(b, "   cost %.2f..%.2f   rows %s\n", n.StartupCost, n.TotalCost, count(n.EstRows))
	} else if n.Loops == 0 {
		fmt.Fprintf(b, "   never executed   est rows %s\n", count(n.EstRows))
	} else {
		fmt.Fprintf(b, "   self %s   total %s   rows %s of est %s", ms(n.SelfMS), ms(n.TotalMS), count(n.ActualRows), count(n.EstRows))
		if n.Misestimate >= MisestimateFlag {
			fmt.Fprintf(b, " (%.0f× off)", n.Misestimate)
		}
		fmt.Fprintf(b, "   loops %s", count(n.Loops))
		if n.SharedHit+n.SharedRead+n.TempRead+n.TempWritten > 0 {
			fmt.Fprintf(b, "   buffers hit %d read %d", n.SharedHit, n.SharedRead)
			if n.TempRead+n.TempWritten > 0 {
				fmt.Fprintf(b, " temp %d/%d", n.TempRead, n.TempWritten)
			}
		}
		if n.Hot {
			b.WriteString("   HOT")
		}
		b.WriteByte('\n')
	}
	for _, d := range n.Details() {
		b.WriteString(indent + "     " + d.String() + "\n")
	}
}

// Detail is one line under a node's label: a condition as EXPLAIN names
// it, or a Gather's workers. Details is the one definition of which a node
// has and how they are labelled, for the plan view and the saved text alike.
type Detail struct {
	// Label names it in lower case, as EXPLAIN's text format does:
	// "index cond", "filter", "sort key", "workers".
	Label string
	// Expr is the SQL quoted from the plan (raw, untrusted: mask it under
	// redaction, sanitize it for a terminal); "" for figures of ours.
	Expr string
	// Note is our figures after it: "removed 99.5k", "external merge,
	// 8.9 MB disk", "2 planned, 2 launched".
	Note string
}

// String is "label: expr (note)", or "label: note" without an expression.
func (d Detail) String() string {
	switch {
	case d.Expr == "":
		return d.Label + ": " + d.Note
	case d.Note == "":
		return d.Label + ": " + d.Expr
	}
	return d.Label + ": " + d.Expr + " (" + d.Note + ")"
}

// Details lists the node's details in the order EXPLAIN prints them.
func (n *Node) Details() []Detail {
	var out []Detail
	if n.WorkersPlanned > 0 || n.WorkersLaunched > 0 {
		note := count(n.WorkersPlanned) + " planned"
		if n.Loops > 0 { // known only when it ran, under ANALYZE
			note += ", " + count(n.WorkersLaunched) + " launched"
		}
		out = append(out, Detail{Label: "workers", Note: note})
	}
	if len(n.SortKey) > 0 {
		d := Detail{Label: "sort key", Expr: strings.Join(n.SortKey, ", ")}
		if n.SortMethod != "" {
			d.Note = fmt.Sprintf("%s, %s %s", n.SortMethod, kb(n.SortSpaceKB), strings.ToLower(n.SortSpaceType))
		}
		out = append(out, d)
	}
	for _, c := range []struct{ label, expr string }{
		{"index cond", n.IndexCond}, {"hash cond", n.HashCond}, {"join filter", n.JoinFilter},
	} {
		if c.expr != "" {
			out = append(out, Detail{Label: c.label, Expr: c.expr})
		}
	}
	if n.Filter != "" {
		d := Detail{Label: "filter", Expr: n.Filter}
		if n.RemovedByFilter > 0 {
			// Per loop on the server, like rows: × loops is the total.
			d.Note = "removed " + count(n.RemovedByFilter*max(n.Loops, 1))
		}
		out = append(out, d)
	}
	return out
}
