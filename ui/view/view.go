// Package view is the contract between the root model (package ui) and the
// tabs it shows: Overview, Host, Postgres, Docker. It is a leaf package so a
// tab in its own package (ui/host, ui/postgres, ui/docker, ...) can implement
// Tab without importing ui, and ui can import every tab without a cycle.
//
// # How a tab lives
//
//   - The root builds every tab once (ui/tabs.go is the one place tabs are
//     registered) and keeps it for the life of the program.
//   - Data: after every poll the hub publishes a collectors.Update; the root
//     passes it, as the tea.Msg itself, to Update of every tab whose Kinds
//     include the update's Source.Kind. Updates arrive for every configured
//     source of the kind, first with Health() == HealthUnknown ("waiting for
//     first poll"), then after each poll. Update.Snapshot is the last good
//     snapshot (a pointer type such as *host.Snapshot) or nil; type-assert it.
//   - Size: a SizeMsg with the body's size is sent to every tab on start and
//     on every resize, so Update can page and keep the selection visible.
//   - Focus: when the user switches tabs (keys, or a jump), the tab left
//     gets FocusMsg{} and the tab shown FocusMsg{Focused: true}.
//   - Keys: tea.KeyMsg reaches only the focused tab, after the root has taken
//     its global keys (see below), unless the tab's InputActive is true, in
//     which case the tab gets every key but ctrl+c.
//   - Other messages (the results of a tab's own commands, timers) go to
//     every tab, focused or not, so a command's answer is never lost when
//     the user switched tabs meanwhile: match on your own message types and
//     ignore the rest.
//   - Drawing: View(ctx) returns exactly the body: at most ctx.Height lines,
//     each at most ctx.Width cells wide (the root clips anything beyond, but
//     a tab that relies on clipping loses its last lines/columns).
//
// # Rules for View
//
//   - Pure and deterministic: same state and Context, same string. Use
//     ctx.Now, never time.Now, so the screen (and so terminal output) changes
//     only when something visible changed, and golden tests are stable.
//   - No I/O, no lipgloss.NewStyle: use ctx.Styles.
//   - Every string from outside (names, command lines, query text, errors)
//     goes through ui/sanitize before it is drawn.
//   - Must stay fast: the benchmark target is 2 ms per frame at 200x60 with a
//     2,000-row table, so sort and filter in Update, not in View.
//
// # Global keys (taken by the root before the focused tab sees a key)
//
// ? help, tab/shift+tab and 1–5 switch tabs, ctrl+r switches the session's
// read-only (a ReadOnlyMsg follows), q and ctrl+c quit; esc closes
// the help overlay when it is open and otherwise goes to the tab (use it to
// clear a filter or close a pane). Do not bind these in a tab.
package view

import (
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/stacktop/stacktop/collectors"
	"github.com/stacktop/stacktop/ui/theme"
)

// NoKeys is the help.KeyMap of a tab with no keys of its own.
type NoKeys struct{}

// ShortHelp implements help.KeyMap: nothing to offer.
func (NoKeys) ShortHelp() []key.Binding { return nil }

// FullHelp implements help.KeyMap: nothing to offer.
func (NoKeys) FullHelp() [][]key.Binding { return nil }

// Tab is one screen of the dashboard. Implementations are usually pointer
// types whose Update mutates the receiver and returns it; that avoids copying
// large tables on every message.
type Tab interface {
	// Title is the tab's name in the tab bar, e.g. "Postgres".
	Title() string
	// Kinds lists the source kinds whose collectors.Update this tab receives.
	Kinds() []collectors.Kind
	// Update handles a collectors.Update, a SizeMsg, a tea.KeyMsg (only when
	// focused) or a message produced by one of the tab's own commands.
	Update(msg tea.Msg) (Tab, tea.Cmd)
	// View renders the body of the screen; see the package comment.
	View(ctx Context) string
	// KeyMap is the tab's keys for the help bar and the help overlay. Leave
	// out or disable (key.Binding.SetEnabled(false)) keys that do nothing now
	// (nothing selected, read-only): help skips disabled bindings and
	// key.Matches never matches them.
	KeyMap() help.KeyMap
	// InputActive is true while the tab edits text (a filter prompt), so the
	// root hands it every key, including q and the digits.
	InputActive() bool
}

