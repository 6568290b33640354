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

// SortOrder is which way a table is sorted, as its header marks it.
type SortOrder int

// The two ways. Which one an order is comes from what it puts first: the
// largest figure (CPU%, age, size) is Descending, the smallest PID or the
// first name in the alphabet Ascending.
const (
	Descending SortOrder = iota // largest first, marked ▼
	Ascending                   // smallest first, marked ▲
)

// Reversed is the other way when rev is true, o otherwise.
func (o SortOrder) Reversed(rev bool) SortOrder {
	if !rev {
		return o
	}
	return 1 - o
}

// mark is the arrow appended to the sorted column's title.
func (o SortOrder) mark() string {
	if o == Ascending {
		return "▲"
	}
	return "▼"
}

// MarkSorted appends the arrow of order ("▼" descending, "▲" ascending) to
// the title of the column the table is sorted by (titled sortCol) and
// returns cols, so every table marks it alike and says which way.
func MarkSorted(cols []Column, sortCol string, order SortOrder) []Column {
	for i := range cols {
		if cols[i].Title == sortCol {
			cols[i].Title += order.mark()
		}
	}
	return cols
}
