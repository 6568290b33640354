package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/lib/pq"

	"github.com/stacktop/stacktop/actions"
	"github.com/stacktop/stacktop/collectors"
)

// VacuumID is the VACUUM (ANALYZE) action kind.
const VacuumID = "postgres.vacuum"

// vacuumKind: Target.Object is the table as shown ("public.orders");
// Params "database", "schema" and "table" name it exactly (schema defaults
// to public, table to Object).
func vacuumKind(opts Options) actions.Kind {
	return actions.Kind{ID: VacuumID, Title: "VACUUM (ANALYZE)", Risk: actions.Mutating, TargetKind: collectors.KindPostgres,
		Params: map[string]string{"database": "the table's database (default: the target's)",
			"schema": "the table's schema (default public)", "table": "the table's name (default: the target's object)"},
		New: func(t actions.Target, p actions.Params) (actions.Action, error) {
			schema, table := p["schema"], p["table"]
			if table == "" {
				table = t.Object
				if s, tb, ok := strings.Cut(t.Object, "."); ok && schema == "" {
					schema, table = s, tb
				}
			}
			if schema == "" {
				schema = "public"
			}
			if table == "" {
				return actions.Action{}, fmt.Errorf("%s: no table named — pick one from the tables list", t)
			}
			rel := pq.QuoteIdentifier(schema) + "." + pq.QuoteIdentifier(table)
			where := t.Source
			if db := p["database"]; db != "" {
				where = t.Source + "/" + db
			}
			v := &vacuum{opts: opts, target: t, database: p["database"], rel: rel}
			return actions.Action{ID: VacuumID, Title: "VACUUM (ANALYZE)", Target: t, Risk: actions.Mutating, NeedsYes: true,
				Description: fmt.Sprintf("Run VACUUM (ANALYZE) on %s.%s in %s: reclaims dead rows and refreshes statistics; reads the whole table.", schema, table, where),
				Timeout:     opts.VacuumTimeout, Run: v.run}, nil
		}}
}

type vacuum struct {
	opts     Options
	target   actions.Target
	database string
	rel      string // quoted schema.table
}

func (v *vacuum) run(ctx context.Context, progress func(actions.Progress)) error {
	s, err := v.opts.open(ctx, v.target, v.database, 2)
	if err != nil {
		return err
	}
	defer s.close()
	var pid int
	if err := s.conn.QueryRowContext(ctx, `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
		return err
	}
	// No statement timeout (the action's own timeout and esc stop it), but
	// a short lock timeout: a VACUUM queued behind DDL would block every
	// later query on the table.
	lock := strconv.FormatInt(v.opts.LockTimeout.Milliseconds(), 10)
	if _, err := s.conn.ExecContext(ctx, `SET statement_timeout = 0; SET lock_timeout = `+lock); err != nil {
		return err
	}
	watchCtx, stopWatch := context.WithCancel(ctx)
	watched := make(chan struct{})
	go func() { defer close(watched); watchVacuum(watchCtx, s.db, pid, progress) }()
	defer func() { stopWatch(); <-watched }()
	if _, err := s.conn.ExecContext(ctx, `VACUUM (ANALYZE) `+v.rel); err != nil {
		return fmt.Errorf("VACUUM (ANALYZE) %s: %w", v.rel, err)
	}
	return nil
}

// watchVacuum reports pg_stat_progress_vacuum for pid until ctx ends.
func watchVacuum(ctx context.Context, db *sql.DB, pid int, progress func(actions.Progress)) {
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		var phase string
		var done, total int64
		err := db.QueryRowContext(ctx, `SELECT phase, heap_blks_scanned, heap_blks_total
			FROM pg_stat_progress_vacuum WHERE pid = $1`, pid).Scan(&phase, &done, &total)
		if err == nil {
			progress(actions.Progress{Message: phase, Done: done, Total: total})
		}
	}
}
