package ui

import (
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/stacktop/stacktop/actions"
	"github.com/stacktop/stacktop/collectors"
	"github.com/stacktop/stacktop/collectors/host"
	"github.com/stacktop/stacktop/ui/format"
	"github.com/stacktop/stacktop/ui/sanitize"
	"github.com/stacktop/stacktop/ui/view"
	"github.com/stacktop/stacktop/ui/widgets"
)

// View draws the frame: header, tab bar, the focused tab (or the help
// overlay) and the help bar. It is exactly the terminal's size, so a frame
// never scrolls and never leaves old text behind.
func (m *model) View() string {
	if m.width == 0 || m.height == 0 {
		return "stacktop: starting…" // before the first WindowSizeMsg
	}
	if m.width < minWidth || m.height < minHeight {
		msg := "terminal too small: " + strconv.Itoa(m.width) + "x" + strconv.Itoa(m.height) +
			" — stacktop needs at least " + strconv.Itoa(minWidth) + "x" + strconv.Itoa(minHeight)
		return widgets.Fit(widgets.Truncate(msg, m.width), m.width, m.height)
	}
	ctx := m.viewContext()
	switch {
	case m.flow.helpOpen():
		return m.compose(ctx, m.flowHelpOverlay(ctx))
	case m.flow.active():
		return m.compose(ctx, m.flow.view(ctx))
	case m.showHelp:
		return m.compose(ctx, m.helpOverlay(ctx))
	}
	// The focused tab, in the frame the other sessions of a served
	// dashboard most likely drew already: the key is all compose draws.
	body := m.tabs[m.active].View(ctx)
	k := m.frames.Key()
	k.String("root")
	k.Context(ctx)
	m.chromeKey(&k)
	k.String(body)
	return m.frames.Do(k, func() any { return m.compose(ctx, body) }).(string)
}

// compose lays out the header, the tab bar, body and the bottom line at
// exactly the terminal's size.
func (m *model) compose(ctx view.Context, body string) string {
	var b strings.Builder
	b.Grow(m.width * m.height * 2)
	b.WriteString(widgets.Fit(m.header(), m.width, 1))
	b.WriteByte('\n')
	b.WriteString(widgets.Fit(m.tabBar(), m.width, 1))
	b.WriteByte('\n')
	b.WriteString(widgets.Fit(body, m.width, ctx.Height))
	b.WriteByte('\n')
	b.WriteString(widgets.Fit(m.bottomLine(), m.width, 1))
	return b.String()
}

// chromeKey adds to k what the header, the tab bar and the bottom line
// draw from (compose, with the tab's body outside the overlays), besides
// the size and colour profile the view context brings.
func (m *model) chromeKey(k *view.FrameKey) {
	k.String(m.hostname())
	k.Bool(m.readOnly || m.sessionRO)
	k.String(m.shared.watchersLabel())
	k.String(m.clock.Format("15:04")) // what the header shows
	k.String(format.Interval(m.interval))
	k.Int(len(m.sources))
	for _, id := range m.sources {
		mk := m.markOf(m.latest[id])
		k.String(string(id.Kind))
		k.String(id.Name)
		k.Bool(mk.notFound)
		k.Int(int(mk.health))
		k.String(mk.age)
		k.Bool(mk.stale)
		k.Bool(mk.protected)
	}
	k.Int(m.active)
	for _, t := range m.tabs {
		k.String(t.Title())
	}
	k.String(m.flow.backgroundLine(m.clock))
	k.Int(len(m.shared.others))
	for _, o := range m.shared.others {
		k.String(o)
	}
	status, bad := m.flow.statusLine(m.clock)
	k.String(status)
	k.Bool(bad)
	k.Int(m.help.Width)
	for _, b := range m.helpKeys().ShortHelp() {
		k.Bool(b.Enabled())
		k.String(b.Help().Key)
		k.String(b.Help().Desc)
	}
}

