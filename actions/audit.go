package actions

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// AuditFileName is the audit log's file name inside the state directory,
// where cmd/stacktop puts it unless the config names another path.
const AuditFileName = "audit.log"

// Identity says who acts from where; it goes on every audit line.
type Identity struct {
	// OSUser is the operating-system user running stacktop.
	OSUser string
	// SSHClient is the remote "address port" from SSH_CLIENT or
	// SSH_CONNECTION; empty for a local session.
	SSHClient string
	// Host is this machine's host name.
	Host string
}

// CurrentIdentity reads the running user, host name and SSH client. getenv
// is os.Getenv in production; tests pass their own.
func CurrentIdentity(getenv func(string) string) Identity {
	id := Identity{SSHClient: sshClient(getenv)}
	if u, err := user.Current(); err == nil && u.Username != "" {
		id.OSUser = u.Username
	} else if name := getenv("USER"); name != "" {
		id.OSUser = name
	} else {
		id.OSUser = "uid " + strconv.Itoa(os.Getuid())
	}
	if h, err := os.Hostname(); err == nil {
		id.Host = h
	}
	return id
}

// sshClient takes the client's address and port: SSH_CLIENT is
// "addr port serverport", SSH_CONNECTION "addr port serveraddr serverport".
func sshClient(getenv func(string) string) string {
	for _, name := range []string{"SSH_CLIENT", "SSH_CONNECTION"} {
		if f := strings.Fields(getenv(name)); len(f) >= 2 {
			return f[0] + " " + f[1]
		}
	}
	return ""
}

// Record is one audit line: one attempt to run one action.
type Record struct {
	// Time is when the attempt started, UTC (RFC 3339 with nanoseconds in JSON).
	Time      time.Time `json:"time"`
	OSUser    string    `json:"os_user"`
	SSHClient string    `json:"ssh_client,omitempty"`
	// User, Role, KeyFingerprint and RemoteAddr say which served session
	// acted (`stacktop serve`): its configured user, the role and key that
	// authenticated it, and the client's address. Empty locally.
	User           string `json:"user,omitempty"`
	Role           Role   `json:"role,omitempty"`
	KeyFingerprint string `json:"key_fingerprint,omitempty"`
	RemoteAddr     string `json:"remote_addr,omitempty"`
	Host           string `json:"host"`
	// Action is the action's ID ("docker.restart").
	Action      string  `json:"action"`
	Risk        Risk    `json:"risk"`
	Target      Target  `json:"target"`
	Description string  `json:"description,omitempty"`
	Outcome     Outcome `json:"outcome"`
	// DurationMS is how long the action ran; 0 for a refusal.
	DurationMS int64 `json:"duration_ms"`
	// Error is the refusal or failure, empty on success.
	Error string `json:"error,omitempty"`
}

// AuditLog appends Records as JSON lines to a file. It is safe for
// concurrent use, and across processes: the file is opened O_APPEND and
// each line is one write(2), so lines from several stacktop processes never
// interleave.
type AuditLog struct {
	mu     sync.Mutex
	f      *os.File
	path   string
	closed bool
	// failed holds the last write's error until a write succeeds; while it
	// is set the Runner runs nothing (see Ready).
	failed error
}

// OpenAuditLog opens (creating) the audit log at path, with its directory
// (0700) and the file itself private to the user (0600).
func OpenAuditLog(path string) (*AuditLog, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("audit log: %w — set a writable audit path in the config", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("audit log: %w — set a writable audit path in the config", err)
	}
	// A file created earlier by hand may be readable by others; who did
	// what to production is not theirs to read.
	if fi, err := f.Stat(); err == nil && fi.Mode().Perm()&0o077 != 0 {
		_ = f.Chmod(0o600)
	}
	return &AuditLog{f: f, path: path}, nil
}

// Path is the file the log writes to.
func (l *AuditLog) Path() string { return l.path }

// Ready reports whether the log can be written: it is open and its last
// write, if any, succeeded. The Runner refuses to run anything while it is
// not (fail closed: an action we cannot audit does not run).
func (l *AuditLog) Ready() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.closed:
		return fmt.Errorf("%w: %s is closed", ErrAudit, l.path)
	case l.failed != nil:
		return fmt.Errorf("%w: last write to %s failed: %v — free disk space or fix the file's permissions", ErrAudit, l.path, l.failed)
	}
	return nil
}

// Append writes r as one line, in one write.
func (l *AuditLog) Append(r Record) error {
	r.Time = r.Time.UTC()
	line, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("%w: encode: %v", ErrAudit, err)
	}
	line = append(line, '\n')
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return fmt.Errorf("%w: %s is closed", ErrAudit, l.path)
	}
	n, err := l.f.Write(line)
	if err == nil && n != len(line) {
		err = errors.New("short write")
	}
	l.failed = err
	if err != nil {
		return fmt.Errorf("%w: write %s: %v — free disk space or fix the file's permissions", ErrAudit, l.path, err)
	}
	return nil
}

// Close closes the file; later writes fail and the Runner refuses to run.
func (l *AuditLog) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	return l.f.Close()
}
