package postgres

import (
	"strconv"

	"github.com/charmbracelet/bubbles/textinput"

	pg "github.com/stacktop/stacktop/collectors/postgres"
	"github.com/stacktop/stacktop/ui/sanitize"
	"github.com/stacktop/stacktop/ui/theme"
	"github.com/stacktop/stacktop/ui/view"
	"github.com/stacktop/stacktop/ui/widgets"
)

// filterable reports whether v's list has a / filter. Each such view keeps
// its own: a word typed to find a session means nothing to the tables.
func filterable(v SubView) bool {
	return v == Activity || v == Statements || v == Tables || v == Databases
}

// newFilters returns the filter prompts of the filterable views, each with
// a placeholder saying what it matches.
func newFilters(st *theme.Styles) [numViews]textinput.Model {
	var out [numViews]textinput.Model
	for v, hint := range map[SubView]string{
		Activity:   "text, or db:… user:… app:… state:…",
		Statements: "text, or db:… user:…",
		Tables:     "table name",
		Databases:  "database name",
	} {
		out[v] = widgets.NewPrompt(st, "/", hint)
	}
	return out
}

// prompt is the shown view's filter prompt.
func (t *Tab) prompt() *textinput.Model { return &t.filters[t.view] }

// editing reports whether a filter prompt is open (only the shown view's
// can be: view keys are text while it is).
func (t *Tab) editing() bool { return t.filters[t.view].Focused() }

// filterState is the title's part for v's filter: the prompt while it is
// edited, the applied filter with how many rows it leaves, or "".
func (t *Tab) filterState(ctx view.Context, v SubView, shown int) string {
	st := ctx.Styles
	f := &t.filters[v]
	switch {
	case f.Focused():
		return "   " + f.View()
	case f.Value() != "":
		return "   filter " + st.Label.Render(sanitize.Line(f.Value())) + st.Muted.Render(" ("+strconv.Itoa(shown)+" shown)")
	}
	return ""
}

// filterHint is the title's reminder that / filters v, while no filter is
// applied or edited.
func (t *Tab) filterHint(ctx view.Context, v SubView, what string) string {
	if f := &t.filters[v]; f.Focused() || f.Value() != "" {
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
func (t *Tab) sortLabel(ctx view.Context, name string, v SubView) string {
	if t.rev[v] {
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
