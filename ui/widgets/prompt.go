package widgets

import (
	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/stacktop/stacktop/ui/theme"
)

// NewPrompt returns a one-line input styled as the tabs' filter and search
// prompts: prompt ("/") in the label style, a muted placeholder, a
// non-blinking cursor.
func NewPrompt(st *theme.Styles, prompt, placeholder string) textinput.Model {
	ti := textinput.New()
	ti.Prompt = prompt
	ti.Placeholder = placeholder
	ti.CharLimit = 128
	ti.Width = 30
	ti.PromptStyle = st.Label
	ti.TextStyle = st.Header
	ti.PlaceholderStyle = st.Muted
	ti.Cursor.Style = st.Selected
	ti.Cursor.TextStyle = st.Header
	// A blinking cursor would redraw the screen twice a second for nothing.
	ti.Cursor.SetMode(cursor.CursorStatic)
	return ti
}

// EditFilter feeds a key to a focused filter prompt: accept closes it
// keeping the text, cancel clears and closes it, any other key edits it.
// changed says the text changed, so the caller re-filters as the user
// types (cancel always counts as a change).
func EditFilter(ti *textinput.Model, msg tea.KeyMsg, accept, cancel key.Binding) (changed bool, cmd tea.Cmd) {
	switch {
	case key.Matches(msg, accept):
		ti.Blur()
		return false, nil
	case key.Matches(msg, cancel):
		ti.SetValue("")
		ti.Blur()
		return true, nil
	}
	before := ti.Value()
	*ti, cmd = ti.Update(msg)
	return ti.Value() != before, cmd
}
