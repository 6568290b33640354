package docker

import (
	"strconv"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	ds "github.com/stacktop/stacktop/collectors/docker"
	"github.com/stacktop/stacktop/ui/sanitize"
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

// listView is the container list: its rows (filtered, grouped, sorted),
// the selection, the filter prompt, the order and its keys. The hosts'
// snapshots are the router's; the list is rebuilt from them.
type listView struct {
	*env
	keys ListKeys

	host   int // the host shown, an index into the router's hosts
	sortBy SortKey
	filter textinput.Model
	rows   []row // the current host's list, filtered, grouped and sorted
	// cursor is the selection; it always follows the selected row's key
	// (container or project) across refreshes.
	cursor widgets.Cursor[string]
}

func newListView(e *env) *listView {
	v := &listView{env: e, keys: newListKeys(), cursor: widgets.Cursor[string]{Picked: true}}
	v.filter = widgets.NewPrompt(e.st, "/", "name, image, project or state")
	return v
}

// refresh rebuilds the rows of h (nil: none); the selection goes back to
// the same container (or project), or stays at the same position when that
// row is gone. listRows is how many rows the list shows.
func (v *listView) refresh(h *hostState, listRows int) {
	if h == nil || h.snap == nil {
		v.rows = nil
		return
	}
	v.rows = buildRows(h.snap.Containers, v.sortBy, v.filter.Value(), h.collapsed)
	v.cursor.Place(len(v.rows), v.rowKey, listRows)
}

// rowKey is row i's key, the id the selection follows.
func (v *listView) rowKey(i int) string { return v.rows[i].key() }

// moveTo selects row i (clamped) and scrolls it into view.
func (v *listView) moveTo(i, listRows int) { v.cursor.MoveTo(i, len(v.rows), v.rowKey, listRows) }

func (v *listView) scrollIntoView(listRows int) { v.cursor.Scroll(len(v.rows), listRows) }

// selected is the container under the cursor, nil on a project row or in
// an empty list.
func (v *listView) selected() *ds.Container {
	if v.cursor.Sel < 0 || v.cursor.Sel >= len(v.rows) {
		return nil
	}
	return v.rows[v.cursor.Sel].c
}

// enableKeys switches the list's bindings for its state: hosts is how
// many hosts there are, data whether the one shown has a snapshot.
func (v *listView) enableKeys(hosts int, data bool) {
	s := listKeyState{rows: len(v.rows), hosts: hosts, data: data, filtering: v.filter.Focused(), filtered: v.filter.Value() != ""}
	if v.cursor.Sel < len(v.rows) {
		s.onGroup = v.rows[v.cursor.Sel].c == nil
		s.onContainer = !s.onGroup
	}
	v.keys.enable(s)
}

// Update handles a key in the list (not the filter prompt): moves,
// folds, sorts and filters, or asks the router for a pane. hosts are the
// router's, listRows how many rows the list shows.
func (v *listView) Update(msg tea.KeyMsg, hosts []*hostState, listRows int) (tea.Cmd, intent) {
	k := v.keys
	page := max(listRows, 1)
	h := func() *hostState {
		if v.host < 0 || v.host >= len(hosts) {
			return nil
		}
		return hosts[v.host]
	}
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
	case key.Matches(msg, k.Host):
		// Each host keeps its own selection while another is shown.
		h().selKey = v.cursor.ID
		v.host = (v.host + 1) % len(hosts)
		v.cursor = widgets.Cursor[string]{ID: h().selKey, Picked: true}
		v.refresh(h(), listRows)
	case key.Matches(msg, k.Sort):
		v.sortBy = (v.sortBy + 1) % sortKeys
		v.refresh(h(), listRows)
	case key.Matches(msg, k.Filter):
		return v.filter.Focus(), stay
	case key.Matches(msg, k.Toggle):
		if x := h(); x != nil {
			p := v.rows[v.cursor.Sel].project
			x.collapsed[p] = !x.collapsed[p]
			v.refresh(x, listRows)
		}
	case key.Matches(msg, k.Detail):
		return nil, wantDetail
	case key.Matches(msg, k.Logs):
		return nil, wantLogs
	case key.Matches(msg, k.Clear):
		v.filter.SetValue("")
		v.refresh(h(), listRows)
	}
	return nil, stay
}

// editFilter feeds a key to the filter prompt and re-filters h's rows as
// the user types.
func (v *listView) editFilter(msg tea.KeyMsg, h *hostState, listRows int) tea.Cmd {
	changed, cmd := widgets.EditFilter(&v.filter, msg, v.keys.Prompt.Accept, v.keys.Prompt.Cancel)
	if changed {
		v.refresh(h, listRows)
	}
	return cmd
}

// View draws the list of h (which has a snapshot) in listRows rows under
// its title and column header.
func (v *listView) View(ctx view.Context, h *hostState, listRows int) []string {
	lines := []string{v.listTitle(ctx, h)}
	cols := listColumns(v.sortBy.column(), v.sortBy.order())
	widths := widgets.Layout(cols, ctx.Width)
	lines = append(lines, ctx.Styles.TableHeader.Render(widgets.Header(cols, widths)))
	end := min(v.cursor.Offset+listRows, len(v.rows))
	old := view.Historic(ctx, h.upd)
	rctx := ctx
	if old {
		rctx.Now = h.upd.LastGood // ages as of the data, not growing with the clock
	}
	for i := v.cursor.Offset; i < end; i++ {
		row := v.renderRow(rctx, h.snap, cols, widths, i)
		if old {
			row = view.Dim(ctx, row)
		}
		lines = append(lines, row)
	}
	if len(v.rows) == 0 {
		lines = append(lines, v.emptyList(ctx, h))
		end++
	}
	for i := end - v.cursor.Offset; i < listRows; i++ {
		lines = append(lines, "")
	}
	return lines
}

// listTitle is "Containers 42 · 30 running · 3 need attention   sort name
// filter …" with the prompt in place of the filter while editing.
func (v *listView) listTitle(ctx view.Context, h *hostState) string {
	st := ctx.Styles
	running, attention := 0, 0
	for i := range h.snap.Containers {
		c := &h.snap.Containers[i]
		if c.Running() {
			running++
		}
		if c.Problem() != 0 {
			attention++
		}
	}
	title := " " + st.Title.Render("Containers") + " " + strconv.Itoa(len(h.snap.Containers)) +
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
			st.Muted.Render(" ("+strconv.Itoa(v.shown())+" shown)")
	}
	return widgets.Truncate(title, ctx.Width)
}

// shown counts the containers that pass the filter, collapsed or not.
func (v *listView) shown() int {
	n := 0
	for _, r := range v.rows {
		switch {
		case r.grp != nil:
			n += len(r.grp.members)
		case r.project == "":
			n++
		}
	}
	return n
}

func (v *listView) emptyList(ctx view.Context, h *hostState) string {
	st := ctx.Styles
	if len(h.snap.Containers) == 0 {
		return " " + st.Muted.Render("no containers on this host")
	}
	return " " + st.Muted.Render("no container matches “"+sanitize.Line(v.filter.Value())+"” — esc clears the filter")
}
