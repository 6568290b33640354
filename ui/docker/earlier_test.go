package docker

import (
	"testing"
	"time"

	ds "github.com/stacktop/stacktop/collectors/docker"
	"github.com/stacktop/stacktop/ui/internal/fixture"
)

// An earlier page joins the lines held without a gap or a duplicate: the
// boundary is the latest of the streams' oldest times (the engine's tail
// cuts stdout and stderr at different times), and the page's lines the
// pane holds — same time, stream and text, even two identical lines in
// the same second — are dropped once each.
func TestEarlierPageBoundary(t *testing.T) {
	t0 := fixture.Now()
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	ln := func(s int, st ds.Stream, text string) ds.LogLine {
		return ds.LogLine{Time: at(s), Stream: st, Text: text}
	}
	// Held: stderr from second 3, stdout only from second 5 (ragged tail),
	// and two identical stdout lines in second 5, one of them held.
	held := []ds.LogLine{
		ln(3, ds.Stderr, "e3"), ln(4, ds.Stderr, "e4"), ln(5, ds.Stdout, "same"), ln(5, ds.Stderr, "e5"), ln(6, ds.Stdout, "o6"),
	}
	if b := boundary(held); !b.Equal(at(5)) {
		t.Fatalf("boundary = %v, want second 5 (stdout's oldest held)", b.Sub(t0))
	}
	page := []ds.LogLine{
		ln(1, ds.Stdout, "o1"), ln(2, ds.Stderr, "e2"), ln(3, ds.Stderr, "e3"), ln(3, ds.Stdout, "o3"),
		ln(4, ds.Stderr, "e4"), ln(4, ds.Stdout, "o4"), ln(5, ds.Stdout, "same"), ln(5, ds.Stdout, "same"), ln(5, ds.Stderr, "e5"),
	}
	got := notHeld(page, held, at(5))
	var texts []string
	for _, l := range got {
		texts = append(texts, l.Text)
	}
	want := []string{"o1", "e2", "o3", "o4", "same"}
	if len(texts) != len(want) {
		t.Fatalf("new lines %q, want %q", texts, want)
	}
	for i := range want {
		if texts[i] != want[i] {
			t.Fatalf("new lines %q, want %q", texts, want)
		}
	}
}
