package docker

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"

	ds "github.com/stacktop/stacktop/collectors/docker"
	"github.com/stacktop/stacktop/ui/widgets"
)

// SortKey is a container list order. Containers stay grouped under their
// compose project; the order applies inside each group and to the groups.
type SortKey int

// The orders s cycles through.
const (
	ByName SortKey = iota
	ByCPU
	ByMemory
	ByState
	sortKeys
)

// String names the order as the list title shows it.
func (k SortKey) String() string {
	return [...]string{"name", "CPU%", "memory", "state"}[k]
}

// column is the title of the column the order sorts by.
func (k SortKey) column() string {
	return [...]string{"NAME", "CPU%", "MEM", "STATE"}[k]
}

// order is which way k sorts: names A to Z; the largest CPU% and memory
// first; by state, the worst problem first.
func (k SortKey) order() widgets.SortOrder {
	if k == ByName {
		return widgets.Ascending
	}
	return widgets.Descending
}

// row is one line of the list: an engine's header, a note under it (why
// it has no list, its last poll's error, an empty list), a project header
// or a container.
type row struct {
	host    *hostState    // the engine the row belongs to
	kind    rowKind       // what the row is
	project string        // compose project ("" for standalone containers)
	c       *ds.Container // the container (container rows only)
	grp     *group        // the header's figures (project headers only)
	// why is one wrapped line of why an engine has no list (notes of an
	// engine without data only), line its index, bad whether it is an
	// error rather than a wait.
	why  string
	line int
	bad  bool
}

// rowKind is what a row of the list is.
type rowKind int

const (
	rowContainer rowKind = iota
	rowProject
	rowEngine
	rowNote
)

// key identifies a row across refreshes: the engine's name, then the
// container ID, the project, or the engine's own header or note. The same
// container ID can appear under two names of one engine.
func (r row) key() string {
	name := ""
	if r.host != nil {
		name = r.host.id.Name
	}
	switch r.kind {
	case rowContainer:
		return name + "\x00" + r.c.ID
	case rowProject:
		return name + "\x00project\x00" + r.project
	case rowNote:
		return name + "\x00note\x00" + strconv.Itoa(r.line)
	}
	return name + "\x00engine"
}

// buildList is every engine's rows, in the hub's order: the engine's
// header, then — unless the engine is folded — why it has no list (the
// cause, then what to try, wrapped to width), or a note when its last poll
// failed or its event stream broke while its last data stays listed, and
// its containers grouped by project (see buildRows).
func buildList(hosts []*hostState, by SortKey, filter string, width int) []row {
	n := 0
	for _, h := range hosts {
		n += 3 // header, note, a project or two
		if h.snap != nil {
			n += len(h.snap.Containers)
		}
	}
	rows := make([]row, 0, n)
	for _, h := range hosts {
		rows = append(rows, row{host: h, kind: rowEngine})
		if h.folded {
			continue
		}
		if h.snap == nil {
			text, bad := whyNoData(h)
			for i, l := range strings.Split(ansi.Wrap(text, max(width-4, 20), ""), "\n") {
				rows = append(rows, row{host: h, kind: rowNote, why: l, line: i, bad: bad})
			}
			continue
		}
		if h.upd.Err != nil || streamBroken(h) {
			rows = append(rows, row{host: h, kind: rowNote})
		}
		before := len(rows)
		rows = buildRows(rows, h, by, filter)
		if len(rows) == before && h.upd.Err == nil && !streamBroken(h) {
			rows = append(rows, row{host: h, kind: rowNote}) // says why it is empty
		}
	}
	return rows
}

// group is a project's aggregate figures for its header row.
type group struct {
	project   string
	members   []*ds.Container // matching the filter, in order
	running   int
	cpu       float64 // sum of valid CPU%
	mem       uint64  // sum of memory used
	worst     ds.Problem
	problems  int
	collapsed bool
}

