package widgets

import (
	"math"
	"strings"

	"github.com/stacktop/stacktop/ui/theme"
)

var sparkRunes = [...]rune{'▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'}

// SparkScale is the range a sparkline is drawn over: a sample at or below
// Lo draws as the lowest block, one at or above Hi as a full one.
//
// A percentage with a real ceiling (host CPU, memory, disk) is drawn over
// a fixed 0..100, as a meter is, so two lines compare at a glance. A
// series without one (bytes, rates, a container's memory when nothing
// caps it but the host) is drawn over its own range and says so with
// ScaleLabel; otherwise 20 MiB of 24 GiB is a flat line.
type SparkScale struct{ Lo, Hi float64 }

// ZeroToMax is 0 up to the largest of the newest n samples of h: for a
// rate or a count, where zero means idle and the height says how busy.
func ZeroToMax(h *History, n int) SparkScale { return SparkScale{Hi: h.Max(n)} }

// MinToMax is the smallest to the largest of the newest n samples of h
// (missing ones ignored): for a level that never nears zero, such as
// memory in use, whose changes would not show against 0.
func MinToMax(h *History, n int) SparkScale {
	lo, hi := math.Inf(1), math.Inf(-1)
	for i := max(h.Len()-n, 0); i < h.Len(); i++ {
		if v := h.At(i); !math.IsNaN(v) {
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	if lo > hi {
		return SparkScale{}
	}
	return SparkScale{Lo: lo, Hi: hi}
}

// ScaleLabel says a sparkline's scale with f formatting a value:
// "≤ 24 MiB" from zero, "19.8–20.4 MiB" for a range, or "steady 20 MiB"
// when the series did not move; "" before any sample or while all are 0.
func ScaleLabel(sc SparkScale, f func(float64) string) string {
	switch {
	case sc.Hi <= 0 && sc.Lo >= 0:
		return ""
	case sc.Lo == sc.Hi:
		return "steady " + f(sc.Hi)
	case sc.Lo == 0:
		return "≤ " + f(sc.Hi)
	}
	return f(sc.Lo) + "–" + f(sc.Hi)
}

// Sparkline draws the newest width samples of h, one cell each, scaled so
// that top fills a cell; top <= 0 scales to the largest sample shown. The
// result is exactly width cells: right-aligned, padded on the left while the
// history is still short. Missing samples (NaN) draw as gaps.
func Sparkline(st *theme.Styles, h *History, width int, top float64) string {
	if top <= 0 {
		top = h.Max(min(h.Len(), max(width, 0)))
	}
	return SparklineIn(st, h, width, SparkScale{Hi: top})
}

// SparklineIn is Sparkline over the range sc. A series that did not move
// (Lo == Hi > 0) draws as a middle line rather than a full or an empty one.
func SparklineIn(st *theme.Styles, h *History, width int, sc SparkScale) string {
	if width <= 0 {
		return ""
	}
	n := min(h.Len(), width)
	var b strings.Builder
	b.Grow(width * 3)
	b.WriteString(strings.Repeat(" ", width-n))
	for i := h.Len() - n; i < h.Len(); i++ {
		b.WriteRune(sparkRune(h.At(i), sc))
	}
	return st.Spark.Render(b.String())
}

func sparkRune(v float64, sc SparkScale) rune {
	switch {
	case math.IsNaN(v):
		return ' '
	case sc.Hi <= sc.Lo && sc.Hi > 0 && v > 0:
		return sparkRunes[len(sparkRunes)/2-1]
	case sc.Hi <= sc.Lo || v <= sc.Lo:
		return sparkRunes[0]
	}
	i := int((v - sc.Lo) / (sc.Hi - sc.Lo) * float64(len(sparkRunes)))
	return sparkRunes[min(max(i, 0), len(sparkRunes)-1)]
}
