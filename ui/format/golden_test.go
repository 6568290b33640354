package format

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/stacktop/stacktop/collectors"
)

// TestGolden is the formatting rules as a readable table, so a change to any
// of them shows up as a reviewable diff. Regenerate with `go test ./ui/format -update`.
func TestGolden(t *testing.T) {
	var b strings.Builder
	row := func(in, out string) { b.WriteString(in + strings.Repeat(" ", max(28-len(in), 1)) + out + "\n") }
	b.WriteString("Bytes\n")
	for _, n := range []uint64{0, 999, 1024, 10 << 10, 1000 << 10, 1 << 20, 123456789, 5 << 30, 1 << 50} {
		row("  "+formatUint(n), Bytes(n))
	}
	b.WriteString("ByteRate\n")
	row("  first sample (invalid)", ByteRate(collectors.Rate{}))
	row("  0", ByteRate(collectors.Rate{Valid: true}))
	row("  1536.4", ByteRate(collectors.Rate{PerSec: 1536.4, Valid: true}))
	b.WriteString("CountRate\n")
	for _, v := range []float64{0, 7.6, 12345, 2.5e6} {
		row("  "+Fixed(v, 1), CountRate(collectors.Rate{PerSec: v, Valid: true}))
	}
	b.WriteString("Percent\n")
	for _, v := range []float64{0, 0.04, 9.99, 42.5, 99.94, 99.96, 250} {
		row("  "+Fixed(v, 2), Percent(v))
	}
	b.WriteString("Duration\n")
	for _, d := range []time.Duration{0, 1500 * time.Millisecond, 59 * time.Second, 61 * time.Second, 3599 * time.Second, 3600 * time.Second, 90000 * time.Second} {
		row("  "+d.String(), Duration(d))
	}
	golden.RequireEqual(t, []byte(b.String()))
}

func formatUint(n uint64) string { return Fixed(float64(n), 0) }
