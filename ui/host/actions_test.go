package host

import (
	"strings"
	"testing"

	"github.com/stacktop/stacktop/actions"
	hostact "github.com/stacktop/stacktop/actions/host"
	hs "github.com/stacktop/stacktop/collectors/host"
	"github.com/stacktop/stacktop/ui/internal/fixture"
	"github.com/stacktop/stacktop/ui/internal/keytest"
	"github.com/stacktop/stacktop/ui/view"
)

func actionTab(allowed view.Allowed) (*Tab, view.Context) {
	ctx := testCtx(120, 30)
	t := New(ctx.Styles, Options{Allowed: allowed})
	t.Update(view.SizeMsg{Width: 120, Height: 30})
	t.Update(fixture.HostUpdate(fixture.Host(fixture.Now(), 40, 0)))
	return t, ctx
}

// TestActionKeysRequestTheSelectedProcess: T and K ask the root for TERM
// and KILL of the selected process, pinned by its start time.
func TestActionKeysRequestTheSelectedProcess(t *testing.T) {
	var asked []string
	tab, _ := actionTab(func(kind string, tg actions.Target) bool { asked = append(asked, kind); return true })
	sel := tab.Selected()
	for key, kind := range map[string]string{"T": hostact.TermID, "K": hostact.KillID} {
		_, cmd := tab.Update(keytest.Msg(key))
		if cmd == nil {
			t.Fatalf("%s produced no request", key)
		}
		req, ok := cmd().(view.ActionRequest)
		want := hostact.ProcessTarget("local", sel.PID, sel.Name, sel.StartTime)
		if !ok || req.Kind != kind || req.Target != want {
			t.Errorf("%s requested %+v, want %s on %+v", key, req, kind, want)
		}
	}
	if len(asked) == 0 {
		t.Error("the tab never asked whether the actions are allowed")
	}
}

// TestActionKeysDisabledWhenRefused: when Allowed says no (read-only) or
// there is none, T and K make no request — they answer with a refusal
// that leaves the reason to the root (the Runner's) — and help leaves
// them out.
func TestActionKeysDisabledWhenRefused(t *testing.T) {
	for name, allowed := range map[string]view.Allowed{
		"refused": func(string, actions.Target) bool { return false },
		"nil":     nil,
	} {
		tab, _ := actionTab(allowed)
		for k, kind := range map[string]string{"T": hostact.TermID, "K": hostact.KillID} {
			_, cmd := tab.Update(keytest.Msg(k))
			if cmd == nil {
				t.Fatalf("%s: %s gave no answer", name, k)
			}
			if r, ok := cmd().(view.RefusedMsg); !ok || r.Kind != kind || r.Why != "" || r.Target.Object == "" {
				t.Errorf("%s: %s answered %#v, want a refusal of %s on the selected process", name, k, r, kind)
			}
		}
		for _, b := range tab.KeyMap().ShortHelp() {
			if b.Enabled() && (b.Help().Key == "T" || b.Help().Key == "K") {
				t.Errorf("%s: help offers %s", name, b.Help().Key)
			}
		}
	}
}

// TestRedactMasksCommandLines: under --redact a password on a command line
// is masked in the table and the details.
func TestRedactMasksCommandLines(t *testing.T) {
	ctx := testCtx(160, 45)
	tab := New(ctx.Styles, Options{})
	tab.Update(view.SizeMsg{Width: 160, Height: 45})
	s := fixture.Host(fixture.Now(), 40, 0)
	s.Processes.List = append([]hs.Process{{PID: 999, User: "app", Name: "psql", CPUPercent: 500, CPUValid: true,
		Command: "psql postgres://app:hunter2@db/app --password=s3cret", StartTime: fixture.Now()}}, s.Processes.List...)
	tab.Update(fixture.HostUpdate(s))
	if out := tab.View(ctx); !strings.Contains(out, "hunter2") {
		t.Fatalf("fixture process not shown:\n%s", out)
	}
	ctx.Redact = true
	out := tab.View(ctx)
	for _, secret := range []string{"hunter2", "s3cret"} {
		if strings.Contains(out, secret) {
			t.Errorf("redacted view shows %q", secret)
		}
	}
}
