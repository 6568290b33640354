// Package frametest reads drawn frames back as a person would, for the UI
// packages' tests.
package frametest

import "strings"

// Rows are the non-blank lines of frame after the first line header
// accepts (a table's column header) up to a pane rule ("─…") or the end.
func Rows(frame string, header func(line string) bool) []string {
	var rows []string
	in := false
	for _, l := range strings.Split(frame, "\n") {
		switch {
		case !in && header(l):
			in = true
		case strings.HasPrefix(l, "─"):
			if in {
				return rows
			}
		case in && strings.TrimSpace(l) != "":
			rows = append(rows, l)
		}
	}
	return rows
}
