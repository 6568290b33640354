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
	var body string
	if m.flow.helpOpen() {
		body = m.flowHelpOverlay(ctx)
	} else if m.flow.active() {
		body = m.flow.view(ctx)
	} else if m.showHelp {
		body = m.helpOverlay(ctx)
	} else {
		body = m.tabs[m.active].View(ctx)
	}
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
	hostname := "—"
	for _, id := range m.sources {
		if hs, ok := m.latest[id].Snapshot.(*host.Snapshot); ok && id.Kind == collectors.KindHost {
			hostname = sanitize.Line(hs.Hostname)
			break
		}
	}
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
	name := sourceLabel(u.Source, short)
	if short && u.Source.Name != "" && m.severalOf(u.Source.Kind) {
		name = sanitize.Line(u.Source.Name)
	}
	var state string
	switch h := u.Health(); {
	case u.NotFound():
		state = st.Muted.Render("not found")
	case h == collectors.HealthOK:
		state = st.OK.Render("ok")
	case h == collectors.HealthDegraded:
		state = st.Warn.Render("degraded")
	case h == collectors.HealthDown:
		state = st.Bad.Render("down")
	default:
		state = st.Muted.Render("waiting")
	}
	out := name + " " + state
	if age := u.Age(m.clock); !u.LastGood.IsZero() && age > u.Interval*3/2 {
		out += " " + st.Muted.Render(format.Duration(age))
	}
	if u.Stale(m.clock) {
		out += " " + st.Warn.Render("stale")
	}
	if m.protected(u.Source) {
		out += " " + st.Badge.Render("protected")
	}
	return out
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
