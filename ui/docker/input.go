package docker

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/stacktop/stacktop/ui/widgets"
)

// handleKey routes a key to the prompt, the open pane or the list.
func (t *Tab) handleKey(msg tea.KeyMsg) tea.Cmd {
	switch t.mode() {
	case modeFilter:
		return t.editFilter(msg)
	case modeSearch:
		return t.editSearch(msg)
	case modeDetail, modeLogs:
		// Action keys are the list's; in a pane they only say so.
		if cmd, ok := t.actionKey(msg); ok {
			return cmd
		}
		if t.mode() == modeDetail {
			return t.detailKey(msg)
		}
		return t.logsKey(msg)
	}
	return t.listKey(msg)
}

func (t *Tab) listKey(msg tea.KeyMsg) tea.Cmd {
	if cmd, ok := t.actionKey(msg); ok {
		return cmd
	}
	k := t.keys.List
	page := max(t.layout().listRows, 1)
	switch {
	case key.Matches(msg, k.Up):
		t.moveTo(t.list.Sel - 1)
	case key.Matches(msg, k.Down):
		t.moveTo(t.list.Sel + 1)
	case key.Matches(msg, k.PageUp):
		t.moveTo(t.list.Sel - page)
	case key.Matches(msg, k.PageDown):
		t.moveTo(t.list.Sel + page)
	case key.Matches(msg, k.Top):
		t.moveTo(0)
	case key.Matches(msg, k.Bottom):
		t.moveTo(len(t.rows) - 1)
	case key.Matches(msg, k.Host):
		// Each host keeps its own selection while another is shown.
		t.host().selKey = t.list.ID
		t.cur = (t.cur + 1) % len(t.hosts)
		t.list = widgets.Cursor[string]{ID: t.host().selKey, Picked: true}
		t.refresh()
	case key.Matches(msg, k.Sort):
		t.sortBy = (t.sortBy + 1) % sortKeys
		t.refresh()
	case key.Matches(msg, k.Filter):
		return t.filter.Focus()
	case key.Matches(msg, k.Toggle):
		if h := t.host(); h != nil {
			p := t.rows[t.list.Sel].project
			h.collapsed[p] = !h.collapsed[p]
			t.refresh()
		}
	case key.Matches(msg, k.Detail):
		return t.openDetail(false)
	case key.Matches(msg, k.Logs):
		return t.openLogs()
	case key.Matches(msg, k.Clear):
		t.filter.SetValue("")
		t.refresh()
	}
	return nil
}

// editFilter feeds a key to the filter prompt and re-filters as the user types.
func (t *Tab) editFilter(msg tea.KeyMsg) tea.Cmd {
	changed, cmd := widgets.EditFilter(&t.filter, msg, t.keys.Prompt.Accept, t.keys.Prompt.Cancel)
	if changed {
		t.refresh()
	}
	return cmd
}

func (t *Tab) detailKey(msg tea.KeyMsg) tea.Cmd {
	k, d := t.keys.Detail, t.detail
	page := max(t.layout().paneRows-1, 1)
	switch {
	case key.Matches(msg, k.Up):
		d.scroll--
	case key.Matches(msg, k.Down):
		d.scroll++
	case key.Matches(msg, k.PageUp):
		d.scroll -= page
	case key.Matches(msg, k.PageDown):
		d.scroll += page
	case key.Matches(msg, k.Top):
		d.scroll = 0
	case key.Matches(msg, k.Bottom):
		d.scroll = 1 << 30 // clamped when drawn
	case key.Matches(msg, k.Reveal):
		return t.openDetail(!d.reveal)
	case key.Matches(msg, k.Logs):
		return t.openLogs()
	case key.Matches(msg, k.Close):
		return t.closePane()
	}
	d.scroll = max(d.scroll, 0)
	return nil
}

func (t *Tab) logsKey(msg tea.KeyMsg) tea.Cmd {
	k, l := t.keys.Logs, t.logs
	rows, w := t.logRows(), t.width
	page := max(rows-1, 1)
	// Scrolling up past the oldest line held asks the engine for the page
	// before it; the rest of the scroll happens when it arrives.
	up := func(n int) tea.Cmd {
		var cmd tea.Cmd
		if l.topLine(rows, w)-n < 0 {
			cmd = t.fetchEarlier(l, min(l.topLine(rows, w)-n, 0))
		}
		l.scrollBy(-n, rows, w)
		return cmd
	}
	switch {
	case key.Matches(msg, k.Up):
		return up(1)
	case key.Matches(msg, k.Down):
		l.scrollBy(1, rows, w)
	case key.Matches(msg, k.PageUp):
		return up(page)
	case key.Matches(msg, k.PageDown):
		l.scrollBy(page, rows, w)
	case key.Matches(msg, k.Top):
		var cmd tea.Cmd
		if l.topLine(rows, w) == 0 {
			cmd = t.fetchEarlier(l, -page)
		}
		l.follow = false
		l.top = 0
		return cmd
	case key.Matches(msg, k.Bottom):
		l.follow = true
		l.pull()
	case key.Matches(msg, k.Follow):
		l.follow = !l.follow
		if l.follow {
			l.pull()
		}
	case key.Matches(msg, k.Timestamps):
		l.timestamps = !l.timestamps
	case key.Matches(msg, k.Wrap):
		l.wrap = !l.wrap
	case key.Matches(msg, k.Search):
		return l.query.Focus()
	case key.Matches(msg, k.Next):
		l.jump(l.search.Next(l.cur), rows)
	case key.Matches(msg, k.Prev):
		if l.cur == 0 && !l.atStart {
			// N at the oldest match loaded looks in earlier pages first.
			if cmd := t.searchEarlier(l, true); cmd != nil {
				return cmd
			}
		}
		l.jump(l.search.Prev(l.cur), rows)
	case key.Matches(msg, k.Detail):
		return t.openDetail(false)
	case key.Matches(msg, k.Close):
		return t.closePane()
	}
	return nil
}

// editSearch feeds a key to the logs search prompt; enter searches and
// jumps to the first match at or after the top of the pane.
func (t *Tab) editSearch(msg tea.KeyMsg) tea.Cmd {
	l := t.logs
	switch {
	case key.Matches(msg, t.keys.Prompt.Accept):
		l.query.Blur()
		l.research()
		if len(l.search.Matches) == 0 {
			return t.searchEarlier(l, false) // what `docker logs` still has
		}
		l.jump(l.firstMatch(t.logRows(), t.width), t.logRows())
		return nil
	case key.Matches(msg, t.keys.Prompt.Cancel):
		l.query.Blur()
		l.query.SetValue(l.search.Query)
		return nil
	}
	var cmd tea.Cmd
	l.query, cmd = l.query.Update(msg)
	return cmd
}
