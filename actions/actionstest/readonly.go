package actionstest

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/stacktop/stacktop/actions"
)

// Case is how to build one kind's action against something real, and how
// to tell afterwards that it was left alone.
type Case struct {
	// Target and Params are handed to the kind's New.
	Target actions.Target
	Params actions.Params
	// Unchanged fails t if the world changed: the process is gone, the
	// container restarted, the backend vanished, a file appeared.
	Unchanged func(t testing.TB)
}

// AssertReadOnlyRefused checks every kind in kinds (pass Registry.Kinds()
// of the registry the program builds, so a new kind cannot escape): each
// non-read one, built by setup's Case and confirmed as --yes would, must be
// refused under global, per-target and per-session read-only, with a
// *ReadOnlyError naming that scope, without its Run being called, with
// Unchanged passing and with exactly one refused_read_only line in the audit
// log. Read kinds must pass the read-only gate (they are not run here). It
// also checks that each built Action carries its kind's ID and Risk, so a
// kind cannot declare itself Read and build something riskier.
//
// The same loop covers protected = true (see checkProtected): on a
// protected target every non-read kind is refused without its name typed.
func AssertReadOnlyRefused(t *testing.T, kinds []actions.Kind, setup func(t *testing.T, k actions.Kind) Case) {
	t.Helper()
	if len(kinds) == 0 {
		t.Fatal("no action kinds to check")
	}
	for _, k := range kinds {
		t.Run(k.ID, func(t *testing.T) {
			c := setup(t, k)
			for _, scope := range []actions.Scope{actions.ScopeGlobal, actions.ScopeTarget, actions.ScopeSession} {
				t.Run(string(scope), func(t *testing.T) { checkScope(t, k, c, scope) })
			}
			t.Run("protected", func(t *testing.T) { checkProtected(t, k, c) })
		})
	}
}

func checkScope(t *testing.T, k actions.Kind, c Case, scope actions.Scope) {
	var opts actions.RunnerOptions
	switch scope {
	case actions.ScopeGlobal:
		opts.ReadOnly = true
	case actions.ScopeTarget:
		opts.ReadOnlyTarget = func(t actions.Target) bool {
			return t.Kind == c.Target.Kind && t.Source == c.Target.Source
		}
	}
	r, path := NewRunner(t, opts)
	if scope == actions.ScopeSession {
		r.SetSessionReadOnly(true)
	}
	a, err := k.New(c.Target, c.Params)
	if err != nil {
		t.Fatalf("%s: New: %v", k.ID, err)
	}
	if a.ID != k.ID || a.Risk != k.Risk {
		t.Fatalf("kind %s (%s) built action %s (%s): a kind must build its own id and risk", k.ID, k.Risk, a.ID, a.Risk)
	}
	if err := r.KindAllowed(k, c.Target); (err == nil) != (k.Risk == actions.Read) {
		t.Errorf("KindAllowed(%s) under %s read-only = %v: the UI would offer or hide it wrongly", k.ID, scope, err)
	}
	if k.Risk == actions.Read {
		if err := r.Allowed(a); err != nil {
			t.Errorf("read action %s refused under %s read-only: %v", k.ID, scope, err)
		}
		return
	}
	if c.Unchanged == nil {
		t.Fatalf("the Case for %s has no Unchanged check: say how to tell the world was left alone", k.ID)
	}
	var calls atomic.Int32
	run := a.Run
	a.Run = func(ctx context.Context, p func(actions.Progress)) error {
		calls.Add(1)
		return run(ctx, p)
	}
	_, err = r.Run(t.Context(), a, actions.Yes(a), nil)
	var ro *actions.ReadOnlyError
	if !errors.As(err, &ro) || ro.Scope != scope {
		t.Errorf("%s under %s read-only: got %v, want a read-only refusal of scope %s", k.ID, scope, err, scope)
	}
	if n := calls.Load(); n != 0 {
		t.Errorf("%s under %s read-only: Run was called %d times", k.ID, scope, n)
	}
	c.Unchanged(t)
	recs := ReadAudit(t, path)
	if len(recs) != 1 || recs[0].Outcome != actions.OutcomeRefusedReadOnly || recs[0].Action != k.ID || recs[0].Target != a.Target {
		t.Errorf("%s under %s read-only: audit log %+v, want one refused_read_only line for %s", k.ID, scope, recs, a.Target)
	}
}

// checkProtected: on a protected target a non-read kind needs its name
// typed, whatever it asks for alone. A blanket yes (--yes), a plain yes and
// a wrong name are each refused, audited as refused_unconfirmed, without
// Run being called or the world changing; the UI still offers the key
// (protection asks, it does not forbid). A read kind asks for nothing more.
func checkProtected(t *testing.T, k actions.Kind, c Case) {
	r, path := NewRunner(t, actions.RunnerOptions{ProtectedTarget: func(t actions.Target) bool {
		return t.Kind == c.Target.Kind && t.Source == c.Target.Source
	}})
	a, err := k.New(c.Target, c.Params)
	if err != nil {
		t.Fatalf("%s: New: %v", k.ID, err)
	}
	if err := r.KindAllowed(k, c.Target); err != nil {
		t.Errorf("KindAllowed(%s) on a protected target = %v: protection asks for the name, it does not hide the key", k.ID, err)
	}
	p := r.Protect(a)
	if k.Risk == actions.Read {
		if p.ConfirmByName != a.ConfirmByName || p.NeedsConfirmation() != a.NeedsConfirmation() {
			t.Errorf("read action %s asks for more on a protected target: by name %v → %v", k.ID, a.ConfirmByName, p.ConfirmByName)
		}
		return
	}
	if !p.ConfirmByName || p.ConfirmPhrase() == "" {
		t.Fatalf("%s on a protected target: Protect gives by name %v, phrase %q; want the name typed", k.ID, p.ConfirmByName, p.ConfirmPhrase())
	}
	if c.Unchanged == nil {
		t.Fatalf("the Case for %s has no Unchanged check: say how to tell the world was left alone", k.ID)
	}
	var calls atomic.Int32
	run := a.Run
	a.Run = func(ctx context.Context, pr func(actions.Progress)) error {
		calls.Add(1)
		return run(ctx, pr)
	}
	answers := []actions.Confirmation{
		actions.Yes(a),
		{Confirmed: true},
		{Confirmed: true, TypedName: p.ConfirmPhrase() + "x"},
	}
	for _, conf := range answers {
		_, err := r.Run(t.Context(), a, conf, nil)
		var nc *actions.NotConfirmedError
		if !errors.As(err, &nc) || nc.Want != p.ConfirmPhrase() {
			t.Errorf("%s on a protected target with %+v: got %v, want a refusal asking for %q", k.ID, conf, err, p.ConfirmPhrase())
		}
	}
	if n := calls.Load(); n != 0 {
		t.Errorf("%s on a protected target without the typed name: Run was called %d times", k.ID, n)
	}
	c.Unchanged(t)
	recs := ReadAudit(t, path)
	if len(recs) != len(answers) {
		t.Fatalf("%s on a protected target: audit log %+v, want %d refused_unconfirmed lines", k.ID, recs, len(answers))
	}
	for _, rec := range recs {
		if rec.Outcome != actions.OutcomeRefusedUnconfirmed || rec.Action != k.ID || rec.Target != a.Target {
			t.Errorf("%s on a protected target: audit line %+v, want refused_unconfirmed for %s", k.ID, rec, a.Target)
		}
	}
}
