package view

import (
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/stacktop/stacktop/collectors"
	"github.com/stacktop/stacktop/ui/format"
)

// The figures of a source that is down or stale are history: every view
// shows them dimmed (Styles.History), labelled with AsOf, and without rates
// or growing ages, which would read as live. These helpers are the one
// place that decides it, so the Overview, the tabs and their lists agree.

// Historic reports whether u's snapshot must be shown as history at
// ctx.Now: there is one, but the latest poll failed or it is stale.
func Historic(ctx Context, u collectors.Update) bool {
	return u.Snapshot != nil && !u.Live(ctx.Now)
}

// AsOfText is "as of 17:06:49", when u's snapshot was taken.
func AsOfText(u collectors.Update) string {
	return "as of " + u.LastGood.Format("15:04:05")
}

// AsOf is AsOfText in the History style.
func AsOf(ctx Context, u collectors.Update) string {
	return ctx.Styles.History.Render(AsOfText(u))
}

// Dim renders an already styled line in the History style only: its own
// colours (a green "ok", a red "!") would make old figures look current.
func Dim(ctx Context, line string) string {
	if line == "" {
		return line
	}
	return ctx.Styles.History.Render(ansi.Strip(line))
}

// DimLines applies Dim to every line, in place, and returns lines.
func DimLines(ctx Context, lines []string) []string {
	for i, l := range lines {
		lines[i] = Dim(ctx, l)
	}
	return lines
}

// NextTry is when the hub polls a failing source again, as the user reads
// it: "next try in 8s", or "retrying now" once it is due. "" when the
// source is not failing or the time is unknown.
func NextTry(ctx Context, u collectors.Update) string {
	if u.Err == nil || u.NextTry.IsZero() {
		return ""
	}
	d := u.NextTry.Sub(ctx.Now)
	if d < time.Second {
		return "retrying now"
	}
	return "next try in " + format.Duration(d)
}

// ErrCause is the latest poll's error without its advice when it has one
// (collectors.Hinted): for a line that says the outage separately.
func ErrCause(u collectors.Update) string {
	if h, ok := u.Err.(collectors.Hinted); ok {
		return h.WithoutHint()
	}
	if u.Err == nil {
		return ""
	}
	return u.Err.Error()
}
