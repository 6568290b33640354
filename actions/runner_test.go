package actions_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stacktop/stacktop/actions"
	"github.com/stacktop/stacktop/actions/actionstest"
	"github.com/stacktop/stacktop/collectors"
)

// fileKinds are real (if small) actions: they create, append to or remove a
// file under dir, so "nothing changed" is checked on the file system, not
// on a call counter the action controls.
func fileKinds(dir string) []actions.Kind {
	target := func(t actions.Target) string { return filepath.Join(dir, t.Object) }
	return []actions.Kind{
		{ID: "file.stat", Title: "Stat", Risk: actions.Read, TargetKind: collectors.KindHost,
			New: func(t actions.Target, _ actions.Params) (actions.Action, error) {
				return actions.Action{ID: "file.stat", Title: "Stat", Target: t, Risk: actions.Read,
					Description: "Read the size of " + t.Object + ".",
					Run: func(ctx context.Context, _ func(actions.Progress)) error {
						_, err := os.Stat(target(t))
						return err
					}}, nil
			}},
		{ID: "file.append", Title: "Append", Risk: actions.Mutating, TargetKind: collectors.KindHost,
			New: func(t actions.Target, p actions.Params) (actions.Action, error) {
				return actions.Action{ID: "file.append", Title: "Append", Target: t, Risk: actions.Mutating, NeedsYes: true,
					Description: "Append a line to " + t.Object + ".",
					Run: func(ctx context.Context, _ func(actions.Progress)) error {
						f, err := os.OpenFile(target(t), os.O_WRONLY|os.O_APPEND, 0)
						if err != nil {
							return err
						}
						defer f.Close()
						_, err = f.WriteString(p["line"] + "\n")
						return err
					}}, nil
			}},
		{ID: "file.log", Title: "Log", Risk: actions.Mutating, TargetKind: collectors.KindHost,
			New: func(t actions.Target, _ actions.Params) (actions.Action, error) {
				// Mutating but asks nothing, like a backup.
				return actions.Action{ID: "file.log", Title: "Log", Target: t, Risk: actions.Mutating,
					Description: "Append a log line to " + t.Object + ".",
					Run: func(ctx context.Context, _ func(actions.Progress)) error {
						f, err := os.OpenFile(target(t), os.O_WRONLY|os.O_APPEND, 0)
						if err != nil {
							return err
						}
						defer f.Close()
						_, err = f.WriteString("log\n")
						return err
					}}, nil
			}},
		{ID: "file.remove", Title: "Remove", Risk: actions.Destructive, TargetKind: collectors.KindHost,
			New: func(t actions.Target, _ actions.Params) (actions.Action, error) {
				return actions.Action{ID: "file.remove", Title: "Remove", Target: t, Risk: actions.Destructive, ConfirmByName: true,
					Description: "Delete " + t.Object + " for good.",
					Run:         func(ctx context.Context, _ func(actions.Progress)) error { return os.Remove(target(t)) }}, nil
			}},
	}
}

func TestReadOnlyRefusesEveryFileKind(t *testing.T) {
	dir := t.TempDir()
	reg, err := actions.NewRegistry(fileKinds(dir)...)
	if err != nil {
		t.Fatal(err)
	}
	actionstest.AssertReadOnlyRefused(t, reg.Kinds(), func(t *testing.T, k actions.Kind) actionstest.Case {
		name := strings.ReplaceAll(k.ID, ".", "-") + ".txt"
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte("keep\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		return actionstest.Case{
			Target: actions.Target{Kind: collectors.KindHost, Source: "local", Object: name},
			Params: actions.Params{"line": "added"},
			Unchanged: func(t testing.TB) {
				if b, err := os.ReadFile(path); err != nil || string(b) != "keep\n" {
					t.Errorf("%s changed under read-only: %q, %v", name, b, err)
				}
			},
		}
	})
}

