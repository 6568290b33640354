// Package placeholder is a small generic tab for a source family whose real
// panel is not built yet (Postgres, Docker). Per configured source it says
// what a user needs to know: not configured, not found, unreachable (cause —
// hint), or connected. Replace it in ui/tabs.go with the real tab.
package placeholder

import (
	"strings"

	"github.com/charmbracelet/bubbles/help"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/stacktop/stacktop/collectors"
	"github.com/stacktop/stacktop/ui/format"
	"github.com/stacktop/stacktop/ui/sanitize"
	"github.com/stacktop/stacktop/ui/view"
)

// Tab shows the status of every source of one kind.
type Tab struct {
	title string
	kind  collectors.Kind
	hint  string // what to do when no source is configured
	order []collectors.SourceID
	last  map[collectors.SourceID]collectors.Update
}

// New returns a placeholder tab titled title for sources of kind; hint tells
// the user how to configure one (e.g. "add a [[postgres]] section").
func New(title string, kind collectors.Kind, hint string) *Tab {
	return &Tab{title: title, kind: kind, hint: hint, last: map[collectors.SourceID]collectors.Update{}}
}

// Title implements view.Tab.
func (t *Tab) Title() string { return t.title }

// Kinds implements view.Tab.
func (t *Tab) Kinds() []collectors.Kind { return []collectors.Kind{t.kind} }

// InputActive implements view.Tab: the placeholder never edits text.
func (t *Tab) InputActive() bool { return false }

// KeyMap implements view.Tab: the placeholder has no keys of its own.
func (t *Tab) KeyMap() help.KeyMap { return view.NoKeys{} }

// Update implements view.Tab: it records the latest update per source.
func (t *Tab) Update(msg tea.Msg) (view.Tab, tea.Cmd) {
	if u, ok := msg.(collectors.Update); ok && u.Source.Kind == t.kind {
		if _, seen := t.last[u.Source]; !seen {
			t.order = append(t.order, u.Source)
		}
		t.last[u.Source] = u
	}
	return t, nil
}

// View implements view.Tab.
func (t *Tab) View(ctx view.Context) string {
	st := ctx.Styles
	lines := []string{st.Title.Render(t.title), ""}
	lines = append(lines, t.statusLines(ctx, ctx.Width-1)...)
	lines = append(lines, "", st.Muted.Render("The full "+t.title+" panel comes in a later release."))
	return " " + strings.Join(lines, "\n ")
}

// SummaryTitle implements view.Summarizer.
func (t *Tab) SummaryTitle() string { return t.title }

// Summary implements view.Summarizer: the same status lines, clipped.
func (t *Tab) Summary(ctx view.Context, width, height int) string {
	lines := t.statusLines(ctx, width)
	if len(lines) > height {
		lines = lines[:height]
	}
	return strings.Join(lines, "\n")
}

// statusLines is one entry per source, wrapped to width: an error's hint
// comes after its cause, and cutting it off would lose what to do.
func (t *Tab) statusLines(ctx view.Context, width int) []string {
	st := ctx.Styles
	if len(t.order) == 0 {
		lines := strings.Split(ansi.Wrap("not configured — "+t.hint, width, ""), "\n")
		for i := range lines {
			lines[i] = st.Muted.Render(lines[i])
		}
		return lines
	}
	lines := make([]string, 0, len(t.order))
	for _, id := range t.order {
		style, text := status(ctx, t.last[id])
		name := sanitize.Line(id.Name) + ": "
		wrapped := strings.Split(ansi.Wrap(name+text, max(width-2, 10), ""), "\n")
		for i, l := range wrapped {
			if i == 0 {
				l = name + style.Render(strings.TrimPrefix(l, name))
			} else {
				l = "  " + style.Render(l)
			}
			lines = append(lines, l)
		}
	}
	return lines
}

// Status is the one-line state of a source as the placeholder (and the
// real panels, until they have data) show it, styled.
func Status(ctx view.Context, u collectors.Update) string {
	style, text := status(ctx, u)
	return style.Render(text)
}

// status is Status before styling, so callers can wrap the text first.
func status(ctx view.Context, u collectors.Update) (lipgloss.Style, string) {
	st := ctx.Styles
	switch {
	case u.NotFound():
		return st.Muted, "not found"
	case u.Health() == collectors.HealthUnknown:
		return st.Muted, "waiting for first poll"
	case u.Err != nil && u.Snapshot == nil:
		return st.Bad, "unreachable: " + sanitize.Line(u.Err.Error())
	case u.Err != nil:
		return st.Warn, "degraded: " + sanitize.Line(u.Err.Error()) +
			" (last good data " + format.Age(ctx.Now, u.LastGood) + " ago)"
	default:
		return st.OK, "connected — panel coming"
	}
}
