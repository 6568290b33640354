package postgres

import (
	"strconv"

	"github.com/charmbracelet/bubbles/textinput"

	pg "github.com/stacktop/stacktop/collectors/postgres"
	"github.com/stacktop/stacktop/ui/sanitize"
	"github.com/stacktop/stacktop/ui/view"
)

// prompt is the shown view's filter prompt, or nil when it has none.
func (t *Tab) prompt() *textinput.Model {
	if m, ok := t.sub(t.view).(filterModel); ok {
		return m.prompt()
	}
	return nil
}

// editing reports whether a filter prompt is open (only the shown view's
// can be: view keys are text while it is).
func (t *Tab) editing() bool {
	p := t.prompt()
	return p != nil && p.Focused()
}

// filterState is the title's part for a view's filter f: the prompt while
// it is edited, the applied filter with how many rows it leaves, or "".
func filterState(ctx view.Context, f *textinput.Model, shown int) string {
	st := ctx.Styles
	switch {
	case f.Focused():
		return "   " + f.View()
	case f.Value() != "":
		return "   filter " + st.Label.Render(sanitize.Line(f.Value())) + st.Muted.Render(" ("+strconv.Itoa(shown)+" shown)")
	}
	return ""
}

// filterHint is the title's reminder that / filters the view, while no
// filter is applied or edited.
func filterHint(ctx view.Context, f *textinput.Model, what string) string {
	if f.Focused() || f.Value() != "" {
		return ""
	}
	return ctx.Styles.Muted.Render("   / filter: " + what)
}

// noMatch is the line shown in place of rows when the filter leaves none.
func noMatch(ctx view.Context, what, filter string) string {
	return " " + ctx.Styles.Muted.Render("no "+what+" matches “"+sanitize.Line(filter)+"” — esc clears the filter")
}

// sortLabel is the title's "sort" value: the order's name, and whether I
// reversed it (the column's arrow says which way, when it fits).
func sortLabel(ctx view.Context, name string, rev bool) string {
	if rev {
		name += ", reversed"
	}
	return ctx.Styles.Label.Render(name)
}

// filterDatabases returns pointers to the databases whose name contains
// every word of filter.
func filterDatabases(dbs []pg.Database, filter string) []*pg.Database {
	terms := parseFilter(filter, nil)
	out := make([]*pg.Database, 0, len(dbs))
	for i := range dbs {
		if matchesAll(sanitize.Line(dbs[i].Name), terms) {
			out = append(out, &dbs[i])
		}
	}
	return out
}

// matchesAll reports whether name, as drawn, contains the text of every term.
func matchesAll(name string, terms []filterTerm) bool {
	for _, term := range terms {
		if !containsFold(name, term.text) {
			return false
		}
	}
	return true
}
