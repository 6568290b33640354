package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/stacktop/stacktop/actions/atomicfile"
)

// Backup file naming: TARGET-DB-TIMESTAMP.dump, with its checksum in
// TARGET-DB-TIMESTAMP.dump.sha256 and, while pg_dump runs, the bytes in
// .TARGET-DB-TIMESTAMP.dump.partial.
const (
	dumpSuffix     = ".dump"
	checksumSuffix = atomicfile.SidecarSuffix
	partialSuffix  = atomicfile.PartialSuffix
	// backupTimeLayout is the UTC timestamp in names: 20261121T140501Z.
	backupTimeLayout = "20060102T150405Z"
	// maxNamePart bounds target and database in a file name.
	maxNamePart = 64
)

// unsafeNameRE matches what may not appear in a name part. Only
// [A-Za-z0-9_] stays, so '-' separates the parts unambiguously, nothing
// can start a hidden file or climb out of the directory, and names survive
// any file system and shell. Other characters become '_'.
var unsafeNameRE = regexp.MustCompile(`[^A-Za-z0-9_]`)

// BackupNamePart is how a backup file's name spells a target or database
// (Backup.Target and Backup.Database hold it): anything but [A-Za-z0-9_]
// becomes '_', capped at 64 characters, never empty. Distinct names can
// map to the same part ("app-v2" and "app.v2" both give
// "app_v2"); such databases then share a retention group.
func BackupNamePart(s string) string {
	s = unsafeNameRE.ReplaceAllString(s, "_")
	if len(s) > maxNamePart {
		s = s[:maxNamePart]
	}
	if s == "" {
		s = "_"
	}
	return s
}

// backupFileName is the final name of a backup of database on target
// taken at t.
func backupFileName(target, database string, t time.Time) string {
	return BackupNamePart(target) + "-" + BackupNamePart(database) + "-" + t.UTC().Format(backupTimeLayout) + dumpSuffix
}

var namePartRE = regexp.MustCompile(`^[A-Za-z0-9_]{1,64}$`)

// parseBackupName reads a final name (without directory) back.
func parseBackupName(name string) (target, database string, t time.Time, ok bool) {
	base, found := strings.CutSuffix(name, dumpSuffix)
	if !found {
		return "", "", time.Time{}, false
	}
	parts := strings.Split(base, "-")
	if len(parts) != 3 || !namePartRE.MatchString(parts[0]) || !namePartRE.MatchString(parts[1]) {
		return "", "", time.Time{}, false
	}
	t, err := time.Parse(backupTimeLayout, parts[2])
	if err != nil {
		return "", "", time.Time{}, false
	}
	return parts[0], parts[1], t, true
}

// BackupState is a backup file's verification state, as the backup list
// shows it.
type BackupState string

// The verification states.
const (
	// BackupVerified: pg_restore --list read the dump when it was taken and
	// the file still matches the sha256 recorded then.
	BackupVerified BackupState = "verified"
	// BackupMismatch: the file no longer matches its recorded sha256 (or
	// the checksum file is unreadable): do not restore from it.
	BackupMismatch BackupState = "checksum mismatch"
	// BackupUnverified: no checksum file, so the dump was never verified —
	// verification failed, or the file was not made by stacktop.
	BackupUnverified BackupState = "unverified"
	// BackupPartial: a dump being written now, or left behind by a stacktop
	// that was killed mid-backup; Problem says which (the next backup
	// removes the latter).
	BackupPartial BackupState = "partial"
)

// Backup is one backup file in the backup directory.
type Backup struct {
	// Path is the file's full path.
	Path string
	// Target and Database are as written in the file name: sanitized, so
	// "app-v2" shows as "app_v2".
	Target, Database string
	// Time is when the backup started (UTC, second precision, from the name).
	Time time.Time
	// Size is the file's size in bytes (still growing for a partial one).
	Size int64
	// State is the verification state.
	State BackupState
	// SHA256 is the recorded checksum (hex), empty without a checksum file.
	SHA256 string
	// Problem says in one line why State is not verified; empty otherwise.
	Problem string
}

// Age is how old the backup is at now.
func (b Backup) Age(now time.Time) time.Duration { return now.Sub(b.Time) }

// ListOptions shape ListBackups.
type ListOptions struct {
	// FullCheck re-hashes every file against its recorded sha256, catching
	// silent corruption of the disk. Without it only files modified since
	// their checksum was written are re-hashed: cheap enough for every
	// refresh of the list, and still catches a file that was written to.
	FullCheck bool
	// Target and Database, when set, keep only that target's (and
	// database's) backups; the others are not even checked. They are the
	// names as configured; ListBackups maps them to file-name form.
	Target, Database string
}

// ListBackups lists the backups in dir (made by the postgres.backup
// action, or named like them), newest first; a missing dir has none. It
// reads files to check checksums (see ListOptions), so call it off the UI
// goroutine; ctx stops it. Other files in dir are ignored.
func ListBackups(ctx context.Context, dir string, opts ListOptions) ([]Backup, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list backups: %w — check backup_dir", err)
	}
	var out []Backup
	var stale map[string]bool // the partial files no live writer holds; read at the first partial
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		b, ok := listEntry(dir, e)
		if !ok || !opts.keeps(b) {
			continue
		}
		if b.State == BackupPartial {
			if stale == nil {
				stale = staleSet(dir)
			}
			b.Problem = "being written now"
			if stale[b.Path] {
				b.Problem = "left by a backup killed mid-way — the next backup removes it"
			}
		} else {
			if err := checkBackup(ctx, &b, opts.FullCheck); err != nil {
				return nil, err
			}
		}
		out = append(out, b)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].Time.Equal(out[j].Time) {
			return out[i].Time.After(out[j].Time)
		}
		return out[i].Path < out[j].Path
	})
	return out, nil
}

