package widgets

import "strings"

// Column describes one table column for Layout.
type Column struct {
	Title string
	// Width is the column's width; a Flex column takes at least Width and
	// shares whatever room is left.
	Width int
	Flex  bool
	Right bool // right-align (numbers)
	// Drop is the order in which columns are hidden when the table is too
	// narrow: 0 never, higher numbers go first.
	Drop int
}

// Layout decides which columns are shown and how wide they are for a table
// total cells wide, with one space between columns. Hidden columns get width
// 0. The result has one entry per column.
func Layout(cols []Column, total int) []int {
	widths := make([]int, len(cols))
	shown := make([]bool, len(cols))
	for i := range cols {
		shown[i] = true
	}
	need := func() int {
		n, k := 0, 0
		for i, c := range cols {
			if shown[i] {
				n += c.Width
				k++
			}
		}
		return n + max(k-1, 0)
	}
	for need() > total {
		worst := -1
		for i, c := range cols {
			if shown[i] && c.Drop > 0 && (worst < 0 || c.Drop > cols[worst].Drop) {
				worst = i
			}
		}
		if worst < 0 {
			break
		}
		shown[worst] = false
	}
	spare := max(total-need(), 0)
	flex := 0
	for i, c := range cols {
		if shown[i] && c.Flex {
			flex++
		}
	}
	for i, c := range cols {
		if !shown[i] {
			continue
		}
		widths[i] = c.Width
		if c.Flex && flex > 0 {
			share := spare / flex
			widths[i] += share
			spare -= share
			flex--
		}
	}
	return widths
}

// Row joins cells into one line using the widths from Layout, skipping
// columns of width 0. cells[i] may hold styling; it is cut and padded.
func Row(cols []Column, widths []int, cells []string) string {
	var b strings.Builder
	first := true
	for i, c := range cols {
		if widths[i] == 0 {
			continue
		}
		if !first {
			b.WriteByte(' ')
		}
		first = false
		b.WriteString(Cell(cells[i], widths[i], c.Right))
	}
	return b.String()
}

// Header is Row for the column titles.
func Header(cols []Column, widths []int) string {
	titles := make([]string, len(cols))
	for i, c := range cols {
		titles[i] = c.Title
	}
	return Row(cols, widths, titles)
}

// MarkSorted appends "▼" to the title of the column the table is sorted
// by (titled sortCol) and returns cols, so every table marks it alike.
func MarkSorted(cols []Column, sortCol string) []Column {
	for i := range cols {
		if cols[i].Title == sortCol {
			cols[i].Title += "▼"
		}
	}
	return cols
}
