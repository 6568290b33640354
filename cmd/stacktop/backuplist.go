package main

import (
	"context"
	"path/filepath"

	"github.com/stacktop/stacktop/actions"
	pgact "github.com/stacktop/stacktop/actions/postgres"
	"github.com/stacktop/stacktop/ui/backups"
)

// backupLister is the dashboard's ui.Options.ListBackups: the backups of
// one target (and database) in the configured backup directory, as the
// backup list shows them.
func backupLister(dir string) func(ctx context.Context, t actions.Target, database string) ([]backups.Entry, error) {
	return func(ctx context.Context, t actions.Target, database string) ([]backups.Entry, error) {
		list, err := pgact.ListBackups(ctx, dir, pgact.ListOptions{Target: t.Source, Database: database})
		if err != nil {
			return nil, err
		}
		out := make([]backups.Entry, 0, len(list))
		for _, b := range list {
			out = append(out, backupEntry(b))
		}
		return out, nil
	}
}

func backupEntry(b pgact.Backup) backups.Entry {
	e := backups.Entry{File: filepath.Base(b.Path), Database: b.Database, Size: b.Size, Taken: b.Time, Detail: b.Problem}
	switch b.State {
	case pgact.BackupVerified:
		e.Verified = backups.Verified
		if len(b.SHA256) >= 12 {
			e.Detail = "sha256 " + b.SHA256[:12]
		}
	case pgact.BackupMismatch:
		e.Verified = backups.Failed
	case pgact.BackupPartial:
		e.Verified = backups.Partial
	default:
		e.Verified = backups.Unverified
	}
	return e
}
