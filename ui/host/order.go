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
// filter, sorted by key. name gives a container ID's display name, for the
// container: term and plain words; nil when no container is known.
func ordered(list []hs.Process, key SortKey, filter string, name func(id string) string) []*hs.Process {
	out := make([]*hs.Process, 0, len(list))
	f := parseFilter(filter, list)
	for i := range list {
		if f.match(&list[i], name) {
			out = append(out, &list[i])
		}
	}
	slices.SortFunc(out, func(a, b *hs.Process) int { return compare(key, a, b) })
	return out
}

// filterTerm is one word of the filter: field:text, or text matching any field.
type filterTerm struct {
	field, text string
	// exact: a user: term that names a user of the table matches that user
	// only ("user:app" is not "app2"); while it is still being typed it
	// matches as a substring, like every other term.
	exact bool
}

// procFilter is the parsed process filter; every term must match.
type procFilter []filterTerm

// parseFilter splits the filter into words. "user:x" matches the user
// (the whole name when some process runs as x), "container:x" the
// container's name or ID; any other word matches the PID, user, name,
// command line or container, ignoring case.
func parseFilter(s string, list []hs.Process) procFilter {
	var out procFilter
	for _, w := range strings.Fields(s) {
		f, text, ok := strings.Cut(w, ":")
		switch f = strings.ToLower(f); {
		case ok && f == "user" && text != "":
			exact := slices.ContainsFunc(list, func(p hs.Process) bool { return strings.EqualFold(p.User, text) })
			out = append(out, filterTerm{field: f, text: text, exact: exact})
		case ok && f == "container" && text != "":
			out = append(out, filterTerm{field: f, text: text})
		default:
			out = append(out, filterTerm{text: w})
		}
	}
	return out
}

// match reports whether p passes every term; name resolves its container.
func (f procFilter) match(p *hs.Process, name func(id string) string) bool {
	for _, t := range f {
		var ok bool
		switch t.field {
		case "user":
			ok = (t.exact && strings.EqualFold(p.User, t.text)) || (!t.exact && containsFold(p.User, t.text))
		case "container":
			ok = matchesContainer(p, t.text, name)
		default:
			ok = containsFold(p.Name, t.text) || containsFold(p.Command, t.text) || containsFold(p.User, t.text) ||
				strings.Contains(strconv.Itoa(int(p.PID)), t.text) || matchesContainer(p, t.text, name)
		}
		if !ok {
			return false
		}
	}
	return true
}

// matchesContainer is true when p runs in a container whose name or ID
// contains q.
func matchesContainer(p *hs.Process, q string, name func(id string) string) bool {
	if p.Container == "" {
		return false
	}
	if containsFold(p.Container, q) {
		return true
	}
	return name != nil && containsFold(name(p.Container), q)
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
