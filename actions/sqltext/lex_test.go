package sqltext

import (
	"reflect"
	"testing"
)

func TestStatements(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"SELECT 1", []string{"SELECT 1"}},
		{"SELECT 1;", []string{"SELECT 1"}},
		{" SELECT 1 ; -- done\n ; /* x */", []string{"SELECT 1"}},
		{"SELECT ';' AS semi, $$a;b$$, \"c;d\" /* ; */ -- ;", []string{"SELECT ';' AS semi, $$a;b$$, \"c;d\" /* ; */ -- ;"}},
		{"COMMIT; DELETE FROM t", []string{"COMMIT", "DELETE FROM t"}},
		{"SELECT 1;SELECT 2", []string{"SELECT 1", "SELECT 2"}},
		// With standard_conforming_strings = off the ; is outside the literal.
		{`SELECT 'x\''; DROP TABLE t; '`, []string{`SELECT 'x\''`, "DROP TABLE t", "'"}},
		{"", nil},
		{" ; -- nothing", nil},
	} {
		if got := Statements(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Statements(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestMaxParam(t *testing.T) {
	for in, want := range map[string]int{
		"SELECT 1":                             0,
		"SELECT * FROM t WHERE a = $1":         1,
		"WHERE a = $2 AND b = $10 OR c = $3":   10,
		"SELECT '$5', $$ $7 $$, a$8 -- $9\n$1": 1,
		"SELECT $":                             0,
	} {
		if got := MaxParam(in); got != want {
			t.Errorf("MaxParam(%q) = %d, want %d", in, got, want)
		}
	}
}

func TestLexClasses(t *testing.T) {
	q := `SELECT 'a', "b", 1 -- c`
	var got []string
	for _, s := range Lex(q) {
		got = append(got, q[s.Start:s.End]+"="+[]string{"T", "I", "C", "L"}[s.Class])
	}
	want := []string{"SELECT =T", "'a'=L", ", =T", "\"b\"=I", ", =T", "1=L", " =T", "-- c=C"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Lex: %q", got)
	}
}

// FuzzStatements: splitting never panics, and a single statement with no
// semicolon outside literals stays one statement.
func FuzzStatements(f *testing.F) {
	f.Add("SELECT 'a;b'; SELECT $x$;$x$")
	f.Fuzz(func(t *testing.T, q string) {
		for _, s := range Statements(q) {
			if len(Statements(s)) != 1 {
				t.Fatalf("statement %q of %q splits again: %q", s, q, Statements(s))
			}
		}
	})
}
