package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/stacktop/stacktop/actions/atomicfile"
)

// dumpFile is a backup being written: an atomicfile.File (hidden
// ".NAME.partial" until published, never over an existing file) that
// reports its byte count, throttled, and words failures for backups.
type dumpFile struct {
	*atomicfile.File
	final      string
	report     func(int64)
	lastReport time.Time
}

// progressEvery throttles byte-count reports: a progress bar needs a few
// updates a second, not one per 1 MiB write.
const progressEvery = 100 * time.Millisecond

// createDump creates the temporary file for final, private to the user: a
// dump holds all the database's data. It refuses when final exists,
// failing early rather than after an hour of dumping.
func createDump(final string, report func(int64)) (*dumpFile, error) {
	d := &dumpFile{final: final, report: report}
	f, err := atomicfile.Create(filepath.Dir(final), filepath.Base(final), "", atomicfile.Options{
		BufferSize: copyBufSize, // pg_dump writes 4 KiB pieces; the file gets 1 MiB ones
		OnWrite:    d.written,
	})
	switch {
	case errors.Is(err, atomicfile.ErrNameTaken):
		return nil, fmt.Errorf("%s already exists — nothing is overwritten; wait a second and retry", final)
	case errors.Is(err, atomicfile.ErrInProgress):
		return nil, fmt.Errorf("%s exists: another backup of this database is being written now — wait for it", atomicfile.PartialName(final))
	case err != nil:
		return nil, fmt.Errorf("create backup file: %w — check backup_dir is writable", err)
	}
	d.File = f
	return d, nil
}

// written reports the byte count, at most every progressEvery.
func (d *dumpFile) written(n int64) {
	if now := time.Now(); d.report != nil && now.Sub(d.lastReport) >= progressEvery {
		d.lastReport = now
		d.report(n)
	}
}

// publish makes the finished dump durable and gives it its final name,
// returning its hex sha256.
func (d *dumpFile) publish() (string, error) {
	_, err := d.Commit()
	if errors.Is(err, atomicfile.ErrNameTaken) {
		return "", fmt.Errorf("%s appeared while the backup was written — nothing is overwritten; the new dump was discarded, retry", d.final)
	}
	if err != nil {
		return "", fmt.Errorf("write backup file: %w", err)
	}
	return d.Sum(), nil
}

// discard removes the temporary file after a failure; a no-op once
// published.
func (d *dumpFile) discard() { d.Abort() }

// fileSHA256 hashes a file, streaming, until ctx ends.
func fileSHA256(ctx context.Context, path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.CopyBuffer(h, ctxReader{ctx, f}, make([]byte, copyBufSize)); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// ctxReader stops a long read loop when ctx ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// copyBufSize is the buffer dumps stream through: large enough that a fast
// pg_dump costs few syscalls, small enough that memory stays flat.
const copyBufSize = 1 << 20
