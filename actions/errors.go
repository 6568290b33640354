package actions

import (
	"errors"
	"fmt"
)

// Sentinel errors, for errors.Is. The Runner returns the richer types below,
// which match these.
var (
	// ErrReadOnly: a non-read action was refused because read-only is in force.
	ErrReadOnly = errors.New("read-only")
	// ErrNotConfirmed: the action needs a confirmation it did not get.
	ErrNotConfirmed = errors.New("not confirmed")
	// ErrAudit: the audit log cannot be written, so nothing runs.
	ErrAudit = errors.New("audit log unavailable")
	// ErrInvalidAction: the Action value is incomplete (no Run, unknown risk).
	ErrInvalidAction = errors.New("invalid action")
)

// Scope says where read-only was switched on.
type Scope string

// The read-only scopes, checked in this order.
const (
	// ScopeGlobal: --read-only, --demo or read_only in the config's top level.
	ScopeGlobal Scope = "global"
	// ScopeTarget: read_only = true on the target's source in the config.
	ScopeTarget Scope = "target"
	// ScopeSession: switched on in this session (the UI's toggle).
	ScopeSession Scope = "session"
	// ScopeRole: a served session whose key has the viewer role.
	ScopeRole Scope = "role"
)

// ReadOnlyError is the Runner's refusal of a non-read action under read-only.
type ReadOnlyError struct {
	Scope  Scope
	Action string
	Target Target
}

// Error is one line: the cause, then what to try.
func (e *ReadOnlyError) Error() string {
	var how string
	switch e.Scope {
	case ScopeGlobal:
		how = "stacktop runs read-only (--read-only, --demo or read_only in the config) — restart it without read-only to act"
	case ScopeTarget:
		how = fmt.Sprintf("source %s:%s is read_only = true in the config — change the config to act on it", e.Target.Kind, e.Target.Source)
	case ScopeRole:
		how = "your key has the viewer role — log in with an operator's key to act"
	default:
		how = "this session was switched to read-only — switch it back to act"
	}
	return fmt.Sprintf("%s on %s refused: %s", e.Action, e.Target, how)
}

// Is makes errors.Is(err, ErrReadOnly) true.
func (e *ReadOnlyError) Is(target error) bool { return target == ErrReadOnly }

// NotConfirmedError is the Runner's refusal of an action whose confirmation
// is missing or whose typed name does not match.
type NotConfirmedError struct {
	Action string
	Target Target
	// Want is the name that had to be typed; empty when a yes was enough.
	Want string
	// Typed is what was typed (empty when nothing was).
	Typed string
	// Protected: the target is protected = true, so only the typed name
	// confirms (a blanket --yes does not).
	Protected bool
}

// Error is one line: the cause, then what to try.
func (e *NotConfirmedError) Error() string {
	if e.Protected && e.Typed == "" {
		return fmt.Sprintf("%s on %s needs the name typed: %s:%s is protected — type %q, or pass --confirm %s (--yes alone is not enough)",
			e.Action, e.Target, e.Target.Kind, e.Target.Source, e.Want, e.Want)
	}
	if e.Want == "" {
		return fmt.Sprintf("%s on %s needs confirmation — confirm it, or pass --yes", e.Action, e.Target)
	}
	if e.Typed == "" {
		return fmt.Sprintf("%s on %s needs the name typed to confirm — type %q, or pass --yes", e.Action, e.Target, e.Want)
	}
	return fmt.Sprintf("%s on %s not confirmed: typed %q, not %q — type the name exactly", e.Action, e.Target, e.Typed, e.Want)
}

// Is makes errors.Is(err, ErrNotConfirmed) true.
func (e *NotConfirmedError) Is(target error) bool { return target == ErrNotConfirmed }

// Outcome is how an attempt ended, as the audit log records it.
type Outcome string

// The outcomes of an attempt.
const (
	OutcomeOK                 Outcome = "ok"
	OutcomeRefusedReadOnly    Outcome = "refused_read_only"
	OutcomeRefusedUnconfirmed Outcome = "refused_unconfirmed"
	// OutcomeRefusedBusy: another action (perhaps another session's) was
	// still changing the same target.
	OutcomeRefusedBusy Outcome = "refused_busy"
	// OutcomeRefusedAudit: the audit log was unusable beforehand, so the
	// action did not run (this line is written if the log recovered).
	OutcomeRefusedAudit Outcome = "refused_audit"
	// OutcomeRefusedInvalid: the Action value itself was unusable.
	OutcomeRefusedInvalid Outcome = "refused_invalid"
	OutcomeFailed         Outcome = "failed"
	OutcomeCancelled      Outcome = "cancelled"
	OutcomeTimeout        Outcome = "timeout"
)
