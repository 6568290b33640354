package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/stacktop/stacktop/actions"
	"github.com/stacktop/stacktop/actions/sqltext"
	"github.com/stacktop/stacktop/collectors"
)

// Explain action kind IDs.
const (
	// ExplainID plans a statement without running it: Read.
	ExplainID = "postgres.explain"
	// ExplainAnalyzeID runs it inside a transaction that is rolled back.
	// It is Mutating, not Read: rollback undoes the writes, but not what a
	// statement's functions do outside the transaction (sequences,
	// pg_terminate_backend, dblink), nor the load and locks while it runs —
	// so read-only mode refuses it.
	ExplainAnalyzeID = "postgres.explain_analyze"
)

// genericPlanVersion is the first server_version_num with EXPLAIN
// (GENERIC_PLAN).
const genericPlanVersion = 160000

// GenericPlans reports whether a server of versionNum (server_version_num)
// plans a statement with $n parameters without their values: a plain
// EXPLAIN (GENERIC_PLAN), PostgreSQL 16 and later. The UI asks for values
// exactly when this is false; the action decides with it too.
func GenericPlans(versionNum int) bool { return versionNum >= genericPlanVersion }

// explainKind: Params "query" (one statement), "database" (where to run
// it; default the target's), "args" (a JSON array of strings, the values
// of $1…$n).
func explainKind(opts Options, analyze bool) actions.Kind {
	id, title, risk := ExplainID, "EXPLAIN", actions.Read
	if analyze {
		id, title, risk = ExplainAnalyzeID, "EXPLAIN ANALYZE", actions.Mutating
	}
	return actions.Kind{ID: id, Title: title, Risk: risk, TargetKind: collectors.KindPostgres,
		Params: map[string]string{"query": "the statement to explain (one only)",
			"database": "the database to run it in (default: the target's)",
			"args":     `values for $1…$n as a JSON array of strings, e.g. ["42","x"]`},
		New: func(t actions.Target, p actions.Params) (actions.Action, error) {
			e, err := newExplain(opts, t, p, analyze)
			if err != nil {
				return actions.Action{}, err
			}
			a := actions.Action{ID: id, Title: title, Target: t, Risk: risk, Timeout: opts.ConnectTimeout + opts.ExplainTimeout,
				Run: e.run, Output: func() any { return e.plan }}
			where := t.Source
			if e.database != "" {
				where += "/" + e.database
			}
			if analyze {
				// A plain read needs no yes; anything else might write.
				a.NeedsYes = !startsWith(e.query, "select", "values", "table")
				a.Description = fmt.Sprintf("Run the statement on %s inside a transaction that is then rolled back (at most %s), and show its plan with timings.", where, opts.ExplainTimeout)
			} else {
				a.Description = fmt.Sprintf("Show the plan %s would choose for the statement, without running it.", where)
			}
			return a, nil
		}}
}

type explain struct {
	opts     Options
	target   actions.Target
	query    string
	database string
	args     []any
	params   int // highest $n in the query
	analyze  bool
	plan     *Plan
}

func newExplain(opts Options, t actions.Target, p actions.Params, analyze bool) (*explain, error) {
	stmts := sqltext.Statements(p["query"])
	switch {
	case len(stmts) == 0:
		return nil, fmt.Errorf("EXPLAIN on %s: no statement given", t)
	case len(stmts) > 1:
		return nil, fmt.Errorf("EXPLAIN on %s: %d statements given — explain one statement at a time", t, len(stmts))
	}
	e := &explain{opts: opts, target: t, query: stmts[0], database: p["database"], analyze: analyze,
		params: sqltext.MaxParam(stmts[0])}
	if raw := p["args"]; raw != "" {
		var vals []string
		if err := json.Unmarshal([]byte(raw), &vals); err != nil {
			return nil, fmt.Errorf("EXPLAIN on %s: args must be a JSON array of strings: %v", t, err)
		}
		for _, v := range vals {
			e.args = append(e.args, v)
		}
	}
	if len(e.args) > 0 && len(e.args) != e.params {
		return nil, fmt.Errorf("EXPLAIN on %s: the statement has %d parameters, %d values given", t, e.params, len(e.args))
	}
	return e, nil
}

