package postgres

import (
	"cmp"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/stacktop/stacktop/collectors"
	pg "github.com/stacktop/stacktop/collectors/postgres"
	"github.com/stacktop/stacktop/ui/format"
	"github.com/stacktop/stacktop/ui/sanitize"
	"github.com/stacktop/stacktop/ui/theme"
	"github.com/stacktop/stacktop/ui/view"
	"github.com/stacktop/stacktop/ui/widgets"
)

// xidLimit is the transaction-ID distance at which PostgreSQL would wrap
// around (2^31); the servers view shows the oldest database's age(datfrozenxid)
// as a share of it.
const xidLimit = 1 << 31

// Past xidWarn of the limit anti-wraparound autovacuum (which starts at
// autovacuum_freeze_max_age, 200M or 9% by default) is not keeping up; past
// xidCrit half the ID space is used and the server will stop assigning IDs
// long before anyone notices otherwise. [thresholds] has no key for it.
const (
	xidWarn = 25.0
	xidCrit = 50.0
)

// serverFacts are one target's figures for the servers view, worked out in
// Update when its snapshot changes (target.record), so a frame only lays
// them out.
type serverFacts struct {
	version          string
	standby          bool
	upstream         string // a standby's sender, host:port (unredacted)
	used, max        int
	active, waiting  int
	idleTx           int
	oldestIdle       pg.Age // the longest a session has sat idle in a transaction
	tps              collectors.Rate
	hit              pg.Ratio
	lag              pg.Age // worst standby's replay lag, or a standby's replay delay
	lagBytes         int64
	hasLag           bool // there is replication to measure
	longestQuery     pg.Age
	longestXact      pg.Age
	xidPct           float64 // oldest age(datfrozenxid) as a share of xidLimit
	connectionsKnown bool
}

// factsOf works out the servers-view figures of s.
func factsOf(s *pg.Snapshot) serverFacts {
	sv := s.Server
	version, _, _ := strings.Cut(sanitize.Line(sv.ShortVersion), " ") // "15.8", not its packaging
	f := serverFacts{version: version, standby: sv.IsStandby, used: sv.ConnectionsUsed, max: sv.ConnectionsMax,
		active: sv.States.Active, waiting: sv.States.WaitingOnLock, idleTx: sv.States.IdleInTransaction + sv.States.IdleInTransactionAborted,
		tps: s.Total.TPS, hit: s.Total.CacheHitRatio, connectionsKnown: sv.ConnectionsMax > 0}
	for i := range s.Activity {
		b := &s.Activity[i]
		if b.BackendType != "" && b.BackendType != "client backend" {
			continue
		}
		if isIdleInTx(b) && b.StateAge.Valid && b.StateAge.D > f.oldestIdle.D {
			f.oldestIdle = b.StateAge
		}
		if b.XactAge.Valid && b.XactAge.D > f.longestXact.D {
			f.longestXact = b.XactAge
		}
	}
	if b := longestQuery(s); b != nil {
		f.longestQuery = b.QueryAge
	}
	r := s.Replication
	if rc := r.Receiver; rc != nil {
		f.upstream = sanitize.Line(rc.SenderHost) + ":" + strconv.Itoa(rc.SenderPort)
		f.lag, f.lagBytes, f.hasLag = rc.ReplayDelay, rc.ReplayLagBytes, true
	}
	for _, sb := range r.Standbys {
		if !f.hasLag || sb.ReplayLag.D > f.lag.D || (!f.lag.Valid && sb.ReplayLagBytes > f.lagBytes) {
			f.lag, f.lagBytes, f.hasLag = sb.ReplayLag, sb.ReplayLagBytes, true
		}
	}
	var xid int64
	for _, db := range s.Databases {
		xid = max(xid, db.XIDAge)
	}
	f.xidPct = float64(xid) * 100 / xidLimit
	return f
}

// serverHealth is a row's state, worst last.
type serverHealth int

const (
	healthWaiting  serverHealth = iota // not polled yet
	healthNotFound                     // the implicit target, nothing listening
	healthOK
	healthDegraded // the latest poll failed; data from before
	healthStale    // no good poll for three intervals
	healthDown     // cannot connect: what data there is is old
)

func (h serverHealth) String() string {
	return [...]string{"waiting", "not found", "ok", "degraded", "stale", "down"}[h]
}

