package docker

import (
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	ds "github.com/stacktop/stacktop/collectors/docker"
	"github.com/stacktop/stacktop/ui/sanitize"
	"github.com/stacktop/stacktop/ui/theme"
	"github.com/stacktop/stacktop/ui/view"
	"github.com/stacktop/stacktop/ui/widgets"
)

// intent is what a sub-view asks of the router after a key: the panes
// are the router's to open and close, since opening one closes the other.
type intent int

const (
	stay       intent = iota
	wantDetail        // open the detail pane on the target container
	wantReveal        // the detail pane again, secrets revealed or masked
	wantLogs          // open the logs pane on the target container
	wantClose         // close the open pane
)

// listView is the container list: every engine's containers in one list,
// grouped by engine, then by compose project (both foldable), with the
// selection, the filter prompt, the order and its keys. The engines'
// snapshots are the router's; the list is rebuilt from them.
type listView struct {
	keys ListKeys

	sortBy SortKey
	filter textinput.Model
	rows   []row // every engine's rows, filtered, grouped and sorted
	width  int   // the tab's, to wrap an engine's cause over rows
	// cursor is the selection; it always follows the selected row's key
	// (engine, container or project) across refreshes.
	cursor widgets.Cursor[string]
}

// newListView is an empty list; st styles its filter prompt.
func newListView(st *theme.Styles) *listView {
	v := &listView{keys: newListKeys(), cursor: widgets.Cursor[string]{Picked: true}}
	v.filter = widgets.NewPrompt(st, "/", "name, image, project or state")
	return v
}

// refresh rebuilds the rows of hosts; the selection goes back to the same
// row, or stays at the same position when that row is gone. listRows is
// how many rows the list shows.
func (v *listView) refresh(hosts []*hostState, listRows int) {
	v.rows = buildList(hosts, v.sortBy, v.filter.Value(), v.width)
	v.cursor.Place(len(v.rows), v.rowKey, listRows)
}

// rowKey is row i's key, the id the selection follows.
func (v *listView) rowKey(i int) string { return v.rows[i].key() }

// moveTo selects row i (clamped) and scrolls it into view.
func (v *listView) moveTo(i, listRows int) { v.cursor.MoveTo(i, len(v.rows), v.rowKey, listRows) }

func (v *listView) scrollIntoView(listRows int) { v.cursor.Scroll(len(v.rows), listRows) }

// selectedRow is the row under the cursor, nil in an empty list.
func (v *listView) selectedRow() *row {
	if v.cursor.Sel < 0 || v.cursor.Sel >= len(v.rows) {
		return nil
	}
	return &v.rows[v.cursor.Sel]
}

// selected is the container under the cursor and its engine; nil on any
// other row or in an empty list.
func (v *listView) selected() (*hostState, *ds.Container) {
	r := v.selectedRow()
	if r == nil || r.kind != rowContainer {
		return nil, nil
	}
	return r.host, r.c
}

// enableKeys switches the list's bindings for its state: data is whether
// any engine has a snapshot.
func (v *listView) enableKeys(data bool) {
	s := listKeyState{rows: len(v.rows), data: data, filtering: v.filter.Focused(), filtered: v.filter.Value() != ""}
	if r := v.selectedRow(); r != nil {
		s.onGroup = r.kind == rowEngine || r.kind == rowProject
		s.onContainer = r.kind == rowContainer
	}
	v.keys.enable(s)
}

