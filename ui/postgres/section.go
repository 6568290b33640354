package postgres

import (
	"strconv"

	"github.com/charmbracelet/lipgloss"

	"github.com/stacktop/stacktop/ui/view"
	"github.com/stacktop/stacktop/ui/widgets"
)

// section is one titled list of a multi-list view (maintenance): a title,
// column header and rows, or one "none" line when empty.
type section struct {
	title string
	note  string // muted text after the title
	empty string // shown instead of the table when n == 0
	cols  []widgets.Column
	n     int
	cells func(i int) []string // the cells of row i
	style func(i int) *lipgloss.Style
}

// lines is how many lines the section needs to show rows rows.
func (s section) lines(rows int) int {
	if s.n == 0 {
		return 1
	}
	return 2 + min(rows, s.n)
}

// render draws the section with at most rows rows.
func (s section) render(ctx view.Context, rows int) []string {
	st := ctx.Styles
	title := " " + st.Title.Render(s.title)
	if s.n > 0 {
		title += " " + strconv.Itoa(s.n)
	}
	if s.n == 0 {
		return []string{widgets.Truncate(title+"  "+st.Muted.Render(s.empty), ctx.Width)}
	}
	if s.note != "" {
		title += st.Muted.Render("   " + s.note)
	}
	widths := widgets.Layout(s.cols, ctx.Width)
	out := []string{widgets.Truncate(title, ctx.Width), st.TableHeader.Render(widgets.Header(s.cols, widths))}
	shown := min(rows, s.n)
	for i := 0; i < shown; i++ {
		row := widgets.Row(s.cols, widths, s.cells(i))
		if s.style != nil {
			if style := s.style(i); style != nil {
				row = style.Render(row)
			}
		}
		out = append(out, row)
	}
	if shown < s.n && shown > 0 {
		out[len(out)-1] = " " + st.Muted.Render("… "+strconv.Itoa(s.n-shown+1)+" more")
	}
	return out
}

// shareSections renders sections into at most height lines, handing rows
// out one at a time so every non-empty list gets a fair share.
func shareSections(ctx view.Context, secs []section, height int) []string {
	rows := make([]int, len(secs))
	used := 0
	for _, s := range secs {
		used += s.lines(0)
	}
	for gave := true; gave && used < height; {
		gave = false
		for i, s := range secs {
			if rows[i] < s.n && used < height {
				rows[i]++
				used++
				gave = true
			}
		}
	}
	var out []string
	for i, s := range secs {
		if s.n > 0 && rows[i] == 0 {
			out = append(out, widgets.Truncate(" "+ctx.Styles.Title.Render(s.title)+" "+strconv.Itoa(s.n)+
				ctx.Styles.Muted.Render("  (no room; enlarge the window)"), ctx.Width))
			continue
		}
		out = append(out, s.render(ctx, rows[i])...)
	}
	return out
}
