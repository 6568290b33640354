package overview

import (
	"math"
	"sort"
	"sync"
	"time"

	hs "github.com/stacktop/stacktop/collectors/host"
	uihost "github.com/stacktop/stacktop/ui/host"
	"github.com/stacktop/stacktop/ui/widgets"
)

// History is the host's sparkline samples, one per snapshot, kept for
// every Overview of a process: the sessions of `stacktop serve` then draw
// the same sparklines — a session that joins shows the minutes before it
// too — so their frames are the same and are drawn once between them
// (view.FrameCache). A dashboard of its own has a History of its own.
// It is safe for concurrent use.
type History struct {
	mu     sync.Mutex
	taken  []time.Time          // when each sample's snapshot was taken, oldest first
	series [numSeries][]float64 // the samples, parallel to taken
}

// The series a History keeps, in the order of Tab.series.
const (
	seriesCPU = iota
	seriesMem
	seriesSwap
	seriesLoad
	seriesFS
	seriesDisk
	seriesNet
	numSeries
)

// historySlack is how many polls an Overview may lag behind the one that
// recorded the newest sample and still find all of its own.
const historySlack = 30

// NewHistory returns an empty History.
func NewHistory() *History { return &History{} }

// record adds s's samples unless a sample as new or newer is there (the
// Overview of another session recorded it first).
func (h *History) record(s *hs.Snapshot) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if n := len(h.taken); n > 0 && !s.Taken.After(h.taken[n-1]) {
		return
	}
	v := samples(s)
	h.taken = append(h.taken, s.Taken)
	for i := range h.series {
		h.series[i] = append(h.series[i], v[i])
	}
	if len(h.taken) >= 2*(historyLen+historySlack) {
		// Drop the oldest, keeping historyLen+historySlack: amortised,
		// the slices do not grow without end.
		drop := len(h.taken) - (historyLen + historySlack)
		h.taken = append(h.taken[:0], h.taken[drop:]...)
		for i := range h.series {
			h.series[i] = append(h.series[i][:0], h.series[i][drop:]...)
		}
	}
}

// fill sets dst to the newest historyLen samples taken at or before at:
// what an Overview showing the snapshot taken at draws, whatever newer
// samples other sessions recorded meanwhile.
func (h *History) fill(at time.Time, dst *[numSeries]*widgets.History) {
	h.mu.Lock()
	defer h.mu.Unlock()
	end := sort.Search(len(h.taken), func(i int) bool { return h.taken[i].After(at) })
	start := max(end-historyLen, 0)
	for i, d := range dst {
		d.Reset()
		for _, v := range h.series[i][start:end] {
			d.Push(v)
		}
	}
}

// samples is one point of every series for s.
func samples(s *hs.Snapshot) [numSeries]float64 {
	nan := math.NaN()
	var v [numSeries]float64
	v[seriesCPU] = nan
	if s.CPU.Valid {
		v[seriesCPU] = s.CPU.Total.Busy
	}
	v[seriesMem] = percent(s.Memory.Used, s.Memory.Total)
	v[seriesSwap] = percent(s.Memory.SwapUsed, s.Memory.SwapTotal)
	v[seriesLoad] = s.Load.Load1
	v[seriesFS] = nan
	if f, ok := busiest(s.Filesystems); ok {
		v[seriesFS] = f.UsedPercent()
	}
	v[seriesDisk] = rateValue(uihost.SumRate(uihost.DiskTotals(s)))
	v[seriesNet] = rateValue(uihost.SumRate(uihost.NetTotals(s)))
	return v
}
