package view

import (
	tea "github.com/charmbracelet/bubbletea"

	"github.com/stacktop/stacktop/actions"
)

// # Actions from a tab
//
// A tab never runs an action itself. On an action key it returns Request(…),
// a command producing an ActionRequest; the root builds the Action through
// the registry, asks for confirmation when the action needs it, runs it
// through the Runner (which alone decides whether it may run) and shows the
// outcome. So tabs stay unaware of confirmation dialogs, progress and the
// audit log.
//
// To keep help honest, a tab asks Allowed before enabling an action key:
// Allowed is false when read-only is in force (globally, for the target or
// for the session) or when the kind is not registered at all (no Docker CLI
// for a shell, no actions wired in a test), so such keys are disabled and
// left out of help.

// ActionRequest asks the root to run action kind Kind ("host.kill") on
// Target with Params. Tabs build it from the snapshot the user sees, so
// Target.Guard pins the thing shown.
type ActionRequest struct {
	Kind   string
	Target actions.Target
	Params actions.Params
	// AskValues, when above zero, has the root ask the user for the values
	// of $1…$AskValues first and pass them as Params["args"] (a JSON array
	// of strings): EXPLAIN of a parameterised statement where the server
	// cannot plan it generically (before PostgreSQL 16, or with ANALYZE).
	AskValues int
	// AskQuery has the root ask the user to type Params["query"] first
	// (EXPLAIN of a typed statement); $n values are then asked when the
	// statement has any, unless GenericPlans covers a plain EXPLAIN.
	AskQuery bool
	// GenericPlans is true when the server plans $n statements without
	// values (PostgreSQL 16+), so a typed plain EXPLAIN needs none.
	GenericPlans bool
}

// Request returns a command that asks the root to run kind on t.
func Request(kind string, t actions.Target, p actions.Params) tea.Cmd {
	return func() tea.Msg { return ActionRequest{Kind: kind, Target: t, Params: p} }
}

// Allowed reports whether action kind may run on t right now, before any
// confirmation. The root builds it from the Runner; a nil Allowed allows
// nothing. It is cheap (no I/O) and safe to call from Update.
type Allowed func(kind string, t actions.Target) bool

// Can is a nil-safe call of a: false when a is nil.
func (a Allowed) Can(kind string, t actions.Target) bool { return a != nil && a(kind, t) }

// BackupsRequest asks the root to list the existing backups of a Postgres
// target (optionally of one database) in its backup list overlay.
type BackupsRequest struct {
	Target   actions.Target
	Database string
}

// ShowBackups returns a command that opens the backup list for t.
func ShowBackups(t actions.Target, database string) tea.Cmd {
	return func() tea.Msg { return BackupsRequest{Target: t, Database: database} }
}

// ActionDoneMsg is broadcast to every tab when an action has ended, so a
// tab can poll its source sooner or drop a stale selection. Outcome is the
// audit log's outcome ("ok", "failed", "refused_read_only", ...).
type ActionDoneMsg struct {
	Kind    string
	Target  actions.Target
	Outcome actions.Outcome
}

// ReadOnlyMsg is broadcast to every tab when the session's read-only is
// switched (ctrl+r), so tabs re-check which action keys to offer.
type ReadOnlyMsg struct{ On bool }
