package docker

import (
	"cmp"
	"slices"
	"strings"
)

// SortKey orders a container list.
type SortKey int

// Sort keys for the list's column headers.
const (
	SortName   SortKey = iota // compose project, then name (the snapshot's order)
	SortCPU                   // busiest first
	SortMemory                // largest first
	SortState                 // problems first (see Problem), then running, then the rest
	SortUptime                // longest-running first
)

// SortContainers returns a sorted copy of cs. Containers without a figure
// (stopped, first poll) sort after those with one; ties keep name order.
func SortContainers(cs []Container, key SortKey) []Container {
	out := slices.Clone(cs)
	byName := func(a, b Container) int {
		return cmp.Or(cmp.Compare(a.ComposeProject, b.ComposeProject), cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
	}
	var by func(a, b Container) int
	switch key {
	case SortCPU:
		by = func(a, b Container) int {
			return figureFirst(a.Stats.CPU.Valid, b.Stats.CPU.Valid, b.Stats.CPU.PerSec, a.Stats.CPU.PerSec)
		}
	case SortMemory:
		by = func(a, b Container) int {
			return figureFirst(a.Stats.MemValid, b.Stats.MemValid, float64(b.Stats.MemUsed), float64(a.Stats.MemUsed))
		}
	case SortState:
		by = func(a, b Container) int {
			return cmp.Or(cmp.Compare(b.Problem(), a.Problem()), boolFirst(a.Running(), b.Running()))
		}
	case SortUptime:
		by = func(a, b Container) int {
			return figureFirst(a.Running(), b.Running(), float64(a.StartedAt.UnixNano()), float64(b.StartedAt.UnixNano()))
		}
	default:
		by = func(Container, Container) int { return 0 }
	}
	slices.SortStableFunc(out, func(a, b Container) int { return cmp.Or(by(a, b), byName(a, b)) })
	return out
}

// figureFirst puts values that exist before those that do not, then
// compares x with y.
func figureFirst(aOK, bOK bool, x, y float64) int {
	if aOK != bOK {
		return boolFirst(aOK, bOK)
	}
	if !aOK {
		return 0
	}
	return cmp.Compare(x, y)
}

func boolFirst(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return -1
	}
	return 1
}

// Matches reports whether the container matches a filter typed by the user:
// every space-separated word must occur, case-insensitively, in its name,
// image, compose project or service, state, health or short ID.
func (c Container) Matches(filter string) bool {
	hay := strings.ToLower(strings.Join([]string{c.Name, c.Image, c.ComposeProject, c.ComposeService, c.State, c.Health, c.ShortID()}, "\x00"))
	for _, w := range strings.Fields(strings.ToLower(filter)) {
		if !strings.Contains(hay, w) {
			return false
		}
	}
	return true
}

// Filter returns the containers matching filter (all for "").
func Filter(cs []Container, filter string) []Container {
	if strings.TrimSpace(filter) == "" {
		return cs
	}
	var out []Container
	for _, c := range cs {
		if c.Matches(filter) {
			out = append(out, c)
		}
	}
	return out
}
