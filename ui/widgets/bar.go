package widgets

import (
	"math"
	"strings"

	"github.com/charmbracelet/lipgloss"

	"github.com/stacktop/stacktop/ui/theme"
)

var eighths = [...]string{"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"}

// Bar draws a horizontal bar exactly width cells wide, filled to pct (0–100,
// clamped) with eighth-cell precision. The filled part uses fill (pass
// Styles.Bad for a figure past its threshold), the rest Styles.BarEmpty, so
// the bar stays readable without colour.
func Bar(st *theme.Styles, fill lipgloss.Style, width int, pct float64) string {
	if width <= 0 {
		return ""
	}
	if math.IsNaN(pct) || pct < 0 {
		pct = 0
	}
	eighthsFilled := int(math.Round(min(pct, 100) / 100 * float64(width*8)))
	full, part := eighthsFilled/8, eighthsFilled%8
	filled := strings.Repeat("█", full) + eighths[part]
	cells := full
	if part > 0 {
		cells++
	}
	return fill.Render(filled) + st.BarEmpty.Render(strings.Repeat("░", width-cells))
}

// FillFor picks the bar style for a figure: Bad past limit, BarFull otherwise.
func FillFor(st *theme.Styles, value, limit float64) lipgloss.Style {
	if limit > 0 && value > limit {
		return st.Bad
	}
	return st.BarFull
}
