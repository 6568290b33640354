package actions

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/stacktop/stacktop/collectors"
)

// Risk says how much an action can change. The Runner's read-only check and
// its confirmation rule both key off it.
type Risk int

// The risk levels, from harmless to irreversible.
const (
	// Read changes nothing (EXPLAIN, saving logs to a local file).
	Read Risk = iota
	// Mutating changes state in a recoverable way (restart, VACUUM, TERM).
	Mutating
	// Destructive loses work or data (kill -9, terminate a backend, remove).
	Destructive
)

// String names the risk the way the audit log and the UI show it.
func (r Risk) String() string {
	switch r {
	case Read:
		return "read"
	case Mutating:
		return "mutating"
	case Destructive:
		return "destructive"
	}
	return fmt.Sprintf("risk(%d)", int(r))
}

// MarshalText writes the risk by name, so JSON shows "destructive", not 2.
func (r Risk) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText reads a risk written by MarshalText (audit log readers).
func (r *Risk) UnmarshalText(b []byte) error {
	for _, c := range []Risk{Read, Mutating, Destructive} {
		if string(b) == c.String() {
			*r = c
			return nil
		}
	}
	return fmt.Errorf("unknown risk %q", b)
}

// Target names what an action acts on.
type Target struct {
	// Kind is the source family: host, postgres or docker.
	Kind collectors.Kind `json:"kind"`
	// Source is the configured source's name ("local", "main").
	Source string `json:"source"`
	// Object is the thing inside the source: a container name, a backend or
	// process pid, a schema-qualified table, a database. It is also what the
	// user types to confirm a ConfirmByName action (see ConfirmPhrase), so it
	// is the short, human name (a container's name, not its 64-digit id).
	Object string `json:"object,omitempty"`
	// Name is a friendlier display name ("postgres: checkpointer (812)");
	// Object is shown when it is empty.
	Name string `json:"name,omitempty"`
	// Guard pins the exact thing the user saw, so a reused pid or a
	// recreated container of the same name is never acted on: the action
	// re-checks it right before acting. Its format belongs to the action
	// family (a process's start time, a container id, a backend's start).
	Guard string `json:"guard,omitempty"`
}

// String renders the target as the CLI spells it: docker:local/web,
// postgres:main (no object), host:local/1234.
func (t Target) String() string {
	s := string(t.Kind) + ":" + t.Source
	if t.Object != "" {
		s += "/" + t.Object
	}
	return s
}

// Display is the name to show a person: Name, or Object, or the source.
func (t Target) Display() string {
	switch {
	case t.Name != "":
		return t.Name
	case t.Object != "":
		return t.Object
	}
	return t.String()
}

// ParseTarget reads the CLI form KIND:SOURCE[/OBJECT], e.g. docker:local/web
// or pg:local. "pg" and "postgresql" are accepted for postgres.
func ParseTarget(s string) (Target, error) {
	kind, rest, ok := strings.Cut(s, ":")
	if !ok || rest == "" {
		return Target{}, fmt.Errorf("target %q: want KIND:SOURCE[/OBJECT] — e.g. docker:local/web or pg:local", s)
	}
	var t Target
	switch strings.ToLower(kind) {
	case "host":
		t.Kind = collectors.KindHost
	case "pg", "postgres", "postgresql":
		t.Kind = collectors.KindPostgres
	case "docker":
		t.Kind = collectors.KindDocker
	default:
		return Target{}, fmt.Errorf("target %q: unknown kind %q — use host, pg or docker", s, kind)
	}
	t.Source, t.Object, _ = strings.Cut(rest, "/")
	if t.Source == "" {
		return Target{}, fmt.Errorf("target %q: no source name — e.g. %s:local", s, kind)
	}
	return t, nil
}

// Params carry an action's arguments beyond its target (the database to
// back up, the query to EXPLAIN, the signal to send), as the CLI and the UI
// both have them: named strings. Each Kind documents the keys it reads.
type Params map[string]string

// Progress is what a running action reports.
type Progress struct {
	// Message says what is happening now ("writing dump", "waiting for exit").
	Message string
	// Done and Total count Unit; Total is 0 when unknown.
	Done, Total int64
	// Unit says what Done and Total count, so the UI can show "700 MiB"
	// rather than "734M".
	Unit ProgressUnit
	// Elapsed is set by the Runner: time since the action started.
	Elapsed time.Duration
}

