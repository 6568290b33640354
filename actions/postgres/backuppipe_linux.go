package postgres

import (
	"os"
	"syscall"
)

// fSetPipeSize is Linux's F_SETPIPE_SZ fcntl (F_LINUX_SPECIFIC_BASE + 7).
const fSetPipeSize = 1031

// growPipe asks for a 1 MiB pipe between pg_dump and us (the default is
// 64 KiB): pg_dump writes 4 KiB at a time and would stall whenever our
// reader is not scheduled for a moment, which a file on the other end
// never makes it do. Best effort: the limit is /proc/sys/fs/pipe-max-size.
func growPipe(r any) {
	f, ok := r.(*os.File)
	if !ok {
		return
	}
	rc, err := f.SyscallConn()
	if err != nil {
		return
	}
	_ = rc.Control(func(fd uintptr) {
		_, _, _ = syscall.Syscall(syscall.SYS_FCNTL, fd, fSetPipeSize, copyBufSize)
	})
}
