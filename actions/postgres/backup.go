package postgres

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/stacktop/stacktop/actions"
	"github.com/stacktop/stacktop/actions/atomicfile"
	"github.com/stacktop/stacktop/collectors"
)

// BackupID is the backup action kind: pg_dump of one database.
const BackupID = "postgres.backup"

// BackupResult is what a successful backup hands back as Result.Output.
type BackupResult struct {
	// Path is the verified dump's full path; Path+".sha256" holds its checksum.
	Path string
	// Size is the dump's size in bytes.
	Size int64
	// SHA256 is the dump's checksum (hex).
	SHA256 string
	// Database is the database dumped.
	Database string
	// PgDump is the pg_dump binary used.
	PgDump string
	// Deleted lists older dumps retention removed (with their checksums).
	Deleted []string
	// SweptPartials lists the temporary files of killed writers (a backup
	// or archive killed mid-way) this backup removed from the directory.
	SweptPartials []string
}

// SavedFile names the verified dump, and what retention deleted.
func (r BackupResult) SavedFile() actions.SavedFile {
	notes := make([]string, 0, len(r.Deleted))
	for _, d := range r.Deleted {
		notes = append(notes, "deleted by retention: "+d)
	}
	for _, p := range r.SweptPartials {
		notes = append(notes, "removed, left by a killed backup: "+p)
	}
	return actions.SavedFile{What: "backup of " + r.Database + " verified", Path: r.Path, Size: r.Size, SHA256: r.SHA256, Notes: notes}
}

// backupKind dumps one database with pg_dump in custom format into
// Options.BackupDir. Params "database" names it; otherwise Target.Object,
// otherwise the DSN's database.
//
// Risk is Mutating, not Read, though the server's data is untouched:
// retention deletes older backups beyond recall, a dump can fill the disk
// it is written to, and it puts a long read on the server whose snapshot
// holds back VACUUM for as long as it runs. None of that belongs in a
// read-only demo. It asks for no yes (NeedsYes false): nothing is lost that
// the configured retention did not already promise to drop, and scripts
// run `stacktop backup pg:main --db app` from cron.
func backupKind(opts Options) actions.Kind {
	return actions.Kind{ID: BackupID, Title: "Backup (pg_dump)", Risk: actions.Mutating, TargetKind: collectors.KindPostgres,
		Params: map[string]string{"database": "the database to dump (default: the target's object, else the dsn's database)"},
		New: func(t actions.Target, p actions.Params) (actions.Action, error) {
			b, err := newBackup(opts, t, p)
			if err != nil {
				return actions.Action{}, err
			}
			return actions.Action{ID: BackupID, Title: "Backup (pg_dump)", Target: t, Risk: actions.Mutating,
				Description: b.describe(), Timeout: opts.BackupTimeout, Run: b.run, Output: b.output}, nil
		}}
}

// backup is one backup action's state; Output reads what Run stored.
type backup struct {
	opts     Options
	target   actions.Target
	database string
	dir      string // absolute
	mu       sync.Mutex
	result   *BackupResult
}

func newBackup(opts Options, t actions.Target, p actions.Params) (*backup, error) {
	if opts.BackupDir == "" {
		return nil, fmt.Errorf("%s: no backup directory configured — set [actions] backup_dir", t)
	}
	dir, err := filepath.Abs(opts.BackupDir)
	if err != nil {
		return nil, fmt.Errorf("backup_dir %q: %w", opts.BackupDir, err)
	}
	db := p["database"]
	if db == "" {
		db = t.Object
	}
	if db == "" {
		cfg, err := opts.config(t, "")
		if err != nil {
			return nil, err
		}
		// libpq's own default: a database named like the user.
		db = cfg.Database
		if db == "" {
			db = cfg.User
		}
	}
	if db == "" {
		return nil, fmt.Errorf("%s: no database named — pass one (--db)", t)
	}
	return &backup{opts: opts, target: t, database: db, dir: dir}, nil
}

func (b *backup) describe() string {
	keep := "keeps every earlier backup"
	if b.opts.Retention > 0 {
		keep = fmt.Sprintf("then deletes all but the newest %d backups of it", b.opts.Retention)
	}
	name := BackupNamePart(b.target.Source) + "-" + BackupNamePart(b.database) + "-TIMESTAMP" + dumpSuffix
	return fmt.Sprintf("Dump database %s on %s with pg_dump (custom format) into %s as %s, verify it with pg_restore --list, and %s.",
		b.database, b.target.Source, b.dir, name, keep)
}

func (b *backup) output() any {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.result == nil {
		return nil
	}
	return *b.result
}

