// Package pgtest starts throwaway PostgreSQL clusters from the machine's
// server binaries for integration tests: initdb in a temp dir, listening on
// 127.0.0.1 and a free port, pg_stat_statements preloaded, SCRAM passwords on
// TCP so wrong passwords really fail. Tests run it as the postgres OS user
// when they run as root, because postgres refuses to run as root.
//
// One cluster per test package: start it in TestMain with Main and share it.
package pgtest

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/lib/pq" // the driver the collector uses, for helper queries; its quoting
)

// RequireEnv names the variable that turns a missing server into a failure
// (CI sets it after installing the postgresql package).
const RequireEnv = "STACKTOP_REQUIRE_POSTGRES"

// Marker is logged when a cluster starts; CI greps for it to prove the
// integration tests really ran.
const Marker = "INTEGRATION: postgres"

// SuperUser is the cluster's bootstrap superuser and SuperPassword its password.
const (
	SuperUser     = "postgres"
	SuperPassword = "stacktop-test-super"
)

// ErrNoServer is returned by Start when no server binaries are installed.
var ErrNoServer = errors.New("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin (install the postgresql package)")

// Config shapes a cluster.
type Config struct {
	// MaxConnections is the server's max_connections; 100 when zero.
	MaxConnections int
	// Settings are extra postgresql.conf lines ("name = value").
	Settings []string
	// PIDNamespace runs the server in a PID namespace of its own, as a
	// container would (unshare --pid --fork --mount-proc): its pids are not
	// the host's, the postmaster is pid 1 there. It needs root; without it
	// Start returns ErrNeedsRoot.
	PIDNamespace bool
}

// Cluster is one running throwaway server.
type Cluster struct {
	// BinDir holds the server binaries (initdb, pg_ctl, pgbench, ...).
	BinDir string
	// Dir is the temp dir holding data/, the socket and the log.
	Dir string
	// Host and Port are where the server listens (TCP).
	Host string
	Port int
	// Version is the major version of the binaries ("15").
	Version string

	cred  *syscall.Credential // run server tools as this user (set when root)
	pidns bool                // start the server in its own PID namespace
	ns    *nsServer           // the running server, when pidns
}

// BinDir finds the newest /usr/lib/postgresql/<major>/bin with a postgres binary.
func BinDir() (dir, version string, err error) { return newestBinDir("/usr/lib/postgresql") }

// newestBinDir is BinDir under root: the highest major by number (15 before 9).
func newestBinDir(root string) (dir, version string, err error) {
	matches, _ := filepath.Glob(filepath.Join(root, "*", "bin", "postgres"))
	sort.Slice(matches, func(i, j int) bool { return majorOf(matches[i]) > majorOf(matches[j]) })
	if len(matches) == 0 {
		return "", "", ErrNoServer
	}
	dir = filepath.Dir(matches[0])
	return dir, strconv.Itoa(majorOf(matches[0])), nil
}

func majorOf(binPath string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(binPath))))
	return n
}

// Start creates and starts a new cluster. The caller must Destroy it.
func Start(cfg Config) (*Cluster, error) {
	reapStale()
	bin, version, err := BinDir()
	if err != nil {
		return nil, err
	}
	c := &Cluster{BinDir: bin, Host: "127.0.0.1", Version: version, pidns: cfg.PIDNamespace}
	if err := c.prepareDir(); err != nil {
		return nil, err
	}
	if err := c.initdb(cfg); err != nil {
		c.removeDir()
		return nil, err
	}
	if err := c.Start(); err != nil {
		c.removeDir()
		return nil, err
	}
	return c, nil
}

