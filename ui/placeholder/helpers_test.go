package placeholder

import (
	"github.com/charmbracelet/lipgloss"

	"github.com/stacktop/stacktop/ui/theme"
)

func themeStyles(r *lipgloss.Renderer) *theme.Styles { return theme.Default().Styles(r) }
