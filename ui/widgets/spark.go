package widgets

import (
	"math"
	"strings"

	"github.com/stacktop/stacktop/ui/theme"
)

var sparkRunes = [...]rune{'▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'}

// Sparkline draws the newest width samples of h, one cell each, scaled so
// that top fills a cell; top <= 0 scales to the largest sample shown. The
// result is exactly width cells: right-aligned, padded on the left while the
// history is still short. Missing samples (NaN) draw as gaps.
func Sparkline(st *theme.Styles, h *History, width int, top float64) string {
	if width <= 0 {
		return ""
	}
	n := min(h.Len(), width)
	if top <= 0 {
		top = h.Max(n)
	}
	var b strings.Builder
	b.Grow(width * 3)
	b.WriteString(strings.Repeat(" ", width-n))
	for i := h.Len() - n; i < h.Len(); i++ {
		b.WriteRune(sparkRune(h.At(i), top))
	}
	return st.Spark.Render(b.String())
}

func sparkRune(v, top float64) rune {
	switch {
	case math.IsNaN(v):
		return ' '
	case top <= 0 || v <= 0:
		return sparkRunes[0]
	}
	i := int(v / top * float64(len(sparkRunes)))
	return sparkRunes[min(max(i, 0), len(sparkRunes)-1)]
}