// ProgressUnit is what Progress.Done and Total count.
type ProgressUnit int

// Progress units.
const (
	// ProgressSteps counts steps, blocks or items (the zero value).
	ProgressSteps ProgressUnit = iota
	// ProgressBytes counts bytes written or copied.
	ProgressBytes
)

// Action is one thing stacktop can do to one target, as a value: the UI
// shows Title and Description in its confirmation dialog, the Runner checks
// Risk and confirmation, and Run does the work.
type Action struct {
	// ID names the kind of action, family first: "docker.restart", "host.kill".
	ID string
	// Title is the short label for menus and help ("Restart").
	Title string
	// Target is what the action acts on.
	Target Target
	// Risk decides the read-only and confirmation rules.
	Risk Risk
	// Description is one sentence saying exactly what will happen, naming
	// the target: "Send SIGKILL to process 1234 (postgres); it cannot clean up."
	Description string
	// NeedsYes asks for a yes even when Risk is below Destructive (restart).
	NeedsYes bool
	// ConfirmByName requires the user to type ConfirmPhrase (remove,
	// terminate, kill -9); it implies a confirmation. Runner.Protect sets it
	// on every non-read action on a protected target.
	ConfirmByName bool
	// Timeout bounds Run; the Runner's default applies when zero.
	Timeout time.Duration
	// Run does the work. It must honour ctx (cancellation and timeout) and
	// may call progress as often as it likes: the Runner never lets a slow
	// listener block it. It is called only by a Runner.
	Run func(ctx context.Context, progress func(Progress)) error
	// Output, when set, returns what a successful Run produced (a plan, a
	// backup's path), for the Runner to hand back in Result.Output. It is
	// called once, after Run returned nil.
	Output func() any
}

// NeedsConfirmation reports whether the Runner will ask for a yes (or a
// typed name) before running a.
func (a Action) NeedsConfirmation() bool {
	return a.Risk >= Destructive || a.NeedsYes || a.ConfirmByName
}

// ConfirmPhrase is what the user must type for a ConfirmByName action: the
// name of the object acted on as the dialog shows it (the container, the
// pid, the table), or the source's name when the action acts on the whole
// source (a backup, an EXPLAIN ANALYZE on a protected target).
func (a Action) ConfirmPhrase() string {
	if a.Target.Object != "" {
		return a.Target.Object
	}
	return a.Target.Source
}

// Confirmation is the user's answer to the confirmation dialog (or the CLI's
// --yes).
type Confirmation struct {
	// Confirmed is the yes.
	Confirmed bool
	// TypedName is what the user typed, for ConfirmByName actions.
	TypedName string
	// Blanket marks a yes given in advance for whatever the command names
	// (the CLI's --yes), not typed for this action. It stands in for the
	// typed name of a ConfirmByName action, except on a protected target,
	// where only the name itself will do.
	Blanket bool
}

// Yes is the confirmation the CLI's --yes stands for: the operator named the
// target on the command line, so it counts as typed — but not on a
// protected target (see Confirmation.Blanket).
func Yes(Action) Confirmation {
	return Confirmation{Confirmed: true, Blanket: true}
}

// Kind describes one kind of action (docker.restart, host.kill) and builds
// its Action for a target. Kinds are what a Registry holds, so tests and the
// UI can enumerate every action stacktop can perform.
type Kind struct {
	// ID is the Action.ID every action of this kind carries.
	ID string
	// Title is the short label, as on Action.
	Title string
	// Risk is the Action.Risk every action of this kind carries.
	Risk Risk
	// TargetKind is the source family this kind acts on.
	TargetKind collectors.Kind
	// Params documents the Params keys New reads (for CLI help), key → meaning.
	Params map[string]string
	// New builds the action for a target and its params. It validates and
	// must change nothing: the world is touched only by Action.Run, which
	// only a Runner calls. (Identity such as Target.Guard comes from the
	// snapshot the user saw, not from a fresh look-up here.)
	New func(t Target, p Params) (Action, error)
}
