package placeholder

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/stacktop/stacktop/collectors"
	"github.com/stacktop/stacktop/ui/view"
)

type snap struct{ at time.Time }

func (s snap) TakenAt() time.Time { return s.at }

func TestStatuses(t *testing.T) {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	ctx := view.Context{Width: 100, Height: 20, Styles: themeStyles(r), Now: now}
	tab := New("Postgres", collectors.KindPostgres, "add a [[postgres]] section")
	if got := tab.View(ctx); !strings.Contains(got, "not configured — add a [[postgres]] section") {
		t.Errorf("no sources:\n%s", got)
	}
	id := func(n string) collectors.SourceID { return collectors.SourceID{Kind: collectors.KindPostgres, Name: n} }
	updates := []collectors.Update{
		{Source: id("fresh"), Interval: time.Second},
		{Source: id("absent"), Implicit: true, PolledAt: now, Err: fmt.Errorf("dial: %w", collectors.ErrSourceAbsent)},
		{Source: id("down"), PolledAt: now, Err: errors.New("password authentication failed for user \"app\" — check password_env")},
		{Source: id("flaky"), PolledAt: now, Snapshot: snap{now.Add(-time.Minute)}, LastGood: now.Add(-time.Minute), Err: errors.New("timeout")},
		{Source: id("up"), PolledAt: now, Snapshot: snap{now}, LastGood: now},
		{Source: id("evil\x1b[2J"), PolledAt: now, Err: errors.New("bad \x1b]0;title\x07thing")},
		{Source: collectors.SourceID{Kind: collectors.KindDocker, Name: "other"}, PolledAt: now},
	}
	for _, u := range updates {
		tab.Update(u)
	}
	got := tab.View(ctx)
	for _, want := range []string{
		"fresh: waiting for first poll",
		"absent: not found",
		"down: unreachable: password authentication failed for user \"app\" — check password_env",
		"flaky: degraded: timeout (last good data 1m00s ago)",
		"up: connected",
		"evil: unreachable: bad thing",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("view lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "other") || strings.Contains(got, "\x1b") {
		t.Errorf("view shows another kind's source or an escape:\n%q", got)
	}
	sum := tab.Summary(ctx, 30, 3)
	if n := len(strings.Split(sum, "\n")); n != 3 {
		t.Errorf("summary of height 3 has %d lines", n)
	}
}
