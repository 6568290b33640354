package docker

import (
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
)

// ListKeys are the container list's keys. Bindings that do nothing at the
// moment are disabled, so help leaves them out and key.Matches never fires.
type ListKeys struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	Host                                    key.Binding // next Docker host
	Sort                                    key.Binding
	Filter                                  key.Binding // start editing the filter
	Toggle                                  key.Binding // collapse or expand the project under the cursor
	Detail                                  key.Binding // open the detail pane
	Logs                                    key.Binding // open the logs pane
	Clear                                   key.Binding // esc: clear the filter
}

// DetailKeys are the detail pane's keys.
type DetailKeys struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	Reveal                                  key.Binding // show or mask secret-looking env values
	Logs                                    key.Binding // switch to the logs pane
	Close                                   key.Binding
}

// LogKeys are the logs pane's keys.
type LogKeys struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	Follow                                  key.Binding
	Timestamps                              key.Binding
	Wrap                                    key.Binding
	Search                                  key.Binding // start editing a search
	Next, Prev                              key.Binding // next and previous match
	Detail                                  key.Binding // switch to the detail pane
	Close                                   key.Binding
}

// PromptKeys are the keys of the filter and search prompts.
type PromptKeys struct {
	Accept, Cancel key.Binding
}

// KeyMap is every key of the Docker tab, by sub-view. It implements
// help.KeyMap for the sub-view in use (see mode).
type KeyMap struct {
	List   ListKeys
	Detail DetailKeys
	Logs   LogKeys
	Prompt PromptKeys
	// Actions act on the selected container (see actions.go).
	Actions ActionKeys
	mode    mode
}

// mode is what has the keyboard.
type mode int

const (
	modeList mode = iota
	modeFilter
	modeDetail
	modeLogs
	modeSearch
)

func nav() (up, down, pgup, pgdn, top, bottom key.Binding) {
	return key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		key.NewBinding(key.WithKeys("pgup", "ctrl+b"), key.WithHelp("pgup", "page up")),
		key.NewBinding(key.WithKeys("pgdown", "ctrl+f"), key.WithHelp("pgdn", "page down")),
		key.NewBinding(key.WithKeys("g", "home"), key.WithHelp("g", "first")),
		key.NewBinding(key.WithKeys("G", "end"), key.WithHelp("G", "last"))
}

func newKeyMap() KeyMap {
	var k KeyMap
	l := &k.List
	l.Up, l.Down, l.PageUp, l.PageDown, l.Top, l.Bottom = nav()
	l.Host = key.NewBinding(key.WithKeys("h"), key.WithHelp("h", "next host"))
	l.Sort = key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "sort"))
	l.Filter = key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter"))
	l.Toggle = key.NewBinding(key.WithKeys("enter", " "), key.WithHelp("enter/space", "fold project"))
	l.Detail = key.NewBinding(key.WithKeys("enter", "i"), key.WithHelp("enter/i", "inspect"))
	l.Logs = key.NewBinding(key.WithKeys("l"), key.WithHelp("l", "logs"))
	l.Clear = key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear filter"))

	d := &k.Detail
	d.Up, d.Down, d.PageUp, d.PageDown, d.Top, d.Bottom = nav()
	d.Reveal = key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "reveal secrets"))
	d.Logs = key.NewBinding(key.WithKeys("l"), key.WithHelp("l", "logs"))
	d.Close = key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "close"))

	g := &k.Logs
	g.Up, g.Down, g.PageUp, g.PageDown, g.Top, g.Bottom = nav()
	g.Follow = key.NewBinding(key.WithKeys("f"), key.WithHelp("f", "follow"))
	g.Timestamps = key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "timestamps"))
	g.Wrap = key.NewBinding(key.WithKeys("w"), key.WithHelp("w", "wrap"))
	g.Search = key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "search"))
	g.Next = key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "next match"))
	g.Prev = key.NewBinding(key.WithKeys("N"), key.WithHelp("N", "previous match"))
	g.Detail = key.NewBinding(key.WithKeys("i"), key.WithHelp("i", "inspect"))
	g.Close = key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "close"))

	k.Prompt.Accept = key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "apply"))
	k.Prompt.Cancel = key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel"))
	k.Actions = newActionKeys()
	return k
}

