// Package postgres holds the actions on a PostgreSQL target: cancel a
// query, terminate a backend, VACUUM (ANALYZE) a table, EXPLAIN a query
// — plainly, or with ANALYZE inside a transaction that is rolled back —
// with the plan as a tree and findings in plain language, and back up a
// database with pg_dump (ListBackups lists the backups for the UI).
//
// Each action opens its own short-lived connection from the target's DSN
// (the collector's connection is read-only by design and busy polling).
package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/lib/pq"

	"github.com/stacktop/stacktop/actions"
)

// Options configure the Postgres actions.
type Options struct {
	// DSNs maps each configured Postgres target's name to its connection
	// string, as cmd/stacktop resolves it for the collector.
	DSNs map[string]string
	// ConnectTimeout bounds connection setup; default 5s.
	ConnectTimeout time.Duration
	// ExplainTimeout is the statement_timeout of EXPLAIN ANALYZE (and the
	// bound of a plain EXPLAIN); default 30s.
	ExplainTimeout time.Duration
	// VacuumTimeout bounds VACUUM (ANALYZE); default 30m.
	VacuumTimeout time.Duration
	// LockTimeout is how long VACUUM waits for its table lock before giving
	// up rather than queueing others behind it; default 5s.
	LockTimeout time.Duration
	// BackupDir is where backups are written (created 0700 if missing);
	// the backup action refuses to run without it.
	BackupDir string
	// Retention keeps the newest N backups per target and database,
	// deleting older ones after each successful backup; 0 keeps all.
	Retention int
	// PgDumpPath and PgRestorePath name the binaries to use; when empty
	// they are found on PATH or under /usr/lib/postgresql/<major>/bin.
	PgDumpPath, PgRestorePath string
	// BackupTimeout bounds one backup, dump and verification; default 6h.
	BackupTimeout time.Duration
	// PlanDir is where the plan view's plans are saved (created 0700 if
	// missing); saving a plan is refused without it.
	PlanDir string
}

func (o Options) withDefaults() Options {
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = 5 * time.Second
	}
	if o.ExplainTimeout <= 0 {
		o.ExplainTimeout = 30 * time.Second
	}
	if o.VacuumTimeout <= 0 {
		o.VacuumTimeout = 30 * time.Minute
	}
	if o.LockTimeout <= 0 {
		o.LockTimeout = 5 * time.Second
	}
	if o.BackupTimeout <= 0 {
		o.BackupTimeout = 6 * time.Hour
	}
	return o
}

// applicationName tells a DBA looking at pg_stat_activity who is there.
const applicationName = "stacktop action"

// Kinds returns the Postgres action kinds.
func Kinds(opts Options) []actions.Kind {
	opts = opts.withDefaults()
	return []actions.Kind{
		backendKind(opts, false), backendKind(opts, true), vacuumKind(opts),
		explainKind(opts, false), explainKind(opts, true), backupKind(opts), savePlanKind(opts),
	}
}

// config resolves the target's connection settings, optionally for another
// database than the DSN names.
func (o Options) config(t actions.Target, database string) (pq.Config, error) {
	dsn, ok := o.DSNs[t.Source]
	if !ok {
		return pq.Config{}, fmt.Errorf("no Postgres target named %q — check the [[postgres]] entries in the config", t.Source)
	}
	cfg, err := pq.NewConfig(dsn)
	if err != nil {
		// Parse errors may quote the DSN, password and all; never echo it.
		return pq.Config{}, fmt.Errorf("postgres %q: the dsn does not parse — check it in the config", t.Source)
	}
	if cfg.SSLMode == "" { // lib/pq would default to require; libpq prefers
		cfg.SSLMode = pq.SSLModePrefer
	}
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = o.ConnectTimeout
	}
	cfg.ApplicationName = applicationName
	if database != "" {
		cfg.Database = database
	}
	return cfg, nil
}

// session is one connection an action runs on.
type session struct {
	db   *sql.DB
	conn *sql.Conn
}

// open connects to the target (in database, when set). Close it.
func (o Options) open(ctx context.Context, t actions.Target, database string, conns int) (*session, error) {
	cfg, err := o.config(t, database)
	if err != nil {
		return nil, err
	}
	connector, err := pq.NewConnectorConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres %q: %w", t.Source, err)
	}
	db := sql.OpenDB(connector)
	db.SetMaxOpenConns(conns)
	cctx, cancel := context.WithTimeout(ctx, o.ConnectTimeout)
	defer cancel()
	conn, err := db.Conn(cctx)
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("connect to postgres %q: %w", t.Source, err)
	}
	return &session{db: db, conn: conn}, nil
}

func (s *session) close() {
	_ = s.conn.Close()
	_ = s.db.Close()
}