// healthOf classifies a target at now. A target whose latest poll could
// not even connect is down, whatever data it had before.
func healthOf(tg *target, now time.Time) serverHealth {
	switch tg.state() {
	case stateWaiting:
		return healthWaiting
	case stateNotFound:
		return healthNotFound
	case stateDown:
		return healthDown
	}
	var pe *pg.Error
	switch {
	case tg.upd.Err != nil && (errors.Is(tg.upd.Err, collectors.ErrSourceAbsent) || errors.As(tg.upd.Err, &pe) && pe.Op == "connect"):
		return healthDown
	case tg.upd.Stale(now):
		return healthStale
	case tg.upd.Err != nil:
		return healthDegraded
	}
	return healthOK
}

// serverRow is one target in the servers view.
type serverRow struct {
	idx    int // index in Tab.order: the id the cursor follows
	name   string
	tg     *target
	health serverHealth // as of the newest poll of any target (see refresh)
	facts  serverFacts
	data   bool // facts are known
	level  int  // how bad: 0 none, 1 warning, 2 critical, 3 degraded, 4 stale, 5 down
	marks  [svCols]severity
	role   string // "primary", "standby of host:port" (redacted as asked)
}

// ServerSort is an order of the servers view.
type ServerSort int

// The orders s cycles through in the servers view.
const (
	ByProblems ServerSort = iota // the worst first, then the config's order
	ByName
	ByTPS
	ByConnections // share of max_connections in use
	ByLag
	ByXIDAge
	serverSorts
)

// String names the order as the view's title shows it.
func (k ServerSort) String() string {
	return [...]string{"problems", "name", "TPS", "connections", "lag", "xid age"}[k]
}

func (k ServerSort) column() string {
	return [...]string{"", "TARGET", "TPS", "CONNS", "LAG", "XID%"}[k]
}

func (k ServerSort) order() widgets.SortOrder {
	if k == ByName {
		return widgets.Ascending
	}
	return widgets.Descending
}

// serversModel is the servers sub-view: one row per target, problems first.
// Its rows come from every target, not from the shown one's derived data.
type serversModel struct {
	list
	keyed
	sort    ServerSort
	rev     bool
	filter  textinput.Model
	order   *[]string          // the Tab's targets, in config order
	targets map[string]*target // the Tab's
	opts    *Options
	rows    []*serverRow // filtered and sorted
	all     []serverRow
	now     time.Time // the newest poll of any target: "now" for Update
}

func newServersModel(st *theme.Styles, order *[]string, targets map[string]*target, opts *Options) *serversModel {
	return &serversModel{keyed: newKeyed(), filter: widgets.NewPrompt(st, "/", "name, role, health or version"), order: order, targets: targets, opts: opts}
}

func (m *serversModel) prompt() *textinput.Model { return &m.filter }
func (m *serversModel) listLen() int             { return len(m.rows) }
func (m *serversModel) listID(i int) int64       { return int64(m.rows[i].idx) }
func (m *serversModel) reverse()                 { m.rev = !m.rev }

func (m *serversModel) update(msg tea.KeyMsg, d *derived) bool { return sortKeys(m, msg, d) }
func (m *serversModel) derive(*derived)                        {}
func (m *serversModel) reorder(*derived)                       { m.refresh() }

func (m *serversModel) cycleSort(*derived) {
	m.sort = (m.sort + 1) % serverSorts
	m.rev = false
}

// selected is the target under the cursor, or nil.
func (m *serversModel) selected() *serverRow {
	if c := m.cur; c.Sel >= 0 && c.Sel < len(m.rows) {
		return m.rows[c.Sel]
	}
	return nil
}

// refresh rebuilds the rows from every target's latest update, then
// filters and sorts them.
func (m *serversModel) refresh() {
	order := *m.order
	for _, name := range order {
		if tg := m.targets[name]; tg.upd.PolledAt.After(m.now) {
			m.now = tg.upd.PolledAt
		}
	}
	m.all = slices.Grow(m.all[:0], len(order))
	for i, name := range order {
		m.all = append(m.all, m.row(i, m.targets[name]))
	}
	terms := parseFilter(m.filter.Value(), nil)
	m.rows = m.rows[:0]
	for i := range m.all {
		r := &m.all[i]
		if matchesAll(r.name+" "+r.health.String()+" "+r.role+" "+r.facts.version, terms) {
			m.rows = append(m.rows, r)
		}
	}
	slices.SortStableFunc(m.rows, func(a, b *serverRow) int {
		if m.rev {
			a, b = b, a
		}
		return cmp.Or(compareServers(m.sort, a, b), cmp.Compare(a.idx, b.idx))
	})
}