// buildRows appends to dst the rows of h's containers, filtered, grouped
// and sorted (never modifying them). Standalone containers come first
// without a header; each compose project gets a header row followed,
// unless collapsed, by its containers.
func buildRows(dst []row, h *hostState, by SortKey, filter string) []row {
	list, collapsed := h.snap.Containers, h.collapsed
	q := strings.ToLower(strings.TrimSpace(filter))
	byProject := map[string]*group{}
	var groups []*group
	for i := range list {
		c := &list[i]
		if q != "" && !matches(c, q) {
			continue
		}
		g := byProject[c.ComposeProject]
		if g == nil {
			g = &group{project: c.ComposeProject, collapsed: collapsed[c.ComposeProject]}
			byProject[c.ComposeProject] = g
			groups = append(groups, g)
		}
		g.add(c)
	}
	for _, g := range groups {
		slices.SortFunc(g.members, func(a, b *ds.Container) int { return compare(by, a, b) })
	}
	slices.SortFunc(groups, func(a, b *group) int { return compareGroups(by, a, b) })
	rows := dst
	for _, g := range groups {
		if g.project != "" {
			rows = append(rows, row{host: h, kind: rowProject, project: g.project, grp: g})
			if g.collapsed {
				continue
			}
		}
		for _, c := range g.members {
			rows = append(rows, row{host: h, kind: rowContainer, project: g.project, c: c})
		}
	}
	return rows
}

func (g *group) add(c *ds.Container) {
	g.members = append(g.members, c)
	if c.Running() {
		g.running++
	}
	if c.Stats.CPU.Valid {
		g.cpu += c.Stats.CPU.PerSec
	}
	if c.Stats.MemValid {
		g.mem += c.Stats.MemUsed
	}
	if p := c.Problem(); p != ds.ProblemNone {
		g.problems++
		g.worst = max(g.worst, p)
	}
}

// matches reports whether the container's name, image, project, service or
// state contains the lower-case query q.
func matches(c *ds.Container, q string) bool {
	return containsFold(c.Name, q) || containsFold(c.Image, q) || containsFold(c.ComposeProject, q) ||
		containsFold(c.ComposeService, q) || containsFold(c.State, q) || containsFold(c.Health, q) ||
		strings.HasPrefix(c.ID, q)
}

// containsFold reports whether s contains the lower-case q, ignoring case,
// without allocating.
func containsFold(s, q string) bool {
	for i := 0; i+len(q) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(q)], q) {
			return true
		}
	}
	return false
}

func cpuOf(c *ds.Container) float64 {
	if !c.Stats.CPU.Valid {
		return -1 // below idle: containers without a figure sort last
	}
	return c.Stats.CPU.PerSec
}

func memOf(c *ds.Container) uint64 {
	if !c.Stats.MemValid {
		return 0
	}
	return c.Stats.MemUsed
}

// stateRank orders states for ByState after the problem: the live ones first.
func stateRank(s string) int {
	switch s {
	case "running":
		return 0
	case "restarting":
		return 1
	case "paused":
		return 2
	case "created":
		return 3
	case "exited":
		return 4
	}
	return 5
}

// compare orders two containers by key; ties fall back to the name, then
// the ID, so the order is stable between refreshes.
func compare(by SortKey, a, b *ds.Container) int {
	var c int
	switch by {
	case ByCPU:
		c = cmp.Compare(cpuOf(b), cpuOf(a))
	case ByMemory:
		c = cmp.Compare(memOf(b), memOf(a))
	case ByState:
		c = cmp.Or(cmp.Compare(b.Problem(), a.Problem()), cmp.Compare(stateRank(a.State), stateRank(b.State)))
	}
	return cmp.Or(c, strings.Compare(a.Name, b.Name), strings.Compare(a.ID, b.ID))
}

// compareGroups orders projects: standalone containers first, then by the
// same key applied to the projects' totals, then by project name.
func compareGroups(by SortKey, a, b *group) int {
	if (a.project == "") != (b.project == "") {
		if a.project == "" {
			return -1
		}
		return 1
	}
	var c int
	switch by {
	case ByCPU:
		c = cmp.Compare(b.cpu, a.cpu)
	case ByMemory:
		c = cmp.Compare(b.mem, a.mem)
	case ByState:
		c = cmp.Compare(b.worst, a.worst)
	}
	return cmp.Or(c, strings.Compare(a.project, b.project))
}