// keyState is what decides which bindings apply.
type keyState struct {
	mode        mode
	rows        int  // rows in the list
	hosts       int  // Docker hosts configured
	data        bool // the host shown has a snapshot
	onGroup     bool // the cursor is on a project row
	onContainer bool
	filtered    bool
	redact      bool // reveal is refused
	matches     int  // search matches in the logs pane
	logLines    int  // lines in the logs pane
}

// enable switches bindings on and off for s.
func (k *KeyMap) enable(s keyState) {
	k.mode = s.mode
	l := &k.List
	for _, b := range []*key.Binding{&l.Up, &l.Down, &l.PageUp, &l.PageDown, &l.Top, &l.Bottom} {
		b.SetEnabled(s.rows > 0)
	}
	l.Host.SetEnabled(s.hosts > 1)
	l.Sort.SetEnabled(s.data)
	l.Filter.SetEnabled(s.data)
	l.Toggle.SetEnabled(s.onGroup)
	l.Detail.SetEnabled(s.onContainer)
	l.Logs.SetEnabled(s.onContainer)
	l.Clear.SetEnabled(s.filtered)
	k.Detail.Reveal.SetEnabled(!s.redact)
	g := &k.Logs
	for _, b := range []*key.Binding{&g.Up, &g.Down, &g.PageUp, &g.PageDown, &g.Top, &g.Bottom, &g.Follow, &g.Timestamps, &g.Wrap, &g.Search} {
		b.SetEnabled(s.logLines > 0)
	}
	g.Next.SetEnabled(s.matches > 0)
	g.Prev.SetEnabled(s.matches > 0)
}

// ShortHelp implements help.KeyMap.
func (k KeyMap) ShortHelp() []key.Binding {
	switch k.mode {
	case modeFilter, modeSearch:
		return []key.Binding{k.Prompt.Accept, k.Prompt.Cancel}
	case modeDetail:
		d := k.Detail
		return []key.Binding{d.Close, d.Reveal, d.Logs, d.Down, d.Up}
	case modeLogs:
		g := k.Logs
		return []key.Binding{g.Close, g.Follow, g.Search, g.Next, g.Prev, g.Timestamps, g.Wrap}
	}
	l, a := k.List, k.Actions
	return []key.Binding{l.Detail, l.Toggle, l.Logs, l.Filter, l.Clear, l.Sort, l.Host, a.Restart, a.Start, a.Stop, a.Unpause}
}

// FullHelp implements help.KeyMap.
func (k KeyMap) FullHelp() [][]key.Binding {
	switch k.mode {
	case modeFilter, modeSearch:
		return [][]key.Binding{{k.Prompt.Accept, k.Prompt.Cancel}}
	case modeDetail:
		d := k.Detail
		return [][]key.Binding{{d.Up, d.Down, d.PageUp, d.PageDown, d.Top, d.Bottom}, {d.Reveal, d.Logs, d.Close}}
	case modeLogs:
		g := k.Logs
		return [][]key.Binding{
			{g.Up, g.Down, g.PageUp, g.PageDown, g.Top, g.Bottom},
			{g.Follow, g.Timestamps, g.Wrap, g.Search, g.Next, g.Prev, g.Detail, g.Close},
		}
	}
	l, a := k.List, k.Actions
	return [][]key.Binding{
		{l.Up, l.Down, l.PageUp, l.PageDown, l.Top, l.Bottom},
		{l.Detail, l.Logs, l.Toggle, l.Sort, l.Filter, l.Clear, l.Host},
		{a.Start, a.Stop, a.Restart, a.Pause, a.Unpause, a.Kill, a.Remove, a.SaveLogs, a.Shell},
	}
}

var _ help.KeyMap = KeyMap{}