// prepareDir makes a temp dir the postgres OS user owns and can reach.
func (c *Cluster) prepareDir() error {
	dir, err := os.MkdirTemp("", "stacktop-pgtest-")
	if err != nil {
		return err
	}
	c.Dir = dir
	// The pid of the test process lets a later run reap this cluster if this
	// process dies without stopping it (panic, test timeout).
	if err := os.WriteFile(filepath.Join(dir, "owner.pid"), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		return err
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return err
	}
	if os.Geteuid() != 0 {
		return nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return fmt.Errorf("running as root needs the postgres OS user: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	c.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	return os.Chown(dir, uid, gid)
}

func (c *Cluster) dataDir() string { return filepath.Join(c.Dir, "data") }

func (c *Cluster) initdb(cfg Config) error {
	pwfile := filepath.Join(c.Dir, "pwfile")
	if err := os.WriteFile(pwfile, []byte(SuperPassword+"\n"), 0o644); err != nil {
		return err
	}
	defer os.Remove(pwfile)
	if _, err := c.run(2*time.Minute, "initdb", "-D", c.dataDir(), "-U", SuperUser, "--pwfile", pwfile,
		"--auth-host=scram-sha-256", "--auth-local=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"); err != nil {
		return err
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	c.Port = port
	maxConn := cfg.MaxConnections
	if maxConn == 0 {
		maxConn = 100
	}
	conf := []string{
		"listen_addresses = '127.0.0.1'",
		"port = " + strconv.Itoa(port),
		"unix_socket_directories = '" + c.Dir + "'",
		"max_connections = " + strconv.Itoa(maxConn),
		"shared_preload_libraries = 'pg_stat_statements'",
		"pg_stat_statements.track = all",
		"fsync = off", "synchronous_commit = off", "full_page_writes = off",
		"shared_buffers = 128MB", "track_io_timing = on",
		"deadlock_timeout = 10s", // lock-tree tests hold waits; keep the detector out of the way
	}
	conf = append(conf, cfg.Settings...)
	f, err := os.OpenFile(filepath.Join(c.dataDir(), "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteString("\n# stacktop pgtest\n" + strings.Join(conf, "\n") + "\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// StartStandby clones primary with pg_basebackup (streaming, with a
// physical replication slot named slot) and starts it as a hot standby on
// a free port. The caller must Destroy it.
func StartStandby(primary *Cluster, slot string) (*Cluster, error) {
	c := &Cluster{BinDir: primary.BinDir, Host: primary.Host, Version: primary.Version}
	if err := c.prepareDir(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := c.Command(ctx, "pg_basebackup", "-D", c.dataDir(), "-h", primary.Host, "-p", strconv.Itoa(primary.Port),
		"-U", SuperUser, "-R", "-X", "stream", "-C", "-S", slot, "--no-sync")
	cmd.Env = append(cmd.Env, "PGPASSWORD="+SuperPassword, "PGSSLMODE=disable")
	if out, err := cmd.CombinedOutput(); err != nil {
		c.removeDir()
		return nil, fmt.Errorf("pg_basebackup: %w: %s", err, out)
	}
	port, err := freePort()
	if err != nil {
		c.removeDir()
		return nil, err
	}
	c.Port = port
	// The copied postgresql.conf names the primary's port and socket dir;
	// later lines win.
	f, err := os.OpenFile(filepath.Join(c.dataDir(), "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err == nil {
		_, err = fmt.Fprintf(f, "\nport = %d\nunix_socket_directories = '%s'\nhot_standby = on\n", port, c.Dir)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err == nil {
		err = c.Start()
	}
	if err != nil {
		c.removeDir()
		return nil, err
	}
	return c, nil
}

// Start (re)starts a stopped cluster and waits until it accepts connections.
func (c *Cluster) Start() error {
	if c.pidns {
		return c.startInNamespace()
	}
	_, err := c.run(2*time.Minute, "pg_ctl", "-D", c.dataDir(), "-l", filepath.Join(c.Dir, "server.log"),
		"-w", "-t", "60", "start")
	if err != nil {
		return fmt.Errorf("%w\nserver log:\n%s", err, c.logTail())
	}
	return nil
}

// Stop stops the server (fast shutdown) and waits for it to exit.
func (c *Cluster) Stop() error {
	if c.pidns {
		if c.ns == nil {
			return nil
		}
		return c.stopNamespace()
	}
	_, err := c.run(time.Minute, "pg_ctl", "-D", c.dataDir(), "-m", "fast", "-w", "-t", "60", "stop")
	return err
}

// Destroy stops the server and removes its directory.
func (c *Cluster) Destroy() {
	if c == nil {
		return
	}
	_ = c.Stop()
	c.removeDir()
}

func (c *Cluster) removeDir() {
	if c.Dir != "" {
		_ = os.RemoveAll(c.Dir)
	}
}

func (c *Cluster) logTail() string {
	b, _ := os.ReadFile(filepath.Join(c.Dir, "server.log"))
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// Command returns a command for a binary in BinDir, run as the postgres OS
// user when the tests run as root (server tools refuse root).
func (c *Cluster) Command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, filepath.Join(c.BinDir, name), args...)
	cmd.Dir = c.Dir
	if c.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	}
	cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8")
	return cmd
}

// ClientCommand returns a command for a client binary (psql, pgbench) run as
// the current user, with PGHOST/PGPORT/PGUSER/PGPASSWORD set for the superuser.
func (c *Cluster) ClientCommand(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, filepath.Join(c.BinDir, name), args...)
	cmd.Env = append(os.Environ(), "PGHOST="+c.Host, "PGPORT="+strconv.Itoa(c.Port),
		"PGUSER="+SuperUser, "PGPASSWORD="+SuperPassword, "PGSSLMODE=disable", "LC_ALL=C.UTF-8")
	return cmd
}

func (c *Cluster) run(timeout time.Duration, name string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := c.Command(ctx, name, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return out.Bytes(), fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(out.String()))
	}
	return out.Bytes(), nil
}

// DSN is a key=value connection string for user/password/dbname over TCP with
// sslmode=disable (the test server has no certificate).
func (c *Cluster) DSN(user, password, dbname string) string {
	return fmt.Sprintf("host=%s port=%d user=%s password='%s' dbname=%s sslmode=disable connect_timeout=5",
		c.Host, c.Port, user, strings.ReplaceAll(password, "'", `\'`), dbname)
}

// URL is the same target as a postgres:// URL (sslmode left to the caller via query).
func (c *Cluster) URL(user, password, dbname, query string) string {
	u := url.URL{Scheme: "postgres", User: url.UserPassword(user, password),
		Host: net.JoinHostPort(c.Host, strconv.Itoa(c.Port)), Path: "/" + dbname, RawQuery: query}
	return u.String()
}

// SuperDSN connects as the superuser to dbname.
func (c *Cluster) SuperDSN(dbname string) string { return c.DSN(SuperUser, SuperPassword, dbname) }

// Open returns a pool connected as the superuser to dbname.
func (c *Cluster) Open(dbname string) (*sql.DB, error) {
	return sql.Open("postgres", c.SuperDSN(dbname))
}

// Exec runs statements as the superuser in dbname, each with a 30 s limit.
func (c *Cluster) Exec(dbname string, stmts ...string) error {
	db, err := c.Open(dbname)
	if err != nil {
		return err
	}
	defer db.Close()
	for _, s := range stmts {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		_, err := db.ExecContext(ctx, s)
		cancel()
		if err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	return nil
}

// CreateRole creates a login role with a password (dropping an older one of
// that name) and grants it the given roles (e.g. "pg_monitor").
func (c *Cluster) CreateRole(name, password string, grants ...string) error {
	stmts := []string{
		fmt.Sprintf("DROP ROLE IF EXISTS %s", pq.QuoteIdentifier(name)),
		fmt.Sprintf("CREATE ROLE %s LOGIN PASSWORD %s", pq.QuoteIdentifier(name), pq.QuoteLiteral(password)),
	}
	for _, g := range grants {
		stmts = append(stmts, fmt.Sprintf("GRANT %s TO %s", pq.QuoteIdentifier(g), pq.QuoteIdentifier(name)))
	}
	return c.Exec("postgres", stmts...)
}

// CreateDatabase creates a database (if missing) owned by the superuser.
func (c *Cluster) CreateDatabase(name string) error {
	db, err := c.Open("postgres")
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var exists bool
	if err := db.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return err
	}
	if exists {
		return nil
	}
	_, err = db.ExecContext(ctx, "CREATE DATABASE "+pq.QuoteIdentifier(name))
	return err
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// reapStale stops clusters left behind by test processes that died without
// cleaning up (a panic or a test timeout skips TestMain's teardown).
func reapStale() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "stacktop-pgtest-*"))
	for _, dir := range dirs {
		b, err := os.ReadFile(filepath.Join(dir, "owner.pid"))
		if err != nil {
			continue
		}
		pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
		if pid <= 0 || syscall.Kill(pid, 0) == nil || errors.Is(syscall.Kill(pid, 0), syscall.EPERM) {
			continue // owner still alive
		}
		bin, _, err := BinDir()
		if _, nsErr := os.Stat(filepath.Join(dir, pidnsMarker)); nsErr == nil {
			killStaleNamespace(dir) // pg_ctl would signal the namespace's pid on the host
		} else if err == nil {
			c := &Cluster{BinDir: bin, Dir: dir}
			if os.Geteuid() == 0 {
				if u, err := user.Lookup("postgres"); err == nil {
					uid, _ := strconv.Atoi(u.Uid)
					gid, _ := strconv.Atoi(u.Gid)
					c.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
				}
			}
			_, _ = c.run(time.Minute, "pg_ctl", "-D", c.dataDir(), "-m", "immediate", "-w", "stop")
		}
		_ = os.RemoveAll(dir)
	}
}