// Needer is implemented by tabs that, while focused, need less than every
// part of the sources' data (see collectors.Needs): the root tells the hub,
// so work nobody looks at does not run at full rate. A tab that does not
// implement it needs everything.
type Needer interface {
	// Needs is what the tab shows now.
	Needs() collectors.Needs
}

// Summarizer is implemented by tabs that contribute a box to the Overview:
// the worst offenders of their sources (longest query, unhealthy
// containers), or why there is nothing to show.
type Summarizer interface {
	// SummaryTitle is the box title, e.g. "Postgres".
	SummaryTitle() string
	// Summary renders at most height lines of at most width cells.
	Summary(ctx Context, width, height int) string
}

// Context is what the root gives a tab to draw with.
type Context struct {
	// Width and Height are the body's size in cells.
	Width, Height int
	// Styles are the program's styles; never nil.
	Styles *theme.Styles
	// Now is the clock to render ages and staleness with.
	Now time.Time
	// ReadOnly is true when actions that change anything are refused.
	ReadOnly bool
	// History is true when the figures drawn are a down or stale source's
	// last good data (see Historic): rows leave their rates out, which
	// would read as live.
	History bool
	// Redact is --redact / --demo: mask env values, passwords in command
	// lines and DSNs, client addresses and query literals (ui/redact).
	Redact bool
	// Thresholds decide what is shown as a problem.
	Thresholds Thresholds
	// Summaries holds the tabs offering an Overview box, in tab order. Only
	// the Overview uses it.
	Summaries []Summarizer
	// Frames is the frame cache this dashboard shares with the others in
	// the process (the sessions of `stacktop serve`); nil caches nothing.
	// A view that uses it keys each frame on everything it draws from.
	Frames *FrameCache
}

// FocusMsg tells a tab it became the focused one (Focused) or stopped
// being it, so a tab can ask for what only its screen needs (sparklines of
// the rows shown) while it is seen. Tabs start unfocused but the first.
type FocusMsg struct{ Focused bool }

// SizeMsg tells a tab the size its View will be given.
type SizeMsg struct {
	Width, Height int
}

// Thresholds are the limits past which a figure is shown as a problem. The
// root fills zero fields with DefaultThresholds before tabs see them.
type Thresholds struct {
	CPUPercent        float64 // host CPU busy, default 90
	MemoryPercent     float64 // memory used, default 90
	FilesystemPercent float64 // filesystem used, default 90
	SwapUsedPercent   float64 // swap used, default 1 (any swap in use)
	LoadPerCore       float64 // load1 / cores, default 2
}

// DefaultThresholds are used for any threshold the config leaves at zero.
func DefaultThresholds() Thresholds {
	return Thresholds{CPUPercent: 90, MemoryPercent: 90, FilesystemPercent: 90, SwapUsedPercent: 1, LoadPerCore: 2}
}

// WithDefaults returns t with every zero (or negative) field set to its default.
func (t Thresholds) WithDefaults() Thresholds {
	d := DefaultThresholds()
	pick := func(v, def float64) float64 {
		if v <= 0 {
			return def
		}
		return v
	}
	return Thresholds{
		CPUPercent:        pick(t.CPUPercent, d.CPUPercent),
		MemoryPercent:     pick(t.MemoryPercent, d.MemoryPercent),
		FilesystemPercent: pick(t.FilesystemPercent, d.FilesystemPercent),
		SwapUsedPercent:   pick(t.SwapUsedPercent, d.SwapUsedPercent),
		LoadPerCore:       pick(t.LoadPerCore, d.LoadPerCore),
	}
}
