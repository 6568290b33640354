// Package keytest turns key names into the tea.KeyMsg a terminal would
// deliver, for the UI packages' tests.
package keytest

import tea "github.com/charmbracelet/bubbletea"

// special are the key names spelled out in tests; anything else is typed.
var special = map[string]tea.KeyType{
	"esc": tea.KeyEsc, "enter": tea.KeyEnter, "space": tea.KeySpace, "backspace": tea.KeyBackspace,
	"up": tea.KeyUp, "down": tea.KeyDown, "left": tea.KeyLeft, "right": tea.KeyRight,
	"pgup": tea.KeyPgUp, "pgdown": tea.KeyPgDown, "tab": tea.KeyTab, "shift+tab": tea.KeyShiftTab,
	"ctrl+c": tea.KeyCtrlC, "ctrl+r": tea.KeyCtrlR,
}

// Msg is the key message for name: a special key ("esc", "pgdown",
// "shift+tab", ...) or the runes typed.
func Msg(name string) tea.KeyMsg {
	if kt, ok := special[name]; ok {
		return tea.KeyMsg{Type: kt}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(name)}
}
