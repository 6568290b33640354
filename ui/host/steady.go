package host

import (
	"math"

	hs "github.com/stacktop/stacktop/collectors/host"
)

// steady keeps the process table's figures still on screen while they move
// less than the measure can tell: each refresh repaints every screen line
// that changed, so a CPU% that flips between 4.4 and 4.9 (one clock tick)
// or an RSS that wobbles in its last digit costs a whole line on the wire
// and makes rows swap places. A held figure stays within one clock tick
// (CPU%) or one unit of its last shown digit (RSS) of the current
// measure, and is taken from every new snapshot: never older than it.
type steady struct {
	shown, next map[procKey]heldFig
	list        []hs.Process // the snapshot's processes with held figures
}

// procKey names a process across snapshots; the start time tells a reused
// pid from the old process.
type procKey struct {
	pid   int32
	start int64
}

type heldFig struct {
	cpu      float64
	cpuValid bool
	rss      uint64
}

// hold returns s's processes with their figures held against those shown
// for the previous snapshot, taken prev before s (zero for the first).
// The returned slice is reused by the next call.
func (h *steady) hold(s, prev *hs.Snapshot) []hs.Process {
	if h.shown == nil {
		h.shown, h.next = make(map[procKey]heldFig), make(map[procKey]heldFig)
	}
	tick := 0.0
	if prev != nil {
		tick = hs.CPUResolution(s.Taken.Sub(prev.Taken))
	}
	h.list = append(h.list[:0], s.Processes.List...)
	clear(h.next)
	for i := range h.list {
		p := &h.list[i]
		k := procKey{p.PID, p.StartTime.UnixNano()}
		if old, ok := h.shown[k]; ok {
			if p.CPUValid && old.cpuValid && math.Abs(p.CPUPercent-old.cpu) <= cpuTolerance(old.cpu, tick) {
				p.CPUPercent = old.cpu
			}
			if withinLastDigit(p.RSS, old.rss) {
				p.RSS = old.rss
			}
		}
		h.next[k] = heldFig{cpu: p.CPUPercent, cpuValid: p.CPUValid, rss: p.RSS}
	}
	h.shown, h.next = h.next, h.shown
	return h.list
}

// cpuTolerance is how far a CPU% may move before the shown figure follows:
// one clock tick over the interval (with a little slack for the interval's
// own jitter), and at least one unit of the last digit shown.
func cpuTolerance(shown, tick float64) float64 {
	return max(tick*1.1, percentUnit(shown))
}

// percentUnit is the last digit's unit of format.Percent(v): 0.1 below
// 100, 1 from there.
func percentUnit(v float64) float64 {
	if v < 99.95 {
		return 0.1
	}
	return 1
}

// withinLastDigit reports whether a byte count v is within one unit of the
// last digit of shown as format.Bytes prints it ("21.9 MiB": 0.1 MiB).
func withinLastDigit(v, shown uint64) bool {
	d := float64(v) - float64(shown)
	return math.Abs(d) <= bytesUnit(float64(shown))
}

// bytesUnit is the last digit's unit of format.BytesFloat(v).
func bytesUnit(v float64) float64 {
	if v < 1024 {
		return 1
	}
	scale := 1.0
	for v >= 1024 {
		v /= 1024
		scale *= 1024
	}
	switch {
	case v >= 999.95:
		return scale * 1024 * 0.1 // printed in the next unit, "1.0 GiB"
	case v >= 99.95:
		return scale
	}
	return scale * 0.1
}
