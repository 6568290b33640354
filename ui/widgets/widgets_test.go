package widgets

import (
	"io"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"

	"github.com/stacktop/stacktop/ui/theme"
)

func plain() *theme.Styles {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	return theme.Default().Styles(r)
}

func TestHistoryRing(t *testing.T) {
	h := NewHistory(3)
	if !math.IsNaN(h.Last()) || h.Len() != 0 {
		t.Fatal("a new history is not empty")
	}
	for i := 1; i <= 5; i++ {
		h.Push(float64(i))
	}
	if h.Len() != 3 || h.At(0) != 3 || h.At(2) != 5 || h.Last() != 5 {
		t.Errorf("after 1..5 in a ring of 3: len %d, %v %v %v", h.Len(), h.At(0), h.At(1), h.At(2))
	}
	if got := h.Max(2); got != 5 {
		t.Errorf("Max(2) = %v", got)
	}
	if allocs := testing.AllocsPerRun(100, func() { h.Push(1) }); allocs != 0 {
		t.Errorf("Push allocates %v times", allocs)
	}
}

func TestSparkline(t *testing.T) {
	st := plain()
	h := NewHistory(10)
	for _, v := range []float64{0, 50, 100, math.NaN(), 25} {
		h.Push(v)
	}
	got := Sparkline(st, h, 8, 100)
	if want := "   ▁▅█ ▃"; got != want {
		t.Errorf("Sparkline = %q, want %q", got, want)
	}
	if w := ansi.StringWidth(Sparkline(st, h, 3, 0)); w != 3 {
		t.Errorf("width 3 sparkline is %d wide", w)
	}
	empty := NewHistory(4)
	if got := Sparkline(st, empty, 4, 0); got != "    " {
		t.Errorf("empty history draws %q", got)
	}
}

func TestBar(t *testing.T) {
	st := plain()
	cases := map[float64]string{0: "░░░░", 50: "██░░", 100: "████", 150: "████", -5: "░░░░", 12.5: "▌░░░", math.NaN(): "░░░░"}
	for pct, want := range cases {
		if got := Bar(st, st.BarFull, 4, pct); got != want {
			t.Errorf("Bar(%v) = %q, want %q", pct, got, want)
		}
	}
}

func TestCellAndFit(t *testing.T) {
	if got := Cell("abc", 5, false); got != "abc  " {
		t.Errorf("left %q", got)
	}
	if got := Cell("abc", 5, true); got != "  abc" {
		t.Errorf("right %q", got)
	}
	if got := Cell("abcdef", 4, false); got != "abc…" {
		t.Errorf("cut %q", got)
	}
	if got := Cell("日本語", 5, false); ansi.StringWidth(got) != 5 {
		t.Errorf("wide runes: %q is %d cells", got, ansi.StringWidth(got))
	}
	got := Fit("a\nbbbbbb\nc\nd", 3, 3)
	if got != "a\nbbb\nc" {
		t.Errorf("Fit = %q", got)
	}
	if got := Fit("x", 3, 3); got != "x\n\n" {
		t.Errorf("Fit pads to %q", got)
	}
}

func TestLayoutDropsAndFlexes(t *testing.T) {
	cols := []Column{
		{Title: "PID", Width: 5, Right: true},
		{Title: "EXTRA", Width: 10, Drop: 2},
		{Title: "NAME", Width: 10},
		{Title: "CMD", Width: 8, Flex: true, Drop: 1},
	}
	if got := Layout(cols, 80); got[0] != 5 || got[1] != 10 || got[2] != 10 || got[3] != 80-5-10-10-3 {
		t.Errorf("wide: %v", got)
	}
	if got := Layout(cols, 30); got[1] != 0 || got[3] != 30-5-10-2 {
		t.Errorf("narrow drops EXTRA first: %v", got)
	}
	if got := Layout(cols, 15); got[1] != 0 || got[3] != 0 {
		t.Errorf("very narrow drops CMD too: %v", got)
	}
	w := Layout(cols, 40)
	row := Row(cols, w, []string{"42", "x", "nginx", "/usr/sbin/nginx -g daemon off;"})
	if ansi.StringWidth(row) != 40 || !strings.HasPrefix(row, "   42 ") {
		t.Errorf("row %q (%d cells)", row, ansi.StringWidth(row))
	}
}

