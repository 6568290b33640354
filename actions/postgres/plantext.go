package postgres

import (
	"fmt"
	"strings"
)

// Text renders the plan as plain text, for saving to a file: a header,
// the findings, then one line per node (indented by depth) with its
// figures and a second line with its condition, when it has one. Query
// text is written raw; sanitize before showing it on a terminal.
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
	if c := n.condition(); c != "" {
		b.WriteString(indent + "     " + c + "\n")
	}
}

// condition is the node's most telling condition, as EXPLAIN names it.
func (n *Node) condition() string {
	switch {
	case n.IndexCond != "":
		return "index cond: " + n.IndexCond
	case n.HashCond != "":
		return "hash cond: " + n.HashCond
	case n.Filter != "" && n.RemovedByFilter > 0:
		return fmt.Sprintf("filter: %s (removed %s)", n.Filter, count(n.RemovedByFilter*max(n.Loops, 1)))
	case n.Filter != "":
		return "filter: " + n.Filter
	case n.JoinFilter != "":
		return "join filter: " + n.JoinFilter
	case len(n.SortKey) > 0:
		s := "sort key: " + strings.Join(n.SortKey, ", ")
		if n.SortMethod != "" {
			s += fmt.Sprintf(" (%s, %s %s)", n.SortMethod, kb(n.SortSpaceKB), strings.ToLower(n.SortSpaceType))
		}
		return s
	}
	return ""
}
