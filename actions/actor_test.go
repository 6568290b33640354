package actions_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stacktop/stacktop/actions"
	"github.com/stacktop/stacktop/actions/actionstest"
	"github.com/stacktop/stacktop/collectors"
)

// TestViewerIsReadOnlyAtTheRunner: a viewer's Runner refuses every non-read
// kind (as --read-only would), audits the refusal with who asked, and still
// runs reads; an operator's Runner acts, and its audit line names it.
func TestViewerIsReadOnlyAtTheRunner(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "f"), []byte("x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	base, audit := actionstest.NewRunner(t, actions.RunnerOptions{})
	viewer := base.ForActor(actions.Actor{User: "vera", Role: actions.RoleViewer, KeyFingerprint: "SHA256:vvv", RemoteAddr: "127.0.0.1:5000"})
	operator := base.ForActor(actions.Actor{User: "otto", Role: actions.RoleOperator, KeyFingerprint: "SHA256:ooo", RemoteAddr: "127.0.0.1:5001"})
	kinds := fileKinds(dir)
	build := func(k actions.Kind) actions.Action {
		a, err := k.New(actions.Target{Kind: collectors.KindHost, Source: "local", Object: "f"}, actions.Params{"line": "y"})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	yes := actions.Confirmation{Confirmed: true, TypedName: "f"}
	for _, k := range kinds {
		_, err := viewer.Run(context.Background(), build(k), yes, nil)
		if k.Risk == actions.Read {
			if err != nil {
				t.Errorf("viewer: %s refused: %v", k.ID, err)
			}
			continue
		}
		var ro *actions.ReadOnlyError
		if !errors.As(err, &ro) || ro.Scope != actions.ScopeRole || !strings.Contains(err.Error(), "viewer role") {
			t.Errorf("viewer: %s gave %v, want a refusal for the viewer role", k.ID, err)
		}
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "f")); string(data) != "x\n" {
		t.Fatalf("a viewer changed the file: %q", data)
	}
	if _, err := operator.Run(context.Background(), build(kinds[1]), yes, nil); err != nil {
		t.Fatalf("operator: append refused: %v", err)
	}
	recs := actionstest.ReadAudit(t, audit)
	if len(recs) != len(kinds)+1 {
		t.Fatalf("%d audit lines, want %d", len(recs), len(kinds)+1)
	}
	for _, r := range recs[:len(kinds)] {
		if r.User != "vera" || r.Role != actions.RoleViewer || r.KeyFingerprint != "SHA256:vvv" || r.RemoteAddr != "127.0.0.1:5000" {
			t.Errorf("viewer's line %+v lacks who asked", r)
		}
	}
	if last := recs[len(recs)-1]; last.User != "otto" || last.Role != actions.RoleOperator || last.Outcome != actions.OutcomeOK {
		t.Errorf("operator's line %+v", last)
	}
	// The local Runner's lines carry no served identity.
	if _, err := base.Run(context.Background(), build(kinds[0]), yes, nil); err != nil {
		t.Fatal(err)
	}
	if last := actionstest.ReadAudit(t, audit)[len(kinds)+1]; last.User != "" || last.Role != "" {
		t.Errorf("local line %+v carries a served user", last)
	}
}

// TestOneActionPerTargetAcrossSessions: while one session's action changes
// a target, another session's action on it is refused (and audited) with
// who runs what; everyone sees it in Running; on another target it runs.
func TestOneActionPerTargetAcrossSessions(t *testing.T) {
	base, audit := actionstest.NewRunner(t, actions.RunnerOptions{})
	alice := base.ForActor(actions.Actor{User: "alice", Role: actions.RoleOperator})
	bob := base.ForActor(actions.Actor{User: "bob", Role: actions.RoleOperator})
	web := actions.Target{Kind: collectors.KindDocker, Source: "local", Object: "web"}
	started, release := make(chan struct{}), make(chan struct{})
	slow := actions.Action{ID: "test.restart", Title: "Restart", Risk: actions.Mutating, Target: web,
		Run: func(ctx context.Context, _ func(actions.Progress)) error {
			close(started)
			select {
			case <-release:
			case <-ctx.Done():
			}
			return nil
		}}
	done := make(chan error, 1)
	go func() {
		_, err := alice.Run(context.Background(), slow, actions.Confirmation{}, nil)
		done <- err
	}()
	<-started
	if got := bob.Running(); len(got) != 1 || got[0].String() != "alice: Restart docker:local/web" {
		t.Errorf("bob sees %v, want alice's restart", got)
	}
	quick := func(target actions.Target) actions.Action {
		return actions.Action{ID: "test.stop", Title: "Stop", Risk: actions.Mutating, Target: target,
			Run: func(context.Context, func(actions.Progress)) error { return nil }}
	}
	res, err := bob.Run(context.Background(), quick(web), actions.Confirmation{}, nil)
	var busy *actions.BusyError
	if !errors.As(err, &busy) || res.Outcome != actions.OutcomeRefusedBusy || !strings.Contains(err.Error(), "alice: Restart docker:local/web is still running") {
		t.Errorf("bob on the busy target: %v (%s), want refused_busy naming alice's restart", err, res.Outcome)
	}
	if _, err := bob.Run(context.Background(), quick(actions.Target{Kind: collectors.KindDocker, Source: "local", Object: "db"}), actions.Confirmation{}, nil); err != nil {
		t.Errorf("bob on another target: %v", err)
	}
	close(release)
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("alice's action never ended")
	}
	if got := bob.Running(); len(got) != 0 {
		t.Errorf("still running after the end: %v", got)
	}
	if _, err := bob.Run(context.Background(), quick(web), actions.Confirmation{}, nil); err != nil {
		t.Errorf("bob after alice's restart ended: %v", err)
	}
	var outcomes []string
	for _, r := range actionstest.ReadAudit(t, audit) {
		outcomes = append(outcomes, r.User+":"+string(r.Outcome))
	}
	if got := strings.Join(outcomes, " "); got != "bob:refused_busy bob:ok alice:ok bob:ok" {
		t.Errorf("audit %s", got)
	}
}