// row is target tg's row, its cells marked against the thresholds.
func (m *serversModel) row(idx int, tg *target) serverRow {
	r := serverRow{idx: idx, name: sanitize.Line(tg.name), tg: tg, health: healthOf(tg, m.now), facts: tg.facts, data: tg.snap != nil}
	f := &r.facts
	r.role = "primary"
	if f.standby {
		r.role = "standby"
		if f.upstream != "" {
			up := f.upstream
			if m.opts.Redact {
				up = clientAddr(up, false, true)
			}
			r.role += " of " + up
		}
	}
	if r.data && r.health != healthDown {
		r.marks = marksOf(f, m.opts.Thresholds)
	}
	for _, s := range r.marks {
		r.level = max(r.level, int(s))
	}
	switch r.health {
	case healthDegraded:
		r.level = 3
	case healthStale:
		r.level = 4
	case healthDown:
		r.level = 5
	}
	return r
}

// marksOf judges a target's figures against the thresholds, cell by cell.
func marksOf(f *serverFacts, th Thresholds) (marks [svCols]severity) {
	mark := func(col int, s severity) {
		marks[col] = max(marks[col], s)
	}
	if f.connectionsKnown && float64(f.used)*100/float64(f.max) >= th.ConnectionsPercent {
		mark(svConns, sevCrit)
	}
	if f.oldestIdle.Valid && f.oldestIdle.D >= th.IdleInTransaction {
		mark(svIdleTx, sevCrit)
	}
	if f.waiting > 0 {
		mark(svWait, sevWarn)
	}
	switch {
	case f.longestQuery.D >= th.LongQueryCrit:
		mark(svQuery, sevCrit)
	case f.longestQuery.D >= th.LongQueryWarn:
		mark(svQuery, sevWarn)
	}
	switch {
	case f.longestXact.D >= th.LongQueryCrit:
		mark(svXact, sevCrit)
	case f.longestXact.D >= th.LongQueryWarn:
		mark(svXact, sevWarn)
	}
	if f.hasLag && f.lag.Valid && f.lag.D >= th.ReplicationLag {
		mark(svLag, sevCrit)
	}
	switch {
	case f.xidPct >= xidCrit:
		mark(svXID, sevCrit)
	case f.xidPct >= xidWarn:
		mark(svXID, sevWarn)
	}
	return marks
}

// compareServers orders two rows by k, the "most" first.
func compareServers(k ServerSort, a, b *serverRow) int {
	switch k {
	case ByProblems:
		return cmp.Compare(b.level, a.level)
	case ByName:
		return cmp.Compare(a.name, b.name)
	case ByTPS:
		return cmp.Compare(rateOrNeg(b), rateOrNeg(a))
	case ByConnections:
		return cmp.Compare(connShare(b), connShare(a))
	case ByLag:
		return cmp.Compare(lagOf(b), lagOf(a))
	case ByXIDAge:
		return cmp.Compare(xidOf(b), xidOf(a))
	}
	return 0
}

func rateOrNeg(r *serverRow) float64 {
	if !r.data || !r.facts.tps.Valid {
		return -1
	}
	return r.facts.tps.PerSec
}

func connShare(r *serverRow) float64 {
	if !r.data || !r.facts.connectionsKnown {
		return -1
	}
	return float64(r.facts.used) / float64(r.facts.max)
}

func lagOf(r *serverRow) time.Duration {
	if !r.data || !r.facts.hasLag || !r.facts.lag.Valid {
		return -1
	}
	return r.facts.lag.D
}

func xidOf(r *serverRow) float64 {
	if !r.data {
		return -1
	}
	return r.facts.xidPct
}

// Servers table columns.
const (
	svSel = iota
	svFlag
	svName
	svHealth
	svVersion
	svRole
	svConns
	svActive
	svIdleTx
	svWait
	svTPS
	svSpark
	svHit
	svLag
	svQuery
	svXact
	svXID
	svCols
)