// startsWith reports whether q's first word is one of words (lower case).
func startsWith(q string, words ...string) bool {
	f := strings.Fields(strings.TrimLeft(q, "( \t\r\n"))
	if len(f) == 0 {
		return false
	}
	first := strings.ToLower(strings.TrimRight(f[0], "("))
	for _, w := range words {
		if first == w {
			return true
		}
	}
	return false
}

func (e *explain) run(ctx context.Context, progress func(actions.Progress)) error {
	s, err := e.opts.open(ctx, e.target, e.database, 1)
	if err != nil {
		return err
	}
	defer s.close()
	var version int
	var workMem string
	if err := s.conn.QueryRowContext(ctx, `SELECT current_setting('server_version_num')::int, current_setting('work_mem')`).
		Scan(&version, &workMem); err != nil {
		return err
	}
	options, generic, err := e.options(version)
	if err != nil {
		return err
	}
	progress(actions.Progress{Message: "planning"})
	if e.analyze {
		progress(actions.Progress{Message: "running inside a transaction that will be rolled back"})
	}
	raw, err := e.explainInTx(ctx, s.conn, options, generic)
	if err != nil {
		return err
	}
	plan, err := parsePlan(raw, e.analyze)
	if err != nil {
		return err
	}
	plan.Query, plan.Generic, plan.WorkMem = e.query, generic, workMem
	plan.Findings = findings(plan)
	e.plan = plan
	return nil
}

// options picks the EXPLAIN options; generic reports GENERIC_PLAN.
func (e *explain) options(version int) (opts string, generic bool, err error) {
	opts = "FORMAT JSON"
	if e.analyze {
		opts = "ANALYZE, BUFFERS, " + opts
	}
	if e.params == 0 || len(e.args) > 0 {
		return opts, false, nil
	}
	if !e.analyze && GenericPlans(version) {
		return "GENERIC_PLAN, " + opts, true, nil
	}
	how := "give values for them"
	if !e.analyze {
		how += ", or use PostgreSQL 16+ for a generic plan"
	}
	return "", false, fmt.Errorf("the statement has parameters $1…$%d: %s", e.params, how)
}

// explainInTx runs EXPLAIN in a transaction that is always rolled back,
// under statement_timeout. Through a prepared statement (the extended
// protocol) the server itself refuses more than one statement — a second
// guard after sqltext.Statements. GENERIC_PLAN needs the simple protocol,
// as its $n have no values to bind.
func (e *explain) explainInTx(ctx context.Context, conn *sql.Conn, options string, generic bool) (json.RawMessage, error) {
	tx, err := conn.BeginTx(ctx, &sql.TxOptions{ReadOnly: !e.analyze})
	if err != nil {
		return nil, err
	}
	defer func() { _ = tx.Rollback() }()
	timeout := strconv.FormatInt(e.opts.ExplainTimeout.Milliseconds(), 10)
	if _, err := tx.ExecContext(ctx, `SET LOCAL statement_timeout = `+timeout); err != nil {
		return nil, err
	}
	q := "EXPLAIN (" + options + ") " + e.query
	var raw []byte
	if generic {
		err = tx.QueryRowContext(ctx, q).Scan(&raw)
	} else {
		var st *sql.Stmt
		if st, err = tx.PrepareContext(ctx, q); err == nil {
			err = st.QueryRowContext(ctx, e.args...).Scan(&raw)
			_ = st.Close()
		}
	}
	if err != nil {
		return nil, fmt.Errorf("EXPLAIN: %w", err)
	}
	return raw, nil
}
