// Package format turns figures into the short human strings the dashboard
// shows: sizes in binary units, rates per second, percentages, durations and
// ages. Every function is pure and allocation-light; none of them pads, so
// callers align columns with ui/widgets.
package format

import (
	"math"
	"strconv"
	"time"

	"github.com/stacktop/stacktop/collectors"
)

// NA is what a figure that does not exist (yet) shows as.
const NA = "n/a"

var units = [...]string{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}

// Bytes formats n in binary units: "0 B", "512 B", "1.5 KiB", "12.3 MiB",
// "512 MiB" (one decimal below 100, none above: at most 8 cells wide).
func Bytes(n uint64) string {
	return BytesFloat(float64(n))
}

// BytesFloat is Bytes for a fractional amount such as a per-second rate.
// Negative, NaN and infinite inputs format as NA.
func BytesFloat(v float64) string {
	if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return NA
	}
	if v < 1024 {
		return strconv.FormatFloat(math.Round(v), 'f', 0, 64) + " B"
	}
	i := 0
	for v >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	// 1023.96 KiB would print as "1024 KiB": move to the next unit instead.
	if v >= 999.95 && i < len(units)-1 {
		v /= 1024
		i++
	}
	return decimal(v) + " " + units[i]
}

// decimal prints one decimal below 100 and none from 100 up.
func decimal(v float64) string {
	if v < 99.95 {
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', 0, 64)
}

// ByteRate formats a per-second byte rate as "1.2 MiB/s", or NA when the
// rate is not valid (first sample, counter reset).
func ByteRate(r collectors.Rate) string {
	if !r.Valid {
		return NA
	}
	return BytesFloat(r.PerSec) + "/s"
}

// CountRate formats a per-second count such as IOPS or transactions:
// "0/s", "12/s", "3.4k/s", "1.2M/s"; NA when not valid.
func CountRate(r collectors.Rate) string {
	if !r.Valid {
		return NA
	}
	return Count(r.PerSec) + "/s"
}

// Count formats a count with a k/M/G suffix from 10,000 up: "950", "9999",
// "12.3k", "4.5M".
func Count(v float64) string {
	if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return NA
	}
	if v < 10000 {
		return strconv.FormatFloat(math.Round(v), 'f', 0, 64)
	}
	suffix := [...]string{"k", "M", "G", "T"}
	i := -1
	for v >= 999.95 && i < len(suffix)-1 {
		v /= 1000
		i++
	}
	return decimal(v) + suffix[i]
}

// Percent formats a percentage: "0.0%", "42.5%", "100%", "350%" (a process
// using several cores). NaN or negative formats as NA.
func Percent(p float64) string {
	if p < 0 || math.IsNaN(p) || math.IsInf(p, 0) {
		return NA
	}
	return decimal(p) + "%"
}

// Duration formats d compactly with at most two units, rounded down to whole
// seconds: "0s", "45s", "3m12s", "1h04m", "2d03h". Negative durations
// (clock skew) show as "0s".
func Duration(d time.Duration) string {
	if d < time.Second {
		return "0s"
	}
	s := int64(d / time.Second)
	switch {
	case s < 60:
		return strconv.FormatInt(s, 10) + "s"
	case s < 3600:
		return strconv.FormatInt(s/60, 10) + "m" + two(s%60) + "s"
	case s < 86400:
		return strconv.FormatInt(s/3600, 10) + "h" + two(s%3600/60) + "m"
	default:
		return strconv.FormatInt(s/86400, 10) + "d" + two(s%86400/3600) + "h"
	}
}

// Rough is Duration to the minute from one minute up ("45s", "3m",
// "1h04m", "2d03h"): for an age that sits beside other figures, where a
// count of seconds would change the line every second and tell nothing
// past the first minute.
func Rough(d time.Duration) string {
	if d >= time.Minute && d < time.Hour {
		return strconv.FormatInt(int64(d/time.Minute), 10) + "m"
	}
	return Duration(d)
}

func two(v int64) string {
	if v < 10 {
		return "0" + strconv.FormatInt(v, 10)
	}
	return strconv.FormatInt(v, 10)
}

// Age formats how long ago t was at now ("3m12s ago" without the "ago":
// callers add context). A zero t formats as NA.
func Age(now, t time.Time) string {
	if t.IsZero() {
		return NA
	}
	return Duration(now.Sub(t))
}

// Interval formats a polling interval: "2s", "500ms", "1m30s".
func Interval(d time.Duration) string {
	if d < time.Second {
		return strconv.FormatInt(d.Milliseconds(), 10) + "ms"
	}
	return d.Round(time.Millisecond).String()
}

// Fixed formats v with prec decimals ("0.52" for a load average).
func Fixed(v float64, prec int) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return NA
	}
	return strconv.FormatFloat(v, 'f', prec, 64)
}