// fileAction builds kind id of fileKinds on a fresh file in a temp dir.
func fileAction(t *testing.T, id string) (actions.Action, string) {
	t.Helper()
	dir := t.TempDir()
	reg, err := actions.NewRegistry(fileKinds(dir)...)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "data.txt")
	if err := os.WriteFile(path, []byte("keep\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	a, err := reg.New(id, actions.Target{Kind: collectors.KindHost, Source: "local", Object: "data.txt"}, actions.Params{"line": "x"})
	if err != nil {
		t.Fatal(err)
	}
	return a, path
}

func TestRunnerAllowsWhenNotReadOnly(t *testing.T) {
	a, path := fileAction(t, "file.append")
	r, log := actionstest.NewRunner(t, actions.RunnerOptions{})
	res, err := r.Run(t.Context(), a, actions.Yes(a), nil)
	if err != nil || res.Outcome != actions.OutcomeOK {
		t.Fatalf("Run: %v, %v", res, err)
	}
	if b, _ := os.ReadFile(path); string(b) != "keep\nx\n" {
		t.Errorf("file after append: %q", b)
	}
	recs := actionstest.ReadAudit(t, log)
	if len(recs) != 1 || recs[0].Outcome != actions.OutcomeOK || recs[0].Risk != actions.Mutating ||
		recs[0].Description != "Append a line to data.txt." || recs[0].OSUser != "tester" {
		t.Errorf("audit: %+v", recs)
	}
}

func TestReadOnlyScopeOnlyHitsItsTarget(t *testing.T) {
	a, path := fileAction(t, "file.append")
	ro, err := actions.ReadOnlySources("pg:main", "host:other")
	if err != nil {
		t.Fatal(err)
	}
	r, _ := actionstest.NewRunner(t, actions.RunnerOptions{ReadOnlyTarget: ro})
	if _, err := r.Run(t.Context(), a, actions.Yes(a), nil); err != nil {
		t.Fatalf("host:local is not read-only, yet: %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "keep\nx\n" {
		t.Errorf("file after append: %q", b)
	}
	a.Target.Source = "other"
	_, err = r.Run(t.Context(), a, actions.Yes(a), nil)
	if !errors.Is(err, actions.ErrReadOnly) || !strings.Contains(err.Error(), "read_only = true") {
		t.Errorf("host:other is read-only, got %v", err)
	}
	r.SetSessionReadOnly(true)
	a.Target.Source = "local"
	if _, err := r.Run(t.Context(), a, actions.Yes(a), nil); !errors.Is(err, actions.ErrReadOnly) {
		t.Errorf("session read-only, got %v", err)
	}
	r.SetSessionReadOnly(false)
	if _, err := r.Run(t.Context(), a, actions.Yes(a), nil); err != nil {
		t.Errorf("session read-only switched off, got %v", err)
	}
}

func TestConfirmation(t *testing.T) {
	for _, tc := range []struct {
		name    string
		id      string
		conf    actions.Confirmation
		wantErr bool
	}{
		{"destructive without yes", "file.remove", actions.Confirmation{}, true},
		{"destructive with yes but no name", "file.remove", actions.Confirmation{Confirmed: true}, true},
		{"destructive with wrong name", "file.remove", actions.Confirmation{Confirmed: true, TypedName: "data.tx"}, true},
		{"destructive name but no yes", "file.remove", actions.Confirmation{TypedName: "data.txt"}, true},
		{"destructive with name", "file.remove", actions.Confirmation{Confirmed: true, TypedName: " data.txt "}, false},
		{"needs-yes without yes", "file.append", actions.Confirmation{}, true},
		{"needs-yes with yes", "file.append", actions.Confirmation{Confirmed: true}, false},
		{"read needs nothing", "file.stat", actions.Confirmation{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, path := fileAction(t, tc.id)
			r, log := actionstest.NewRunner(t, actions.RunnerOptions{})
			res, err := r.Run(t.Context(), a, tc.conf, nil)
			b, _ := os.ReadFile(path)
			unchanged := string(b) == "keep\n"
			recs := actionstest.ReadAudit(t, log)
			if len(recs) != 1 {
				t.Fatalf("want one audit line, got %+v", recs)
			}
			if !tc.wantErr {
				if err != nil || res.Outcome != actions.OutcomeOK || recs[0].Outcome != actions.OutcomeOK {
					t.Errorf("want success, got %v %v", res, err)
				}
				return
			}
			if !errors.Is(err, actions.ErrNotConfirmed) || res.Outcome != actions.OutcomeRefusedUnconfirmed ||
				recs[0].Outcome != actions.OutcomeRefusedUnconfirmed || !unchanged {
				t.Errorf("want refusal, got %v %v, audit %s, unchanged %v", res, err, recs[0].Outcome, unchanged)
			}
		})
	}
}

// TestProtectedConfirmation: on a protected target the stronger of the
// action's own rule and "type the name" wins — a no-question action and a
// yes action now want the name typed, a typed-name one keeps it, a read
// one still asks nothing — and a blanket --yes no longer stands in for the
// name. Elsewhere nothing changes.
func TestProtectedConfirmation(t *testing.T) {
	typed := actions.Confirmation{Confirmed: true, TypedName: "data.txt"}
	yes := actions.Confirmation{Confirmed: true}
	for _, tc := range []struct {
		name      string
		id        string
		protected bool
		conf      actions.Confirmation
		ok        bool
	}{
		{"read asks nothing", "file.stat", true, actions.Confirmation{}, true},
		{"no-question without anything", "file.log", true, actions.Confirmation{}, false},
		{"no-question with yes", "file.log", true, yes, false},
		{"no-question with --yes", "file.log", true, actions.Yes(actions.Action{}), false},
		{"no-question with the name", "file.log", true, typed, true},
		{"yes-action with yes", "file.append", true, yes, false},
		{"yes-action with --yes", "file.append", true, actions.Yes(actions.Action{}), false},
		{"yes-action with a wrong name", "file.append", true, actions.Confirmation{Confirmed: true, TypedName: "data"}, false},
		{"yes-action with the name", "file.append", true, typed, true},
		{"typed-name action with --yes", "file.remove", true, actions.Yes(actions.Action{}), false},
		{"typed-name action with the name", "file.remove", true, typed, true},
		{"unprotected no-question", "file.log", false, actions.Confirmation{}, true},
		{"unprotected yes-action with yes", "file.append", false, yes, true},
		{"unprotected typed-name action with --yes", "file.remove", false, actions.Yes(actions.Action{}), true},
		{"unprotected typed-name action with yes only", "file.remove", false, yes, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, path := fileAction(t, tc.id)
			prot, err := actions.ProtectedSources("host:local")
			if err != nil {
				t.Fatal(err)
			}
			if !tc.protected {
				a.Target.Source = "other" // its Run still acts on data.txt
			}
			r, log := actionstest.NewRunner(t, actions.RunnerOptions{ProtectedTarget: prot})
			res, err := r.Run(t.Context(), a, tc.conf, nil)
			recs := actionstest.ReadAudit(t, log)
			if len(recs) != 1 || recs[0].Outcome != res.Outcome {
				t.Fatalf("want one audit line with outcome %s, got %+v", res.Outcome, recs)
			}
			if tc.ok {
				if err != nil || res.Outcome != actions.OutcomeOK {
					t.Errorf("want it run, got %s: %v", res.Outcome, err)
				}
				return
			}
			b, _ := os.ReadFile(path)
			if !errors.Is(err, actions.ErrNotConfirmed) || res.Outcome != actions.OutcomeRefusedUnconfirmed || string(b) != "keep\n" {
				t.Errorf("want a refusal leaving the file alone, got %s: %v (file %q)", res.Outcome, err, b)
			}
			if tc.protected && tc.conf.Blanket && !strings.Contains(err.Error(), "host:local is protected") {
				t.Errorf("the refusal of --yes does not say the target is protected: %v", err)
			}
		})
	}
}

// TestProtect: what Protect asks of each action is what the dialog and the
// CLI prompt show: the name typed, the object's or else the source's.
func TestProtect(t *testing.T) {
	prot, err := actions.ProtectedSources("pg:prod")
	if err != nil {
		t.Fatal(err)
	}
	r, _ := actionstest.NewRunner(t, actions.RunnerOptions{ProtectedTarget: prot})
	backup := actions.Action{ID: "postgres.backup", Risk: actions.Mutating, Target: actions.Target{Kind: collectors.KindPostgres, Source: "prod"}}
	if p := r.Protect(backup); !p.ConfirmByName || p.ConfirmPhrase() != "prod" {
		t.Errorf("backup of protected pg:prod: by name %v, phrase %q; want the source's name typed", p.ConfirmByName, p.ConfirmPhrase())
	}
	vacuum := backup
	vacuum.Target.Object = "public.t"
	if p := r.Protect(vacuum); !p.ConfirmByName || p.ConfirmPhrase() != "public.t" {
		t.Errorf("vacuum on protected pg:prod: by name %v, phrase %q; want the table's name typed", p.ConfirmByName, p.ConfirmPhrase())
	}
	explain := backup
	explain.Risk = actions.Read
	if p := r.Protect(explain); p.NeedsConfirmation() {
		t.Error("a read action on a protected target asks for a confirmation")
	}
	other := backup
	other.Target.Source = "dev"
	if p := r.Protect(other); p.NeedsConfirmation() || r.Protected(other.Target) {
		t.Error("pg:dev is not protected, yet the backup asks for a confirmation")
	}
}

// waitAction blocks until ctx ends (or, when obey is false, until release).
func waitAction(obey bool, release <-chan struct{}, timeout time.Duration) actions.Action {
	return actions.Action{ID: "test.wait", Title: "Wait", Risk: actions.Mutating, Timeout: timeout,
		Target: actions.Target{Kind: collectors.KindHost, Source: "local", Object: "1"},
		Run: func(ctx context.Context, _ func(actions.Progress)) error {
			if obey {
				<-ctx.Done()
				return ctx.Err()
			}
			<-release
			return nil
		}}
}

func TestTimeoutAndCancellation(t *testing.T) {
	r, log := actionstest.NewRunner(t, actions.RunnerOptions{StopGrace: 50 * time.Millisecond})

	res, err := r.Run(t.Context(), waitAction(true, nil, 20*time.Millisecond), actions.Confirmation{}, nil)
	if res.Outcome != actions.OutcomeTimeout || !strings.Contains(err.Error(), "timed out after 20ms") {
		t.Errorf("timeout: %v %v", res.Outcome, err)
	}

	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(20*time.Millisecond, cancel)
	res, err = r.Run(ctx, waitAction(true, nil, time.Minute), actions.Confirmation{}, nil)
	if res.Outcome != actions.OutcomeCancelled || err == nil {
		t.Errorf("cancel: %v %v", res.Outcome, err)
	}

	res, err = r.Run(ctx, waitAction(true, nil, time.Minute), actions.Confirmation{}, nil)
	if res.Outcome != actions.OutcomeCancelled || !strings.Contains(err.Error(), "before it started") {
		t.Errorf("already cancelled: %v %v", res.Outcome, err)
	}

	// An action ignoring ctx is given up on after the grace period, and
	// the user is told it may still be running.
	release := make(chan struct{})
	defer close(release)
	res, err = r.Run(t.Context(), waitAction(false, release, 10*time.Millisecond), actions.Confirmation{}, nil)
	if res.Outcome != actions.OutcomeTimeout || !strings.Contains(err.Error(), "may still be running") {
		t.Errorf("hung action: %v %v", res.Outcome, err)
	}

	recs := actionstest.ReadAudit(t, log)
	want := []actions.Outcome{actions.OutcomeTimeout, actions.OutcomeCancelled, actions.OutcomeCancelled, actions.OutcomeTimeout}
	if len(recs) != len(want) {
		t.Fatalf("audit lines: %+v", recs)
	}
	for i, w := range want {
		if recs[i].Outcome != w || recs[i].Error == "" {
			t.Errorf("line %d: %s %q, want %s", i, recs[i].Outcome, recs[i].Error, w)
		}
	}
}

func TestFailureAndPanicAreAudited(t *testing.T) {
	r, log := actionstest.NewRunner(t, actions.RunnerOptions{})
	a := waitAction(true, nil, 0)
	a.Run = func(context.Context, func(actions.Progress)) error { return errors.New("no such container") }
	if res, err := r.Run(t.Context(), a, actions.Confirmation{}, nil); res.Outcome != actions.OutcomeFailed ||
		err.Error() != "test.wait on host:local/1 failed: no such container" {
		t.Errorf("failure: %v %v", res.Outcome, err)
	}
	a.Run = func(context.Context, func(actions.Progress)) error { panic("boom") }
	if res, err := r.Run(t.Context(), a, actions.Confirmation{}, nil); res.Outcome != actions.OutcomeFailed ||
		!strings.Contains(err.Error(), "panicked: boom") {
		t.Errorf("panic: %v %v", res.Outcome, err)
	}
	a.Run = nil
	if res, err := r.Run(t.Context(), a, actions.Confirmation{}, nil); res.Outcome != actions.OutcomeRefusedInvalid ||
		!errors.Is(err, actions.ErrInvalidAction) {
		t.Errorf("no Run: %v %v", res.Outcome, err)
	}
	recs := actionstest.ReadAudit(t, log)
	if len(recs) != 3 || recs[0].Outcome != actions.OutcomeFailed || recs[2].Outcome != actions.OutcomeRefusedInvalid {
		t.Errorf("audit: %+v", recs)
	}
}

func TestProgressNeverBlocksTheAction(t *testing.T) {
	r, _ := actionstest.NewRunner(t, actions.RunnerOptions{})
	finished := make(chan struct{})
	a := waitAction(true, nil, 0)
	a.Run = func(_ context.Context, progress func(actions.Progress)) error {
		for i := int64(1); i <= 1000; i++ {
			progress(actions.Progress{Message: "copying", Done: i, Total: 1000})
		}
		close(finished)
		return nil
	}
	var (
		mu   sync.Mutex
		got  []actions.Progress
		runs atomic.Bool
	)
	listener := func(p actions.Progress) {
		// Blocks until the action is done: if progress were delivered
		// synchronously, the action could never finish.
		<-finished
		if !runs.Load() {
			t.Error("progress delivered after Run returned")
		}
		mu.Lock()
		got = append(got, p)
		mu.Unlock()
	}
	runs.Store(true)
	if _, err := r.Run(t.Context(), a, actions.Confirmation{}, listener); err != nil {
		t.Fatal(err)
	}
	runs.Store(false)
	mu.Lock()
	defer mu.Unlock()
	if len(got) == 0 || len(got) > 3 {
		t.Fatalf("want the first and the latest progress (coalesced), got %d reports", len(got))
	}
	if last := got[len(got)-1]; last.Done != 1000 || last.Total != 1000 || last.Elapsed <= 0 {
		t.Errorf("last progress %+v, want 1000/1000 with an elapsed time", last)
	}
}

func TestOutputIsHandedBack(t *testing.T) {
	r, _ := actionstest.NewRunner(t, actions.RunnerOptions{})
	var produced string
	a := waitAction(true, nil, 0)
	a.Run = func(context.Context, func(actions.Progress)) error { produced = "plan"; return nil }
	a.Output = func() any { return produced }
	res, err := r.Run(t.Context(), a, actions.Confirmation{}, nil)
	if err != nil || res.Output != "plan" {
		t.Errorf("output %v, %v", res.Output, err)
	}
	a.Run = func(context.Context, func(actions.Progress)) error { return errors.New("broken") }
	if res, _ := r.Run(t.Context(), a, actions.Confirmation{}, nil); res.Output != nil {
		t.Errorf("a failed run handed back %v", res.Output)
	}
}

// An attempt whose target cannot be found never reaches Run, yet the audit
// log promises every attempt: RecordUnresolved writes it as failed.
func TestUnresolvedTargetIsAudited(t *testing.T) {
	r, log := actionstest.NewRunner(t, actions.RunnerOptions{})
	kind := actions.Kind{ID: "docker.remove", Title: "Remove container", Risk: actions.Destructive}
	target := actions.Target{Kind: "docker", Source: "local", Object: "web"}
	lookup := errors.New(`docker "local": no container named "web"`)
	if err := r.RecordUnresolved(kind, target, lookup); !errors.Is(err, lookup) {
		t.Fatalf("RecordUnresolved returned %v, want the lookup error", err)
	}
	recs := actionstest.ReadAudit(t, log)
	if len(recs) != 1 {
		t.Fatalf("want one audit line, got %d", len(recs))
	}
	rec := recs[0]
	if rec.Action != "docker.remove" || rec.Outcome != actions.OutcomeFailed || rec.Risk != actions.Destructive ||
		rec.Target.Object != "web" || rec.Error != lookup.Error() || rec.Time.IsZero() {
		t.Fatalf("audit line: %+v", rec)
	}
}

// RefuseReadOnly lets a caller refuse before looking a target up: under
// read-only it audits one refusal, otherwise it writes nothing.
func TestRefuseReadOnlyBeforeLookup(t *testing.T) {
	kind := actions.Kind{ID: "docker.restart", Title: "Restart container", Risk: actions.Mutating}
	target := actions.Target{Kind: "docker", Source: "local", Object: "web"}

	r, log := actionstest.NewRunner(t, actions.RunnerOptions{})
	if err := r.RefuseReadOnly(kind, target); err != nil {
		t.Fatalf("not read-only: %v", err)
	}
	if recs := actionstest.ReadAudit(t, log); len(recs) != 0 {
		t.Fatalf("an allowed check wrote %d audit lines", len(recs))
	}

	ro, roLog := actionstest.NewRunner(t, actions.RunnerOptions{ReadOnly: true})
	err := ro.RefuseReadOnly(kind, target)
	var roErr *actions.ReadOnlyError
	if !errors.As(err, &roErr) {
		t.Fatalf("read-only: got %v, want a ReadOnlyError", err)
	}
	read := actions.Kind{ID: "docker.logs", Title: "Save logs", Risk: actions.Read}
	if err := ro.RefuseReadOnly(read, target); err != nil {
		t.Fatalf("a Read kind is never refused: %v", err)
	}
	recs := actionstest.ReadAudit(t, roLog)
	if len(recs) != 1 || recs[0].Outcome != actions.OutcomeRefusedReadOnly || recs[0].Action != "docker.restart" {
		t.Fatalf("audit %+v, want one refused_read_only line for docker.restart", recs)
	}
}
