package postgres

import (
	"strconv"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/charmbracelet/x/ansi"

	pg "github.com/stacktop/stacktop/collectors/postgres"
	"github.com/stacktop/stacktop/ui/format"
	"github.com/stacktop/stacktop/ui/theme"
	"github.com/stacktop/stacktop/ui/view"
	"github.com/stacktop/stacktop/ui/widgets"
)

// Activity table columns, in order.
const (
	acSel = iota
	acFlag
	acPID
	acDB
	acUser
	acApp
	acClient
	acState
	acWait
	acBlk
	acCPU
	acRSS
	acXact
	acTime
	acQuery
	acCols
)

// activityColumns returns the activity table's columns; the host columns
// only when the host's process table is joined. sortCol gets the arrow of
// order.
func activityColumns(sortCol string, order widgets.SortOrder, onHost bool) []widgets.Column {
	cols := []widgets.Column{
		{Width: 1}, {Width: 1},
		{Title: "PID", Width: 7, Right: true},
		{Title: "DATABASE", Width: 10, Drop: 5},
		{Title: "USER", Width: 10, Drop: 1},
		{Title: "APP", Width: 14, Drop: 7},
		{Title: "CLIENT", Width: 15, Drop: 8},
		{Title: "STATE", Width: 10},
		{Title: "WAIT", Width: 14, Drop: 2},
		{Title: "BLK", Width: 3, Right: true, Drop: 6},
		{Title: "CPU%", Width: 6, Right: true, Drop: 9},
		{Title: "RSS", Width: 9, Right: true, Drop: 10},
		{Title: "XACT", Width: 6, Right: true, Drop: 4},
		{Title: "TIME", Width: 6, Right: true},
		{Title: "QUERY", Width: 24, Flex: true},
	}
	if !onHost {
		cols[acCPU].Width, cols[acCPU].Drop = 0, 99
		cols[acRSS].Width, cols[acRSS].Drop = 0, 99
	}
	return widgets.MarkSorted(cols, sortCol, order)
}

// activityModel is the activity sub-view: the sessions, filtered (/, and
// "running only" unless i shows the idle ones) and sorted (s, I).
type activityModel struct {
	list
	keyed
	sort     ActivitySort
	rev      bool // I: the order reversed
	filter   textinput.Model
	showIdle bool      // i: idle sessions shown too (off: "running only")
	acts     []*actRow // derived.all, filtered and sorted
	hidden   int       // sessions matching the filter that "running only" leaves out
}

func newActivityModel(st *theme.Styles) *activityModel {
	return &activityModel{keyed: newKeyed(), filter: widgets.NewPrompt(st, "/", "text, or db:… user:… app:… state:…")}
}

// update handles s, I and i (idle sessions shown or not).
func (m *activityModel) update(msg tea.KeyMsg, d *derived) bool {
	if key.Matches(msg, m.keys.Idle) {
		m.showIdle = !m.showIdle
		return true
	}
	return sortKeys(m, msg, d)
}

func (m *activityModel) prompt() *textinput.Model { return &m.filter }
func (m *activityModel) listLen() int             { return len(m.acts) }
func (m *activityModel) listID(i int) int64       { return int64(m.acts[i].b.PID) }
func (m *activityModel) reverse()                 { m.rev = !m.rev }

func (m *activityModel) derive(d *derived) {
	m.acts, m.hidden = nil, 0
	if d.snap != nil && m.sort == ByCPU && !d.onHost {
		m.sort = ByQueryAge
	}
}

func (m *activityModel) reorder(d *derived) {
	m.acts, m.hidden = orderActivity(d.all, activityOrder{sort: m.sort, reversed: m.rev,
		filter: m.filter.Value(), runningOnly: !m.showIdle})
}

// cycleSort steps to the next order; CPU% only when the host is joined.
func (m *activityModel) cycleSort(d *derived) {
	m.sort = (m.sort + 1) % activitySorts
	if m.sort == ByCPU && !d.onHost {
		m.sort = (m.sort + 1) % activitySorts
	}
	m.rev = false
}

// selected is the session under the cursor, or nil.
func (m *activityModel) selected() *pg.Backend {
	if c := m.cur; c.Sel >= 0 && c.Sel < len(m.acts) {
		return m.acts[c.Sel].b
	}
	return nil
}

