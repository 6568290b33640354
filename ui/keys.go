package ui

import (
	"github.com/charmbracelet/bubbles/key"
)

// globalKeys are the keys the root handles before the focused tab.
type globalKeys struct {
	Help, Quit, Next, Prev, Esc key.Binding
	Jump                        []key.Binding // 1–4: jump to a tab
	// ReadOnly switches this session's read-only on and off; disabled when
	// there are no actions or read-only is global (it cannot be lifted).
	ReadOnly key.Binding
	// Job shows the action running in the background (or the plan it
	// left); it acts, and help offers it, only while there is one.
	Job key.Binding
}

func newGlobalKeys(titles []string) globalKeys {
	k := globalKeys{
		Help:     key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Quit:     key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
		Next:     key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next tab")),
		Prev:     key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "previous tab")),
		Esc:      key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "close help")),
		ReadOnly: key.NewBinding(key.WithKeys("ctrl+r"), key.WithHelp("ctrl+r", "read-only on/off")),
		Job:      key.NewBinding(key.WithKeys("!"), key.WithHelp("!", "running action")),
	}
	for i, t := range titles {
		d := string(rune('1' + i))
		k.Jump = append(k.Jump, key.NewBinding(key.WithKeys(d), key.WithHelp(d, t)))
	}
	return k
}

// combinedHelp merges the focused tab's keys with the global ones for the
// help bar (tab keys first: they are what the user came for) and the full
// help overlay (one column of global keys, then the tab's columns).
type combinedHelp struct {
	global globalKeys
	tab    interface {
		ShortHelp() []key.Binding
		FullHelp() [][]key.Binding
	}
	helpOpen bool
}

func (c combinedHelp) ShortHelp() []key.Binding {
	out := append([]key.Binding{c.global.Job}, c.tab.ShortHelp()...)
	return append(out, c.global.Help, c.global.Next, c.global.Quit)
}

func (c combinedHelp) FullHelp() [][]key.Binding {
	esc := c.global.Esc
	esc.SetEnabled(c.helpOpen)
	global := []key.Binding{c.global.Help, esc, c.global.Next, c.global.Prev}
	global = append(global, c.global.Jump...)
	global = append(global, c.global.Job, c.global.ReadOnly, c.global.Quit)
	return append([][]key.Binding{global}, c.tab.FullHelp()...)
}
