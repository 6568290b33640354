package postgres

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stacktop/stacktop/collectors"
	pg "github.com/stacktop/stacktop/collectors/postgres"
	"github.com/stacktop/stacktop/collectors/postgres/pgtest"
	"github.com/stacktop/stacktop/ui/format"
	"github.com/stacktop/stacktop/ui/view"
)

// liveMarker tags the test's query; the comment also carries a colour
// code and a window-title sequence, which must never reach the screen.
const liveMarker = "stacktop-ui-live \x1b[31mred\x1b]0;pwned\x07"

// TestLiveActivity runs a pg_sleep on a throwaway cluster, polls it with the
// real collector and checks the activity view shows the query, sanitized,
// with its age.
func TestLiveActivity(t *testing.T) {
	c := pgtest.Need(t, pgtest.Config{})
	coll, err := pg.New(pg.Options{Name: "live", DSN: c.SuperDSN("postgres")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = coll.Close() })
	db, err := c.Open("postgres")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := db.ExecContext(ctx, "SELECT pg_sleep(30) /* "+liveMarker+" */")
		done <- err
	}()
	defer func() { cancel(); <-done }()

	snap, b := waitForSleeper(t, coll)
	u := collectors.Update{Source: collectors.SourceID{Kind: collectors.KindPostgres, Name: "live"}, Snapshot: snap,
		LastGood: snap.Taken, PolledAt: snap.Taken, Interval: 2 * time.Second}
	vctx := testCtx(200, 40)
	vctx.Now = snap.Taken
	tab := New(vctx.Styles, Options{})
	tab.Update(view.SizeMsg{Width: 200, Height: 40})
	tab.Update(u)
	frame := tab.View(vctx)
	var row string
	for _, l := range strings.Split(frame, "\n") {
		if strings.Contains(l, "pg_sleep(30)") {
			row = l
		}
	}
	if row == "" {
		t.Fatalf("the pg_sleep backend is not in the activity view:\n%s", frame)
	}
	t.Logf("activity row: %s", row)
	for _, want := range []string{format.Duration(b.QueryAge.D), "postgres", "active", "SELECT pg_sleep(30) /* stacktop-ui-live red */"} {
		if !strings.Contains(row, want) {
			t.Errorf("row lacks %q: %q", want, row)
		}
	}
	if strings.ContainsAny(frame, "\x1b\x07") || strings.Contains(frame, "pwned") {
		t.Errorf("escape sequences from the query reached the frame:\n%q", row)
	}
	if s := tab.Summary(vctx, 80, 6); !strings.Contains(s, "longest query "+format.Duration(b.QueryAge.D)) {
		t.Errorf("the Overview box does not name the sleeping query:\n%s", s)
	}
}

// waitForSleeper polls until the sleeping backend has run for two seconds
// (bounded: at most 50 polls).
func waitForSleeper(t *testing.T, coll *pg.Collector) (*pg.Snapshot, pg.Backend) {
	t.Helper()
	for range 50 {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		s, err := coll.Collect(ctx)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		snap := s.(*pg.Snapshot)
		for _, b := range snap.Activity {
			if strings.Contains(b.Query, "stacktop-ui-live") && b.QueryAge.Valid && b.QueryAge.D >= 2*time.Second {
				return snap, b
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatal("the pg_sleep backend never showed up with an age of 2 s")
	return nil, pg.Backend{}
}
