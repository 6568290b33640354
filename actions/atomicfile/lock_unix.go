//go:build unix

package atomicfile

import (
	"errors"
	"os"
	"syscall"
	"time"
)

// lockWait bounds how long a writer waits for the lock on the file it just
// created: only a sweep (see Stale) can hold it, and only for a moment.
const lockWait = 2 * time.Second

// lockWriter opens path again and takes an exclusive flock(2) on it, held
// until the returned file is closed — or until the process dies, however
// it dies: the kernel drops the lock of a process killed with SIGKILL. A
// temporary file nobody holds a lock on is therefore one no live writer
// will finish (see Stale). The lock lives on a descriptor of its own so
// that closing the data descriptor before the final link keeps it.
//
// ok is false when the file at path is no longer the one f has open: a
// sweep removed it between its creation and the lock, and the caller
// starts again. Where the file system has no locks (ENOLCK, some network
// file systems) the writer goes on unlocked; sweeps then never find the
// file stale, because they need the lock to decide.
func lockWriter(path string, f *os.File) (lock *os.File, ok bool, err error) {
	lock, err = os.Open(path)
	if err != nil {
		return nil, false, err
	}
	deadline := time.Now().Add(lockWait)
	for {
		err = syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil || !errors.Is(err, syscall.EWOULDBLOCK) || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	switch {
	case errors.Is(err, syscall.ENOLCK), errors.Is(err, syscall.EOPNOTSUPP), errors.Is(err, syscall.EINVAL):
	case err != nil:
		_ = lock.Close()
		return nil, false, err
	}
	if !sameFile(path, f) {
		_ = lock.Close()
		return nil, false, nil
	}
	return lock, true, nil
}

// tryLock takes the exclusive lock on f without waiting: true means no
// live writer holds the file.
func tryLock(f *os.File) bool {
	return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil
}

// sameFile reports whether path still names the file f has open.
func sameFile(path string, f *os.File) bool {
	a, err := os.Lstat(path)
	if err != nil {
		return false
	}
	b, err := f.Stat()
	return err == nil && os.SameFile(a, b)
}
