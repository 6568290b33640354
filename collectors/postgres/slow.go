package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/lib/pq"
	"github.com/lib/pq/pqerror"
)

// slowState holds the slow-cadence parts between their refreshes. Slices
// are replaced, never modified, so snapshots can share them.
type slowState struct {
	lastRun     time.Time
	ranThisPoll bool

	// readAt is when sizes, tables, indexes and slots were read: one
	// statement reads them all.
	readAt   time.Time
	sizes    map[uint32]int64
	tables   []Table
	indexes  []Index
	slots    []Slot
	settings []Setting
	stmts    Statements
	// prevStmts are the previous read's entries, for calls/s.
	prevStmts map[stmtKey]statementRow
	// texts caches statement texts by queryid: texts are fetched only for
	// ids not seen before, since reading them loads the whole text file.
	texts map[int64]string
	notes []Note
}

type stmtKey struct {
	queryID        int64
	user, database string
	toplevel       bool
}

// refreshSlow runs the heavy reads when SlowInterval has passed. A failure
// on a healthy connection becomes a note and the old data stays; a broken
// connection fails the poll.
func (c *Collector) refreshSlow(ctx context.Context, s *session, version int) error {
	st := &c.slow
	st.ranThisPoll = false
	if !st.lastRun.IsZero() && time.Since(st.lastRun) < c.opts.SlowInterval {
		return nil
	}
	st.ranThisPoll, st.lastRun, st.notes = true, time.Now(), nil
	var h heavyColumns
	err := s.queryRowPrepared(ctx, s.q.Heavy, &h.Sizes, &h.Tables, &h.Indexes, &h.Slots, &h.Settings, &h.PGSS)
	if err != nil {
		if !s.usable(err) {
			return err
		}
		st.note("tables", err)
		return nil
	}
	var pgss *pgssRow
	if err := st.decodeHeavy(h, &pgss); err != nil {
		st.note("tables", err)
		return nil
	}
	return c.readStatements(ctx, s, pgss, version)
}

func (st *slowState) note(part string, err error) {
	st.notes = append(st.notes, Note{Part: part, Text: fmt.Sprintf("%s could not be read: %s", part, causeText(err))})
}

func (st *slowState) decodeHeavy(h heavyColumns, pgss **pgssRow) error {
	var sizes []sizeRow
	var tables []tableRow
	var indexes []indexRow
	var slots []slotRow
	var settings []settingRow
	for _, d := range []struct {
		b []byte
		v any
	}{{h.Sizes, &sizes}, {h.Tables, &tables}, {h.Indexes, &indexes}, {h.Slots, &slots}, {h.Settings, &settings}, {h.PGSS, pgss}} {
		if err := decode(d.b, d.v); err != nil {
			return err
		}
	}
	st.sizes = make(map[uint32]int64, len(sizes))
	for _, s := range sizes {
		if s.SizeBytes != nil {
			st.sizes[s.OID] = *s.SizeBytes
		}
	}
	st.readAt = time.Now()
	st.tables, st.indexes = tablesFrom(tables), indexesFrom(indexes)
	st.slots = slotsFrom(slots)
	st.settings = settingsFrom(settings)
	return nil
}

// apply copies the slow parts into a snapshot.
func (st *slowState) apply(snap *Snapshot) {
	for i := range snap.Databases {
		if n, ok := st.sizes[snap.Databases[i].OID]; ok {
			snap.Databases[i].SizeBytes, snap.Databases[i].SizeKnown = n, true
		}
	}
	snap.DatabaseSizesAt = st.readAt
	snap.Tables, snap.Indexes, snap.TablesAt = st.tables, st.indexes, st.readAt
	snap.Replication.Slots, snap.Replication.SlotsAt = st.slots, st.readAt
	snap.Server.Settings = st.settings
	snap.Statements = st.stmts
}

// readStatements reads the pg_stat_statements top list, fetching texts only
// for query ids not cached yet.
func (c *Collector) readStatements(ctx context.Context, s *session, pgss *pgssRow, version int) error {
	st := &c.slow
	now := time.Now()
	if pgss == nil {
		st.stmts = Statements{At: now, Note: st.notInstalledNote(s.info.Database)}
		return nil
	}
	query, ok := s.q.StatementsSQL(pgss.Schema, pgss.Version, version)
	if !ok {
		st.stmts = Statements{At: now, Note: fmt.Sprintf("pg_stat_statements %s is too old to read: "+
			"ALTER EXTENSION pg_stat_statements UPDATE", pgss.Version)}
		return nil
	}
	var raw []byte
	if err := s.queryRowPrepared(ctx, query, &raw); err != nil {
		return st.statementsFailed(s, err, now)
	}
	var rows []statementRow
	if err := decode(raw, &rows); err != nil {
		st.note("statements", err)
		return nil
	}
	if err := st.fetchTexts(ctx, s, pgss.Schema, rows); err != nil {
		return err
	}
	st.stmts = Statements{At: now, Available: true, Rows: st.statementsFrom(rows, now)}
	if !s.info.Privileged {
		st.stmts.Note = "only your own role's statements are visible: GRANT pg_read_all_stats (or pg_monitor)"
	}
	return nil
}

// notInstalledNote says how to enable pg_stat_statements, skipping the
// restart step when the library is already preloaded.
func (st *slowState) notInstalledNote(db string) string {
	create := "CREATE EXTENSION pg_stat_statements in database " + db
	for _, s := range st.settings {
		if s.Name == "shared_preload_libraries" && strings.Contains(s.Value, "pg_stat_statements") {
			return "pg_stat_statements is not installed in database " + db + ": " + create
		}
	}
	return "pg_stat_statements is not installed in database " + db +
		": add it to shared_preload_libraries (restart the server), then " + create
}

func (st *slowState) statementsFailed(s *session, err error, now time.Time) error {
	if !s.usable(err) {
		return err
	}
	var pe *pq.Error
	if errors.As(err, &pe) && pe.Code == pqerror.ObjectNotInPrerequisiteState {
		st.stmts = Statements{At: now, Note: "pg_stat_statements is installed but not loaded: " +
			"add it to shared_preload_libraries and restart the server"}
		return nil
	}
	st.note("statements", err)
	return nil
}

// fetchTexts fills the text cache for ids it lacks and drops ids no longer
// listed, so the cache stays as small as the top list.
func (st *slowState) fetchTexts(ctx context.Context, s *session, schema string, rows []statementRow) error {
	var missing []int64
	live := make(map[int64]bool, len(rows))
	for _, r := range rows {
		if _, ok := st.texts[r.QueryID]; !ok && !live[r.QueryID] {
			missing = append(missing, r.QueryID)
		}
		live[r.QueryID] = true
	}
	for id := range st.texts {
		if !live[id] {
			delete(st.texts, id)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	var raw []byte
	if err := s.queryRow(ctx, statementTextsSQL(schema, missing), &raw); err != nil {
		if !s.usable(err) {
			return err
		}
		st.note("statement texts", err)
		return nil
	}
	var texts []statementTextRow
	if err := decode(raw, &texts); err != nil {
		st.note("statement texts", err)
		return nil
	}
	for _, t := range texts {
		st.texts[t.QueryID] = t.Query
	}
	return nil
}
