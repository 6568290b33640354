package collectors

import (
	"math"
	"strconv"
	"time"
)

// Rate is a per-second figure derived from two samples of a counter. When no
// honest figure exists (first sample, counter reset, no time elapsed) Valid is
// false and the UI shows "n/a"; a Rate is never negative or infinite.
type Rate struct {
	PerSec float64
	Valid  bool
}

// CounterRate returns the per-second change from prev to cur over elapsed.
// Pass elapsed <= 0 when there is no previous sample. A counter that went
// backwards (stats reset, restart, wrap) yields no rate rather than a spike.
func CounterRate(prev, cur uint64, elapsed time.Duration) Rate {
	if elapsed <= 0 || cur < prev {
		return Rate{}
	}
	r := float64(cur-prev) / elapsed.Seconds()
	if math.IsNaN(r) || math.IsInf(r, 0) {
		return Rate{}
	}
	return Rate{PerSec: r, Valid: true}
}

// Elapsed is the time between two samples, or 0 when there is no previous
// sample (prev is zero) or the clock did not move forward.
func Elapsed(prev, cur time.Time) time.Duration {
	if prev.IsZero() || !cur.After(prev) {
		return 0
	}
	return cur.Sub(prev)
}

// MarshalJSON encodes an invalid rate as null so JSON consumers never mistake
// "unknown" for zero.
func (r Rate) MarshalJSON() ([]byte, error) {
	if !r.Valid {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, r.PerSec, 'f', -1, 64), nil
}
