package fleet

import (
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/stacktop/stacktop/collectors"
	fs "github.com/stacktop/stacktop/collectors/fleet"
	"github.com/stacktop/stacktop/ui/view"
)

// liveOf lists the live targets that are h: by prometheus_instance (the
// host label value, or that value without its port) or by the same host
// name, in configuration order.
func (t *Tab) liveOf(h *fs.Host) []LiveTarget {
	if h == nil {
		return nil
	}
	var out []LiveTarget
	for _, l := range t.opts.Live {
		byInst := l.Instance != "" && (l.Instance == h.Instance || strings.EqualFold(fs.DisplayName(l.Instance), h.Name))
		byHost := l.Host != "" && strings.EqualFold(l.Host, h.Name)
		if byInst || byHost {
			out = append(out, l)
		}
	}
	return out
}

// liveHost is the host the live keys act on: the detail's, or the
// selected row's.
func (t *Tab) liveHost() *fs.Host {
	if t.detail != nil {
		return t.detailHost()
	}
	return t.selectedHost()
}

// selectedHost is the host of the selected row: the host itself in the
// hosts table, the node_exporter host of the same name as the selected
// PostgreSQL server; nil when there is none.
func (t *Tab) selectedHost() *fs.Host {
	switch t.view {
	case viewHosts:
		return t.hosts.selected()
	case viewPostgres:
		s, p := t.current(), t.pg.selected()
		if s == nil || s.snap == nil || p == nil {
			return nil
		}
		for i := range s.snap.Hosts {
			if s.snap.Hosts[i].Name == p.Name {
				return &s.snap.Hosts[i]
			}
		}
	}
	return nil
}

// liveKinds says which live tabs the live keys can open now.
func (t *Tab) liveKinds() map[collectors.Kind]bool {
	var m map[collectors.Kind]bool
	for _, l := range t.liveOf(t.liveHost()) {
		if m == nil {
			m = map[collectors.Kind]bool{}
		}
		m[l.Source.Kind] = true
	}
	return m
}

// jumpLive asks the root to show h's first live target of kind.
func (t *Tab) jumpLive(kind collectors.Kind, h *fs.Host) tea.Cmd {
	for _, l := range t.liveOf(h) {
		if l.Source.Kind == kind {
			j := view.Jump{Source: l.Source, What: view.JumpSource}
			return func() tea.Msg { return view.JumpMsg{Jump: j} }
		}
	}
	return nil
}

// Opens implements view.Opener: the Fleet tab shows its sources' hosts.
func (t *Tab) Opens(j view.Jump) bool {
	if j.Source.Kind != collectors.KindPrometheus {
		return false
	}
	for _, s := range t.sources {
		if s.id == j.Source {
			return true
		}
	}
	return false
}

// open shows what j names: its source, and for a host that host selected
// in the hosts table (a filter that hides it cleared) with its detail open.
func (t *Tab) open(j view.Jump) tea.Cmd {
	for i, s := range t.sources {
		if s.id == j.Source && i != t.cur {
			t.switchSource(i)
		}
	}
	t.detail = nil
	t.view = viewHosts
	if j.What != view.JumpHost {
		return t.wantSparks()
	}
	if !t.selectHost(j.Instance) && t.filter.Value() != "" {
		t.setFilter("")
		t.selectHost(j.Instance)
	}
	return t.openDetail(j.Source.Name, j.Instance)
}

// selectHost selects the row of instance, if it is listed.
func (t *Tab) selectHost(instance string) bool {
	for i, r := range t.hosts.rows {
		if r.h.Instance == instance {
			t.hosts.pick(i, t.tableRows())
			return true
		}
	}
	return false
}
