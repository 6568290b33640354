package widgets

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// Ellipsis marks text cut to fit.
const Ellipsis = "…"

// Truncate cuts s (which may hold styling) to at most w cells, ending in
// Ellipsis when something was cut.
func Truncate(s string, w int) string {
	if w <= 0 {
		return ""
	}
	return ansi.Truncate(s, w, Ellipsis)
}

// Cell truncates s to w cells and pads it with spaces to exactly w cells,
// left-aligned, or right-aligned when right is true. s may hold styling.
func Cell(s string, w int, right bool) string {
	if w <= 0 {
		return ""
	}
	sw := ansi.StringWidth(s)
	if sw > w {
		return ansi.Truncate(s, w, Ellipsis)
	}
	pad := strings.Repeat(" ", w-sw)
	if right {
		return pad + s
	}
	return s + pad
}

// Fit makes s exactly h lines of at most w cells each: longer lines are cut
// (without an ellipsis, so styled frames stay intact), missing lines are
// added empty and extra lines dropped. The root uses it so a frame never
// scrolls the terminal or leaves stale text behind.
func Fit(s string, w, h int) string {
	if h <= 0 {
		return ""
	}
	lines := strings.SplitN(s, "\n", h+1)
	if len(lines) > h {
		lines = lines[:h]
	}
	var b strings.Builder
	b.Grow(len(s) + h)
	for i := 0; i < h; i++ {
		if i > 0 {
			b.WriteByte('\n')
		}
		if i < len(lines) {
			l := lines[i]
			if ansi.StringWidth(l) > w {
				l = ansi.Truncate(l, w, "")
			}
			b.WriteString(l)
		}
	}
	return b.String()
}

// Lines splits s into lines, treating "" as no lines at all.
func Lines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// Grid lays out cells of equal width cellW in as many columns as fit into
// width (at least one), separated by two spaces, row by row, using at most
// maxRows rows. It returns the lines and how many cells it left out.
func Grid(cells []string, cellW, width, maxRows int) (lines []string, hidden int) {
	if len(cells) == 0 || maxRows <= 0 {
		return nil, len(cells)
	}
	cols := max((width+2)/(cellW+2), 1)
	show := min(len(cells), cols*maxRows)
	for i := 0; i < show; i += cols {
		var b strings.Builder
		for j := i; j < min(i+cols, show); j++ {
			if j > i {
				b.WriteString("  ")
			}
			b.WriteString(Cell(cells[j], cellW, false))
		}
		lines = append(lines, strings.TrimRight(b.String(), " "))
	}
	return lines, len(cells) - show
}