// staleSet names dir's partial files whose writer is dead.
func staleSet(dir string) map[string]bool {
	files, _ := atomicfile.FindStale(dir) // at worst a stale file reads "being written"
	set := map[string]bool{}
	for _, f := range files {
		set[f.Path] = true
	}
	return set
}

// keeps reports whether b is one of the backups opts asks for.
func (o ListOptions) keeps(b Backup) bool {
	return (o.Target == "" || b.Target == BackupNamePart(o.Target)) &&
		(o.Database == "" || b.Database == BackupNamePart(o.Database))
}

// listEntry recognises a final or partial dump name.
func listEntry(dir string, e fs.DirEntry) (Backup, bool) {
	name, state := e.Name(), BackupUnverified
	if inner, ok := strings.CutSuffix(name, partialSuffix); ok && strings.HasPrefix(inner, ".") {
		name, state = inner[1:], BackupPartial
	}
	target, db, t, ok := parseBackupName(name)
	if !ok {
		return Backup{}, false
	}
	b := Backup{Path: filepath.Join(dir, e.Name()), Target: target, Database: db, Time: t, State: state}
	if info, err := e.Info(); err == nil {
		b.Size = info.Size()
	}
	return b, true
}

// checkBackup sets b's State from its checksum file.
func checkBackup(ctx context.Context, b *Backup, full bool) error {
	side, err := os.Lstat(b.Path + checksumSuffix)
	if err != nil {
		b.Problem = "no checksum file: the dump was never verified"
		return nil
	}
	sum, err := readSidecar(b.Path + checksumSuffix)
	if err != nil {
		b.State, b.Problem = BackupMismatch, err.Error()
		return nil
	}
	b.SHA256 = sum
	dump, err := os.Lstat(b.Path)
	if err != nil {
		b.State, b.Problem = BackupMismatch, err.Error()
		return nil
	}
	// The checksum file is written after the dump's last byte, so a dump
	// modified at or after that time was written to since: re-hash it.
	// (Same-time counts as modified: file times tick coarsely.)
	if full || !dump.ModTime().Before(side.ModTime()) {
		got, err := fileSHA256(ctx, b.Path)
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("list backups: %w", ctx.Err())
			}
			b.State, b.Problem = BackupMismatch, "cannot read the dump: "+err.Error()
			return nil
		}
		if got != sum {
			b.State, b.Problem = BackupMismatch, "the file's sha256 differs from the one recorded when it was taken: it was changed or corrupted"
			return nil
		}
	}
	b.State = BackupVerified
	return nil
}

// sha256LineRE is one sha256sum line: 64 hex digits, two spaces (or space
// and '*' for binary mode), the file name.
var sha256LineRE = regexp.MustCompile(`^([0-9a-f]{64}) [ *](.+)\n?$`)

// readSidecar reads the checksum recorded for dump from dump+".sha256".
func readSidecar(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("checksum file: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, 4096))
	if err != nil {
		return "", fmt.Errorf("checksum file: %w", err)
	}
	m := sha256LineRE.FindStringSubmatch(string(data))
	if m == nil || m[2] != strings.TrimSuffix(filepath.Base(path), checksumSuffix) {
		return "", errors.New("the checksum file is malformed or names another file")
	}
	return m[1], nil
}

// applyRetention keeps the newest keep backups of (target, database) in
// dir — counting the one just written (path just), which is always kept
// even if a clock step makes older files look newer — and deletes older
// ones with their checksum files. It touches only regular files named
// exactly like that group's finished dumps; keep 0 keeps all. It returns
// the deleted dumps' paths.
func applyRetention(dir, target, database, just string, keep int) ([]string, error) {
	if keep <= 0 {
		return nil, nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("retention: %w", err)
	}
	type old struct {
		path string
		t    time.Time
	}
	var olds []old
	for _, e := range entries {
		tg, db, t, ok := parseBackupName(e.Name())
		p := filepath.Join(dir, e.Name())
		if ok && e.Type().IsRegular() && tg == target && db == database && p != just {
			olds = append(olds, old{p, t})
		}
	}
	sort.Slice(olds, func(i, j int) bool { return olds[i].t.After(olds[j].t) })
	var deleted []string
	for i := keep - 1; i < len(olds); i++ {
		if err := os.Remove(olds[i].path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return deleted, fmt.Errorf("retention: %w — delete it by hand or fix the directory's permissions", err)
		}
		deleted = append(deleted, olds[i].path)
		if err := os.Remove(olds[i].path + checksumSuffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return deleted, fmt.Errorf("retention: %w — delete it by hand", err)
		}
	}
	if len(deleted) > 0 {
		return deleted, atomicfile.SyncDir(dir)
	}
	return nil, nil
}
