// Package actionstest holds test helpers every action family uses: a Runner
// with a throwaway audit log, a strict audit log reader, and the read-only
// check that must pass for every registered action kind.
package actionstest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stacktop/stacktop/actions"
)

// NewRunner returns a Runner with opts and a fresh audit log in a temporary
// directory (opts.Audit is replaced), plus the log's path.
func NewRunner(t testing.TB, opts actions.RunnerOptions) (*actions.Runner, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state", actions.AuditFileName)
	audit, err := actions.OpenAuditLog(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = audit.Close() })
	opts.Audit = audit
	if opts.Identity == (actions.Identity{}) {
		opts.Identity = actions.Identity{OSUser: "tester", Host: "testhost"}
	}
	r, err := actions.NewRunner(opts)
	if err != nil {
		t.Fatal(err)
	}
	return r, path
}

// ReadAudit parses the audit log at path strictly: every line must be one
// complete JSON object with only known fields, a time, a user, a host, an
// action, a target kind and an outcome. It fails t otherwise.
func ReadAudit(t testing.TB, path string) []actions.Record {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) > 0 && data[len(data)-1] != '\n' {
		t.Fatalf("audit log %s does not end in a newline: a line was cut", path)
	}
	var recs []actions.Record
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		var r actions.Record
		if err := dec.Decode(&r); err != nil || dec.More() {
			t.Fatalf("audit line %d is not one JSON record (%v): %q", n, err, sc.Text())
		}
		checkRecord(t, n, r, sc.Text())
		recs = append(recs, r)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return recs
}

func checkRecord(t testing.TB, n int, r actions.Record, line string) {
	t.Helper()
	switch {
	case r.Time.IsZero() || r.Time.Location() != time.UTC:
		t.Errorf("audit line %d: time missing or not UTC: %s", n, line)
	case r.OSUser == "" || r.Host == "":
		t.Errorf("audit line %d: no os_user or host: %s", n, line)
	case r.Action == "" || r.Target.Kind == "" || r.Outcome == "":
		t.Errorf("audit line %d: no action, target or outcome: %s", n, line)
	case (r.Outcome == actions.OutcomeOK) != (r.Error == ""):
		t.Errorf("audit line %d: outcome %s with error %q", n, r.Outcome, r.Error)
	case r.DurationMS < 0:
		t.Errorf("audit line %d: negative duration: %s", n, line)
	}
}