// Update handles a key in the list (not the filter prompt): moves,
// folds, sorts and filters, or asks the router for a pane. hosts are the
// router's, listRows how many rows the list shows.
func (v *listView) Update(msg tea.KeyMsg, hosts []*hostState, listRows int) (tea.Cmd, intent) {
	k := v.keys
	page := max(listRows, 1)
	switch {
	case key.Matches(msg, k.Up):
		v.moveTo(v.cursor.Sel-1, listRows)
	case key.Matches(msg, k.Down):
		v.moveTo(v.cursor.Sel+1, listRows)
	case key.Matches(msg, k.PageUp):
		v.moveTo(v.cursor.Sel-page, listRows)
	case key.Matches(msg, k.PageDown):
		v.moveTo(v.cursor.Sel+page, listRows)
	case key.Matches(msg, k.Top):
		v.moveTo(0, listRows)
	case key.Matches(msg, k.Bottom):
		v.moveTo(len(v.rows)-1, listRows)
	case key.Matches(msg, k.Sort):
		v.sortBy = (v.sortBy + 1) % sortKeys
		v.refresh(hosts, listRows)
	case key.Matches(msg, k.Filter):
		return v.filter.Focus(), stay
	case key.Matches(msg, k.Toggle):
		if r := v.selectedRow(); r != nil && r.kind == rowEngine {
			r.host.folded = !r.host.folded
		} else if r != nil {
			r.host.collapsed[r.project] = !r.host.collapsed[r.project]
		}
		v.refresh(hosts, listRows)
	case key.Matches(msg, k.Detail):
		return nil, wantDetail
	case key.Matches(msg, k.Logs):
		return nil, wantLogs
	case key.Matches(msg, k.Clear):
		v.filter.SetValue("")
		v.refresh(hosts, listRows)
	}
	return nil, stay
}

// editFilter feeds a key to the filter prompt and re-filters the rows as
// the user types.
func (v *listView) editFilter(msg tea.KeyMsg, hosts []*hostState, listRows int) tea.Cmd {
	changed, cmd := widgets.EditFilter(&v.filter, msg, v.keys.Prompt.Accept, v.keys.Prompt.Cancel)
	if changed {
		v.refresh(hosts, listRows)
	}
	return cmd
}

// View draws the list of hosts in listRows rows under its title and
// column header.
func (v *listView) View(ctx view.Context, hosts []*hostState, listRows int) []string {
	lines := []string{v.listTitle(ctx, hosts)}
	cols := listColumns(v.sortBy.column(), v.sortBy.order())
	widths := widgets.Layout(cols, ctx.Width)
	lines = append(lines, ctx.Styles.TableHeader.Render(widgets.Header(cols, widths)))
	end := min(v.cursor.Offset+listRows, len(v.rows))
	for i := v.cursor.Offset; i < end; i++ {
		lines = append(lines, v.renderRow(ctx, cols, widths, i))
	}
	for i := end - v.cursor.Offset; i < listRows; i++ {
		lines = append(lines, "")
	}
	return lines
}

// listTitle is "Containers 42 · 30 running · 3 need attention   sort name
// filter …" over every engine with data, with the prompt in place of the
// filter while editing.
func (v *listView) listTitle(ctx view.Context, hosts []*hostState) string {
	st := ctx.Styles
	total, running, attention := 0, 0, 0
	for _, h := range hosts {
		if h.snap == nil {
			continue
		}
		total += len(h.snap.Containers)
		for i := range h.snap.Containers {
			c := &h.snap.Containers[i]
			if c.Running() {
				running++
			}
			if c.Problem() != 0 {
				attention++
			}
		}
	}
	title := " " + st.Title.Render("Containers") + " " + strconv.Itoa(total) +
		st.Muted.Render(" · "+strconv.Itoa(running)+" running")
	if attention > 0 {
		title += st.Muted.Render(" · ") + st.Bad.Render(strconv.Itoa(attention)+" need attention")
	}
	title += "   sort " + st.Label.Render(v.sortBy.String())
	switch {
	case v.filter.Focused():
		title += "   " + v.filter.View()
	case v.filter.Value() != "":
		title += "   filter " + st.Label.Render(sanitize.Line(v.filter.Value())) +
			st.Muted.Render(" ("+strconv.Itoa(v.shown(hosts))+" shown)")
	}
	return widgets.Truncate(title, ctx.Width)
}

// shown counts the containers of hosts that pass the filter, in folded
// engines and projects too.
func (v *listView) shown(hosts []*hostState) int {
	q := strings.ToLower(strings.TrimSpace(v.filter.Value()))
	n := 0
	for _, h := range hosts {
		if h.snap == nil {
			continue
		}
		for i := range h.snap.Containers {
			if matches(&h.snap.Containers[i], q) {
				n++
			}
		}
	}
	return n
}
