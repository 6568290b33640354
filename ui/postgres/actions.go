package postgres

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/stacktop/stacktop/actions"
	pga "github.com/stacktop/stacktop/actions/postgres"
	"github.com/stacktop/stacktop/actions/sqltext"
	"github.com/stacktop/stacktop/collectors"
	pg "github.com/stacktop/stacktop/collectors/postgres"
	"github.com/stacktop/stacktop/ui/view"
)

// ActionKeys act on what is selected, through the root's action flow
// (confirmation, the Runner, the audit log):
//
//	c  cancel the selected session's query (activity, locks)
//	X  terminate the selected session (destructive: its pid is typed)
//	e  EXPLAIN the selected session's query or statement
//	E  EXPLAIN ANALYZE it (run in a transaction that is rolled back)
//	v  VACUUM (ANALYZE) the selected table (tables)
//	b  back up the watched database with pg_dump
//	B  list the target's backups
//	Q  EXPLAIN a statement typed in a prompt
//
// Each is enabled only when there is something to act on and
// Options.Allowed says the Runner would run it (not under read-only).
type ActionKeys struct {
	Cancel, Terminate, Explain, ExplainAnalyze, Vacuum, Backup, Backups key.Binding
	// Typed asks for a statement to EXPLAIN.
	Typed key.Binding
}

func newActionKeys() ActionKeys {
	b := func(k, desc string) key.Binding { return key.NewBinding(key.WithKeys(k), key.WithHelp(k, desc)) }
	return ActionKeys{
		Cancel: b("c", "cancel query"), Terminate: b("X", "terminate session"),
		Explain: b("e", "explain"), ExplainAnalyze: b("E", "explain analyze"),
		Vacuum: b("v", "vacuum analyze"), Backup: b("b", "backup db"), Backups: b("B", "backups"),
		Typed: b("Q", "explain typed"),
	}
}

// pending is one possible request: the binding, and the request it makes
// (kind "" for the backup list).
type pending struct {
	b   *key.Binding
	req view.ActionRequest
	ok  bool // there is something to act on
}

// actionRequests works out what each action key would ask for now.
func (t *Tab) actionRequests() []pending {
	k := &t.keys.Actions
	s := t.d.snap
	out := []pending{{b: &k.Cancel}, {b: &k.Terminate}, {b: &k.Explain}, {b: &k.ExplainAnalyze},
		{b: &k.Vacuum}, {b: &k.Backup}, {b: &k.Backups}, {b: &k.Typed}}
	if s == nil {
		return out
	}
	base := actions.Target{Kind: collectors.KindPostgres, Source: s.Target}
	if b := t.selectedBackend(); b != nil && b.PID > 0 && b.Database != "" {
		target := pga.BackendTarget(s, *b)
		out[0] = pending{b: &k.Cancel, req: view.ActionRequest{Kind: pga.CancelID, Target: target}, ok: b.State == pg.StateActive}
		out[1] = pending{b: &k.Terminate, req: view.ActionRequest{Kind: pga.TerminateID, Target: target}, ok: true}
	}
	if q, db := t.selectedQuery(); q != "" {
		p := actions.Params{"query": q, "database": db}
		// $n parameters (pg_stat_statements' normalized text) need values,
		// except for a plain EXPLAIN on 16+, which plans generically.
		n, plain := sqltext.MaxParam(q), 0
		if !pga.GenericPlans(s.Server.VersionNum) {
			plain = n
		}
		out[2] = pending{b: &k.Explain, req: view.ActionRequest{Kind: pga.ExplainID, Target: base, Params: p, AskValues: plain}, ok: true}
		out[3] = pending{b: &k.ExplainAnalyze, req: view.ActionRequest{Kind: pga.ExplainAnalyzeID, Target: base, Params: p, AskValues: n}, ok: true}
	}
	if tb := t.selectedTable(); tb != nil {
		target := base
		target.Object = tb.Schema + "." + tb.Name
		out[4] = pending{b: &k.Vacuum, req: view.ActionRequest{Kind: pga.VacuumID, Target: target,
			Params: actions.Params{"database": s.Server.Database, "schema": tb.Schema, "table": tb.Name}}, ok: true}
	}
	if db := s.Server.Database; db != "" {
		target := base
		target.Object = db
		out[5] = pending{b: &k.Backup, req: view.ActionRequest{Kind: pga.BackupID, Target: target,
			Params: actions.Params{"database": db}}, ok: true}
	}
	out[6] = pending{b: &k.Backups, req: view.ActionRequest{Target: base}, ok: true}
	out[7] = pending{b: &k.Typed, req: view.ActionRequest{Kind: pga.ExplainID, Target: base, AskQuery: true,
		Params: actions.Params{"database": s.Server.Database}, GenericPlans: pga.GenericPlans(s.Server.VersionNum)}, ok: true}
	return out
}

// selectedQuery is the query of the selected session (activity, locks) or
// statement (statements), and its database.
func (t *Tab) selectedQuery() (query, database string) {
	if b := t.selectedBackend(); b != nil && b.Query != "" {
		return b.Query, b.Database
	}
	if t.view == Statements {
		c := t.cursors[Statements]
		if c.Sel >= 0 && c.Sel < len(t.d.stmts) {
			s := t.d.stmts[c.Sel]
			return s.Query, s.Database
		}
	}
	return "", ""
}

// selectedTable is the table under the cursor in the tables view.
func (t *Tab) selectedTable() *pg.Table {
	c := t.cursors[Tables]
	if t.view != Tables || c.Sel < 0 || c.Sel >= len(t.d.tables) {
		return nil
	}
	return t.d.tables[c.Sel]
}

// enableActions switches the action keys (never while the filter is edited).
func (t *Tab) enableActions() {
	editing := t.editing()
	for _, p := range t.actionRequests() {
		allowed := p.req.Kind == "" || t.opts.Allowed.Can(p.req.Kind, p.req.Target)
		p.b.SetEnabled(p.ok && !editing && t.opts.Allowed != nil && allowed)
	}
}

// actionKey asks the root to run the action of an action key; ok is false
// for other keys.
func (t *Tab) actionKey(msg tea.KeyMsg) (tea.Cmd, bool) {
	for _, p := range t.actionRequests() {
		if !key.Matches(msg, *p.b) || !p.ok {
			continue
		}
		if p.req.Kind == "" {
			return view.ShowBackups(p.req.Target, ""), true
		}
		req := p.req
		return func() tea.Msg { return req }, true
	}
	return nil, false
}