func TestGrid(t *testing.T) {
	cells := []string{"a", "b", "c", "d", "e"}
	lines, hidden := Grid(cells, 3, 11, 1) // 2 columns of 3 + 2 gap
	if len(lines) != 1 || hidden != 3 || lines[0] != "a    b" {
		t.Errorf("lines %q hidden %d", lines, hidden)
	}
	lines, hidden = Grid(cells, 3, 11, 5)
	if len(lines) != 3 || hidden != 0 {
		t.Errorf("lines %q hidden %d", lines, hidden)
	}
}

func TestDialogCentres(t *testing.T) {
	st := plain()
	out := Dialog(st, "Confirm", "restart web?", 40, 9)
	ls := strings.Split(out, "\n")
	if len(ls) != 9 {
		t.Fatalf("%d lines", len(ls))
	}
	if !strings.Contains(out, "Confirm") || !strings.Contains(out, "restart web?") || !strings.Contains(out, "╭") {
		t.Errorf("dialog:\n%s", out)
	}
}

func TestMarkSorted(t *testing.T) {
	cols := MarkSorted([]Column{{Title: "CPU%"}, {Title: "MEM%"}}, "MEM%", Descending)
	if cols[0].Title != "CPU%" || cols[1].Title != "MEM%▼" {
		t.Errorf("titles %q, %q: want only MEM%% marked descending", cols[0].Title, cols[1].Title)
	}
	cols = MarkSorted([]Column{{Title: "PID"}, {Title: "NAME"}}, "PID", Ascending)
	if cols[0].Title != "PID▲" || cols[1].Title != "NAME" {
		t.Errorf("titles %q, %q: want only PID marked ascending", cols[0].Title, cols[1].Title)
	}
	if Descending.Reversed(true) != Ascending || Ascending.Reversed(true) != Descending || Ascending.Reversed(false) != Ascending {
		t.Error("Reversed does not flip the order")
	}
}

// A container using about 20 MiB with nothing capping it but a 24 GiB
// host: drawn against the host it is one flat row of the lowest block;
// drawn over its own range its ups and downs show, and the label says
// the range, so nobody reads the height as a share of anything.
func TestSparklineOwnScale(t *testing.T) {
	st := plain()
	const mib = 1 << 20
	h := NewHistory(16)
	for i := range 16 {
		h.Push(float64(20*mib + (i%4)*256*1024)) // 20.0 to 20.75 MiB
	}
	distinct := func(s string) int {
		seen := map[rune]bool{}
		for _, r := range s {
			seen[r] = true
		}
		return len(seen)
	}
	if flat := Sparkline(st, h, 16, 24*1024*mib); distinct(flat) != 1 {
		t.Fatalf("against the host the series should be flat (the bug), got %q", flat)
	}
	sc := MinToMax(h, 16)
	line := SparklineIn(st, h, 16, sc)
	if distinct(line) < 4 || !strings.ContainsRune(line, '▁') || !strings.ContainsRune(line, '█') {
		t.Errorf("over its own range the series is %q; want its low at the bottom, its high at the top", line)
	}
	bytes := func(v float64) string { return strconv.FormatFloat(v/mib, 'f', 2, 64) + " MiB" }
	if got := ScaleLabel(sc, bytes); got != "20.00 MiB–20.75 MiB" {
		t.Errorf("scale label %q", got)
	}
	if got := ScaleLabel(ZeroToMax(h, 16), bytes); got != "≤ 20.75 MiB" {
		t.Errorf("zero-based scale label %q", got)
	}

	steady := NewHistory(4)
	for range 4 {
		steady.Push(20 * mib)
	}
	sc = MinToMax(steady, 4)
	if got := SparklineIn(st, steady, 4, sc); got != "▄▄▄▄" {
		t.Errorf("a steady series draws %q, want a middle line", got)
	}
	if got := ScaleLabel(sc, bytes); got != "steady 20.00 MiB" {
		t.Errorf("steady label %q", got)
	}
	if got := ScaleLabel(MinToMax(NewHistory(4), 4), bytes); got != "" {
		t.Errorf("an empty history has scale label %q", got)
	}
}
