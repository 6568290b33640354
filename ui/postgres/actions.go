package postgres

import (
	"strconv"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/stacktop/stacktop/actions"
	pga "github.com/stacktop/stacktop/actions/postgres"
	"github.com/stacktop/stacktop/actions/sqltext"
	"github.com/stacktop/stacktop/collectors"
	pg "github.com/stacktop/stacktop/collectors/postgres"
	"github.com/stacktop/stacktop/ui/redact"
	"github.com/stacktop/stacktop/ui/sanitize"
	"github.com/stacktop/stacktop/ui/view"
)

// ActionKeys act on what is selected, through the root's action flow
// (confirmation, the Runner, the audit log):
//
//	c  cancel the selected session's query (activity, locks)
//	X  terminate the selected session (destructive: its pid is typed)
//	e  EXPLAIN the selected session's query or statement
//	E  EXPLAIN ANALYZE it (run in a transaction that is rolled back)
//	V  VACUUM (ANALYZE) the selected table (tables; v opens the servers view)
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
		Vacuum: b("V", "vacuum analyze"), Backup: b("b", "backup db"), Backups: b("B", "backups"),
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
		if s := t.stmt.selected(); s != nil {
			return s.Query, s.Database
		}
	}
	return "", ""
}

// selectedTable is the table under the cursor in the tables view.
func (t *Tab) selectedTable() *pg.Table {
	if t.view != Tables {
		return nil
	}
	return t.tbl.selected()
}

// enableActions switches the action keys (never while the filter is edited).
func (t *Tab) enableActions() {
	editing := t.editing()
	for _, p := range t.actionRequests() {
		allowed := p.req.Kind == "" || t.opts.Allowed.Can(p.req.Kind, p.req.Target)
		p.b.SetEnabled(p.ok && !editing && t.opts.Allowed != nil && allowed)
	}
}

// actionKinds are the kinds of actionRequests' entries, in its order
// (what a refused key names when there was nothing to build a request
// from; "" is the backup list).
var actionKinds = [...]string{pga.CancelID, pga.TerminateID, pga.ExplainID, pga.ExplainAnalyzeID,
	pga.VacuumID, pga.BackupID, "", pga.ExplainID}

// actionKey asks the root to run the action of an action key, or, for an
// action key that is disabled now, answers why; ok is false for other keys.
func (t *Tab) actionKey(msg tea.KeyMsg) (tea.Cmd, bool) {
	reqs := t.actionRequests()
	for _, p := range reqs {
		if !key.Matches(msg, *p.b) || !p.ok {
			continue
		}
		if p.req.Kind == "" {
			return view.ShowBackups(p.req.Target, ""), true
		}
		req := t.withContext(p.req)
		return func() tea.Msg { return req }, true
	}
	for i, p := range reqs {
		if !view.Pressed(msg, *p.b) {
			continue
		}
		why := ""
		if !p.ok {
			why = t.whyNot(i)
		}
		return view.Refuse(*p.b, actionKinds[i], p.req.Target, why), true
	}
	return nil, false
}

// withContext adds what the confirmation dialog shows: the session for
// cancel and terminate, the statement for EXPLAIN ANALYZE (which runs it,
// so it always asks).
func (t *Tab) withContext(req view.ActionRequest) view.ActionRequest {
	switch req.Kind {
	case pga.CancelID, pga.TerminateID:
		if b := t.selectedBackend(); b != nil {
			req.Context = t.backendFacts(b)
		}
	case pga.ExplainAnalyzeID:
		q := req.Params["query"]
		if t.opts.Redact {
			q = redact.SQL(q)
		}
		req.Context = []view.Fact{{Label: "statement", Value: sanitize.Text(q), Long: true}}
		req.AskYes = true
	}
	return req
}

// backendFacts is what the cancel and terminate dialogs show about a
// session: who, from where, doing what since when, and how many sessions
// wait behind it. The texts are the activity list's (sanitized, and
// redacted under --redact).
func (t *Tab) backendFacts(b *pg.Backend) []view.Fact {
	r := t.d.byPID[b.PID]
	if r == nil {
		return nil
	}
	state := orDash(stateOr(r.state, b.BackendType))
	if r.wait != "" {
		state += " · waiting on " + r.wait
	}
	start := "–"
	if s := t.d.snap; s != nil && b.QueryAge.Valid {
		start = s.Taken.Add(-b.QueryAge.D).Format("15:04:05") + " (" + age(b.QueryAge) + " ago)"
	}
	blocks := "no other session"
	if r.blocks > 0 {
		blocks = strconv.Itoa(r.blocks) + " session" + plural(r.blocks) + " wait behind it"
	}
	return []view.Fact{
		{Label: "user", Value: orDash(r.user)},
		{Label: "application", Value: orDash(r.app)},
		{Label: "client", Value: orDash(r.client)},
		{Label: "state", Value: state},
		{Label: "query start", Value: start},
		{Label: "query", Value: orDash(r.query)},
		{Label: "blocks", Value: blocks},
	}
}

// whyNot says why action entry i of actionRequests has nothing to act
// on, for the status line.
func (t *Tab) whyNot(i int) string {
	if t.d.snap == nil {
		return "no data from this target yet"
	}
	switch actionKinds[i] {
	case pga.CancelID, pga.TerminateID:
		b := t.selectedBackend()
		switch {
		case b == nil:
			return "nothing selected — pick a session in activity (a) or locks (l)"
		case b.Database == "":
			return "pid " + strconv.Itoa(b.PID) + " is a background process, not a client session"
		case actionKinds[i] == pga.CancelID:
			return "pid " + strconv.Itoa(b.PID) + " is " + orDash(stateOr(stateLabel(b.State), b.BackendType)) + " — there is no running query to cancel"
		}
	case pga.ExplainID, pga.ExplainAnalyzeID:
		return "no query selected — pick a session (a, l) or a statement (S)"
	case pga.VacuumID:
		return "no table selected — pick one in tables (t)"
	case pga.BackupID:
		return "the target's database is not known yet"
	}
	return "nothing to act on"
}
