package host

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	hs "github.com/stacktop/stacktop/collectors/host"
	"github.com/stacktop/stacktop/ui/widgets"
)

// SortKey is a process table order.
type SortKey int

// The orders s cycles through.
const (
	ByCPU SortKey = iota
	ByMemory
	ByPID
	ByName
	sortKeys
)

// String names the order as the table title shows it.
func (k SortKey) String() string {
	return [...]string{"CPU%", "memory", "PID", "name"}[k]
}

// column is the table column the order sorts by.
func (k SortKey) column() string {
	return [...]string{"CPU%", "RSS", "PID", "NAME"}[k]
}

// order is which way k sorts: the largest CPU% and RSS first, PIDs and
// names ascending.
func (k SortKey) order() widgets.SortOrder {
	if k == ByPID || k == ByName {
		return widgets.Ascending
	}
	return widgets.Descending
}

// cpuOf is the figure CPU ordering uses: processes without a valid figure
// sort as idle.
func cpuOf(p *hs.Process) float64 {
	if !p.CPUValid {
		return 0
	}
	return p.CPUPercent
}

// compare orders two processes by key; ties fall back to PID so the order is
// stable between refreshes.
func compare(key SortKey, a, b *hs.Process) int {
	var c int
	switch key {
	case ByCPU:
		c = cmp.Compare(cpuOf(b), cpuOf(a))
	case ByMemory:
		c = cmp.Compare(b.RSS, a.RSS)
	case ByName:
		c = strings.Compare(a.Name, b.Name)
	}
	if c != 0 {
		return c
	}
	return cmp.Compare(a.PID, b.PID)
}

// ordered returns pointers into list (which is never modified) matching
// filter, sorted by key. filter is matched case-insensitively against the
// PID, user, name and command line.
func ordered(list []hs.Process, key SortKey, filter string) []*hs.Process {
	out := make([]*hs.Process, 0, len(list))
	q := strings.ToLower(strings.TrimSpace(filter))
	for i := range list {
		if q == "" || matches(&list[i], q) {
			out = append(out, &list[i])
		}
	}
	slices.SortFunc(out, func(a, b *hs.Process) int { return compare(key, a, b) })
	return out
}

func matches(p *hs.Process, q string) bool {
	return containsFold(p.Name, q) || containsFold(p.Command, q) || containsFold(p.User, q) ||
		strings.Contains(strconv.Itoa(int(p.PID)), q)
}

// containsFold reports whether s contains the lower-case q, ignoring case,
// without allocating for ASCII text (the common case for 2,000 rows per key).
func containsFold(s, q string) bool {
	if len(q) > len(s) {
		return false
	}
	for i := 0; i+len(q) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(q)], q) {
			return true
		}
	}
	return false
}

// TopCPU returns the n busiest processes of list, busiest first, ties by PID.
func TopCPU(list []hs.Process, n int) []*hs.Process {
	top := make([]*hs.Process, 0, n+1)
	for i := range list {
		p := &list[i]
		if len(top) == n && compare(ByCPU, p, top[n-1]) >= 0 {
			continue
		}
		at, _ := slices.BinarySearchFunc(top, p, func(a, b *hs.Process) int { return compare(ByCPU, a, b) })
		top = slices.Insert(top, at, p)
		if len(top) > n {
			top = top[:n]
		}
	}
	return top
}
