package overview

import (
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/stacktop/stacktop/ui/internal/fixture"
	"github.com/stacktop/stacktop/ui/view"
)

// TestGolden records Overview states the root goldens do not reach.
// Regenerate with `go test ./ui/overview -update`; read them before committing.
func TestGolden(t *testing.T) {
	t.Run("waiting_80x21", func(t *testing.T) {
		ctx := testCtx(80, 21)
		ctx.Summaries = []view.Summarizer{fakeSummary{"Postgres", "main: waiting for first poll"}, fakeSummary{"Docker", "local: waiting for first poll"}}
		golden.RequireEqual(t, []byte(New(nil).View(ctx)))
	})
	t.Run("hot_host_100x30", func(t *testing.T) {
		tab := New(nil)
		for i, u := range fixture.HostSeries(60, 20) {
			s := fixture.Host(u.LastGood, 20, i)
			s.CPU.Total.Busy = float64(40 + i) // climbing to 99%
			s.Load.Load1 = float64(i) / 3
			tab.Update(fixture.HostUpdate(s))
		}
		ctx := testCtx(100, 30)
		ctx.Now = fixture.Now().Add(time.Second)
		golden.RequireEqual(t, []byte(tab.View(ctx)))
	})
}
