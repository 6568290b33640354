package postgres_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stacktop/stacktop/actions"
	pga "github.com/stacktop/stacktop/actions/postgres"
)

// explainRun builds and runs an EXPLAIN kind and returns its plan.
func explainRun(t *testing.T, f *fixture, id string, p actions.Params) (*pga.Plan, error) {
	t.Helper()
	a, err := f.reg.New(id, f.target(""), p)
	if err != nil {
		return nil, err
	}
	r, _ := newRunner(t)
	res, err := r.Run(t.Context(), a, actions.Yes(a), nil)
	if err != nil {
		return nil, err
	}
	return res.Output.(*pga.Plan), nil
}

func TestExplainAnalyzeOfUpdateLeavesRowsUnchanged(t *testing.T) {
	f := newFixture(t, pga.Options{}, `CREATE TABLE acct (id int PRIMARY KEY, balance int)`,
		`INSERT INTO acct SELECT g, 100 FROM generate_series(1, 1000) g`)
	a, err := f.reg.New(pga.ExplainAnalyzeID, f.target(""), actions.Params{"query": "UPDATE acct SET balance = balance - 50"})
	if err != nil {
		t.Fatal(err)
	}
	if a.Risk != actions.Mutating || !a.NeedsYes || !strings.Contains(a.Description, "rolled back") {
		t.Errorf("EXPLAIN ANALYZE UPDATE: %s, yes %v, %q", a.Risk, a.NeedsYes, a.Description)
	}
	p, err := explainRun(t, f, pga.ExplainAnalyzeID, actions.Params{"query": "UPDATE acct SET balance = balance - 50;"})
	if err != nil {
		t.Fatal(err)
	}
	if !p.Analyzed || p.Root.Type != "ModifyTable" || p.ExecutionMS <= 0 || p.Root.Children[0].ActualRows != 1000 {
		t.Errorf("plan: %+v", p.Root)
	}
	var sum int
	f.query(t, `SELECT sum(balance) FROM acct`, &sum)
	if sum != 100*1000 {
		t.Errorf("balances changed: sum %d", sum)
	}
	sel, _ := f.reg.New(pga.ExplainAnalyzeID, f.target(""), actions.Params{"query": "select * from acct"})
	if sel.NeedsYes {
		t.Error("EXPLAIN ANALYZE of a SELECT asks for a yes")
	}
}

func TestPlainExplainDoesNotRun(t *testing.T) {
	f := newFixture(t, pga.Options{}, `CREATE TABLE acct (id int PRIMARY KEY, balance int)`)
	p, err := explainRun(t, f, pga.ExplainID, actions.Params{"query": "DELETE FROM acct WHERE id = 1", "database": f.db})
	if err != nil {
		t.Fatal(err)
	}
	if p.Analyzed || p.Root.Type != "ModifyTable" || p.Root.Children[0].Loops != 0 || p.Findings != nil {
		t.Errorf("plain EXPLAIN: %+v", p.Root)
	}
	if txt := p.Text(); !strings.Contains(txt, "Index Scan using acct_pkey on acct") || !strings.Contains(txt, "index cond: (id = 1)") {
		t.Errorf("text:\n%s", txt)
	}
}

func TestExplainRefusesMultipleStatements(t *testing.T) {
	f := newFixture(t, pga.Options{})
	// The reason is checked too: a refusal for another cause (a bad target)
	// would not show that the statements were counted.
	for q, why := range map[string]string{
		"SELECT 1; DELETE FROM x":       "2 statements given",
		"COMMIT; SELECT 1":              "2 statements given",
		`SELECT 'a\''; DROP TABLE x; '`: "3 statements given",
		"  ; -- ":                       "no statement given",
	} {
		for _, id := range []string{pga.ExplainID, pga.ExplainAnalyzeID} {
			if _, err := f.reg.New(id, f.target(""), actions.Params{"query": q}); err == nil || !strings.Contains(err.Error(), why) {
				t.Errorf("%s of %q: %v, want a refusal saying %q", id, q, err, why)
			}
		}
	}
}

func TestExplainParameters(t *testing.T) {
	f := newFixture(t, pga.Options{}, `CREATE TABLE kv (k int PRIMARY KEY, v text)`)
	q := "SELECT v FROM kv WHERE k = $1 AND v <> $2"
	_, err := explainRun(t, f, pga.ExplainID, actions.Params{"query": q})
	if err == nil || !strings.Contains(err.Error(), "$1…$2") || !strings.Contains(err.Error(), "PostgreSQL 16") {
		t.Errorf("parameters without values on 15: %v", err)
	}
	p, err := explainRun(t, f, pga.ExplainAnalyzeID, actions.Params{"query": q, "args": `["7", "x"]`})
	if err != nil || p.Root.Type != "Index Scan" {
		t.Fatalf("with values: %v", err)
	}
	if _, err := f.reg.New(pga.ExplainID, f.target(""), actions.Params{"query": q, "args": `["7"]`}); err == nil {
		t.Error("one value for two parameters accepted")
	}
}

