package host

import (
	hs "github.com/stacktop/stacktop/collectors/host"
)

// treeOrder arranges rows (already filtered and sorted) as htop's tree
// view does: each process under its parent, siblings in the rows' order
// (so the current sort applies among children), depth first. A process
// whose parent is not among rows (filtered out, or PID 1 and kthreadd,
// whose parent is 0) is a root. prefix[i] is row i's tree glyphs, drawn
// before its name: "│ " or "  " per ancestor level, then "├─" or "└─".
func treeOrder(rows []*hs.Process) (out []*hs.Process, prefix []string) {
	present := make(map[int32]bool, len(rows))
	for _, p := range rows {
		present[p.PID] = true
	}
	children := make(map[int32][]*hs.Process)
	var roots []*hs.Process
	for _, p := range rows {
		if p.PPID != p.PID && present[p.PPID] {
			children[p.PPID] = append(children[p.PPID], p)
		} else {
			roots = append(roots, p)
		}
	}
	out = make([]*hs.Process, 0, len(rows))
	prefix = make([]string, 0, len(rows))
	placed := make(map[int32]bool, len(rows))
	// An explicit stack rather than recursion: a pathological table (a
	// chain of thousands) must not grow the goroutine stack per row.
	type frame struct {
		p      *hs.Process
		indent string // the ancestors' "│ "/"  " columns
		glyph  string // "├─", "└─", or "" for a root
	}
	walk := func(roots []*hs.Process) {
		stack := make([]frame, 0, 64)
		for i := len(roots) - 1; i >= 0; i-- {
			stack = append(stack, frame{p: roots[i]})
		}
		for len(stack) > 0 {
			f := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if placed[f.p.PID] {
				continue
			}
			placed[f.p.PID] = true
			out = append(out, f.p)
			prefix = append(prefix, f.indent+f.glyph)
			kids := children[f.p.PID]
			indent := f.indent
			switch f.glyph {
			case "├─":
				indent += "│ "
			case "└─":
				indent += "  "
			}
			for i := len(kids) - 1; i >= 0; i-- {
				g := "├─"
				if i == len(kids)-1 {
					g = "└─"
				}
				stack = append(stack, frame{p: kids[i], indent: indent, glyph: g})
			}
		}
	}
	walk(roots)
	// Rows caught in a parent loop (a snapshot that raced pid reuse) have
	// no root; they are shown flat at the end rather than lost.
	if len(out) < len(rows) {
		var rest []*hs.Process
		for _, p := range rows {
			if !placed[p.PID] {
				rest = append(rest, p)
			}
		}
		for _, p := range rest {
			if !placed[p.PID] {
				walk([]*hs.Process{p})
			}
		}
	}
	return out, prefix
}
