// Package theme turns a palette into the Styles every view renders with. The
// Styles are built once per program (never inside View) from a lipgloss
// renderer, so the renderer's colour profile decides what reaches the
// terminal: NO_COLOR and dumb terminals get plain text (the Ascii profile),
// 16-colour terminals get the basic ANSI palette unchanged.
package theme

import (
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// Theme is a palette. Colours are basic ANSI indices ("0"–"15") so they look
// right on 16-colour terminals and follow the user's own palette (and so its
// light or dark background) everywhere else. Adaptive colours are avoided on
// purpose: deciding between them makes lipgloss query the terminal's
// background colour, which can stall the first frame over a slow SSH link.
type Theme struct {
	Accent  lipgloss.Color // titles, the active tab
	OK      lipgloss.Color // healthy sources, bars below thresholds
	Warn    lipgloss.Color // degraded, stale, approaching a limit
	Bad     lipgloss.Color // down, past a threshold
	Muted   lipgloss.Color // labels, separators, empty bar cells
	Badge   lipgloss.Color // background of the READ-ONLY badge
	OnBadge lipgloss.Color // text on the badge
}

// Default is stacktop's palette.
func Default() Theme {
	return Theme{
		Accent:  lipgloss.Color("6"),
		OK:      lipgloss.Color("2"),
		Warn:    lipgloss.Color("3"),
		Bad:     lipgloss.Color("1"),
		Muted:   lipgloss.Color("8"),
		Badge:   lipgloss.Color("3"),
		OnBadge: lipgloss.Color("0"),
	}
}

// Styles is everything a view needs to draw. No style underlines: lipgloss
// underlines rune by rune, which costs a dozen bytes per character on the wire
// and most of a frame's render time for a table header. Views receive a *Styles through
// view.Context and never create styles themselves. Every style also reads
// correctly without colour: nothing is conveyed by colour alone (problems
// carry a "!" marker, the selected row a ">" marker, the active tab brackets).
type Styles struct {
	// Plain is true when the profile drops all styling (NO_COLOR, dumb
	// terminals, golden tests); views may use it to add textual cues.
	Plain bool
	// Profile is the colour profile the styles render for. Styles of one
	// profile draw the same bytes whatever renderer built them, so frames
	// shared between sessions (view.FrameCache) are keyed by it.
	Profile termenv.Profile

	Header    lipgloss.Style // the top line
	Brand     lipgloss.Style // "stacktop" in the header
	Badge     lipgloss.Style // READ-ONLY
	TabActive lipgloss.Style
	TabIdle   lipgloss.Style

	Title       lipgloss.Style // section titles inside a view
	Label       lipgloss.Style // "CPU", "Mem", column labels
	TableHeader lipgloss.Style // the header row of a table
	Selected    lipgloss.Style // the selected table row
	Muted       lipgloss.Style // secondary text, "n/a", separators

	OK   lipgloss.Style // healthy
	Warn lipgloss.Style // degraded, stale
	Bad  lipgloss.Style // down, past a threshold
	// History is the last figures of a source that is down or stale: faint,
	// so they never read as live (with no colour, an "as of" label says it).
	History lipgloss.Style

	BarFull  lipgloss.Style // filled part of a bar below its threshold
	BarEmpty lipgloss.Style // unfilled part of a bar
	Spark    lipgloss.Style // sparklines

	Box    lipgloss.Style // a bordered box with one cell of padding (Overview panels)
	Dialog lipgloss.Style // a bordered dialog (help overlay, confirmations)

	HelpKey  lipgloss.Style
	HelpDesc lipgloss.Style
	HelpSep  lipgloss.Style
}

// Styles builds the theme's styles for renderer r (use lipgloss.NewRenderer
// on the program's output so its colour profile is the terminal's).
func (t Theme) Styles(r *lipgloss.Renderer) *Styles {
	ns := r.NewStyle
	return &Styles{
		Plain:       r.ColorProfile() == termenv.Ascii,
		Profile:     r.ColorProfile(),
		Header:      ns(),
		Brand:       ns().Bold(true).Foreground(t.Accent),
		Badge:       ns().Bold(true).Foreground(t.OnBadge).Background(t.Badge),
		TabActive:   ns().Bold(true).Foreground(t.Accent).Reverse(true),
		TabIdle:     ns().Foreground(t.Muted),
		Title:       ns().Bold(true).Foreground(t.Accent),
		Label:       ns().Bold(true),
		TableHeader: ns().Bold(true).Foreground(t.Accent),
		Selected:    ns().Reverse(true),
		Muted:       ns().Foreground(t.Muted),
		OK:          ns().Foreground(t.OK),
		Warn:        ns().Foreground(t.Warn),
		Bad:         ns().Bold(true).Foreground(t.Bad),
		History:     ns().Faint(true).Foreground(t.Muted),
		BarFull:     ns().Foreground(t.OK),
		BarEmpty:    ns().Foreground(t.Muted),
		Spark:       ns().Foreground(t.Accent),
		Box:         ns().Border(lipgloss.RoundedBorder()).BorderForeground(t.Muted).Padding(0, 1),
		Dialog:      ns().Border(lipgloss.RoundedBorder()).BorderForeground(t.Accent).Padding(0, 1),
		HelpKey:     ns().Bold(true),
		HelpDesc:    ns().Foreground(t.Muted),
		HelpSep:     ns().Foreground(t.Muted),
	}
}