// bottomLine is the last action's outcome, when there is a recent one,
// then the keys that work now (the dialog's while one is open).
func (m *model) bottomLine() string {
	keys := m.help.ShortHelpView(m.helpKeys().ShortHelp())
	if m.flow.active() {
		keys = m.help.ShortHelpView(m.flow.keyMap().ShortHelp())
	}
	line := ""
	if bg := m.flow.backgroundLine(m.clock); bg != "" {
		line = " " + m.styles.Warn.Render(sanitize.Line(bg)) + "  "
	}
	for _, o := range m.shared.others {
		line += " " + m.styles.Warn.Render("⟳ "+sanitize.Line(o)) + "  "
	}
	status, bad := m.flow.statusLine(m.clock)
	if status == "" {
		return line + keys
	}
	style := m.styles.OK
	if bad {
		style = m.styles.Bad
	}
	return line + " " + style.Render(sanitize.Line(status)) + "  " + keys
}

func (m *model) viewContext() view.Context {
	ctx := view.Context{
		Width: m.width, Height: m.bodyHeight(), Styles: m.styles, Now: m.clock,
		ReadOnly: m.readOnly || m.sessionRO, Redact: m.flow.opts.Redact, Thresholds: m.thresholds,
		Frames: m.frames,
	}
	for _, t := range m.tabs {
		if s, ok := t.(view.Summarizer); ok {
			ctx.Summaries = append(ctx.Summaries, s)
		}
	}
	return ctx
}

func (m *model) helpKeys() combinedHelp {
	global := m.keys
	global.Job.SetEnabled(m.flow.hasJob())
	return combinedHelp{global: global, tab: m.tabs[m.active].KeyMap(), helpOpen: m.showHelp}
}

func (m *model) helpOverlay(ctx view.Context) string {
	body := m.help.FullHelpView(m.helpKeys().FullHelp())
	title := "Keys — " + m.tabs[m.active].Title()
	return widgets.Dialog(ctx.Styles, title, body, ctx.Width, ctx.Height)
}

// flowHelpOverlay is the help overlay over a dialog: its keys only, as
// nothing else acts while it is open.
func (m *model) flowHelpOverlay(ctx view.Context) string {
	body := m.help.FullHelpView(m.flow.helpKeyMap(m.keys.Quit))
	return widgets.Dialog(ctx.Styles, "Keys — "+m.flow.title(), body, ctx.Width, ctx.Height)
}

// header is: stacktop · host · clock · interval [READ-ONLY] then one health
// mark per source, right-aligned. When that does not fit it shortens source
// labels to their kind and the interval to its figure, drops the brand, and
// at last lets Fit cut the end. The clock shows minutes: with seconds it
// repainted the header line every second, and the data's own changes and
// the health marks show the screen is live.
func (m *model) header() string {
	st := m.styles
	hostname := m.hostname()
	badge := ""
	if m.readOnly || m.sessionRO {
		badge = "  " + st.Badge.Render(" READ-ONLY ")
	}
	if w := m.shared.watchersLabel(); w != "" {
		badge += "  " + st.Muted.Render(w)
	}
	var line string
	for _, try := range [...]struct{ brand, short bool }{{true, false}, {false, false}, {true, true}, {false, true}} {
		every := "every "
		if try.short {
			every = ""
		}
		info := st.Label.Render(hostname) + "  " + m.clock.Format("15:04") + "  " +
			st.Muted.Render(every+format.Interval(m.interval)) + badge
		left := " " + info
		if try.brand {
			left = " " + st.Brand.Render("stacktop") + "  " + info
		}
		marks := make([]string, 0, len(m.sources))
		for _, id := range m.sources {
			marks = append(marks, m.healthMark(m.latest[id], try.short))
		}
		right := strings.Join(marks, st.Muted.Render(" · ")) + " "
		gap := m.width - ansi.StringWidth(left) - ansi.StringWidth(right)
		line = left + "  " + right
		if gap >= 2 {
			return left + strings.Repeat(" ", gap) + right
		}
	}
	return line
}