func (m *activityModel) view(ctx view.Context, d *derived, l layout) []string {
	st := ctx.Styles
	cols := activityColumns(m.sort.column(), m.sort.order().Reversed(m.rev), d.onHost)
	widths := widgets.Layout(cols, ctx.Width)
	if !d.onHost {
		widths[acCPU], widths[acRSS] = 0, 0
	}
	lines := []string{m.title(ctx, d), st.TableHeader.Render(widgets.Header(cols, widths))}
	rows := l.listRows(Activity)
	c := m.cur
	end := min(c.Offset+rows, len(m.acts))
	for i := c.Offset; i < end; i++ {
		lines = append(lines, activityRow(ctx, cols, widths, m.acts[i], i == c.Sel))
	}
	switch {
	case len(m.acts) == 0 && m.filter.Value() != "":
		lines = append(lines, noMatch(ctx, "session", m.filter.Value()))
	case len(m.acts) == 0 && m.hidden > 0:
		lines = append(lines, " "+st.Muted.Render("no session is running — i shows the idle ones"))
	case len(m.acts) == 0:
		lines = append(lines, " "+st.Muted.Render("no sessions besides stacktop's own"))
	}
	lines = pad(lines, 2+rows)
	if l.detail > 0 {
		lines = append(lines, d.detailView(ctx, l.detail)...)
	}
	return lines
}

// title is "Sessions 40 · running only, 26 idle hidden   sort query
// age   filter …".
func (m *activityModel) title(ctx view.Context, d *derived) string {
	st := ctx.Styles
	s := d.snap
	head := " " + st.Title.Render("Sessions") + " " + strconv.Itoa(len(s.Activity))
	hidden := st.Muted.Render(" · " + strconv.Itoa(m.hidden) + " idle hidden")
	marker := ""
	if !m.showIdle {
		marker = " · " + st.Label.Render("running only") + hidden
	}
	sortPart := "   sort " + sortLabel(ctx, m.sort.String(), m.rev)
	filter := filterState(ctx, &m.filter, len(m.acts))
	// The filter being typed must stay whole on a narrow screen: say less
	// about the rest first.
	if filter != "" && ansi.StringWidth(head+marker+sortPart+filter) > ctx.Width {
		if marker != "" {
			marker = hidden
		}
		if ansi.StringWidth(head+marker+sortPart+filter) > ctx.Width {
			sortPart = ""
		}
	}
	title := head + marker + sortPart + filter + filterHint(ctx, &m.filter, "text, db: user: app: state:")
	return widgets.Truncate(title, ctx.Width)
}

// activityRow renders one session. Problems are marked in the flag column
// ("!" critical, "~" warning) and in the cell that explains them.
func activityRow(ctx view.Context, cols []widgets.Column, widths []int, r *actRow, selected bool) string {
	st := ctx.Styles
	var cells [acCols]string
	cells[acSel] = " "
	if selected {
		cells[acSel] = ">"
	}
	b := r.b
	cells[acPID], cells[acDB], cells[acUser], cells[acApp], cells[acClient] = r.pid, r.db, r.user, r.app, r.client
	cells[acState], cells[acWait], cells[acQuery] = r.state, r.wait, r.query
	if r.blocks > 0 {
		cells[acBlk] = strconv.Itoa(r.blocks)
	}
	if r.onHost {
		cells[acCPU], cells[acRSS] = format.NA, format.Bytes(r.rss)
		if r.cpuOK {
			cells[acCPU] = format.Percent(r.cpu)
		}
	}
	cells[acXact] = age(b.XactAge)
	cells[acTime] = age(b.QueryAge)
	cells[acFlag] = " "
	if !selected {
		switch r.level {
		case sevCrit:
			cells[acFlag] = st.Bad.Render("!")
		case sevWarn:
			cells[acFlag] = st.Warn.Render("~")
		}
		hi := st.Bad
		if r.level == sevWarn {
			hi = st.Warn
		}
		switch {
		case r.level == sevNone:
		case r.blocks > 0:
			cells[acBlk] = hi.Render(cells[acBlk])
		case isIdleInTx(b):
			cells[acState] = hi.Render(cells[acState])
		default:
			cells[acTime] = hi.Render(cells[acTime])
		}
	} else if r.level == sevCrit {
		cells[acFlag] = "!"
	} else if r.level == sevWarn {
		cells[acFlag] = "~"
	}
	row := widgets.Row(cols, widths, cells[:])
	if selected {
		return st.Selected.Render(row)
	}
	return row
}

// age formats an Age, blank when it does not exist.
func age(a pg.Age) string {
	if !a.Valid {
		return ""
	}
	return format.Duration(a.D)
}
