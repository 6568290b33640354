package widgets

import (
	"github.com/charmbracelet/lipgloss"

	"github.com/stacktop/stacktop/ui/theme"
)

// Dialog frames body (already wrapped to fit) in the dialog border with
// title on top, and centres it in a w×h area. Use it for overlays: the help
// screen now, confirmations and progress later.
func Dialog(st *theme.Styles, title, body string, w, h int) string {
	content := st.Title.Render(title) + "\n\n" + body
	box := st.Dialog.Render(content)
	return lipgloss.Place(w, h, lipgloss.Center, lipgloss.Center, box)
}
