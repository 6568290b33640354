package host

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat's start time. It is
// part of Linux's user-space ABI and 100 on every architecture Go supports.
const clockTicks = 100

// procState is what the actions need from /proc/<pid>/stat.
type procState struct {
	state      byte   // R, S, D, Z, ...
	startTicks uint64 // field 22: start time in ticks since boot
}

// errGone: no such process.
var errGone = errors.New("no such process")

// readProc reads /proc/<pid>/stat under root.
func readProc(root string, pid int) (procState, error) {
	b, err := os.ReadFile(filepath.Join(root, strconv.Itoa(pid), "stat"))
	if errors.Is(err, os.ErrNotExist) {
		return procState{}, errGone
	}
	if err != nil {
		return procState{}, err
	}
	return parseStat(b)
}

// parseStat reads state and start time. comm (field 2) may hold spaces and
// parentheses, so fields are counted from the last ')'.
func parseStat(b []byte) (procState, error) {
	end := bytes.LastIndexByte(b, ')')
	if end < 0 {
		return procState{}, fmt.Errorf("malformed /proc stat line")
	}
	f := bytes.Fields(b[end+1:])
	// f[0] is field 3 (state), so field 22 (starttime) is f[19].
	if len(f) < 20 || len(f[0]) != 1 {
		return procState{}, fmt.Errorf("malformed /proc stat line")
	}
	start, err := strconv.ParseUint(string(f[19]), 10, 64)
	if err != nil {
		return procState{}, fmt.Errorf("malformed /proc stat start time: %v", err)
	}
	return procState{state: f[0][0], startTicks: start}, nil
}

// bootTime reads the kernel's boot time (btime in /proc/stat) in seconds.
func bootTime(root string) (time.Time, error) {
	b, err := os.ReadFile(filepath.Join(root, "stat"))
	if err != nil {
		return time.Time{}, err
	}
	for _, line := range bytes.Split(b, []byte("\n")) {
		if v, ok := bytes.CutPrefix(line, []byte("btime ")); ok {
			secs, err := strconv.ParseInt(string(bytes.TrimSpace(v)), 10, 64)
			if err != nil {
				return time.Time{}, fmt.Errorf("/proc/stat btime: %v", err)
			}
			return time.Unix(secs, 0), nil
		}
	}
	return time.Time{}, errors.New("/proc/stat has no btime")
}