func serverColumns(sortCol string, order widgets.SortOrder) []widgets.Column {
	cols := []widgets.Column{
		{Width: 1}, {Width: 1},
		{Title: "TARGET", Width: 12},
		{Title: "HEALTH", Width: 12},
		{Title: "VERSION", Width: 7, Drop: 11},
		{Title: "ROLE", Width: 18, Flex: true},
		{Title: "CONNS", Width: 8, Right: true},
		{Title: "ACT", Width: 4, Right: true, Drop: 6},
		{Title: "IDLE TX", Width: 9, Right: true, Drop: 5},
		{Title: "WAIT", Width: 4, Right: true, Drop: 7},
		{Title: "TPS", Width: 7, Right: true},
		{Title: "TPS HISTORY", Width: 14, Drop: 10},
		{Title: "HIT%", Width: 6, Right: true, Drop: 8},
		{Title: "LAG", Width: 8, Right: true, Drop: 2},
		{Title: "QUERY", Width: 7, Right: true, Drop: 4},
		{Title: "XACT", Width: 7, Right: true, Drop: 9},
		{Title: "XID%", Width: 5, Right: true, Drop: 3},
	}
	if sortCol == "" {
		return cols
	}
	return widgets.MarkSorted(cols, sortCol, order)
}

func (m *serversModel) view(ctx view.Context, _ *derived, l layout) []string {
	st := ctx.Styles
	problems := 0
	for i := range m.all {
		if m.all[i].level > 0 {
			problems++
		}
	}
	title := " " + st.Title.Render("Servers") + " " + strconv.Itoa(len(m.all))
	if problems > 0 {
		title += " · " + st.Bad.Render(strconv.Itoa(problems)+" with problems")
	}
	title += "   sort " + sortLabel(ctx, m.sort.String(), m.rev) + filterState(ctx, &m.filter, len(m.rows)) +
		st.Muted.Render("   enter opens a target, esc comes back") + filterHint(ctx, &m.filter, "name, role, health")
	cols := serverColumns(m.sort.column(), m.sort.order().Reversed(m.rev))
	widths := widgets.Layout(cols, ctx.Width)
	lines := []string{widgets.Truncate(title, ctx.Width), st.TableHeader.Render(widgets.Header(cols, widths))}
	rows := l.listRows(Servers)
	c := m.cur
	p := newPaints(st)
	for i := c.Offset; i < min(c.Offset+rows, len(m.rows)); i++ {
		lines = append(lines, serverLine(ctx, p, cols, widths, m.rows[i], i == c.Sel))
	}
	switch {
	case len(m.rows) == 0 && m.filter.Value() != "":
		lines = append(lines, noMatch(ctx, "target", m.filter.Value()))
	case len(m.rows) == 0:
		lines = append(lines, " "+st.Muted.Render("no targets yet"))
	}
	return lines
}

// serverLine renders one target. A target that is down shows its cause
// after its health instead of figures; one without data yet, its state.
func serverLine(ctx view.Context, p paints, cols []widgets.Column, widths []int, r *serverRow, selected bool) string {
	st := ctx.Styles
	var cells [svCols]string
	cells[svSel], cells[svFlag] = " ", " "
	if selected {
		cells[svSel] = ">"
	}
	cells[svName] = r.name
	h := healthOf(r.tg, ctx.Now)
	hpaint, word := p.health(h)
	cells[svHealth] = word
	if !r.tg.upd.LastGood.IsZero() && h >= healthOK {
		cells[svHealth] += " " + format.Age(ctx.Now, r.tg.upd.LastGood) // the age of its data
	}
	level := r.level
	if h == healthStale && level < 4 {
		level = 4 // went stale since the last update
	}
	if !selected {
		switch {
		case level >= 2:
			cells[svFlag] = p.bad.on("!")
		case level == 1:
			cells[svFlag] = p.warn.on("~")
		}
		cells[svHealth] = hpaint.on(cells[svHealth])
	} else if level >= 2 {
		cells[svFlag] = "!"
	} else if level == 1 {
		cells[svFlag] = "~"
	}
	if !r.data || r.health == healthDown {
		return causeLine(ctx, p, cols, widths, cells, r, selected)
	}
	figureCells(st, &cells, widths, r)
	if !selected {
		for col, s := range r.marks {
			switch s {
			case sevCrit:
				cells[col] = p.bad.on(cells[col])
			case sevWarn:
				cells[col] = p.warn.on(cells[col])
			}
		}
	}
	row := widgets.Row(cols, widths, cells[:])
	if selected {
		return st.Selected.Render(row)
	}
	return row
}

