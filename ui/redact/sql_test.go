package redact

import (
	"strings"
	"testing"

	"github.com/stacktop/stacktop/actions/sqltext"
)

func TestSQL(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"SELECT * FROM t WHERE a = 'x' AND b = 42", "SELECT * FROM t WHERE a = ? AND b = ?"},
		{"select 'it''s', 1.5e-3, .5, 0x1F, 1_000", "select ?, ?, ?, ?, ?"},
		{"SELECT E'a\\'b' || 'c'", "SELECT ? || ?"},
		{"SELECT B'101', X'ff', N'nat', U&'d\\0061t'", "SELECT ?, ?, ?, ?"},
		{"SELECT $$body$$, $fn$ it's $$ inside $fn$, $1, $23", "SELECT ?, ?, $1, $23"},
		{`SELECT "col'1", "we""ird" FROM "t 2"`, `SELECT "col'1", "we""ird" FROM "t 2"`},
		{"SELECT a$b, t1.c2 FROM t1", "SELECT a$b, t1.c2 FROM t1"},
		{"SELECT 1 -- user=alice\nFROM t", "SELECT ?  \nFROM t"},
		{"SELECT /* a /* nested */ still */ x", "SELECT   x"},
		{"SELECT a/**/b", "SELECT a b"},
		{"SELECT interval '1 day', '5'::int, -7", "SELECT interval ?, ?::int, -?"},
		{"WHERE id IN (1, 2, 3) AND x > $1", "WHERE id IN (?, ?, ?) AND x > $1"},
		{"SELECT 'cut off mid-liter", "SELECT ?"},
		{"SELECT $q$ never closed", "SELECT ?"},
		{"SELECT /* never closed", "SELECT  "},
		{"SELECT 'a' 'b'", "SELECT ? ?"},
		{"SELECT name FROM users WHERE email='bob@x.io'", "SELECT name FROM users WHERE email=?"},
		{"", ""},
		{"héllo 'wörld'", "héllo ?"},
		{"SELECT $ FROM x", "SELECT $ FROM x"},
		{"SELECT e1, x1, b2, u&1", "SELECT e1, x1, b2, u&?"},
	} {
		if got := SQL(tc.in); got != tc.want {
			t.Errorf("SQL(%q)\n got %q\nwant %q", tc.in, got, tc.want)
		}
	}
}

// With standard_conforming_strings = off, 'a\' , ' is one literal and
// secret an identifier; with it on (the default), 'secret' is a literal.
// Either way nothing of either literal may show.
func TestSQLBackslashAmbiguity(t *testing.T) {
	for _, in := range []string{
		`SELECT 'a\' , 'secret'`,
		`SELECT 'C:\', 'secret' FROM t`,
		`SELECT 'x\'' , secret'`,
	} {
		got := SQL(in)
		if strings.Contains(got, "secret") || strings.Contains(got, "a\\") {
			t.Errorf("SQL(%q) = %q leaks a literal under one reading", in, got)
		}
		if !strings.HasPrefix(got, "SELECT ?") {
			t.Errorf("SQL(%q) = %q", in, got)
		}
	}
}

func TestSQLIdempotent(t *testing.T) {
	for _, in := range []string{"SELECT 'a', 1 -- c\n", "x = $1 AND y = 'q''q'", "/* */ $a$ $a$"} {
		once := SQL(in)
		if twice := SQL(once); twice != once {
			t.Errorf("SQL(SQL(%q)) = %q, SQL once = %q", in, twice, once)
		}
	}
}

// quote writes s as a standard '…' literal.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// FuzzSQLNeverLeaksLiteral puts a secret in a string literal between
// arbitrary, lexically complete SQL and checks the redacted text does not
// contain it. The secret is kept free of what redaction itself writes ("?"
// and spaces) and of the surrounding text, so its presence can only mean
// a leak.
func FuzzSQLNeverLeaksLiteral(f *testing.F) {
	for _, seed := range [][3]string{
		{"SELECT * FROM t WHERE a = ", "hunter2", " AND b = 1"},
		{"SELECT E", `pa\ss`, ""},
		{"SELECT U&", "x'y", " UESCAPE '!'"},
		{"SELECT $1, ", "$$", ", $$q$$"},
		{"-- c\nSELECT ", "a\nb", " /* x */"},
		{"SELECT \"x\", ", `\`, ", 'after'"},
	} {
		f.Add(seed[0], seed[1], seed[2])
	}
	f.Fuzz(func(t *testing.T, prefix, secret, suffix string) {
		if len(secret) < 2 || strings.ContainsAny(secret, "? \t\n\r") ||
			strings.Contains(prefix, secret) || strings.Contains(suffix, secret) {
			return
		}
		if l := sqltext.LexWith(prefix, false); !endsAtTop(prefix, l) {
			return // the literal would not start a literal after this prefix
		}
		q := prefix + quote(secret) + suffix
		if got := SQL(q); strings.Contains(got, secret) {
			t.Fatalf("SQL(%q) = %q shows the literal %q", q, got, secret)
		}
	})
}

// endsAtTop reports whether prefix's last token is complete: a quote
// appended after it starts a new token rather than continuing a string,
// identifier, comment or dollar quote.
func endsAtTop(prefix string, spans []sqltext.Span) bool {
	if len(spans) == 0 {
		return true
	}
	// Re-lex with a marker: if the marker quote opens a literal of its
	// own, the spans before it are unchanged.
	probe := sqltext.LexWith(prefix+"'", false)
	last := probe[len(probe)-1]
	return last.Class == sqltext.Literal && last.End == len(prefix)+1 &&
		(last.Start == len(prefix) || startsPrefixedLiteral((prefix + "'")[last.Start:]))
}

// startsPrefixedLiteral: E' U&' B' … began the literal, also fine.
func startsPrefixedLiteral(s string) bool {
	s = strings.ToLower(s)
	return s == "e'" || s == "b'" || s == "x'" || s == "n'" || s == "u&'"
}

// FuzzSQL checks redaction never panics, leaves nothing that reads as a
// literal or a comment, and is idempotent.
func FuzzSQL(f *testing.F) {
	f.Add("SELECT 'a', \"b\", $x$c$x$, 1.5 -- d\n/* e */")
	f.Add(`SELECT E'\\'' || 'x\'`)
	f.Fuzz(func(t *testing.T, q string) {
		got := SQL(q)
		if again := SQL(got); again != got {
			t.Fatalf("not idempotent: SQL(%q) = %q, then %q", q, got, again)
		}
		for _, s := range sqltext.LexWith(got, false) {
			if s.Class != sqltext.Text && s.Class != sqltext.QuotedIdent {
				t.Fatalf("SQL(%q) = %q still has a literal or comment: %q", q, got, got[s.Start:s.End])
			}
		}
	})
}

// BenchmarkSQL redacts a typical 1 KiB query, as a view might for every
// visible activity row on each refresh.
func BenchmarkSQL(b *testing.B) {
	q := strings.Repeat("SELECT o.id, o.total FROM orders o WHERE o.customer = 'c-12345' AND o.total > 99.5 /* web */ ", 12)
	b.SetBytes(int64(len(q)))
	b.ReportAllocs()
	for b.Loop() {
		SQL(q)
	}
}
