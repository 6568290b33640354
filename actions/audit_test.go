package actions_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stacktop/stacktop/actions"
	"github.com/stacktop/stacktop/actions/actionstest"
	"github.com/stacktop/stacktop/collectors"
)

func TestAuditFileIsPrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "sub", actions.AuditFileName)
	l, err := actions.OpenAuditLog(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for p, want := range map[string]os.FileMode{path: 0o600, filepath.Dir(path): 0o700 | os.ModeDir} {
		if fi, err := os.Stat(p); err != nil || fi.Mode() != want {
			t.Errorf("%s: mode %v, want %v (%v)", p, fi.Mode(), want, err)
		}
	}
	// A pre-existing world-readable file is tightened.
	loose := filepath.Join(t.TempDir(), "audit.jsonl")
	if err := os.WriteFile(loose, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	l2, err := actions.OpenAuditLog(loose)
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Close()
	if fi, _ := os.Stat(loose); fi.Mode().Perm() != 0o600 {
		t.Errorf("existing file left at %v", fi.Mode().Perm())
	}
}

func TestAuditRecordFields(t *testing.T) {
	now := time.Date(2026, 3, 1, 4, 5, 6, 789, time.FixedZone("CET", 3600))
	r, log := actionstest.NewRunner(t, actions.RunnerOptions{
		ReadOnly: true,
		Now:      func() time.Time { return now },
		Identity: actions.Identity{OSUser: "oncall", SSHClient: "10.0.0.7 51234", Host: "db1"},
	})
	a, _ := fileAction(t, "file.remove")
	_, _ = r.Run(t.Context(), a, actions.Confirmation{}, nil)
	raw, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"time":"2026-03-01T03:05:06.000000789Z","os_user":"oncall","ssh_client":"10.0.0.7 51234","host":"db1",` +
		`"action":"file.remove","risk":"destructive","target":{"kind":"host","source":"local","object":"data.txt"},` +
		`"description":"Delete data.txt for good.","outcome":"refused_read_only","duration_ms":0,` +
		`"error":"file.remove on host:local/data.txt refused: stacktop runs read-only (--read-only, --demo or read_only in the config) — restart it without read-only to act"}` + "\n"
	if string(raw) != want {
		t.Errorf("audit line\n got %s\nwant %s", raw, want)
	}
}

// Concurrent attempts through several Runners and several AuditLogs on one
// file (as several stacktop processes would) leave whole lines only.
func TestAuditConcurrentAttemptsDoNotInterleave(t *testing.T) {
	path := filepath.Join(t.TempDir(), actions.AuditFileName)
	const logs, workers, each = 3, 4, 50
	var wg sync.WaitGroup
	for l := 0; l < logs; l++ {
		audit, err := actions.OpenAuditLog(path)
		if err != nil {
			t.Fatal(err)
		}
		defer audit.Close()
		r, err := actions.NewRunner(actions.RunnerOptions{Audit: audit, Identity: actions.Identity{OSUser: "u", Host: "h"}})
		if err != nil {
			t.Fatal(err)
		}
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < each; i++ {
					a := actions.Action{ID: "test.noop", Risk: actions.Destructive, ConfirmByName: i%2 == 0,
						Description: fmt.Sprintf("%d %s", i, strings.Repeat("x", 300)), // long lines make a torn write likely
						Target:      actions.Target{Kind: collectors.KindHost, Source: "local", Object: fmt.Sprint(l, w, i)},
						Run:         func(context.Context, func(actions.Progress)) error { return nil }}
					_, _ = r.Run(context.Background(), a, actions.Confirmation{Confirmed: true}, nil)
				}
			}()
		}
	}
	wg.Wait()
	recs := actionstest.ReadAudit(t, path)
	if len(recs) != logs*workers*each {
		t.Fatalf("%d lines, want %d", len(recs), logs*workers*each)
	}
	seen := map[string]bool{}
	for _, r := range recs {
		seen[r.Target.Object] = true
		wantOutcome := actions.OutcomeOK
		var i int
		fmt.Sscan(r.Description, &i)
		if i%2 == 0 {
			wantOutcome = actions.OutcomeRefusedUnconfirmed
		}
		if r.Outcome != wantOutcome {
			t.Errorf("%s: outcome %s, want %s", r.Target.Object, r.Outcome, wantOutcome)
		}
	}
	if len(seen) != logs*workers*each {
		t.Errorf("%d distinct attempts logged, want %d", len(seen), logs*workers*each)
	}
}

// An action that cannot be audited does not run.
func TestAuditFailureFailsClosed(t *testing.T) {
	path := filepath.Join(t.TempDir(), actions.AuditFileName)
	audit, err := actions.OpenAuditLog(path)
	if err != nil {
		t.Fatal(err)
	}
	r, err := actions.NewRunner(actions.RunnerOptions{Audit: audit})
	if err != nil {
		t.Fatal(err)
	}
	a, file := fileAction(t, "file.append")
	audit.Close()
	res, err := r.Run(t.Context(), a, actions.Yes(a), nil)
	if !errors.Is(err, actions.ErrAudit) || res.Outcome != actions.OutcomeRefusedAudit {
		t.Errorf("closed audit log: %v %v", res.Outcome, err)
	}
	if b, _ := os.ReadFile(file); string(b) != "keep\n" {
		t.Errorf("the action ran without an audit log: %q", b)
	}
	if _, err := actions.NewRunner(actions.RunnerOptions{}); err == nil {
		t.Error("a Runner without an audit log was built")
	}
	if _, err := actions.OpenAuditLog(t.TempDir()); err == nil {
		t.Error("opening a directory as the audit log succeeded")
	}
}

func TestCurrentIdentity(t *testing.T) {
	env := map[string]string{"SSH_CONNECTION": "192.0.2.4 40022 192.0.2.1 22"}
	id := actions.CurrentIdentity(func(k string) string { return env[k] })
	if id.SSHClient != "192.0.2.4 40022" || id.OSUser == "" || id.Host == "" {
		t.Errorf("identity %+v", id)
	}
	env = map[string]string{"SSH_CLIENT": "2001:db8::1 50000 22"}
	if id := actions.CurrentIdentity(func(k string) string { return env[k] }); id.SSHClient != "2001:db8::1 50000" {
		t.Errorf("SSH_CLIENT: %q", id.SSHClient)
	}
	if id := actions.CurrentIdentity(func(string) string { return "" }); id.SSHClient != "" {
		t.Errorf("local session has ssh client %q", id.SSHClient)
	}
}
