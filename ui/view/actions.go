package view

import (
	"github.com/charmbracelet/bubbles/key"
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
//
// A disabled action key still answers when pressed: the tab notices the
// press with Pressed and returns Refuse(…), saying why when it knows
// ("nothing selected", "web is exited"); the root shows it as one status
// line, and asks the Runner for the reason when the tab leaves it empty
// (read-only). So no key ever does nothing in silence.

// Fact is one labelled line of context the confirmation dialog shows about
// what an action will hit: ("user", "alice"), ("image", "nginx:1.27").
// The tab builds facts from what the user sees, already sanitized and,
// under --redact, redacted; the root only lays them out (and sanitizes
// again), so it never needs to know what kind of thing it shows.
type Fact struct {
	Label, Value string
	// Long marks a value shown as its own wrapped paragraph below the
	// one-line facts (a statement), kept to a few lines; line breaks in it
	// are kept.
	Long bool
}

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
	// Context is what the confirmation dialog shows about the target,
	// in order, besides the action's own title, target and description.
	Context []Fact
	// AskYes has the root ask for a yes even when the action needs none:
	// for keys where a slip would start something the user did not mean
	// (a shell that takes the terminal, EXPLAIN ANALYZE running a query).
	AskYes bool
}

// Request returns a command that asks the root to run kind on t.
func Request(kind string, t actions.Target, p actions.Params) tea.Cmd {
	return func() tea.Msg { return ActionRequest{Kind: kind, Target: t, Params: p} }
}

// RefusedMsg answers a press of an action key that cannot act now, as
// one line on the status line: "restart: web is exited", "read-only:
// restart is refused (…)".
type RefusedMsg struct {
	// What names the key as its help does ("restart").
	What string
	// Kind is the action refused ("docker.restart"); Target is what it
	// would have acted on, when known.
	Kind   string
	Target actions.Target
	// Why is the tab's reason ("nothing selected — …"); empty means the
	// tab would have offered the key but Allowed said no, so the root
	// asks the Runner why (read-only and its scope).
	Why string
}

// Refuse returns a command that answers a press of b, the key of action
// kind on t, which cannot act now; why is "" when only Allowed refused.
func Refuse(b key.Binding, kind string, t actions.Target, why string) tea.Cmd {
	m := RefusedMsg{What: b.Help().Desc, Kind: kind, Target: t, Why: why}
	return func() tea.Msg { return m }
}

// Pressed reports whether msg is one of b's keys, enabled or not
// (key.Matches ignores disabled bindings): how a tab notices a press of an
// action key it has disabled, to answer it with Refuse.
func Pressed(msg tea.KeyMsg, b key.Binding) bool {
	s := msg.String()
	for _, k := range b.Keys() {
		if k == s {
			return true
		}
	}
	return false
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