// run: find tools new enough for the server, stream the dump into a
// temporary file, publish it, verify it, record its checksum, apply
// retention. Anything failing before publish leaves no file behind.
func (b *backup) run(ctx context.Context, progress func(actions.Progress)) error {
	progress(actions.Progress{Message: "checking the server version and pg_dump"})
	dump, restore, err := b.tools(ctx)
	if err != nil {
		return err
	}
	cfg, err := b.opts.config(b.target, b.database)
	if err != nil {
		return err
	}
	env, err := toolEnv(os.Environ(), cfg)
	if err != nil {
		return fmt.Errorf("postgres %q: %w", b.target.Source, err)
	}
	if err := os.MkdirAll(b.dir, 0o700); err != nil {
		return fmt.Errorf("backup_dir: %w — create it or choose a writable one", err)
	}
	swept := b.sweep(progress)
	final := filepath.Join(b.dir, backupFileName(b.target.Source, b.database, time.Now()))
	msg := fmt.Sprintf("dumping %s to %s", b.database, filepath.Base(final))
	f, err := createDump(final, func(n int64) { progress(actions.Progress{Message: msg, Done: n, Unit: actions.ProgressBytes}) })
	if err != nil {
		return err
	}
	progress(actions.Progress{Message: msg})
	if err := runDump(ctx, dump.path, env, b.database, f); err != nil {
		f.discard()
		return err
	}
	sum, err := f.publish()
	if err != nil {
		f.discard()
		return err
	}
	progress(actions.Progress{Message: "verifying with pg_restore --list", Done: f.Size(), Unit: actions.ProgressBytes})
	if err := verifyDump(ctx, restore.path, final); err != nil {
		return fmt.Errorf("%s was written but %w — do not rely on it", final, err)
	}
	if err := atomicfile.WriteSidecar(final, sum); err != nil {
		return fmt.Errorf("%s was written and verified, but %w", final, err)
	}
	res := &BackupResult{Path: final, Size: f.Size(), SHA256: sum, Database: b.database, PgDump: dump.path, SweptPartials: swept}
	b.mu.Lock()
	b.result = res
	b.mu.Unlock()
	deleted, err := applyRetention(b.dir, BackupNamePart(b.target.Source), BackupNamePart(b.database), final, b.opts.Retention)
	res.Deleted = deleted
	if err != nil {
		return fmt.Errorf("%s was written and verified, but %w", final, err)
	}
	progress(actions.Progress{Message: fmt.Sprintf("done: %s, %s", filepath.Base(final), humanBytes(f.Size())), Done: f.Size(), Unit: actions.ProgressBytes})
	return nil
}

// sweep removes the hidden .partial files that killed writers left in the
// backup directory: nothing will ever finish them, and each may be as big
// as a dump. A file whose writer is alive holds that writer's lock and is
// left alone (see atomicfile.RemoveStale). A failed sweep does not stop
// the backup; it is said in the progress line.
func (b *backup) sweep(progress func(actions.Progress)) []string {
	stale, err := atomicfile.RemoveStale(b.dir)
	var out []string
	for _, s := range stale {
		out = append(out, fmt.Sprintf("%s (%s, last written %s)", s.Path, humanBytes(s.Size), s.ModTime.Format("2006-01-02 15:04:05")))
	}
	if err != nil {
		progress(actions.Progress{Message: "could not remove every partial file left by a killed backup: " + err.Error()})
	}
	return out
}

// tools finds pg_dump and pg_restore at least as new as the server.
func (b *backup) tools(ctx context.Context) (dump, restore tool, err error) {
	need, err := b.serverMajor(ctx)
	if err != nil {
		return tool{}, tool{}, err
	}
	dump, err = findTool(ctx, "pg_dump", b.opts.PgDumpPath, need, "pg_dump_path")
	if err != nil {
		return tool{}, tool{}, err
	}
	restore, err = restoreFor(ctx, dump, b.opts.PgRestorePath)
	return dump, restore, err
}

// serverMajor asks the server its version over the DSN's own database (not
// the one to dump: a wrong name there is pg_dump's error to report).
func (b *backup) serverMajor(ctx context.Context) (major, error) {
	s, err := b.opts.open(ctx, b.target, "", 1)
	if err != nil {
		return 0, err
	}
	defer s.close()
	qctx, cancel := context.WithTimeout(ctx, b.opts.ConnectTimeout)
	defer cancel()
	var num int
	if err := s.conn.QueryRowContext(qctx, `SELECT current_setting('server_version_num')::int`).Scan(&num); err != nil {
		return 0, fmt.Errorf("postgres %q: server version: %w", b.target.Source, err)
	}
	return majorOfNum(num), nil
}

// humanBytes renders a byte count for progress messages: 12.3 MiB.
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
