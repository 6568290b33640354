package postgres

import (
	"strings"
	"testing"
)

// totalRow is the databases view's "total" line.
func totalRow(frame string) string {
	for _, l := range strings.Split(frame, "\n") {
		if strings.Contains(l, " total ") {
			return l
		}
	}
	return ""
}

// TestHistoryHasNoRates: a down target's databases list keeps its levels
// (connections, deadlocks, size) but leaves out every rate, which would
// read as live; the live target's list shows them.
func TestHistoryHasNoRates(t *testing.T) {
	s := primary(40)
	tps := " " + rateNum(s.Total.TPS) + " "
	live, ctx := newTab(200, 40, 40)
	live.Update(update("main", s, nil))
	down, _ := newTab(200, 40, 40)
	down.Update(refusedAfterData())
	press(live, "d")
	press(down, "d")
	lf, df := live.View(ctx), down.View(ctx)
	if l := totalRow(lf); !strings.Contains(l, tps) {
		t.Fatalf("the live total row lacks the TPS%q:\n%s", tps, l)
	}
	if !strings.Contains(df, "as of ") {
		t.Fatalf("the down target's view is not marked as history:\n%s", df)
	}
	if l := totalRow(df); l == "" || strings.Contains(l, tps) {
		t.Errorf("history's total row %q shows the TPS%q (or is missing)", l, tps)
	}
}
