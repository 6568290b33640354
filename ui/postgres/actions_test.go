package postgres

import (
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/stacktop/stacktop/actions"
	pga "github.com/stacktop/stacktop/actions/postgres"
	"github.com/stacktop/stacktop/ui/view"
)

// actionTab is newTab with an Allowed, and the server's start and each
// backend's age filled in, as a live poll has them (they pin a backend).
func actionTab(allowed view.Allowed) *Tab {
	t, _ := newTab(160, 48, 30)
	s := t.d.snap
	s.Server.StartedAt, s.Server.Uptime = now.Add(-48*time.Hour), 48*time.Hour
	for i := range s.Activity {
		s.Activity[i].BackendAge = pgAge(time.Duration(i+1) * time.Hour)
	}
	t.opts.Allowed = allowed
	t.enableKeys()
	return t
}

// request is the message a key's command produces, or nil.
func request(t *Tab, k string) tea.Msg {
	_, cmd := t.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)})
	if cmd == nil {
		return nil
	}
	return cmd()
}

func allowAll(string, actions.Target) bool { return true }

// TestActionKeysRequestTheSelection: cancel, terminate and EXPLAIN act on
// the selected session (pinned by pid and start), VACUUM on the selected
// table, backup on the watched database, B lists the backups.
func TestActionKeysRequestTheSelection(t *testing.T) {
	tab := actionTab(allowAll)
	_, pid, query, ok := tab.SelectedBackend()
	if !ok {
		t.Fatal("no session selected")
	}
	want := pga.BackendTarget(tab.d.snap, *tab.selectedBackend())
	if req, _ := request(tab, "X").(view.ActionRequest); req.Kind != pga.TerminateID || req.Target != want || req.Target.Guard == "" {
		t.Errorf("X on backend %d requested %+v, want terminate of %+v", pid, req, want)
	}
	req, _ := request(tab, "e").(view.ActionRequest)
	if req.Kind != pga.ExplainID || req.Params["query"] != query {
		t.Errorf("e requested %+v, want EXPLAIN of %q", req, query)
	}
	press(tab, "t")
	tb := tab.selectedTable()
	if tb == nil {
		t.Fatal("no table selected in the tables view")
	}
	if req, _ := request(tab, "V").(view.ActionRequest); req.Kind != pga.VacuumID || req.Params["table"] != tb.Name || req.Params["schema"] != tb.Schema {
		t.Errorf("V requested %+v, want VACUUM of %s.%s", req, tb.Schema, tb.Name)
	}
	if req, _ := request(tab, "c").(view.ActionRequest); req.Kind != "" {
		t.Errorf("c in the tables view requested %+v", req)
	}
	if req, _ := request(tab, "b").(view.ActionRequest); req.Kind != pga.BackupID || req.Params["database"] == "" {
		t.Errorf("b requested %+v, want a backup of the watched database", req)
	}
	if br, ok := request(tab, "B").(view.BackupsRequest); !ok || br.Target.Source != "main" {
		t.Errorf("B produced %+v, want the backup list of main", br)
	}
}

// TestActionKeysDisabledWhenRefused: when the Runner would refuse every
// non-read action (read-only), only EXPLAIN (a read) is offered; with no
// actions wired, nothing is. A refused key makes no request: it answers
// with a refusal whose reason the root asks the Runner for.
func TestActionKeysDisabledWhenRefused(t *testing.T) {
	readOnly := func(kind string, _ actions.Target) bool { return kind == pga.ExplainID }
	tab := actionTab(readOnly)
	refused := func(who, k string, msg any) {
		t.Helper()
		if r, ok := msg.(view.RefusedMsg); !ok || r.Why != "" {
			t.Errorf("%s: %s produced %+v, want a refusal left to the Runner", who, k, msg)
		}
	}
	for _, k := range []string{"c", "X", "E", "b"} {
		refused("read-only", k, request(tab, k))
	}
	if _, ok := request(tab, "e").(view.ActionRequest); !ok {
		t.Error("read-only: EXPLAIN (a read) is not offered")
	}
	for _, col := range tab.KeyMap().FullHelp() {
		for _, b := range col {
			if b.Enabled() && (b.Help().Key == "X" || b.Help().Key == "c" || b.Help().Key == "E" || b.Help().Key == "b") {
				t.Errorf("read-only: help offers %s %s", b.Help().Key, b.Help().Desc)
			}
		}
	}
	none := actionTab(nil)
	for _, k := range []string{"c", "X", "e", "E", "b", "B"} {
		refused("no actions", k, request(none, k))
	}
}

// TestExplainAsksForParameterValues: a normalized statement with $n, on a
// server before 16, needs values for EXPLAIN; ANALYZE needs them always.
func TestExplainAsksForParameterValues(t *testing.T) {
	tab := actionTab(allowAll)
	press(tab, "S")
	q, _ := tab.selectedQuery()
	for i := 0; i < 20 && !strings.Contains(q, "$"); i++ {
		press(tab, "down")
		q, _ = tab.selectedQuery()
	}
	n := strings.Count(q, "$")
	if n == 0 {
		t.Fatalf("the selected statement %q has no parameters; pick another fixture row", q)
	}
	req, _ := request(tab, "e").(view.ActionRequest)
	if req.Kind != pga.ExplainID || req.AskValues != n {
		t.Errorf("e on %q (server 15) requested %+v, want %d values asked", q, req, n)
	}
	tab.d.snap.Server.VersionNum = 160004
	tab.enableKeys()
	if req, _ := request(tab, "e").(view.ActionRequest); req.AskValues != 0 {
		t.Errorf("e on PostgreSQL 16 asks for %d values; GENERIC_PLAN needs none", req.AskValues)
	}
	if req, _ := request(tab, "E").(view.ActionRequest); req.AskValues != n {
		t.Errorf("E on PostgreSQL 16 asks for %d values, want %d (ANALYZE runs it)", req.AskValues, n)
	}
}

// TestTypedExplainKey: Q asks the root for a statement to EXPLAIN on the
// shown target, saying whether the server plans $n without values.
func TestTypedExplainKey(t *testing.T) {
	tab := actionTab(allowAll)
	req, _ := request(tab, "Q").(view.ActionRequest)
	if req.Kind != pga.ExplainID || !req.AskQuery || req.GenericPlans || req.Target.Source != "main" {
		t.Errorf("Q requested %+v", req)
	}
}
