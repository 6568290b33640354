// Package atomicfile writes files that appear under their final name only
// complete and on disk, and never in place of a file already there.
//
// A File is written under a hidden temporary name (".NAME.partial") in its
// final directory, private to the user (0600). Commit flushes and fsyncs
// it, hard-links it to the final name — link(2) fails rather than replace
// an existing file, unlike rename(2), so two writers can never clobber each
// other — removes the temporary name and fsyncs the directory so the new
// name survives a crash. Abort (or a crash) leaves nothing under a final
// name: at worst a hidden .partial file named after what it was going to
// be, which a directory listing can recognise as such.
//
// A writer holds a lock on its temporary file for as long as it lives (see
// lockWriter), so FindStale and RemoveStale can tell the file of a writer
// that was killed — which nothing will ever finish — from one being written.
package atomicfile

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
)

// File name suffixes.
const (
	// PartialSuffix ends the hidden temporary name of a file being written.
	PartialSuffix = ".partial"
	// SidecarSuffix ends the name of a file's checksum (sha256sum format).
	SidecarSuffix = ".sha256"
)

// maxNumbered bounds the search for a free numbered name (NAME-1 ... NAME-99).
const maxNumbered = 100

// ErrNameTaken is wrapped by errors from Create and Commit when the final
// name is already taken: nothing was overwritten.
var ErrNameTaken = errors.New("already exists — nothing is overwritten")

// ErrInProgress is wrapped by Create's error when another writer holds the
// temporary name of the same final name (without Options.Numbered).
var ErrInProgress = errors.New("is being written by someone else now — wait for it")

// Options shape how a File is named and written.
type Options struct {
	// Numbered makes a taken name move on to base-1+ext, base-2+ext, ...
	// instead of failing with ErrNameTaken.
	Numbered bool
	// Sidecar makes Commit also write FINAL.sha256, and makes a name whose
	// .sha256 already exists count as taken.
	Sidecar bool
	// OnWrite, when set, is told the bytes written so far after each Write.
	OnWrite func(written int64)
	// BufferSize, when positive, batches writes into pieces of this size
	// (few syscalls for a stream of small writes).
	BufferSize int
}

// File is a file being written under its temporary name; see the package
// doc. Write it, then Commit or Abort it. It is not safe for concurrent use.
type File struct {
	dir, base, ext string
	opts           Options
	tmp            string
	f              *os.File
	lock           *os.File      // holds the writer's lock until Commit or Abort ends
	buf            *bufio.Writer // nil without Options.BufferSize
	sum            hash.Hash
	n              int64
	err            error // the first write error: a full disk, not a broken stream
	done           bool
}

// Create starts the file that Commit names base+ext in dir, creating dir
// (0700) if needed. Without Options.Numbered it fails early, wrapping
// ErrNameTaken, when that name exists, rather than after the whole write.
func Create(dir, base, ext string, o Options) (*File, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("directory %s: %w — create it or choose a writable one", dir, unwrapPath(err))
	}
	final := filepath.Join(dir, base+ext)
	if !o.Numbered {
		if _, err := os.Lstat(final); err == nil {
			return nil, fmt.Errorf("%s %w", final, ErrNameTaken)
		}
	}
	// A sweep may remove the new file before its lock is taken (it sees an
	// unlocked partial); the writer notices and starts again.
	for range 3 {
		f, err := createTemp(dir, base, ext, o)
		if err != nil {
			return nil, err
		}
		lock, ok, err := lockWriter(f.Name(), f)
		if err != nil {
			if sameFile(f.Name(), f) {
				_ = os.Remove(f.Name())
			}
			_ = f.Close()
			return nil, fmt.Errorf("lock %s: %w", f.Name(), unwrapPath(err))
		}
		if ok {
			return newFile(dir, base, ext, o, f, lock), nil
		}
		_ = f.Close()
	}
	return nil, fmt.Errorf("create a file in %s: its temporary file kept being removed — is another program cleaning %s?", dir, dir)
}

// createTemp creates the temporary file of base+ext, private to the user.
func createTemp(dir, base, ext string, o Options) (*os.File, error) {
	final := filepath.Join(dir, base+ext)
	f, err := os.OpenFile(PartialName(final), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		if !o.Numbered {
			return nil, fmt.Errorf("%s %w", final, ErrInProgress)
		}
		// Another writer of the same name: each gets its own numbered name
		// at Commit, so a random temporary name does here.
		f, err = os.CreateTemp(dir, "."+base+ext+".*"+PartialSuffix)
	}
	if err != nil {
		return nil, fmt.Errorf("create a file in %s: %w — check its permissions and free space", dir, unwrapPath(err))
	}
	return f, nil
}

func newFile(dir, base, ext string, o Options, f, lock *os.File) *File {
	af := &File{dir: dir, base: base, ext: ext, opts: o, tmp: f.Name(), f: f, lock: lock, sum: sha256.New()}
	if o.BufferSize > 0 {
		af.buf = bufio.NewWriterSize(f, o.BufferSize)
	}
	return af
}

// PartialName is the temporary name under which final is written.
func PartialName(final string) string {
	return filepath.Join(filepath.Dir(final), "."+filepath.Base(final)+PartialSuffix)
}

