package docker

import (
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/stacktop/stacktop/collectors"
	"github.com/stacktop/stacktop/ui/format"
	"github.com/stacktop/stacktop/ui/sanitize"
	"github.com/stacktop/stacktop/ui/view"
	"github.com/stacktop/stacktop/ui/widgets"
)

// plan is how the tab's height is shared out. Update uses it to page and
// keep the selection visible; View uses it to draw, so the two agree.
type plan struct {
	head     int // the hosts line and at most one notice
	listRows int // container rows
	paneRows int // the open pane, with its title rule; 0 when closed
}

func (t *Tab) layout() plan {
	p := plan{head: 1 + t.noticeLines()}
	body := max(t.height-p.head-2, 1) // list title and column header
	if t.pane == paneNone {
		p.listRows = body
		return p
	}
	p.listRows = min(max(body*2/5, 3), body)
	p.paneRows = body - p.listRows
	return p
}

// logRows is how many lines of log text the logs pane shows.
func (t *Tab) logRows() int { return max(t.layout().paneRows-1, 1) }

// noticeLines is 1 when the host shown has something to say below the
// hosts line: its last poll failed, or its event stream is broken.
func (t *Tab) noticeLines() int {
	if h := t.host(); h != nil && h.snap != nil && (h.upd.Err != nil || streamBroken(h)) {
		return 1
	}
	return 0
}

func streamBroken(h *hostState) bool {
	return h.snap != nil && !h.snap.Stream.Connected && h.snap.Stream.Err != ""
}

// View implements view.Tab: the hosts line, then the list's view and the
// open pane's, in the heights layout gives them.
func (t *Tab) View(ctx view.Context) string {
	lines := []string{t.hostsLine(ctx)}
	h := t.host()
	if h == nil || h.snap == nil {
		lines = append(lines, "")
		lines = append(lines, t.stateLines(ctx, h, ctx.Width-1)...)
		return strings.Join(lines, "\n")
	}
	lines = append(lines, t.notice(ctx, h)...)
	p := t.layout()
	lines = append(lines, t.list.View(ctx, h, p.listRows)...)
	switch t.pane {
	case paneDetail:
		lines = append(lines, t.detail.View(ctx, p.paneRows)...)
	case paneLogs:
		lines = append(lines, t.logs.View(ctx, p.paneRows)...)
	}
	return strings.Join(lines, "\n")
}

// healthWord is a source's state as the hosts line shows it, styled.
func healthWord(ctx view.Context, u collectors.Update) string {
	st := ctx.Styles
	switch {
	case u.NotFound():
		return st.Muted.Render("not found")
	case u.Health() == collectors.HealthUnknown:
		return st.Muted.Render("waiting")
	case u.Health() == collectors.HealthDown:
		return st.Bad.Render("down")
	case u.Health() == collectors.HealthDegraded:
		return st.Warn.Render("degraded")
	case u.Stale(ctx.Now):
		return st.Warn.Render("stale")
	}
	return st.OK.Render("ok")
}

// hostsLine lists the Docker hosts with their health (the one shown in
// brackets), then the shown host's engine and staleness.
func (t *Tab) hostsLine(ctx view.Context) string {
	st := ctx.Styles
	line := " " + st.Title.Render("Docker")
	for i, h := range t.hosts {
		name := sanitize.Line(h.id.Name)
		if i == t.list.host && len(t.hosts) > 1 {
			name = st.Label.Render("[" + name + "]")
		}
		line += "  " + name + " " + healthWord(ctx, h.upd)
	}
	if len(t.hosts) > 1 {
		line += st.Muted.Render("  (h: next host)")
	}
	if h := t.host(); h != nil && h.snap != nil {
		s := h.snap
		info := "engine " + sanitize.Line(s.EngineVersion) + " · API " + sanitize.Line(s.APIVersion) +
			" · " + strconv.Itoa(s.Cores) + " cores · " + format.Bytes(s.MemTotal)
		if view.Historic(ctx, h.upd) {
			line += "   " + view.AsOf(ctx, h.upd) + " " + view.Dim(ctx, "("+format.Age(ctx.Now, h.upd.LastGood)+" ago) · "+info)
		} else {
			line += "   " + st.Muted.Render(info)
		}
	}
	return widgets.Truncate(line, ctx.Width)
}

// notice is the line under the hosts line: the last poll's error while the
// last good data stays on screen, or a broken event stream.
func (t *Tab) notice(ctx view.Context, h *hostState) []string {
	if t.noticeLines() == 0 {
		return nil
	}
	st := ctx.Styles
	text := ""
	if h.upd.Err != nil {
		// The hosts line says as of when the data shown is; the retry
		// comes before the cause so a narrow screen cuts the hint instead.
		text = "! " + h.upd.Health().String()
		if next := view.NextTry(ctx, h.upd); next != "" {
			text += " (" + next + ")"
		}
		text += ": " + sanitize.Line(h.upd.Err.Error())
	} else {
		text = "! event stream: " + sanitize.Line(h.snap.Stream.Err) + " — reconnecting; changes show at the next poll meanwhile"
	}
	return []string{" " + widgets.Truncate(st.Warn.Render(text), ctx.Width-1)}
}

// stateLines explain why a host has no list: no host at all, not found,
// waiting, or unreachable with the cause and what to try (wrapped, since
// the hint comes last).
func (t *Tab) stateLines(ctx view.Context, h *hostState, width int) []string {
	st := ctx.Styles
	var text string
	style := st.Muted
	switch {
	case h == nil:
		text = "no Docker host yet — add a [[docker]] section to the config, or start Docker on the default socket"
	case h.upd.NotFound():
		text = sanitize.Line(h.id.Name) + ": not found — " + sanitize.Line(h.upd.Err.Error())
	case h.upd.Health() == collectors.HealthUnknown:
		text = "waiting for the first poll of " + sanitize.Line(h.id.Name) + "…"
	default:
		style = st.Bad
		text = sanitize.Line(h.id.Name) + ": unreachable: " + sanitize.Line(errText(h.upd.Err))
	}
	wrapped := strings.Split(ansi.Wrap(text, max(width-1, 10), ""), "\n")
	for i, l := range wrapped {
		wrapped[i] = " " + style.Render(l)
	}
	return wrapped
}

func errText(err error) string {
	if err == nil {
		return "no data"
	}
	return err.Error()
}
