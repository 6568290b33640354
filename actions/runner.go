package actions

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"
)

// Defaults for RunnerOptions left at zero.
const (
	// DefaultTimeout bounds an action that names no timeout of its own.
	DefaultTimeout = 2 * time.Minute
	// DefaultStopGrace is how long the Runner waits, after cancelling or
	// timing out an action, for its Run to return before giving up on it.
	DefaultStopGrace = 5 * time.Second
)

// RunnerOptions configure a Runner; cmd/stacktop builds them from flags and
// config.
type RunnerOptions struct {
	// ReadOnly is global read-only (--read-only, --demo, config).
	ReadOnly bool
	// ReadOnlyTarget reports whether a target's source is configured
	// read_only = true; nil means none is. See ReadOnlySources.
	ReadOnlyTarget func(Target) bool
	// ProtectedTarget reports whether a target's source is configured
	// protected = true: every non-read action on it needs the target's name
	// typed (see Protect); nil means none is. See ProtectedSources.
	ProtectedTarget func(Target) bool
	// Audit receives one line per attempt. Required: a Runner without an
	// audit log would be a way to act unrecorded.
	Audit *AuditLog
	// Identity goes on every audit line (see CurrentIdentity).
	Identity Identity
	// DefaultTimeout applies to actions without their own; DefaultTimeout
	// (the constant) when zero.
	DefaultTimeout time.Duration
	// StopGrace is how long to wait for a cancelled action to return;
	// DefaultStopGrace when zero.
	StopGrace time.Duration
	// Now stamps audit lines; time.Now when nil. Durations always use the
	// monotonic clock.
	Now func() time.Time
}

// ReadOnlySources returns a RunnerOptions.ReadOnlyTarget that matches the
// given sources, each written KIND:SOURCE as in ParseTarget (pg:main,
// docker:local). It fails on a malformed entry.
func ReadOnlySources(sources ...string) (func(Target) bool, error) {
	set := make(map[Target]bool, len(sources))
	for _, s := range sources {
		t, err := ParseTarget(s)
		if err != nil {
			return nil, err
		}
		set[Target{Kind: t.Kind, Source: t.Source}] = true
	}
	return func(t Target) bool { return set[Target{Kind: t.Kind, Source: t.Source}] }, nil
}

// ProtectedSources returns a RunnerOptions.ProtectedTarget that matches
// the given sources, written KIND:SOURCE as for ReadOnlySources.
func ProtectedSources(sources ...string) (func(Target) bool, error) {
	return ReadOnlySources(sources...)
}

// Runner is the one way actions run. It is safe for concurrent use. A
// served session gets its own (ForActor): its actor and its session
// read-only switch, the same rules, audit log and actions in flight.
type Runner struct {
	opts    RunnerOptions
	session atomic.Bool
	actor   Actor
	shared  *inflight
}

// Result says how an attempt ended.
type Result struct {
	Outcome Outcome
	// Started is when the attempt began (the audit line's time).
	Started time.Time
	// Duration is how long Run ran; zero for a refusal.
	Duration time.Duration
	// Output is what Action.Output returned after a successful run.
	Output any
}

