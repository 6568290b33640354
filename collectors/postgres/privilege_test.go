package postgres

import (
	"github.com/stacktop/stacktop/collectors/postgres/pgtest"
	"strings"
	"testing"
)

// A role with only pg_monitor sees other users' queries; a role without it
// gets a snapshot anyway, with those queries marked hidden and a note.
func TestLeastPrivilege(t *testing.T) {
	cl := pg.Cluster(t)
	for _, r := range []struct{ name, grant string }{{"st_mon", "pg_monitor"}, {"st_plain", ""}, {"st_app", ""}} {
		grants := []string{}
		if r.grant != "" {
			grants = append(grants, r.grant)
		}
		if err := cl.CreateRole(r.name, r.name+"-pw", grants...); err != nil {
			t.Fatal(err)
		}
	}
	ensurePGSS(t, cl)
	app := pgtest.Session(t, cl.DSN("st_app", "st_app-pw", "postgres"))
	pidApp := pgtest.Background(t, app, "SELECT pg_sleep(30) /* app-secret-query */")

	mon := newCollector(t, "mon", cl.DSN("st_mon", "st_mon-pw", "postgres"))
	s := waitFor(t, mon, "app's query visible", func(s *Snapshot) bool {
		b, ok := s.Backend(pidApp)
		return ok && strings.Contains(b.Query, "app-secret-query")
	})
	if b, _ := s.Backend(pidApp); b.Hidden || b.State != StateActive || !b.QueryAge.Valid {
		t.Errorf("pg_monitor role: want full row, got %+v", b)
	}
	if !s.Server.Privileged || len(s.Notes) != 0 {
		t.Errorf("pg_monitor role: privileged=%v notes=%v", s.Server.Privileged, s.Notes)
	}
	if len(s.Databases) == 0 || !s.Databases[0].SizeKnown {
		t.Errorf("pg_monitor role should read database sizes: %+v", s.Databases)
	}

	plain := newCollector(t, "plain", cl.DSN("st_plain", "st_plain-pw", "postgres"))
	s = collect(t, plain)
	b, ok := s.Backend(pidApp)
	if !ok || !b.Hidden || b.Query != "" || b.User != "st_app" {
		t.Errorf("plain role: want the app backend listed but hidden, got %+v (ok=%v)", b, ok)
	}
	if s.Server.Privileged || !hasNote(s, "pg_monitor") || len(s.Notes) != 1 {
		t.Errorf("plain role: want exactly the note naming pg_monitor, got %v", s.Notes)
	}
	if s.TablesAt.IsZero() || len(s.Databases) == 0 || !s.Databases[0].SizeKnown {
		t.Errorf("plain role should still read tables and sizes: tables at %v, dbs %+v", s.TablesAt, s.Databases)
	}
	if !s.Statements.Available || !strings.Contains(s.Statements.Note, "pg_read_all_stats") {
		t.Errorf("plain role: want its own statements and a note, got %+v", s.Statements)
	}
	for _, st := range s.Statements.Rows {
		if st.User != "st_plain" {
			t.Errorf("plain role sees another role's statement: %+v", st)
		}
	}
}

func hasNote(s *Snapshot, substr string) bool {
	for _, n := range s.Notes {
		if strings.Contains(n.Text, substr) {
			return true
		}
	}
	return false
}