// healthMark is e.g. "host ok", "pg:main down 2m05s", "docker:local not found",
// "pg:main degraded 12s stale", "docker:prod ok protected". The age shows
// only when the data is late (older than 1.5 intervals), so a healthy
// header stays still between polls.
func (m *model) healthMark(u collectors.Update, short bool) string {
	st := m.styles
	mk := m.markOf(u)
	name := sourceLabel(u.Source, short)
	if short && u.Source.Name != "" && m.severalOf(u.Source.Kind) {
		name = sanitize.Line(u.Source.Name)
	}
	var state string
	switch {
	case mk.notFound:
		state = st.Muted.Render("not found")
	case mk.health == collectors.HealthOK:
		state = st.OK.Render("ok")
	case mk.health == collectors.HealthDegraded:
		state = st.Warn.Render("degraded")
	case mk.health == collectors.HealthDown:
		state = st.Bad.Render("down")
	default:
		state = st.Muted.Render("waiting")
	}
	out := name + " " + state
	if mk.age != "" {
		out += " " + st.Muted.Render(mk.age)
	}
	if mk.stale {
		out += " " + st.Warn.Render("stale")
	}
	if mk.protected {
		out += " " + st.Badge.Render("protected")
	}
	return out
}

// mark is what a source's health mark says, before styling: all that
// healthMark draws besides the source's name.
type mark struct {
	notFound         bool
	health           collectors.Health
	age              string // "" unless the data is late
	stale, protected bool
}

func (m *model) markOf(u collectors.Update) mark {
	mk := mark{notFound: u.NotFound(), health: u.Health(), stale: u.Stale(m.clock), protected: m.protected(u.Source)}
	if age := u.Age(m.clock); !u.LastGood.IsZero() && age > u.Interval*3/2 {
		mk.age = format.Duration(age)
	}
	return mk
}

// hostname is the host's name for the header: the first host source's.
func (m *model) hostname() string {
	for _, id := range m.sources {
		if hs, ok := m.latest[id].Snapshot.(*host.Snapshot); ok && id.Kind == collectors.KindHost {
			return sanitize.Line(hs.Hostname)
		}
	}
	return "—"
}

// protected reports whether the Runner asks for a typed name before every
// non-read action on the source (protected = true in the config).
func (m *model) protected(id collectors.SourceID) bool {
	r := m.flow.opts.Runner
	return r != nil && id.Kind != collectors.KindHost && r.Protected(actions.Target{Kind: id.Kind, Source: id.Name})
}

// severalOf reports whether more than one source of kind is shown: then a
// short header keeps their names ("main ok · replica ok"), which tell them
// apart, rather than "pg ok · pg ok".
func (m *model) severalOf(kind collectors.Kind) bool {
	n := 0
	for _, id := range m.sources {
		if id.Kind == kind {
			n++
		}
	}
	return n > 1
}

// sourceLabel is the name of a source in the header: "pg:main", or just
// "pg" when short.
func sourceLabel(id collectors.SourceID, short bool) string {
	kind := string(id.Kind)
	if id.Kind == collectors.KindPostgres {
		kind = "pg"
	}
	if short || id.Name == "" || id.Kind == collectors.KindHost {
		return kind
	}
	return kind + ":" + sanitize.Line(id.Name)
}

// tabBar lists the tabs with their jump keys; the active one is bracketed
// so it stands out without colour too.
func (m *model) tabBar() string {
	st := m.styles
	var b strings.Builder
	b.WriteByte(' ')
	for i, t := range m.tabs {
		label := strconv.Itoa(i+1) + " " + t.Title()
		if i == m.active {
			b.WriteString(st.TabActive.Render("[" + label + "]"))
		} else {
			b.WriteString(st.TabIdle.Render(" " + label + " "))
		}
		b.WriteByte(' ')
	}
	return b.String()
}
