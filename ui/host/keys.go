package host

import (
	"github.com/charmbracelet/bubbles/key"
)

// KeyMap is the Host tab's keys. It implements help.KeyMap; bindings that do
// nothing at the moment are disabled so help leaves them out.
type KeyMap struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	Sort                                    key.Binding
	Tree                                    key.Binding // t: process tree on/off
	// User opens the user chooser; PickUser and CancelUser close it.
	User, PickUser, CancelUser key.Binding
	Filter                     key.Binding // start editing the filter
	Accept                     key.Binding // enter: keep the filter, back to the table
	Clear                      key.Binding // esc: clear the filter
	// Term and Kill send SIGTERM / SIGKILL to the selected process, through
	// the root's confirmation and the Runner; disabled when nothing is
	// selected or the Runner would refuse (read-only).
	Term, Kill key.Binding
}

func newKeyMap() KeyMap {
	return KeyMap{
		Up:         key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:       key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		PageUp:     key.NewBinding(key.WithKeys("pgup", "ctrl+b"), key.WithHelp("pgup", "page up")),
		PageDown:   key.NewBinding(key.WithKeys("pgdown", "ctrl+f", " "), key.WithHelp("pgdn", "page down")),
		Top:        key.NewBinding(key.WithKeys("g", "home"), key.WithHelp("g", "first")),
		Bottom:     key.NewBinding(key.WithKeys("G", "end"), key.WithHelp("G", "last")),
		Sort:       key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "sort")),
		Tree:       key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "tree")),
		User:       key.NewBinding(key.WithKeys("u"), key.WithHelp("u", "user")),
		PickUser:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "show user")),
		CancelUser: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
		Filter:     key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		Accept:     key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "apply filter")),
		Clear:      key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear filter")),
		// Capitals, so a slip on j/k never asks to end a process.
		Term: key.NewBinding(key.WithKeys("T"), key.WithHelp("T", "terminate (TERM)")),
		Kill: key.NewBinding(key.WithKeys("K"), key.WithHelp("K", "kill (KILL)")),
	}
}

// ShortHelp implements help.KeyMap.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.PickUser, k.CancelUser, k.Filter, k.Accept, k.Clear, k.Sort, k.Tree, k.User, k.Down, k.Up, k.Term, k.Kill}
}

// FullHelp implements help.KeyMap.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom},
		{k.Sort, k.Tree, k.User, k.PickUser, k.CancelUser},
		{k.Filter, k.Accept, k.Clear},
		{k.Term, k.Kill},
	}
}

// enable switches bindings on and off for the tab's state: navigation needs
// rows, accept needs the prompt, clear needs a filter; term and kill are
// switched by enableActions.
func (k *KeyMap) enable(rows int, editing, filtered bool) {
	for _, b := range []*key.Binding{&k.Up, &k.Down, &k.PageUp, &k.PageDown, &k.Top, &k.Bottom} {
		b.SetEnabled(rows > 0 && !editing)
	}
	k.Sort.SetEnabled(!editing)
	k.Tree.SetEnabled(!editing)
	k.Filter.SetEnabled(!editing)
	k.Accept.SetEnabled(editing)
	k.Clear.SetEnabled(editing || filtered)
}

// enableChooser switches the keys for the user chooser: while it is open
// (choosing) it takes the navigation keys, enter and esc, and the filter's
// own are off; u opens it when there is a table (ready).
func (k *KeyMap) enableChooser(choosing, ready bool) {
	k.User.SetEnabled(ready)
	k.PickUser.SetEnabled(choosing)
	k.CancelUser.SetEnabled(choosing)
	if choosing {
		for _, b := range []*key.Binding{&k.Up, &k.Down, &k.Top, &k.Bottom} {
			b.SetEnabled(true)
		}
		k.Accept.SetEnabled(false)
		k.Clear.SetEnabled(false)
	}
}

// enableActions offers TERM and KILL only when they may run on the selected
// process (term, kill) and the filter prompt is closed.
func (k *KeyMap) enableActions(term, kill, editing bool) {
	k.Term.SetEnabled(term && !editing)
	k.Kill.SetEnabled(kill && !editing)
}
