package widgets

import (
	"math"
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/golden"
)

// TestGolden is a gallery of the widgets as a person sees them without
// colour. Regenerate with `go test ./ui/widgets -update`.
func TestGolden(t *testing.T) {
	st := plain()
	var b strings.Builder
	b.WriteString("bars 0, 33.3, 50, 99, 100, 150 (10 cells):\n")
	for _, p := range []float64{0, 33.3, 50, 99, 100, 150} {
		b.WriteString("[" + Bar(st, st.BarFull, 10, p) + "]\n")
	}
	h := NewHistory(40)
	for i := range 40 {
		v := 50 + 50*math.Sin(float64(i)/4)
		if i == 20 {
			v = math.NaN() // a poll without a rate
		}
		h.Push(v)
	}
	b.WriteString("\nsparkline of a sine with one gap, 0-100 and auto-scaled, 30 cells:\n")
	b.WriteString("[" + Sparkline(st, h, 30, 100) + "]\n[" + Sparkline(st, h, 30, 0) + "]\n")
	cols := []Column{{Title: "PID", Width: 6, Right: true}, {Title: "NAME", Width: 10}, {Title: "COMMAND", Width: 8, Flex: true, Drop: 1}}
	w := Layout(cols, 40)
	b.WriteString("\ntable at 40 cells:\n" + Header(cols, w) + "\n")
	b.WriteString(Row(cols, w, []string{"1", "systemd", "/sbin/init splash"}) + "\n")
	b.WriteString(Row(cols, w, []string{"123456", "a-very-long-name", "/usr/bin/a-very-long-command --with --flags"}) + "\n")
	b.WriteString("\n" + Dialog(st, "Restart container web?", "This stops web (graceful, 10 s)\nand starts it again.\n\ny confirm · esc cancel", 40, 9))
	golden.RequireEqual(t, []byte(b.String()))
}