// Write writes b to the file and the running sha256.
func (a *File) Write(b []byte) (int, error) {
	var w io.Writer = a.f
	if a.buf != nil {
		w = a.buf
	}
	n, err := w.Write(b)
	a.sum.Write(b[:n])
	a.n += int64(n)
	if a.opts.OnWrite != nil {
		a.opts.OnWrite(a.n)
	}
	if err != nil {
		a.fail(err)
		return n, a.err
	}
	return n, nil
}

// fail records the first write error with what to try.
func (a *File) fail(err error) {
	if a.err == nil {
		a.err = fmt.Errorf("write %s: %w — check free space in %s", filepath.Base(a.tmp), unwrapPath(err), a.dir)
	}
}

// Err is the first error writing to the disk, or nil: it tells a full disk
// from a failure of the stream being copied in.
func (a *File) Err() error { return a.err }

// Size is the number of bytes written so far.
func (a *File) Size() int64 { return a.n }

// Sum is the hex sha256 of the bytes written so far.
func (a *File) Sum() string { return hex.EncodeToString(a.sum.Sum(nil)) }

// Abort closes and deletes the temporary file. It is a no-op after Commit
// or a previous Abort, so it can be deferred.
func (a *File) Abort() {
	if a.done {
		return
	}
	a.done = true
	_ = a.f.Close()
	_ = os.Remove(a.tmp)
	if a.lock != nil {
		_ = a.lock.Close() // last: until the name is gone, a sweep must see it held
	}
}

// Commit makes the file durable and gives it its final name (see Options
// for numbering and the sidecar), returning the final path. On error
// nothing is left under a final name and the temporary file is gone.
func (a *File) Commit() (string, error) {
	defer a.Abort() // the temporary name goes either way
	if a.done {
		return "", errors.New("atomicfile: Commit after Abort")
	}
	if a.err != nil {
		// A write failed (a full disk): what is on disk is not what the
		// caller wrote, whatever a later flush or fsync says.
		return "", a.err
	}
	var err error
	if a.buf != nil {
		err = a.buf.Flush()
	}
	if err == nil {
		err = a.f.Sync()
	}
	if cerr := a.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		a.fail(err)
		return "", a.err
	}
	final, err := a.link()
	if err != nil {
		return "", err
	}
	if a.opts.Sidecar {
		if err := WriteSidecar(final, a.Sum()); err != nil {
			_ = os.Remove(final) // the file without its checksum is not what was promised
			return "", err
		}
		return final, nil // WriteSidecar synced the directory
	}
	return final, SyncDir(a.dir)
}

// link hard-links the temporary file to the first free final name.
func (a *File) link() (string, error) {
	tries := 1
	if a.opts.Numbered {
		tries = maxNumbered
	}
	for i := range tries {
		name := filepath.Join(a.dir, a.base+a.ext)
		if i > 0 {
			name = filepath.Join(a.dir, a.base+"-"+strconv.Itoa(i)+a.ext)
		}
		if a.opts.Sidecar {
			if _, err := os.Lstat(name + SidecarSuffix); err == nil {
				continue
			}
		}
		err := os.Link(a.tmp, name)
		if err == nil {
			return name, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return "", fmt.Errorf("name %s: %w — the directory must be on a file system with hard links", name, unwrapPath(err))
		}
		if !a.opts.Numbered {
			return "", fmt.Errorf("%s %w", name, ErrNameTaken)
		}
	}
	return "", fmt.Errorf("%s%s and %d numbered variants exist — clean up %s", a.base, a.ext, maxNumbered-1, a.dir)
}

// WriteSidecar records sum (hex sha256) of path in path+".sha256", in the
// format `sha256sum -c` reads, by the same rules as a File: temporary name,
// fsync, link (never over an existing file), directory fsync.
func WriteSidecar(path, sum string) error {
	f, err := Create(filepath.Dir(path), filepath.Base(path), SidecarSuffix, Options{})
	if err != nil {
		return fmt.Errorf("write checksum: %w", err)
	}
	defer f.Abort()
	if _, err := fmt.Fprintf(f, "%s  %s\n", sum, filepath.Base(path)); err != nil {
		return fmt.Errorf("write checksum: %w", err)
	}
	if _, err := f.Commit(); err != nil {
		return fmt.Errorf("write checksum: %w", err)
	}
	return nil
}

// WriteNew writes data to dir/name as a File without numbering: complete
// or not at all, never over an existing file. It returns the path.
func WriteNew(dir, name string, data []byte) (string, error) {
	f, err := Create(dir, name, "", Options{})
	if err != nil {
		return "", err
	}
	defer f.Abort()
	if _, err := f.Write(data); err != nil {
		return "", err
	}
	return f.Commit()
}

// SyncDir fsyncs a directory, making the names in it durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync %s: %w", dir, unwrapPath(err))
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("sync %s: %w — check the disk", dir, unwrapPath(err))
	}
	return nil
}

// unwrapPath drops *PathError's path and op, which our messages already
// name, leaving "permission denied" or "no space left on device".
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}
