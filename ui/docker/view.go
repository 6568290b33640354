package docker

import (
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/stacktop/stacktop/ui/sanitize"
	"github.com/stacktop/stacktop/ui/view"
	"github.com/stacktop/stacktop/ui/widgets"
)

// plan is how the tab's height is shared out. Update uses it to page and
// keep the selection visible; View uses it to draw, so the two agree.
type plan struct {
	head     int // the engines line
	listRows int // list rows (engine headers and notes, projects, containers)
	paneRows int // the open pane, with its title rule; 0 when closed
}

func (t *Tab) layout() plan {
	p := plan{head: 1}
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

func streamBroken(h *hostState) bool {
	return h.snap != nil && !h.snap.Stream.Connected && h.snap.Stream.Err != ""
}

// View implements view.Tab: the engines line, then the list's view and the
// open pane's, in the heights layout gives them.
func (t *Tab) View(ctx view.Context) string {
	lines := []string{t.hostsLine(ctx)}
	if len(t.hosts) == 0 {
		lines = append(lines, "")
		lines = append(lines, noHostLines(ctx, ctx.Width-1)...)
		return strings.Join(lines, "\n")
	}
	p := t.layout()
	lines = append(lines, t.list.View(ctx, t.hosts, p.listRows)...)
	switch t.pane {
	case paneDetail:
		lines = append(lines, t.detail.View(ctx, p.paneRows)...)
	case paneLogs:
		lines = append(lines, t.logs.View(ctx, p.paneRows)...)
	}
	return strings.Join(lines, "\n")
}

// hostsLine names every engine with its health, at a glance over a list
// scrolled past their headers.
func (t *Tab) hostsLine(ctx view.Context) string {
	st := ctx.Styles
	line := " " + st.Title.Render("Docker")
	for _, h := range t.hosts {
		word, style := healthOf(ctx, h.upd)
		line += "  " + sanitize.Line(h.id.Name) + " " + style.Render(word)
	}
	return widgets.Truncate(line, ctx.Width)
}

// noHostLines say there is no Docker engine at all (wrapped, since the
// hint comes last).
func noHostLines(ctx view.Context, width int) []string {
	text := "no Docker host yet — add a [[docker]] section to the config, or start Docker on the default socket"
	wrapped := strings.Split(ansi.Wrap(text, max(width-1, 10), ""), "\n")
	for i, l := range wrapped {
		wrapped[i] = " " + ctx.Styles.Muted.Render(l)
	}
	return wrapped
}

func errText(err error) string {
	if err == nil {
		return "no data"
	}
	return err.Error()
}
