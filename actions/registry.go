package actions

import (
	"fmt"
	"sort"
	"strings"

	"github.com/stacktop/stacktop/collectors"
)

// Registry is the set of action kinds one stacktop process offers. It is a
// value built once in cmd/stacktop from every family's Kinds(deps), never
// package state, so a test can build the very same set and loop over it.
type Registry struct {
	kinds []Kind // sorted by ID
	byID  map[string]int
}

// NewRegistry checks kinds (unique, non-empty IDs; a known risk; a
// constructor) and returns them as a registry.
func NewRegistry(kinds ...Kind) (*Registry, error) {
	r := &Registry{byID: make(map[string]int, len(kinds))}
	for _, k := range kinds {
		switch {
		case k.ID == "":
			return nil, fmt.Errorf("action kind %q: empty id", k.Title)
		case k.New == nil:
			return nil, fmt.Errorf("action kind %s: no constructor", k.ID)
		case k.Risk < Read || k.Risk > Destructive:
			return nil, fmt.Errorf("action kind %s: unknown risk %d", k.ID, int(k.Risk))
		}
		if _, dup := r.byID[k.ID]; dup {
			return nil, fmt.Errorf("action kind %s registered twice", k.ID)
		}
		r.byID[k.ID] = -1
		r.kinds = append(r.kinds, k)
	}
	sort.Slice(r.kinds, func(i, j int) bool { return r.kinds[i].ID < r.kinds[j].ID })
	for i, k := range r.kinds {
		r.byID[k.ID] = i
	}
	return r, nil
}

// Kinds returns every registered kind, sorted by ID. The slice is a copy.
func (r *Registry) Kinds() []Kind { return append([]Kind(nil), r.kinds...) }

// Lookup finds a kind by ID.
func (r *Registry) Lookup(id string) (Kind, bool) {
	i, ok := r.byID[id]
	if !ok {
		return Kind{}, false
	}
	return r.kinds[i], true
}

// For returns the kinds acting on one source family, sorted by ID.
func (r *Registry) For(family collectors.Kind) []Kind {
	var out []Kind
	for _, k := range r.kinds {
		if k.TargetKind == family {
			out = append(out, k)
		}
	}
	return out
}

// New builds the action of kind id for t, or says why it cannot.
func (r *Registry) New(id string, t Target, p Params) (Action, error) {
	k, ok := r.Lookup(id)
	if !ok {
		ids := make([]string, len(r.kinds))
		for i, k := range r.kinds {
			ids[i] = k.ID
		}
		return Action{}, fmt.Errorf("unknown action %q — known: %s", id, strings.Join(ids, ", "))
	}
	if k.TargetKind != "" && t.Kind != k.TargetKind {
		return Action{}, fmt.Errorf("action %s acts on %s targets, not %s", id, k.TargetKind, t)
	}
	return k.New(t, p)
}
