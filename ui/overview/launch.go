package overview

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/stacktop/stacktop/ui/view"
)

// KeyMap is the Overview's keys: move among what it flags and open it
// where it lives. It implements help.KeyMap.
type KeyMap struct {
	Down, Up key.Binding
	// Open shows the selected item in its own tab; disabled with nothing selected.
	Open key.Binding
	// Clear drops the selection; disabled with nothing selected.
	Clear key.Binding
}

func newKeyMap() KeyMap {
	return KeyMap{
		Down:  key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "next item")),
		Up:    key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "previous item")),
		Open:  key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open where it lives")),
		Clear: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "unselect")),
	}
}

// ShortHelp implements help.KeyMap.
func (k KeyMap) ShortHelp() []key.Binding { return []key.Binding{k.Down, k.Up, k.Open, k.Clear} }

// FullHelp implements help.KeyMap.
func (k KeyMap) FullHelp() [][]key.Binding { return [][]key.Binding{{k.Down, k.Up, k.Open, k.Clear}} }

// launch is the Overview's selection among the items it shows: the top
// processes, then each box's lines that name something, top to bottom and
// box after box.
type launch struct {
	// items are the Jumps of the last frame, in the order j steps through
	// them. View records them: which lines fit depends on the frame's size
	// and the boxes' contents, which only View knows.
	items []view.Jump
	// sel is the selected item; it follows the same thing (a pid, a
	// container) as the frame changes. Meaningful only when selected.
	sel      view.Jump
	selected bool
}

// index is the position of the selection among items, -1 when it is not
// shown (nothing selected, or the thing left the frame).
func (l *launch) index() int {
	if !l.selected {
		return -1
	}
	for i, j := range l.items {
		if j == l.sel {
			return i
		}
	}
	return -1
}

// step moves the selection by d items; the first step selects the first
// (or, upwards, the last) item. A selection that left the frame restarts
// from the top.
func (l *launch) step(d int) {
	n := len(l.items)
	if n == 0 {
		return
	}
	i := l.index()
	switch {
	case i < 0 && d > 0:
		i = 0
	case i < 0:
		i = n - 1
	default:
		i = min(max(i+d, 0), n-1)
	}
	l.sel, l.selected = l.items[i], true
}

// isSelected reports whether j is the selected item.
func (l *launch) isSelected(j *view.Jump) bool {
	return j != nil && l.selected && *j == l.sel
}

// handleKey moves the selection or opens it.
func (t *Tab) handleKey(msg tea.KeyMsg) tea.Cmd {
	k := t.keys
	switch {
	case key.Matches(msg, k.Down):
		t.launch.step(1)
	case key.Matches(msg, k.Up):
		t.launch.step(-1)
	case key.Matches(msg, k.Clear):
		t.launch.selected = false
	case key.Matches(msg, k.Open):
		if t.launch.index() >= 0 {
			j := t.launch.sel
			return func() tea.Msg { return view.JumpMsg{Jump: j} }
		}
	}
	return nil
}

// enableKeys offers open and unselect only with a selection shown.
func (t *Tab) enableKeys() {
	on := t.launch.index() >= 0
	t.keys.Open.SetEnabled(on)
	t.keys.Clear.SetEnabled(on)
}
