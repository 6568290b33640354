package docker

// window keeps the last n samples of one container without copying them
// into every snapshot. Samples are appended to a backing array of capacity
// 2n; a snapshot gets a capped sub-slice of what is already written, and
// since no index below len is ever written again, those sub-slices stay
// valid and immutable. When the array is full the last n-1 samples move to
// a fresh array (old snapshots keep the old one), so a sample costs O(1)
// amortised and no per-poll copy is made.
type window struct {
	n   int
	buf []Sample
}

func newWindow(n int) *window {
	return &window{n: n, buf: make([]Sample, 0, 2*n)}
}

func (w *window) add(s Sample) {
	if len(w.buf) == cap(w.buf) {
		keep := w.buf[len(w.buf)-(w.n-1):]
		nb := make([]Sample, len(keep), 2*w.n)
		copy(nb, keep)
		w.buf = nb
	}
	w.buf = append(w.buf, s)
}

// view is the last n samples, capped so a caller's append cannot write
// into the shared array.
func (w *window) view() []Sample {
	start := max(0, len(w.buf)-w.n)
	return w.buf[start:len(w.buf):len(w.buf)]
}
