package docker

import (
	tea "github.com/charmbracelet/bubbletea"

	"github.com/stacktop/stacktop/collectors"
	ds "github.com/stacktop/stacktop/collectors/docker"
	"github.com/stacktop/stacktop/ui/view"
)

// Opens implements view.Opener: the Docker tab shows its hosts' containers.
func (t *Tab) Opens(j view.Jump) bool {
	if j.Source.Kind != collectors.KindDocker {
		return false
	}
	for _, h := range t.hosts {
		if h.id == j.Source {
			return true
		}
	}
	return false
}

// open shows what j names: its host's header selected (the host
// unfolded), or for a container that container selected in the list (its
// project unfolded, a filter that hides it cleared) with its logs open.
func (t *Tab) open(j view.Jump) tea.Cmd {
	var h *hostState
	for _, x := range t.hosts {
		if x.id == j.Source {
			h = x
		}
	}
	if h == nil {
		return nil
	}
	v := t.list
	h.folded = false
	want := row{host: h, kind: rowEngine}.key()
	var c ds.Container
	if j.What == view.JumpContainer && h.snap != nil {
		var ok bool
		if c, ok = h.snap.Container(j.Container); ok {
			if v.filter.Value() != "" && !matches(&c, v.filter.Value()) {
				v.filter.SetValue("")
			}
			delete(h.collapsed, c.ComposeProject)
			want = row{host: h, kind: rowContainer, c: &c}.key()
		}
	}
	t.refresh()
	for i := range v.rows {
		if v.rowKey(i) != want {
			continue
		}
		v.moveTo(i, t.layout().listRows)
		if v.rows[i].kind != rowContainer {
			return nil
		}
		t.pane = paneNone // the logs pane opens on the selection
		return t.openLogs()
	}
	return nil
}
