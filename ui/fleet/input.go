package fleet

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/stacktop/stacktop/collectors"
	"github.com/stacktop/stacktop/ui/widgets"
)

func (t *Tab) handleKey(msg tea.KeyMsg) tea.Cmd {
	if t.filter.Focused() {
		return t.editFilter(msg)
	}
	if t.detail != nil {
		return t.detailKey(msg)
	}
	page := max(t.tableRows(), 1)
	switch {
	case key.Matches(msg, t.keys.Up):
		return t.pick(t.sel() - 1)
	case key.Matches(msg, t.keys.Down):
		return t.pick(t.sel() + 1)
	case key.Matches(msg, t.keys.PageUp):
		return t.pick(t.sel() - page)
	case key.Matches(msg, t.keys.PageDown):
		return t.pick(t.sel() + page)
	case key.Matches(msg, t.keys.Top):
		// Back to the top row, which then follows the order (the worst
		// host) rather than a host.
		t.hosts.cur.Picked, t.pg.cur.Picked = false, false
		t.hosts.cur.Sel, t.pg.cur.Sel = 0, 0
		t.place()
		return t.wantSparks()
	case key.Matches(msg, t.keys.Bottom):
		return t.pick(t.listLen() - 1)
	case key.Matches(msg, t.keys.Open):
		if h := t.selectedHost(); h != nil {
			return t.openDetail(t.current().id.Name, h.Instance)
		}
	case key.Matches(msg, t.keys.View):
		t.view = (t.view + 1) % numViews
		t.place()
		return t.wantSparks()
	case key.Matches(msg, t.keys.Sort):
		// The PostgreSQL table sorts itself; the containers' two lists
		// are orders already, so s there sorts the hosts.
		if t.view == viewPostgres {
			t.pg.sortBy = (t.pg.sortBy + 1) % numPGSorts
			t.refresh()
			return nil
		}
		t.hosts.sortBy = (t.hosts.sortBy + 1) % numSorts
		t.view = viewHosts
		t.refresh()
		return t.wantSparks()
	case key.Matches(msg, t.keys.Filter):
		return t.filter.Focus()
	case key.Matches(msg, t.keys.Clear):
		t.setFilter("")
		return t.wantSparks()
	case key.Matches(msg, t.keys.PrevSource), key.Matches(msg, t.keys.NextSource):
		step := 1
		if key.Matches(msg, t.keys.PrevSource) {
			step = len(t.sources) - 1
		}
		t.switchSource((t.cur + step) % len(t.sources))
		return t.wantSparks()
	case key.Matches(msg, t.keys.LivePostgres):
		return t.jumpLive(collectors.KindPostgres, t.selectedHost())
	case key.Matches(msg, t.keys.LiveDocker):
		return t.jumpLive(collectors.KindDocker, t.selectedHost())
	}
	return nil
}

// sel is the selected row of the table shown.
func (t *Tab) sel() int {
	if t.view == viewPostgres {
		return t.pg.cur.Sel
	}
	return t.hosts.cur.Sel
}

// pick moves the selection of the table shown on the user's behalf.
func (t *Tab) pick(i int) tea.Cmd {
	switch t.view {
	case viewHosts:
		t.hosts.pick(i, t.tableRows())
		return t.wantSparks()
	case viewPostgres:
		t.pg.pick(i, t.tableRows())
	}
	return nil
}

// switchSource shows source i with fresh selections.
func (t *Tab) switchSource(i int) {
	t.cur = i
	t.hosts.cur, t.pg.cur = widgets.Cursor[string]{}, widgets.Cursor[string]{}
	t.refresh()
}

// editFilter feeds a key to the prompt and re-filters as the user types.
func (t *Tab) editFilter(msg tea.KeyMsg) tea.Cmd {
	changed, cmd := widgets.EditFilter(&t.filter, msg, t.keys.Accept, t.keys.Clear)
	if changed {
		t.setFilter(t.filter.Value())
		return tea.Batch(cmd, t.wantSparks())
	}
	return cmd
}

func (t *Tab) setFilter(s string) {
	t.filter.SetValue(s)
	t.terms = parseFilter(s)
	t.refresh()
}

func (t *Tab) detailKey(msg tea.KeyMsg) tea.Cmd {
	d := t.detail
	page := max(t.height-2, 1)
	switch {
	case key.Matches(msg, t.keys.Back):
		t.detail = nil
		return t.wantSparks()
	case key.Matches(msg, t.keys.Up):
		d.scroll(-1)
	case key.Matches(msg, t.keys.Down):
		d.scroll(1)
	case key.Matches(msg, t.keys.PageUp):
		d.scroll(-page)
	case key.Matches(msg, t.keys.PageDown):
		d.scroll(page)
	case key.Matches(msg, t.keys.Top):
		d.offset = 0
	case key.Matches(msg, t.keys.Reload):
		return t.loadDetail()
	case key.Matches(msg, t.keys.LivePostgres):
		return t.jumpLive(collectors.KindPostgres, t.detailHost())
	case key.Matches(msg, t.keys.LiveDocker):
		return t.jumpLive(collectors.KindDocker, t.detailHost())
	}
	return nil
}
