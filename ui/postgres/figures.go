package postgres

import (
	"strconv"
	"time"

	pg "github.com/stacktop/stacktop/collectors/postgres"
	"github.com/stacktop/stacktop/ui/format"
	"github.com/stacktop/stacktop/ui/view"
)

// sinceText is "12s ago" for a slow-cadence part's read time, or "not yet".
func sinceText(ctx view.Context, at time.Time) string {
	if at.IsZero() {
		return "not yet"
	}
	return format.Duration(ctx.Now.Sub(at)) + " ago"
}

// millis formats an execution time with sub-second precision: "0.42ms",
// "12.3ms", "1.25s", then format.Duration from a minute up.
func millis(d time.Duration) string {
	switch {
	case d < 0:
		return format.NA
	case d < 10*time.Millisecond:
		return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 2, 64) + "ms"
	case d < time.Second:
		return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 1, 64) + "ms"
	case d < time.Minute:
		return strconv.FormatFloat(d.Seconds(), 'f', 2, 64) + "s"
	}
	return format.Duration(d)
}

// thousands formats n with thin separators for big counters: 12,345,678.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	out := make([]byte, 0, len(s)+len(s)/3)
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}

// lagText is "1.2 MiB / 3s": bytes and time behind; the time is left out
// when unknown.
func lagText(bytes int64, a pg.Age) string {
	b := format.Bytes(uint64(max(bytes, 0)))
	if !a.Valid {
		return b
	}
	return b + " / " + format.Duration(a.D)
}
