package view

import (
	"strings"

	"github.com/stacktop/stacktop/collectors"
)

// # The Overview as a launchpad
//
// Every line the Overview flags can carry a Jump: what it names and where
// that lives. The user selects the line (j/k) and presses enter; the
// Overview returns a JumpMsg, the root focuses the tab that Opens it and
// hands it the message, and that tab shows the thing: the process selected
// in the Host table, the blocking backend in the lock tree, the container
// in the Docker list with its logs open.

// JumpKind says what a Jump names.
type JumpKind int

// What a Jump can name.
const (
	// JumpSource is a target or engine as a whole (its first line in a box).
	JumpSource JumpKind = iota
	// JumpProcess is a host process, by PID.
	JumpProcess
	// JumpBackend is a PostgreSQL session, by PID, shown in the activity view.
	JumpBackend
	// JumpBlocker is a PostgreSQL session blocking others, shown in the lock tree.
	JumpBlocker
	// JumpContainer is a container, by ID, shown in the list with its logs.
	JumpContainer
	// JumpHost is a fleet host, by its host label value (Instance), shown
	// in the Fleet tab with its detail open.
	JumpHost
)

// Jump names one thing the Overview shows, for the tab that owns it. It is
// comparable, so a selection can follow the same thing across refreshes.
type Jump struct {
	// Source owns the thing; its Kind decides which tab opens it.
	Source collectors.SourceID
	// What is named.
	What JumpKind
	// PID of a process or backend (JumpProcess, JumpBackend, JumpBlocker).
	PID int
	// Container is the container's ID (JumpContainer).
	Container string
	// Instance is a fleet host's host label value (JumpHost).
	Instance string
}

// JumpMsg asks the root to focus the tab that Opens the Jump and then hands
// that tab the message to show it.
type JumpMsg struct{ Jump }

// Opener is implemented by tabs that can show what a Jump names.
type Opener interface {
	// Opens reports whether this tab shows what j names.
	Opens(j Jump) bool
}

// SummaryLine is one line of an Overview box: its drawn text and, when the
// line names something, where enter takes the user.
type SummaryLine struct {
	Text string
	// Jump is nil for lines that only inform (a count, a hint).
	Jump *Jump
}

// Launcher is implemented by Summarizers whose box lines can be opened: it
// returns the same lines Summary draws, each with its Jump.
type Launcher interface {
	SummaryLines(ctx Context, width, height int) []SummaryLine
}

// JoinLines is the text of lines, one per line: Summary for a Launcher.
func JoinLines(lines []SummaryLine) string {
	texts := make([]string, len(lines))
	for i, l := range lines {
		texts[i] = l.Text
	}
	return strings.Join(texts, "\n")
}

// Lines wraps plain text lines as SummaryLines that open j (nil: none).
func Lines(texts []string, j *Jump) []SummaryLine {
	out := make([]SummaryLine, len(texts))
	for i, s := range texts {
		out[i] = SummaryLine{Text: s, Jump: j}
	}
	return out
}
