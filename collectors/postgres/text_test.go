package postgres

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stacktop/stacktop/collectors/postgres/pgtest"
)

// Query text is untrusted but kept raw: escape sequences reach the snapshot
// unchanged (the view sanitizes on the way to the screen).
func TestEscapeSequencesComeThroughRaw(t *testing.T) {
	cl := pg.Cluster(t)
	conn := pgtest.Session(t, cl.SuperDSN("postgres"))
	const evil = "\x1b[2J\x1b]0;pwned\x07\x1b[31m"
	pid := pgtest.Background(t, conn, "SELECT pg_sleep(30), '"+evil+"' AS evil")
	c := newCollector(t, "esc", cl.SuperDSN("postgres"))
	s := waitFor(t, c, "the sleeper", func(s *Snapshot) bool {
		b, ok := s.Backend(pid)
		return ok && strings.Contains(b.Query, "pg_sleep")
	})
	if b, _ := s.Backend(pid); !strings.Contains(b.Query, evil) {
		t.Errorf("query text altered: %q", b.Query)
	}
}

// A megabyte-long query is capped with a marker, in pg_stat_activity (with
// track_activity_query_size at its 1 MB maximum) and in pg_stat_statements.
func TestMegabyteQueryIsCapped(t *testing.T) {
	cl := pgtest.Need(t, pgtest.Config{MaxConnections: 10, Settings: []string{"track_activity_query_size = '1MB'"}})
	if err := cl.Exec("postgres", "CREATE EXTENSION pg_stat_statements"); err != nil {
		t.Fatal(err)
	}
	// Comments survive pg_stat_statements' normalization, constants do not.
	huge := "SELECT pg_sleep(30) /* " + strings.Repeat("é megabyte ", 100_000) + " */"
	conn := pgtest.Session(t, cl.SuperDSN("postgres"))
	pid := pgtest.Background(t, conn, huge)
	other := pgtest.Session(t, cl.SuperDSN("postgres"))
	pgtest.ExecOn(t, other, "SELECT 1 /* "+strings.Repeat("x", 1<<20)+" */")

	c := newCollector(t, "huge", cl.SuperDSN("postgres"))
	s := waitFor(t, c, "the huge query", func(s *Snapshot) bool {
		b, ok := s.Backend(pid)
		return ok && strings.Contains(b.Query, "pg_sleep")
	})
	b, _ := s.Backend(pid)
	assertCapped(t, "activity", b.Query, b.QueryTruncated)

	var found bool
	for _, st := range s.Statements.Rows {
		if strings.Contains(st.Query, "xxxxxxxx") {
			found = true
			assertCapped(t, "statements", st.Query, st.QueryTruncated)
		}
	}
	if !found {
		t.Errorf("megabyte statement missing from %d rows", len(s.Statements.Rows))
	}
}

func assertCapped(t *testing.T, part, text string, truncated bool) {
	t.Helper()
	if !truncated || !strings.HasSuffix(text, TruncationMarker) || len(text) > MaxTextBytes+len(TruncationMarker) || !utf8.ValidString(text) {
		t.Errorf("%s: want a valid capped text with marker, got %d bytes truncated=%v", part, len(text), truncated)
	}
}

func TestCapTextKeepsRunes(t *testing.T) {
	s := strings.Repeat("é", MaxTextBytes) // 2 bytes each
	got, cut := capText(s)
	if !cut || !utf8.ValidString(got) || len(got) > MaxTextBytes+len(TruncationMarker) {
		t.Errorf("capText: %d bytes, cut=%v", len(got), cut)
	}
	if got, cut := capText("short"); got != "short" || cut {
		t.Errorf("short text changed: %q %v", got, cut)
	}
}
