package postgres

import (
	"io"
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/stacktop/stacktop/ui/theme"
)

// TestPaintIsRender: a paint draws a cell exactly as its style renders it,
// in every colour profile (the servers view relies on it for speed).
func TestPaintIsRender(t *testing.T) {
	for _, prof := range []termenv.Profile{termenv.Ascii, termenv.ANSI, termenv.ANSI256, termenv.TrueColor} {
		r := lipgloss.NewRenderer(io.Discard)
		r.SetColorProfile(prof)
		st := theme.Default().Styles(r)
		p := newPaints(st)
		for name, c := range map[string]struct {
			p paint
			s lipgloss.Style
		}{"ok": {p.ok, st.OK}, "warn": {p.warn, st.Warn}, "bad": {p.bad, st.Bad}, "muted": {p.muted, st.Muted}} {
			for _, text := range []string{"!", "down 40s", "postgres \"x\": connect: refused — is it running?"} {
				if got, want := c.p.on(text), c.s.Render(text); got != want {
					t.Errorf("profile %v, %s: paint gives %q, Render %q", prof, name, got, want)
				}
			}
		}
	}
}