// NewRunner checks opts and returns a Runner.
func NewRunner(opts RunnerOptions) (*Runner, error) {
	if opts.Audit == nil {
		return nil, errors.New("actions: a Runner needs an audit log")
	}
	if opts.DefaultTimeout <= 0 {
		opts.DefaultTimeout = DefaultTimeout
	}
	if opts.StopGrace <= 0 {
		opts.StopGrace = DefaultStopGrace
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Runner{opts: opts, shared: &inflight{}}, nil
}

// ForActor returns a Runner for one session of a: the same rules, audit log
// and actions in flight, with a's role deciding read-only as well, and a on
// every audit line it writes.
func (r *Runner) ForActor(a Actor) *Runner {
	return &Runner{opts: r.opts, actor: a, shared: r.shared}
}

// Actor is who this Runner acts for (zero: the local user).
func (r *Runner) Actor() Actor { return r.actor }

// Running lists the actions in flight now, from every session, oldest first.
func (r *Runner) Running() []Running { return r.shared.list() }

// SetSessionReadOnly switches this session's read-only on or off. Global and
// per-target read-only cannot be switched off from here.
func (r *Runner) SetSessionReadOnly(on bool) { r.session.Store(on) }

// ReadOnlyScope reports whether non-read actions on t are refused, and by
// which scope (the broadest that applies).
func (r *Runner) ReadOnlyScope(t Target) (Scope, bool) {
	switch {
	case r.opts.ReadOnly:
		return ScopeGlobal, true
	case r.actor.Role == RoleViewer:
		return ScopeRole, true
	case r.opts.ReadOnlyTarget != nil && r.opts.ReadOnlyTarget(t):
		return ScopeTarget, true
	case r.session.Load():
		return ScopeSession, true
	}
	return "", false
}

// Protected reports whether t's source is configured protected = true.
func (r *Runner) Protected(t Target) bool {
	return r.opts.ProtectedTarget != nil && r.opts.ProtectedTarget(t)
}

// Protect returns a with the confirmation the Runner will demand of it: on
// a protected target every action that is not a Read needs its name typed
// (ConfirmByName), whatever a alone asks for — the stronger rule wins, and
// typing the name is the strongest there is. The UI and the CLI ask for
// what Protect(a) needs; Run applies it itself, whatever they asked.
func (r *Runner) Protect(a Action) Action {
	if a.Risk != Read && r.Protected(a.Target) {
		a.ConfirmByName = true
	}
	return a
}

// Allowed reports whether a may run at all right now, before any
// confirmation: nil, or the *ReadOnlyError Run would return. The UI uses it
// to disable keys; Run checks again itself.
func (r *Runner) Allowed(a Action) error { return r.allowed(a.ID, a.Risk, a.Target) }

// KindAllowed is Allowed for a kind on a target, without building the
// action: what the UI needs to leave a key out of help.
func (r *Runner) KindAllowed(k Kind, t Target) error { return r.allowed(k.ID, k.Risk, t) }

func (r *Runner) allowed(id string, risk Risk, t Target) error {
	if risk == Read {
		return nil
	}
	if scope, ro := r.ReadOnlyScope(t); ro {
		return &ReadOnlyError{Scope: scope, Action: id, Target: t}
	}
	return nil
}

// Run runs a, if read-only, confirmation and the audit log allow, under its
// timeout and ctx (cancel ctx to stop it: esc in the UI). progress, when not
// nil, receives the action's progress from another goroutine; it may be
// slow, but must not block forever, and it is never called after Run
// returns. Every call writes exactly one audit line, whatever the outcome.
// The error is nil exactly when Result.Outcome is OutcomeOK; if the audit
// line itself cannot be written after the action ran, the error says so
// (wrapping ErrAudit) alongside the outcome.
func (r *Runner) Run(ctx context.Context, a Action, c Confirmation, progress func(Progress)) (Result, error) {
	res := Result{Started: r.opts.Now()}
	if outcome, err := r.gate(ctx, a, c); err != nil {
		res.Outcome = outcome
		return res, r.record(a, res, err)
	}
	if a.Risk != Read {
		// One change at a time on a target, whoever asks: two sessions
		// restarting the same container would race each other.
		other, ok := r.shared.claim(a.Target, Running{Actor: r.actor.Name(), Action: a.Title, Target: a.Target, Since: time.Now()})
		if !ok {
			res.Outcome = OutcomeRefusedBusy
			return res, r.record(a, res, &BusyError{Action: a.ID, Target: a.Target, Other: other})
		}
		defer r.shared.release(a.Target)
	}
	start := time.Now()
	err := r.execute(ctx, a, progress, start)
	res.Duration = time.Since(start)
	res.Outcome = outcomeOf(err)
	if err == nil && a.Output != nil {
		res.Output = a.Output()
	}
	return res, r.record(a, res, err)
}

// gate is every check before running, in order of what the user can fix
// least: a broken action, read-only, a missing yes, the audit log.
func (r *Runner) gate(ctx context.Context, a Action, c Confirmation) (Outcome, error) {
	if a.Run == nil || a.ID == "" || a.Risk < Read || a.Risk > Destructive {
		return OutcomeRefusedInvalid, fmt.Errorf("%w: %q on %s has no id, no Run or an unknown risk", ErrInvalidAction, a.ID, a.Target)
	}
	if err := r.Allowed(a); err != nil {
		return OutcomeRefusedReadOnly, err
	}
	if err := r.confirmed(a, c); err != nil {
		return OutcomeRefusedUnconfirmed, err
	}
	if err := r.opts.Audit.Ready(); err != nil {
		return OutcomeRefusedAudit, fmt.Errorf("%s on %s not run: %w", a.ID, a.Target, err)
	}
	if err := ctx.Err(); err != nil {
		return OutcomeCancelled, fmt.Errorf("%s on %s cancelled before it started", a.ID, a.Target)
	}
	return "", nil
}

// confirmed checks c against what Protect(a) needs. A blanket yes (--yes)
// stands in for a typed name, except on a protected target.
func (r *Runner) confirmed(a Action, c Confirmation) error {
	protected := a.Risk != Read && r.Protected(a.Target)
	a = r.Protect(a)
	if !a.NeedsConfirmation() {
		return nil
	}
	e := &NotConfirmedError{Action: a.ID, Target: a.Target, Typed: c.TypedName, Protected: protected}
	if c.Blanket && !protected && c.TypedName == "" {
		c.TypedName = a.ConfirmPhrase()
	}
	if a.ConfirmByName {
		e.Want = a.ConfirmPhrase()
		if e.Want == "" {
			// Nothing to type would make the rule vacuous; refuse instead.
			return fmt.Errorf("%w: %s on %s wants a typed name but its target has none", ErrInvalidAction, a.ID, a.Target)
		}
	}
	if !c.Confirmed || (a.ConfirmByName && strings.TrimSpace(c.TypedName) != e.Want) {
		return e
	}
	return nil
}

// errTimedOut marks our own deadline, so it is told apart from a deadline
// the caller's ctx carried (which counts as a cancellation).
var errTimedOut = errors.New("timed out")

// errAbandoned: Run did not return within StopGrace after being stopped.
var errAbandoned = errors.New("did not stop")

func (r *Runner) execute(ctx context.Context, a Action, listener func(Progress), start time.Time) error {
	timeout := a.Timeout
	if timeout <= 0 {
		timeout = r.opts.DefaultTimeout
	}
	runCtx, cancel := context.WithTimeoutCause(ctx, timeout, errTimedOut)
	defer cancel()
	pump := newProgressPump(listener, start)
	defer pump.stop()

	done := make(chan error, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- fmt.Errorf("action panicked: %v", p)
			}
		}()
		done <- a.Run(runCtx, pump.send)
	}()
	var err error
	select {
	case err = <-done:
	case <-runCtx.Done():
		grace := time.NewTimer(r.opts.StopGrace)
		defer grace.Stop()
		select {
		case err = <-done:
		case <-grace.C:
			err = fmt.Errorf("%w within %s of being stopped and may still be running", errAbandoned, r.opts.StopGrace)
		}
	}
	return annotate(a, runCtx, timeout, err)
}

