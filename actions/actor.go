package actions

import (
	"fmt"
	"slices"
	"sync"
	"time"
)

// Role is what a session served over SSH (`stacktop serve`) may do. It is
// decided by the key that authenticated, never by the SSH user name.
type Role string

// The roles.
const (
	// RoleLocal is the local terminal or a command line: the flags and the
	// config decide, as they always have.
	RoleLocal Role = ""
	// RoleViewer watches: every non-read action is refused at the Runner,
	// whatever the flags.
	RoleViewer Role = "viewer"
	// RoleOperator acts within the targets' own read_only and protected rules.
	RoleOperator Role = "operator"
)

// Actor is who asks the Runner for an action: the local user (zero
// Actor), or a served session's configured user with the role and key
// fingerprint its authentication decided and where it connects from. It
// goes on every audit line.
type Actor struct {
	// User is the configured name of a served user; empty locally.
	User string
	Role Role
	// KeyFingerprint is the SHA256 fingerprint of the key that signed.
	KeyFingerprint string
	// RemoteAddr is the client's address and port.
	RemoteAddr string
}

// Name is how others see the actor: the configured user, or "local".
func (a Actor) Name() string {
	if a.User == "" {
		return "local"
	}
	return a.User
}

// Running is one action in flight, as other sessions see it.
type Running struct {
	Actor  string // Actor.Name of who started it
	Action string // the action's title ("Restart")
	Target Target
	Since  time.Time
}

// String is "NAME: Restart docker:local/web".
func (r Running) String() string {
	return fmt.Sprintf("%s: %s %s", r.Actor, r.Action, r.Target)
}

// inflight is what every Runner of one process shares: the actions
// running now, at most one per target, whoever started them.
type inflight struct {
	mu      sync.Mutex
	running map[Target]Running
}

// targetKey is the thing an action changes: two actions on the same
// container, backend or process never run at once, across all sessions.
func targetKey(t Target) Target { return Target{Kind: t.Kind, Source: t.Source, Object: t.Object} }

// claim marks t busy with r, or returns what already runs on it.
func (f *inflight) claim(t Target, r Running) (Running, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	k := targetKey(t)
	if cur, busy := f.running[k]; busy {
		return cur, false
	}
	if f.running == nil {
		f.running = map[Target]Running{}
	}
	f.running[k] = r
	return r, true
}

func (f *inflight) release(t Target) {
	f.mu.Lock()
	delete(f.running, targetKey(t))
	f.mu.Unlock()
}

// list is every action in flight, oldest first.
func (f *inflight) list() []Running {
	f.mu.Lock()
	out := make([]Running, 0, len(f.running))
	for _, r := range f.running {
		out = append(out, r)
	}
	f.mu.Unlock()
	slices.SortFunc(out, func(a, b Running) int { return a.Since.Compare(b.Since) })
	return out
}

// BusyError is the Runner's refusal of an action on a target another
// action (maybe another session's) is still changing.
type BusyError struct {
	Action string
	Target Target
	Other  Running
}

// Error is one line: the cause, then what to try.
func (e *BusyError) Error() string {
	return fmt.Sprintf("%s on %s refused: %s is still running — wait for it to end", e.Action, e.Target, e.Other)
}