func TestExplainAnalyzeStatementTimeout(t *testing.T) {
	f := newFixture(t, pga.Options{ExplainTimeout: 200 * time.Millisecond})
	start := time.Now()
	_, err := explainRun(t, f, pga.ExplainAnalyzeID, actions.Params{"query": "SELECT pg_sleep(5)"})
	if err == nil || !strings.Contains(err.Error(), "statement timeout") {
		t.Errorf("EXPLAIN ANALYZE past statement_timeout: %v", err)
	}
	if time.Since(start) > 4*time.Second {
		t.Error("the statement_timeout did not apply")
	}
}

// findingKinds runs EXPLAIN ANALYZE of q and returns the finding kinds.
func findingKinds(t *testing.T, f *fixture, q string) (*pga.Plan, map[string]string) {
	t.Helper()
	p, err := explainRun(t, f, pga.ExplainAnalyzeID, actions.Params{"query": q})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]string{}
	for _, fd := range p.Findings {
		kinds[fd.Kind] = fd.Text
	}
	return p, kinds
}

func TestFindings(t *testing.T) {
	f := newFixture(t, pga.Options{},
		`CREATE TABLE big (id int PRIMARY KEY, v int, pad text)`,
		`INSERT INTO big SELECT g, g % 10000, md5(g::text) FROM generate_series(1, 100000) g`,
		// a and b always equal: the planner multiplies their selectivities
		// (1/200 × 1/200) and expects 2 or 3 rows where 500 match.
		`CREATE TABLE corr (a int, b int)`,
		`INSERT INTO corr SELECT g % 200, g % 200 FROM generate_series(1, 100000) g`,
		`CREATE TABLE small (id int)`, `INSERT INTO small SELECT generate_series(1, 2000)`,
		`ANALYZE big`, `ANALYZE corr`, `ANALYZE small`,
	)
	if err := f.c.Exec(f.db, `ALTER DATABASE `+f.db+` SET work_mem = '64kB'`,
		`ALTER DATABASE `+f.db+` SET enable_hashjoin = off`, `ALTER DATABASE `+f.db+` SET enable_mergejoin = off`,
		`ALTER DATABASE `+f.db+` SET max_parallel_workers_per_gather = 0`); err != nil {
		t.Fatal(err)
	}

	_, k := findingKinds(t, f, "SELECT * FROM big WHERE v = 5")
	if txt := k["seqscan"]; !strings.Contains(txt, "Sequential scan of big reads 100k rows to keep 10") || !strings.Contains(txt, "(v = 5)") {
		t.Errorf("seqscan finding: %q (all: %v)", txt, k)
	}

	p, k := findingKinds(t, f, "SELECT * FROM corr WHERE a = 1 AND b = 1")
	if txt := k["misestimate"]; !strings.Contains(txt, "Seq Scan on corr returned 500 rows where") || !strings.Contains(txt, "× more)") ||
		p.Root.Misestimate < 100 {
		t.Errorf("misestimate finding: %q, factor %.0f (all: %v)\n%s", txt, p.Root.Misestimate, k, p.Text())
	}
	if !strings.Contains(p.Text(), "× off)") {
		t.Errorf("the tree does not flag the misestimate:\n%s", p.Text())
	}

	p, k = findingKinds(t, f, "SELECT * FROM big ORDER BY pad")
	if txt := k["sort-spill"]; !strings.Contains(txt, "Sort spilled") || !strings.Contains(txt, "work_mem (now 64kB)") {
		t.Errorf("sort spill finding: %q (all: %v)\n%s", txt, k, p.Text())
	}

	p, k = findingKinds(t, f, "SELECT count(b.pad) FROM small s JOIN big b ON b.id = s.id")
	if txt := k["nested-loop"]; !strings.Contains(txt, "Nested loop runs its inner side (Index Scan using big_pkey on big b) 2000 times") {
		t.Errorf("nested loop finding: %q (all: %v)\n%s", txt, k, p.Text())
	}
	if !strings.Contains(p.Text(), "HOT") {
		t.Errorf("no hot node:\n%s", p.Text())
	}
}