// annotate turns how the action ended into one line naming the action, and
// marks timeouts and cancellations (even when Run returned some other
// error on seeing ctx end) so outcomeOf can tell them apart.
func annotate(a Action, runCtx context.Context, timeout time.Duration, err error) error {
	cause := context.Cause(runCtx)
	switch {
	case errors.Is(cause, errTimedOut):
		if err == nil || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
			return fmt.Errorf("%s on %s %w after %s — retry, or raise the timeout", a.ID, a.Target, errTimedOut, timeout)
		}
		return fmt.Errorf("%s on %s %w after %s: %w", a.ID, a.Target, errTimedOut, timeout, err)
	case cause != nil && err != nil:
		return fmt.Errorf("%s on %s %w: %w", a.ID, a.Target, errCancelled, err)
	case err != nil:
		return fmt.Errorf("%s on %s failed: %w", a.ID, a.Target, err)
	}
	return nil
}

// errCancelled marks a run stopped by the caller's ctx.
var errCancelled = errors.New("cancelled")

func outcomeOf(err error) Outcome {
	switch {
	case err == nil:
		return OutcomeOK
	case errors.Is(err, errTimedOut):
		return OutcomeTimeout
	case errors.Is(err, errCancelled):
		return OutcomeCancelled
	}
	return OutcomeFailed
}

// RefuseReadOnly is the Runner's read-only check for a kind on a target,
// for callers that must not even look the target up when the action is
// refused (the CLI under --read-only: no connection, no process scan). When
// read-only forbids it, the refusal is audited, as Run would, and returned;
// otherwise it returns nil and writes nothing.
func (r *Runner) RefuseReadOnly(kind Kind, t Target) error {
	err := r.KindAllowed(kind, t)
	if err == nil {
		return nil
	}
	a := Action{ID: kind.ID, Title: kind.Title, Risk: kind.Risk, Target: t}
	return r.record(a, Result{Started: r.opts.Now(), Outcome: OutcomeRefusedReadOnly}, err)
}

// RecordUnresolved audits an attempt that ended before it could reach Run:
// its target could not be found (no such container, process or backend).
// Such an attempt is still an attempt, and the audit log promises every
// one. The line has outcome "failed" and err; the returned error is err,
// joined with the audit failure if the line could not be written.
func (r *Runner) RecordUnresolved(kind Kind, t Target, err error) error {
	a := Action{ID: kind.ID, Title: kind.Title, Risk: kind.Risk, Target: t}
	return r.record(a, Result{Started: r.opts.Now(), Outcome: OutcomeFailed}, err)
}

// record writes the attempt's audit line and returns err, joined with the
// audit failure if the line could not be written.
func (r *Runner) record(a Action, res Result, err error) error {
	rec := Record{
		Time: res.Started, OSUser: r.opts.Identity.OSUser, SSHClient: r.opts.Identity.SSHClient,
		User: r.actor.User, Role: r.actor.Role, KeyFingerprint: r.actor.KeyFingerprint, RemoteAddr: r.actor.RemoteAddr,
		Host: r.opts.Identity.Host, Action: a.ID, Risk: a.Risk, Target: a.Target,
		Description: a.Description, Outcome: res.Outcome, DurationMS: res.Duration.Milliseconds(),
	}
	if err != nil {
		rec.Error = err.Error()
	}
	if aerr := r.opts.Audit.Append(rec); aerr != nil {
		return errors.Join(err, fmt.Errorf("%s on %s ended %s but was not recorded: %w", a.ID, a.Target, res.Outcome, aerr))
	}
	return err
}
