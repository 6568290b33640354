//go:build !unix

package atomicfile

import "os"

// lockWriter takes no lock where flock(2) does not exist; Stale then finds
// nothing stale, so no live writer's file is ever removed.
func lockWriter(path string, f *os.File) (lock *os.File, ok bool, err error) { return nil, true, nil }

// tryLock cannot tell a live writer from a dead one here.
func tryLock(f *os.File) bool { return false }

// sameFile is not needed without locks.
func sameFile(path string, f *os.File) bool { return false }
