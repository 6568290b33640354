package docker

import (
	tea "github.com/charmbracelet/bubbletea"

	"github.com/stacktop/stacktop/collectors"
	"github.com/stacktop/stacktop/ui/view"
	"github.com/stacktop/stacktop/ui/widgets"
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

// open shows what j names: its host, and for a container that container
// selected in the list (its project unfolded, a filter that hides it
// cleared) with its logs open.
func (t *Tab) open(j view.Jump) tea.Cmd {
	for i, h := range t.hosts {
		if h.id == j.Source && i != t.list.host {
			// Each host keeps its own selection while another is shown.
			t.host().selKey = t.list.cursor.ID
			t.list.host = i
			t.list.cursor = widgets.Cursor[string]{ID: h.selKey, Picked: true}
			t.refresh()
		}
	}
	if j.What != view.JumpContainer {
		return nil
	}
	h := t.host()
	if h == nil || h.snap == nil {
		return nil
	}
	c, ok := h.snap.Container(j.Container)
	if !ok {
		return nil
	}
	v := t.list
	if v.filter.Value() != "" && !matches(&c, v.filter.Value()) {
		v.filter.SetValue("")
	}
	delete(h.collapsed, c.ComposeProject)
	t.refresh()
	for i := range v.rows {
		if v.rowKey(i) == c.ID {
			v.moveTo(i, t.layout().listRows)
			t.pane = paneNone // the logs pane opens on the selection
			return t.openLogs()
		}
	}
	return nil
}
