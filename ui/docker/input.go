package docker

import (
	tea "github.com/charmbracelet/bubbletea"
)

// handleKey routes a key to the sub-view that has the keyboard — the
// list (or its filter prompt), or the open pane — and acts on what it asks
// for: another pane, or none.
func (t *Tab) handleKey(msg tea.KeyMsg) tea.Cmd {
	var cmd tea.Cmd
	next := stay
	switch t.mode() {
	case modeFilter:
		return t.list.editFilter(msg, t.hosts, t.layout().listRows)
	case modeSearch:
		return t.logs.editSearch(msg, t.logRows(), t.width)
	case modeDetail, modeLogs:
		// Action keys are the list's; in a pane they only say so.
		if c, ok := t.actionKey(msg); ok {
			return c
		}
		if t.mode() == modeDetail {
			next = t.detail.Update(msg, t.layout().paneRows)
		} else {
			cmd, next = t.logs.Update(msg, t.logRows(), t.width)
		}
	default:
		if c, ok := t.actionKey(msg); ok {
			return c
		}
		cmd, next = t.list.Update(msg, t.hosts, t.layout().listRows)
	}
	switch next {
	case wantDetail:
		return t.openDetail(false)
	case wantReveal:
		return t.openDetail(!t.detail.reveal)
	case wantLogs:
		return t.openLogs()
	case wantClose:
		return t.closePane()
	}
	return cmd
}
