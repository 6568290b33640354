// Package actions holds everything in stacktop that changes the world
// (restart, kill, backup, cancel, terminate, vacuum) or is expensive on demand
// (EXPLAIN ANALYZE). Each such thing is an Action value; one Runner runs them
// all, and it alone decides whether an action may run: it refuses non-read
// actions under read-only (global, per target, per session), demands
// confirmation, applies a timeout, relays progress and writes every attempt,
// allowed or refused, as one line of the audit log. Hiding keys in the UI is
// a convenience; the Runner's check is the protection.
//
// # Adding an action family
//
// A family (actions/host, actions/postgres, actions/docker) exposes
//
//	func Kinds(opts Options) []actions.Kind
//
// where each Kind's New builds an Action for a Target and Params without
// touching anything: only Action.Run changes the world, and only a Runner
// calls it. Run must honour ctx. Name the target exactly: Target.Object is
// what a user types to confirm, Target.Guard pins the very thing the user
// saw (a process's start time, a backend's start, a container's id) and Run
// re-checks it right before acting. Pick the Risk honestly: anything that
// can change the watched system beyond recall is not Read. Set NeedsYes or
// ConfirmByName where the issue asks for a yes or a typed name.
//
// Every family's tests call actionstest.AssertReadOnlyRefused with all its
// kinds, against the real server, and cmd/stacktop's tests call it with the
// full registry it builds, so no kind can escape the read-only check (nor
// the protected one: on a protected = true target every non-read kind
// needs its name typed, as Runner.Protect says).
//
// # Wiring
//
// cmd/stacktop builds one Registry from every family's Kinds, opens the
// AuditLog (AuditFileName in the state directory unless configured), and
// makes one Runner with the read-only and protected settings and
// CurrentIdentity(os.Getenv).
// The UI wraps Runner.Run in a tea.Cmd, cancels its ctx on esc and feeds
// progress to the program with Program.Send; the CLI passes Yes(action) for
// --yes and the typed name for --confirm NAME. Both ask for what
// Runner.Protect(action) needs.
package actions