// causeLine is the row of a target without figures to show: its name and
// health, then why (the error's cause and hint) across the rest of the row.
func causeLine(ctx view.Context, p paints, cols []widgets.Column, widths []int, cells [svCols]string, r *serverRow, selected bool) string {
	cause := ""
	switch {
	case r.tg.upd.Err != nil:
		cause = sanitize.Line(r.tg.upd.Err.Error())
	case r.health == healthWaiting:
		cause = "waiting for the first poll"
	}
	n := svHealth + 1
	row := widgets.Row(cols[:n], widths[:n], cells[:n])
	rest := max(ctx.Width-lipgloss.Width(row)-1, 0)
	text := widgets.Truncate(cause, rest)
	if !selected && r.health == healthDown {
		text = p.bad.on(text)
	} else if !selected {
		text = p.muted.on(text)
	}
	row += " " + text
	if selected {
		return ctx.Styles.Selected.Render(widgets.Cell(row, ctx.Width, false))
	}
	return row
}

// figureCells fills the cells of a target with data.
func figureCells(st *theme.Styles, cells *[svCols]string, widths []int, r *serverRow) {
	f := &r.facts
	cells[svVersion] = f.version
	cells[svRole] = r.role
	cells[svConns] = strconv.Itoa(f.used) + "/" + strconv.Itoa(f.max)
	cells[svActive] = strconv.Itoa(f.active)
	cells[svIdleTx] = strconv.Itoa(f.idleTx)
	if f.idleTx > 0 && f.oldestIdle.Valid {
		cells[svIdleTx] += " " + format.Duration(f.oldestIdle.D)
	}
	cells[svWait] = strconv.Itoa(f.waiting)
	cells[svTPS] = rateNum(f.tps)
	if w := widths[svSpark]; w > 0 && r.tg.total != nil {
		cells[svSpark] = tpsSpark(st, r.tg.total, w)
	}
	cells[svHit] = format.NA
	if f.hit.Valid {
		cells[svHit] = format.Percent(f.hit.Value * 100)
	}
	cells[svLag] = "–"
	if f.hasLag {
		cells[svLag] = orDash(age(f.lag))
		if !f.lag.Valid {
			cells[svLag] = format.Bytes(uint64(max(f.lagBytes, 0)))
		}
	}
	cells[svQuery], cells[svXact] = orDash(age(f.longestQuery)), orDash(age(f.longestXact))
	cells[svXID] = format.Percent(f.xidPct)
}

// serverHealthStyle is the health cell's word and style at now (nil style
// for states that are not a judgement: waiting, not found).
func serverHealthStyle(st *theme.Styles, tg *target, now time.Time) (*lipgloss.Style, string) {
	h := healthOf(tg, now)
	switch h {
	case healthOK:
		return &st.OK, h.String()
	case healthDegraded, healthStale:
		return &st.Warn, h.String()
	case healthDown:
		return &st.Bad, h.String()
	}
	return nil, h.String()
}

// paint is a style as the escape codes around a text. Rendering a cell
// through lipgloss costs microseconds, and a frame of 20 targets marks
// hundreds of cells; the styles marks use are one-line colours (and bold),
// which lipgloss renders as codes, the text, a reset.
type paint struct{ pre, post string }

func paintOf(s lipgloss.Style) paint {
	const probe = "\x00"
	pre, post, ok := strings.Cut(s.Render(probe), probe)
	if !ok {
		return paint{}
	}
	return paint{pre, post}
}

func (p paint) on(s string) string {
	if s == "" {
		return s
	}
	return p.pre + s + p.post
}

// paints are the servers view's marks for one frame.
type paints struct{ ok, warn, bad, muted paint }

func newPaints(st *theme.Styles) paints {
	return paints{ok: paintOf(st.OK), warn: paintOf(st.Warn), bad: paintOf(st.Bad), muted: paintOf(st.Muted)}
}

// health is the health cell's paint and word: muted for states that are
// not a judgement (waiting, not found).
func (p paints) health(h serverHealth) (paint, string) {
	switch h {
	case healthOK:
		return p.ok, h.String()
	case healthDegraded, healthStale:
		return p.warn, h.String()
	case healthDown:
		return p.bad, h.String()
	}
	return p.muted, h.String()
}
