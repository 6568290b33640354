package postgres

import (
	"slices"
	"sort"
)

// buildLockTree turns each waiter's blocking pids into a forest rooted at
// the sessions that block others without waiting themselves. A session
// blocked by several others appears under each of them. Cycles (a deadlock
// the detector has not broken yet) have no such root: the lowest pid of a
// cycle becomes its root and the repeat is cut with Cycle set.
func buildLockTree(acts []Backend) []LockNode {
	waiters := map[int][]int{} // blocker -> pids waiting on it
	waiting := map[int]bool{}
	info := map[int]Backend{}
	for _, b := range acts {
		info[b.PID] = b
		for _, blocker := range b.BlockedBy {
			waiters[blocker] = append(waiters[blocker], b.PID)
			waiting[b.PID] = true
		}
	}
	if len(waiters) == 0 {
		return nil
	}
	var roots []int
	for blocker := range waiters {
		if !waiting[blocker] {
			roots = append(roots, blocker)
		}
	}
	sort.Ints(roots)
	t := treeBuilder{waiters: waiters, info: info}
	var forest []LockNode
	covered := map[int]bool{}
	for _, r := range roots {
		forest = append(forest, t.node(r, map[int]bool{}, covered))
	}
	// Whatever no root reached sits on a cycle.
	var rest []int
	for blocker := range waiters {
		if !covered[blocker] {
			rest = append(rest, blocker)
		}
	}
	sort.Ints(rest)
	for _, r := range rest {
		if !covered[r] {
			forest = append(forest, t.node(r, map[int]bool{}, covered))
		}
	}
	sort.SliceStable(forest, func(i, j int) bool {
		a, b := forest[i], forest[j]
		if a.BlockedCount != b.BlockedCount {
			return a.BlockedCount > b.BlockedCount
		}
		return a.LongestWait > b.LongestWait
	})
	return forest
}

type treeBuilder struct {
	waiters map[int][]int
	info    map[int]Backend
}

// node builds pid's subtree; onPath holds its ancestors (to cut cycles),
// covered collects every pid placed anywhere.
func (t treeBuilder) node(pid int, onPath, covered map[int]bool) LockNode {
	b := t.info[pid]
	n := LockNode{PID: pid, Lock: b.Lock}
	if b.Waiting() {
		n.Waiting = b.QueryAge
	}
	covered[pid] = true
	if onPath[pid] {
		n.Cycle = true
		return n
	}
	onPath[pid] = true
	defer delete(onPath, pid)
	below := map[int]bool{}
	for _, w := range uniqueSorted(t.waiters[pid]) {
		child := t.node(w, onPath, covered)
		n.Blocking = append(n.Blocking, child)
		t.collect(child, below)
	}
	delete(below, pid) // in a cycle a node sits below itself
	n.BlockedCount = len(below)
	for p := range below {
		if a := t.info[p].QueryAge; a.Valid {
			n.LongestWait = max(n.LongestWait, a.D)
		}
	}
	return n
}

// collect adds the pids of n's subtree to set.
func (t treeBuilder) collect(n LockNode, set map[int]bool) {
	set[n.PID] = true
	for _, c := range n.Blocking {
		t.collect(c, set)
	}
}

func uniqueSorted(pids []int) []int {
	return slices.Compact(slices.Sorted(slices.Values(pids)))
}
