package view

import (
	"errors"
	"fmt"
	"io"
	"syscall"
	"testing"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/stacktop/stacktop/collectors"
	"github.com/stacktop/stacktop/ui/theme"
)

type snap struct{ at time.Time }

func (s snap) TakenAt() time.Time { return s.at }

func TestHistoricAndNextTry(t *testing.T) {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	taken := time.Date(2026, 11, 21, 17, 6, 49, 0, time.UTC)
	ctx := Context{Styles: theme.Default().Styles(r), Now: taken.Add(time.Second)}
	u := collectors.Update{Snapshot: snap{taken}, LastGood: taken, PolledAt: taken, Interval: 2 * time.Second,
		NextTry: taken.Add(2 * time.Second)}
	if Historic(ctx, u) || NextTry(ctx, u) != "" {
		t.Errorf("a good poll: historic %v, next try %q", Historic(ctx, u), NextTry(ctx, u))
	}
	ctx.Now = taken.Add(7 * time.Second) // three intervals without a poll: stale
	if !Historic(ctx, u) {
		t.Error("stale figures must be history")
	}
	u.Err, u.PolledAt, u.NextTry = fmt.Errorf("dial: %w", syscall.ECONNREFUSED), taken.Add(3*time.Second), taken.Add(11*time.Second)
	ctx.Now = taken.Add(3 * time.Second)
	if !Historic(ctx, u) || AsOfText(u) != "as of 17:06:49" {
		t.Errorf("failed poll: historic %v, %q", Historic(ctx, u), AsOfText(u))
	}
	if got := NextTry(ctx, u); got != "next try in 8s" {
		t.Errorf("NextTry = %q, want next try in 8s", got)
	}
	ctx.Now = u.NextTry
	if got := NextTry(ctx, u); got != "retrying now" {
		t.Errorf("NextTry when due = %q", got)
	}
	if got := ErrCause(collectors.Update{Err: errors.New("boom")}); got != "boom" {
		t.Errorf("ErrCause = %q", got)
	}
}
