package host

import (
	"bytes"
	"os/user"
	"strconv"
)

// Field positions in /proc/<pid>/stat counted from the state field (field 3
// in proc(5)), because only what follows the last ')' splits on spaces.
const (
	fieldPPID    = 1  // proc(5) field 4
	fieldUtime   = 11 // field 14
	fieldStime   = 12 // field 15
	fieldThreads = 17 // field 20
	fieldStart   = 19 // field 22
	fieldRSS     = 21 // field 24
)

// parseStat parses one /proc/<pid>/stat line without allocating. comm sits
// between the first '(' and the LAST ')': a process may name itself
// anything, including "a) R 1 (b", so neither a split on spaces nor the
// first ')' is safe. ok is false for a line that does not have every field.
func parseStat(b []byte) (f statFields, ok bool) {
	open := bytes.IndexByte(b, '(')
	closing := bytes.LastIndexByte(b, ')')
	if open < 0 || closing < open || closing+2 >= len(b) || b[closing+1] != ' ' {
		return statFields{}, false
	}
	f.comm = b[open+1 : closing]
	rest := b[closing+2:] // skip ") "
	if rest[0] == ' ' || rest[0] == '\n' {
		return statFields{}, false
	}
	f.state = rest[0]

	var utime, stime uint64
	// Walk the fields once, picking out the ones we need.
	idx, pos := 0, 0
	for pos < len(rest) && idx <= fieldRSS {
		end := pos
		for end < len(rest) && rest[end] != ' ' && rest[end] != '\n' {
			end++
		}
		field := rest[pos:end]
		var err bool
		switch idx {
		case fieldPPID:
			var v uint64
			v, err = parseUint(field)
			f.ppid = int32(v)
		case fieldUtime:
			utime, err = parseUint(field)
		case fieldStime:
			stime, err = parseUint(field)
		case fieldThreads:
			var v uint64
			v, err = parseUint(field)
			f.threads = int32(v)
		case fieldStart:
			f.start, err = parseUint(field)
		case fieldRSS:
			f.rssPages, err = parseUint(field)
		}
		if err {
			return statFields{}, false
		}
		idx++
		pos = end + 1
	}
	if idx <= fieldRSS {
		return statFields{}, false
	}
	f.ticks = utime + stime
	return f, true
}

// parseUint parses a decimal field; bad is true for anything but digits.
// A leading '-' (rss can be printed signed) reads as 0: no negative size
// is meaningful on screen.
func parseUint(b []byte) (v uint64, bad bool) {
	if len(b) == 0 {
		return 0, true
	}
	if b[0] == '-' {
		_, bad = parseUint(b[1:])
		return 0, bad
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, true
		}
		v = v*10 + uint64(c-'0')
	}
	return v, false
}

// userCache maps uids to user names. Lookups go through os/user (NSS with
// cgo, /etc/passwd without) and happen once per uid for the collector's
// lifetime: accounts rarely change, and the lookup can be slow (LDAP).
type userCache struct {
	names  map[uint32]string
	lookup func(uid string) (*user.User, error)
}

func newUserCache() *userCache {
	return &userCache{names: make(map[uint32]string), lookup: user.LookupId}
}

// name returns the user name for uid, or the uid in decimal when the
// account has no name.
func (c *userCache) name(uid uint32) string {
	if n, ok := c.names[uid]; ok {
		return n
	}
	id := strconv.FormatUint(uint64(uid), 10)
	n := id
	if u, err := c.lookup(id); err == nil && u.Username != "" {
		n = u.Username
	}
	c.names[uid] = n
	return n
}

// parseStatusUID finds the "Uid:" line of a /proc/<pid>/status file and
// returns its second figure, the effective uid (real, effective, saved,
// filesystem). ok is false when the line is missing or cut short.
func parseStatusUID(b []byte) (uid uint32, ok bool) {
	const key = "\nUid:"
	at := bytes.Index(b, []byte(key))
	if at < 0 {
		return 0, false
	}
	line := b[at+len(key):]
	end := bytes.IndexByte(line, '\n')
	if end < 0 {
		return 0, false // cut inside the line: a figure may be cut short
	}
	fields := bytes.Fields(line[:end])
	if len(fields) != 4 {
		return 0, false
	}
	n, err := strconv.ParseUint(string(fields[1]), 10, 32)
	if err != nil {
		return 0, false
	}
	return uint32(n), true
}

// containerIDLen is the length of a container ID in hex: 256 bits, as
// Docker, containerd, Podman and CRI-O all make them.
const containerIDLen = 64

// parseContainerID finds the container ID in a /proc/<pid>/cgroup file:
// the first path component that is 64 hex digits, alone ("/docker/<id>",
// cgroup v1 with the cgroupfs driver, and Kubernetes' pod paths) or
// wrapped the systemd way ("docker-<id>.scope", "libpod-<id>.scope",
// "cri-containerd-<id>.scope"). The first such component is the outermost
// container, the one the host's engine knows. The result aliases b; nil
// when the process is in no container.
func parseContainerID(b []byte) []byte {
	for len(b) > 0 {
		line := b
		if nl := bytes.IndexByte(b, '\n'); nl >= 0 {
			line, b = b[:nl], b[nl+1:]
		} else {
			b = nil
		}
		// "hierarchy-ID:controllers:path"; the path may itself hold ':'.
		c1 := bytes.IndexByte(line, ':')
		if c1 < 0 {
			continue
		}
		c2 := bytes.IndexByte(line[c1+1:], ':')
		if c2 < 0 {
			continue
		}
		path := line[c1+1+c2+1:]
		for len(path) > 0 {
			comp := path
			if sl := bytes.IndexByte(path, '/'); sl >= 0 {
				comp, path = path[:sl], path[sl+1:]
			} else {
				path = nil
			}
			if id := idInComponent(comp); id != nil {
				return id
			}
		}
	}
	return nil
}

// idInComponent returns the container ID a cgroup path component names:
// the component itself, or what lies between its last '-' and a ".scope"
// suffix.
func idInComponent(c []byte) []byte {
	if len(c) < containerIDLen {
		return nil
	}
	if s, ok := bytes.CutSuffix(c, []byte(".scope")); ok {
		if dash := bytes.LastIndexByte(s, '-'); dash >= 0 {
			c = s[dash+1:]
		} else {
			c = s
		}
	}
	if len(c) != containerIDLen {
		return nil
	}
	for _, ch := range c {
		if (ch < '0' || ch > '9') && (ch < 'a' || ch > 'f') {
			return nil
		}
	}
	return c
}

// parseStatusNSPID returns the last figure of the "NSpid:" line of a
// /proc/<pid>/status file: the pid in the process's own PID namespace. It
// returns 0 when the line has one figure (the process lives in the
// procfs's namespace), is missing (kernels before 4.1) or is cut short.
func parseStatusNSPID(b []byte) int32 {
	const key = "\nNSpid:"
	at := bytes.Index(b, []byte(key))
	if at < 0 {
		return 0
	}
	line := b[at+len(key):]
	end := bytes.IndexByte(line, '\n')
	if end < 0 {
		return 0
	}
	fields := bytes.Fields(line[:end])
	if len(fields) < 2 {
		return 0
	}
	n, err := strconv.ParseInt(string(fields[len(fields)-1]), 10, 32)
	if err != nil || n <= 0 {
		return 0
	}
	return int32(n)
}
