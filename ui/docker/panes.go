package docker

import (
	tea "github.com/charmbracelet/bubbletea"
)

// The router opens and closes the panes (one at a time, under the list),
// points them at their container, and tells them about new snapshots.

// target is the container a new pane should show: the open pane's, else
// the selected one.
func (t *Tab) target() (paneTarget, bool) {
	switch {
	case t.pane == paneLogs && t.logs != nil:
		return paneTarget{source: t.logs.source, id: t.logs.id, name: t.logs.name, removed: t.logs.removed}, true
	case t.pane == paneDetail && t.detail != nil:
		return t.detail.paneTarget, true
	}
	src, id, name, ok := t.SelectedContainer()
	return paneTarget{source: src, id: id, name: name}, ok
}

// openDetail shows the detail pane for the target container, fetching the
// inspect data unless the pane already holds it (with the same reveal).
func (t *Tab) openDetail(reveal bool) tea.Cmd {
	tg, ok := t.target()
	if !ok {
		return nil
	}
	reveal = reveal && !t.opts.Redact
	t.pane = paneDetail
	if d := t.detail; d != nil && d.id == tg.id && d.source == tg.source && d.reveal == reveal && (d.d != nil || d.loading) {
		return nil
	}
	d := &detailPane{env: t.env, keys: newDetailKeys(t.opts.Redact), eng: t.opts.Engines[tg.source], paneTarget: tg, reveal: reveal}
	t.detail = d
	if h := t.hostNamed(tg.source); h != nil && h.snap != nil {
		d.sees(h.snap)
	}
	return d.fetch()
}

// closePane closes the open pane and stops its log stream.
func (t *Tab) closePane() tea.Cmd {
	t.pane = paneNone
	t.detail = nil
	var cmd tea.Cmd
	if t.logs != nil {
		cmd = t.logs.close()
		t.logs = nil
	}
	t.scrollIntoView()
	return cmd
}

// panesSeeSnapshot tells the panes on a container of h about h's new
// snapshot: whether their container is gone, its stats history, and
// (detail) whether its state changed enough to inspect it again.
func (t *Tab) panesSeeSnapshot(h *hostState) tea.Cmd {
	s, src := h.snap, h.id.Name
	var resume tea.Cmd
	if l := t.logs; l != nil && l.source == src {
		c, ok := s.Container(l.id)
		l.removed = !ok
		if ok {
			resume = l.resume(c, s.Taken)
		} else if next, found := l.successor(s); found {
			resume = l.followRecreated(next, s.Taken)
		}
	}
	d := t.detail
	if d == nil || d.source != src {
		return resume
	}
	d.sees(s)
	if d.live != nil && d.d != nil && !d.loading && signature(d.live) != d.sig {
		return tea.Batch(resume, d.fetch())
	}
	return resume
}

// openLogs shows the logs pane for the target container, opening a stream
// unless the pane already has one for it.
func (t *Tab) openLogs() tea.Cmd {
	tg, ok := t.target()
	if !ok {
		return nil
	}
	t.pane = paneLogs
	if l := t.logs; l != nil && l.id == tg.id && l.source == tg.source {
		return nil
	}
	var cmds []tea.Cmd
	if t.logs != nil {
		cmds = append(cmds, t.logs.close())
	}
	l := newLogPane(t.env, tg, t.width)
	t.logs = l
	if h := t.hostNamed(tg.source); h != nil && h.snap != nil {
		l.openedAt = h.snap.Taken
		if c, ok := h.snap.Container(tg.id); ok {
			l.runStart = c.StartedAt
			l.project, l.service, l.created = c.ComposeProject, c.ComposeService, c.Created
		}
	}
	return tea.Batch(append(cmds, l.openStream())...)
}

// gotLogStream hands an opened stream to the logs pane, or closes it when
// the pane it was opened for is gone.
func (t *Tab) gotLogStream(msg logOpenedMsg) tea.Cmd {
	l := t.logs
	if l == nil || msg.gen != l.gen {
		if msg.stream != nil {
			return closeStream(msg.stream)
		}
		return nil
	}
	return l.gotStream(msg)
}
