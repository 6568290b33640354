// Package widgets holds the drawing helpers every tab shares: sparklines over
// a fixed-size history, horizontal bars, cells and column layout for tables,
// grids of equal cells, and a dialog frame. They are plain functions of their
// inputs (plus a *theme.Styles), testable without a program.
package widgets

import "math"

// History is a fixed-size ring buffer of samples for a sparkline. Its memory
// is allocated once; pushing never allocates. The zero value holds nothing;
// use NewHistory.
type History struct {
	buf   []float64
	start int // index of the oldest sample
	n     int // samples held
}

// NewHistory returns a history keeping the last capacity samples.
func NewHistory(capacity int) *History {
	return &History{buf: make([]float64, max(capacity, 1))}
}

// Push appends a sample, dropping the oldest when full. Push NaN for a
// missing sample (an invalid rate): it draws as a gap.
func (h *History) Push(v float64) {
	if h.n < len(h.buf) {
		h.buf[(h.start+h.n)%len(h.buf)] = v
		h.n++
		return
	}
	h.buf[h.start] = v
	h.start = (h.start + 1) % len(h.buf)
}

// Clone returns a copy that later pushes to h do not change: what a
// paused view keeps drawing.
func (h *History) Clone() *History {
	c := *h
	c.buf = append([]float64(nil), h.buf...)
	return &c
}

// Reset empties the history, keeping its memory.
func (h *History) Reset() { h.start, h.n = 0, 0 }

// Len is the number of samples held.
func (h *History) Len() int { return h.n }

// At returns the i-th sample, oldest first (0 <= i < Len).
func (h *History) At(i int) float64 { return h.buf[(h.start+i)%len(h.buf)] }

// Last returns the newest sample, or NaN when empty.
func (h *History) Last() float64 {
	if h.n == 0 {
		return math.NaN()
	}
	return h.At(h.n - 1)
}

// Max returns the largest sample among the newest n (NaN samples ignored), or 0.
func (h *History) Max(n int) float64 {
	m := 0.0
	for i := max(h.n-n, 0); i < h.n; i++ {
		if v := h.At(i); v > m {
			m = v
		}
	}
	return m
}
