package postgres

import (
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/stacktop/stacktop/ui/view"
)

// View implements view.Tab: the targets line, the server line, the sub-view
// tabs, status lines, then the sub-view (or the target's state).
func (t *Tab) View(ctx view.Context) string {
	l := t.layout()
	lines := make([]string, 0, ctx.Height)
	lines = append(lines, t.targetsLine(ctx), t.serverLine(ctx), t.viewsLine(ctx))
	lines = append(lines, t.statusLines(ctx)...)
	switch {
	case t.d.snap == nil && (t.view != Servers || len(t.order) == 0):
		// The servers view lists every target whatever the shown one's state.
		lines = append(lines, t.stateBody(ctx)...)
	case t.view != Servers && t.current() != nil && view.Historic(ctx, t.current().upd):
		// The servers view marks each target's own state in its row.
		hctx := ctx
		hctx.Now = t.d.snap.Taken // ages as of the data shown, not growing with the clock
		hctx.History = true       // and no rates
		lines = append(lines, view.DimLines(ctx, t.body(hctx, l))...)
	default:
		lines = append(lines, t.body(ctx, l)...)
	}
	if len(lines) > ctx.Height {
		lines = lines[:max(ctx.Height, 0)]
	}
	// A safety net for very narrow windows, where columns that are never
	// dropped no longer fit.
	for i, l := range lines {
		if len(l) > ctx.Width && ansi.StringWidth(l) > ctx.Width {
			lines[i] = ansi.Truncate(l, ctx.Width, "")
		}
	}
	return strings.Join(lines, "\n")
}

// body draws the shown sub-view in l.body lines.
func (t *Tab) body(ctx view.Context, l layout) []string {
	return t.sub(t.view).view(ctx, &t.d, l)
}

// pad appends empty lines to lines until it has n.
func pad(lines []string, n int) []string {
	for len(lines) < n {
		lines = append(lines, "")
	}
	return lines
}
