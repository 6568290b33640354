package docker

import (
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
)

// Each sub-view has its own keys, which implement help.KeyMap; the tab's
// KeyMap is the one of the sub-view that has the keyboard. Bindings that
// do nothing at the moment are disabled, so help leaves them out and
// key.Matches never fires.

// ListKeys are the container list's keys.
type ListKeys struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	Sort                                    key.Binding
	Filter                                  key.Binding // start editing the filter
	Toggle                                  key.Binding // fold or unfold the engine or project under the cursor
	Detail                                  key.Binding // open the detail pane
	Logs                                    key.Binding // open the logs pane
	Clear                                   key.Binding // esc: clear the filter
	// Prompt are the filter prompt's keys.
	Prompt PromptKeys
	// Actions act on the selected container (see actions.go).
	Actions   ActionKeys
	filtering bool // the filter prompt has the keyboard
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
	// Prompt are the search prompt's keys.
	Prompt    PromptKeys
	searching bool // the search prompt has the keyboard
}

// PromptKeys are the keys of the filter and search prompts.
type PromptKeys struct {
	Accept, Cancel key.Binding
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

func newPromptKeys() PromptKeys {
	return PromptKeys{
		Accept: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "apply")),
		Cancel: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
	}
}

func newListKeys() ListKeys {
	var l ListKeys
	l.Up, l.Down, l.PageUp, l.PageDown, l.Top, l.Bottom = nav()
	l.Sort = key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "sort"))
	l.Filter = key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter"))
	l.Toggle = key.NewBinding(key.WithKeys("enter", " "), key.WithHelp("enter/space", "fold"))
	l.Detail = key.NewBinding(key.WithKeys("enter", "i"), key.WithHelp("enter/i", "inspect"))
	l.Logs = key.NewBinding(key.WithKeys("l"), key.WithHelp("l", "logs"))
	l.Clear = key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear filter"))
	l.Prompt = newPromptKeys()
	l.Actions = newActionKeys()
	return l
}

// newDetailKeys are the detail pane's keys; redact disables reveal.
func newDetailKeys(redact bool) DetailKeys {
	var d DetailKeys
	d.Up, d.Down, d.PageUp, d.PageDown, d.Top, d.Bottom = nav()
	d.Reveal = key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "reveal secrets"))
	d.Logs = key.NewBinding(key.WithKeys("l"), key.WithHelp("l", "logs"))
	d.Close = key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "close"))
	d.Reveal.SetEnabled(!redact)
	return d
}

func newLogKeys() LogKeys {
	var g LogKeys
	g.Up, g.Down, g.PageUp, g.PageDown, g.Top, g.Bottom = nav()
	g.Follow = key.NewBinding(key.WithKeys("f"), key.WithHelp("f", "follow"))
	g.Timestamps = key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "timestamps"))
	g.Wrap = key.NewBinding(key.WithKeys("w"), key.WithHelp("w", "wrap"))
	g.Search = key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "search"))
	g.Next = key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "next match"))
	g.Prev = key.NewBinding(key.WithKeys("N"), key.WithHelp("N", "previous match"))
	g.Detail = key.NewBinding(key.WithKeys("i"), key.WithHelp("i", "inspect"))
	g.Close = key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "close"))
	g.Prompt = newPromptKeys()
	return g
}

// listKeyState is what decides which list bindings apply.
type listKeyState struct {
	rows        int  // rows in the list
	data        bool // some engine has a snapshot
	onGroup     bool // the cursor is on an engine's or a project's header
	onContainer bool
	filtering   bool
	filtered    bool
}

// enable switches the list's bindings on and off for s.
func (l *ListKeys) enable(s listKeyState) {
	l.filtering = s.filtering
	for _, b := range []*key.Binding{&l.Up, &l.Down, &l.PageUp, &l.PageDown, &l.Top, &l.Bottom} {
		b.SetEnabled(s.rows > 0)
	}
	l.Sort.SetEnabled(s.data)
	l.Filter.SetEnabled(s.data)
	l.Toggle.SetEnabled(s.onGroup)
	l.Detail.SetEnabled(s.onContainer)
	l.Logs.SetEnabled(s.onContainer)
	l.Clear.SetEnabled(s.filtered)
}

// enable switches the logs pane's bindings for lines held, search
// matches, and whether the search prompt is open.
func (g *LogKeys) enable(lines, matches int, searching bool) {
	g.searching = searching
	for _, b := range []*key.Binding{&g.Up, &g.Down, &g.PageUp, &g.PageDown, &g.Top, &g.Bottom, &g.Follow, &g.Timestamps, &g.Wrap, &g.Search} {
		b.SetEnabled(lines > 0)
	}
	g.Next.SetEnabled(matches > 0)
	g.Prev.SetEnabled(matches > 0)
}

// ShortHelp implements help.KeyMap.
func (l ListKeys) ShortHelp() []key.Binding {
	if l.filtering {
		return []key.Binding{l.Prompt.Accept, l.Prompt.Cancel}
	}
	a := l.Actions
	return []key.Binding{l.Detail, l.Toggle, l.Logs, l.Filter, l.Clear, l.Sort, a.Restart, a.Start, a.Stop, a.Unpause}
}

// FullHelp implements help.KeyMap.
func (l ListKeys) FullHelp() [][]key.Binding {
	if l.filtering {
		return [][]key.Binding{{l.Prompt.Accept, l.Prompt.Cancel}}
	}
	a := l.Actions
	return [][]key.Binding{
		{l.Up, l.Down, l.PageUp, l.PageDown, l.Top, l.Bottom},
		{l.Detail, l.Logs, l.Toggle, l.Sort, l.Filter, l.Clear},
		{a.Start, a.Stop, a.Restart, a.Pause, a.Unpause, a.Kill, a.Remove, a.SaveLogs, a.Shell},
	}
}

// ShortHelp implements help.KeyMap.
func (d DetailKeys) ShortHelp() []key.Binding {
	return []key.Binding{d.Close, d.Reveal, d.Logs, d.Down, d.Up}
}

// FullHelp implements help.KeyMap.
func (d DetailKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{{d.Up, d.Down, d.PageUp, d.PageDown, d.Top, d.Bottom}, {d.Reveal, d.Logs, d.Close}}
}

// ShortHelp implements help.KeyMap.
func (g LogKeys) ShortHelp() []key.Binding {
	if g.searching {
		return []key.Binding{g.Prompt.Accept, g.Prompt.Cancel}
	}
	return []key.Binding{g.Close, g.Follow, g.Search, g.Next, g.Prev, g.Timestamps, g.Wrap}
}

// FullHelp implements help.KeyMap.
func (g LogKeys) FullHelp() [][]key.Binding {
	if g.searching {
		return [][]key.Binding{{g.Prompt.Accept, g.Prompt.Cancel}}
	}
	return [][]key.Binding{
		{g.Up, g.Down, g.PageUp, g.PageDown, g.Top, g.Bottom},
		{g.Follow, g.Timestamps, g.Wrap, g.Search, g.Next, g.Prev, g.Detail, g.Close},
	}
}

var (
	_ help.KeyMap = ListKeys{}
	_ help.KeyMap = DetailKeys{}
	_ help.KeyMap = LogKeys{}
)
