package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// StaleFile is a temporary file no live writer holds: what a writer killed
// mid-way (SIGKILL, the OOM killer, a power cut) left behind. Nothing will
// ever finish it.
type StaleFile struct {
	// Path is its full path.
	Path string
	// Size is its length in bytes.
	Size int64
	// ModTime is when it was last written: about when its writer died.
	ModTime time.Time
}

// FindStale lists dir's stale temporary files (see StaleFile). A file whose
// writer is alive holds that writer's lock and is left out. A missing dir
// has none.
func FindStale(dir string) ([]StaleFile, error) { return sweep(dir, false) }

// RemoveStale removes dir's stale temporary files and returns them. Each is
// removed only while this process holds the lock that proves no writer
// has it open for writing, so a file being written is never touched.
func RemoveStale(dir string) ([]StaleFile, error) { return sweep(dir, true) }

func sweep(dir string, remove bool) ([]StaleFile, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", dir, unwrapPath(err))
	}
	var out []StaleFile
	var errs []error
	for _, e := range ents {
		name := e.Name()
		if !e.Type().IsRegular() || !strings.HasPrefix(name, ".") || !strings.HasSuffix(name, PartialSuffix) {
			continue
		}
		s, err := checkStale(filepath.Join(dir, name), remove)
		if err != nil {
			errs = append(errs, err)
		}
		if s != nil {
			out = append(out, *s)
		}
	}
	return out, errors.Join(errs...)
}

// checkStale returns path's description when no writer holds it, after
// removing it when asked.
func checkStale(path string, remove bool) (*StaleFile, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil // finished or swept meanwhile
	}
	if err != nil {
		return nil, fmt.Errorf("check %s: %w", path, unwrapPath(err))
	}
	defer f.Close() // drops the lock, after the removal
	if !tryLock(f) {
		return nil, nil
	}
	st, err := f.Stat()
	if err != nil || !sameFile(path, f) {
		return nil, nil // replaced meanwhile: a new writer's file
	}
	s := &StaleFile{Path: path, Size: st.Size(), ModTime: st.ModTime()}
	if remove {
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("remove %s: %w — remove it by hand", path, unwrapPath(err))
		}
	}
	return s, nil
}
