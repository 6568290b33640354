// Package promtest starts the real Prometheus, node_exporter and
// postgres_exporter binaries of Debian's packages for integration tests, by
// hand: on 127.0.0.1 and free ports, with their own config and data
// directories under a temp dir, never as system services. It also serves a
// small exposition endpoint with cAdvisor's metric names (cAdvisor is not
// packaged) for the real Prometheus to scrape.
//
// Start what a test package needs once, in TestMain, and stop it there.
package promtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// RequireEnv names the variable that turns missing binaries into a failure
// (CI sets it after installing the packages).
const RequireEnv = "STACKTOP_REQUIRE_PROMETHEUS"

// Marker is printed when a test Prometheus starts; CI greps for it to prove
// the integration tests really ran.
const Marker = "INTEGRATION: prometheus"

// The Debian packages' binaries.
const (
	PrometheusBin       = "/usr/bin/prometheus"
	PromtoolBin         = "/usr/bin/promtool"
	NodeExporterBin     = "/usr/bin/prometheus-node-exporter"
	PostgresExporterBin = "/usr/bin/prometheus-postgres-exporter"
)

// ErrNoBinaries is returned when a package is not installed.
var ErrNoBinaries = errors.New("Prometheus binaries missing (install the prometheus, prometheus-node-exporter and prometheus-postgres-exporter packages)")

// Available reports whether every binary the harness runs is installed.
func Available() error {
	for _, b := range []string{PrometheusBin, NodeExporterBin, PostgresExporterBin} {
		if _, err := os.Stat(b); err != nil {
			return fmt.Errorf("%w: %s not found", ErrNoBinaries, b)
		}
	}
	return nil
}

// FreePort returns a TCP port on 127.0.0.1 that nothing listens on now.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Process is one started binary listening on Addr (host:port). It can be
// stopped and started again on the same port.
type Process struct {
	Name string
	Addr string
	Dir  string

	bin  string
	args []string
	env  []string

	// user and password answer the readiness probe's basic auth.
	user, password string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
}

func newProcess(name, bin, dir string, port int, env []string, args ...string) *Process {
	return &Process{Name: name, bin: bin, Dir: dir, Addr: "127.0.0.1:" + strconv.Itoa(port), args: args, env: env}
}

// URL is the process's base URL.
func (p *Process) URL() string { return "http://" + p.Addr }

// Start runs the binary and waits (at most 30 s) until readyPath answers 200
// (any answer when readyPath is "").
func (p *Process) Start(readyPath string) error {
	p.mu.Lock()
	if p.cmd != nil {
		p.mu.Unlock()
		return nil
	}
	log, err := os.OpenFile(filepath.Join(p.Dir, p.Name+".log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		p.mu.Unlock()
		return err
	}
	cmd := exec.Command(p.bin, p.args...)
	cmd.Dir = p.Dir
	cmd.Env = append(os.Environ(), p.env...)
	cmd.Stdout, cmd.Stderr = log, log
	// Its own process group, so a test's interrupt does not reach it first
	// and Stop ends exactly what we started.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		log.Close()
		p.mu.Unlock()
		return fmt.Errorf("start %s: %w", p.Name, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); log.Close(); close(done) }()
	p.cmd, p.done = cmd, done
	p.mu.Unlock()
	if err := p.waitReady(readyPath, 30*time.Second); err != nil {
		_ = p.Stop()
		return fmt.Errorf("%s did not come up on %s: %w\n%s", p.Name, p.Addr, err, p.LogTail())
	}
	return nil
}

func (p *Process) waitReady(path string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		p.mu.Lock()
		done := p.done
		p.mu.Unlock()
		select {
		case <-done:
			return errors.New("it exited")
		default:
		}
		req, _ := http.NewRequest(http.MethodGet, p.URL()+path, nil)
		if p.user != "" {
			req.SetBasicAuth(p.user, p.password)
		}
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
			if path == "" || resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("%s answers %s", path, resp.Status)
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Stop terminates the process and waits (at most 20 s, then kills) for it to exit.
func (p *Process) Stop() error {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.cmd, p.done = nil, nil
	p.mu.Unlock()
	if cmd == nil {
		return nil
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
	return nil
}

// LogTail is the end of the process's log, for failure messages.
func (p *Process) LogTail() string {
	b, _ := os.ReadFile(filepath.Join(p.Dir, p.Name+".log"))
	if len(b) > 3000 {
		b = b[len(b)-3000:]
	}
	return string(b)
}

// NodeExporter returns a node_exporter on a free port (not started);
// extra are more flags (e.g. --collector.disable-defaults and the few
// collectors a benchmark wants).
func NodeExporter(dir string, extra ...string) (*Process, error) {
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	args := []string{
		"--web.listen-address=127.0.0.1:" + strconv.Itoa(port),
		// Collectors that are slow or noisy on a busy CI box and that the
		// fleet view does not read.
		"--no-collector.arp", "--no-collector.bcache", "--no-collector.bonding",
		"--no-collector.btrfs", "--no-collector.infiniband", "--no-collector.ipvs",
		"--no-collector.nfs", "--no-collector.nfsd", "--no-collector.rapl", "--no-collector.xfs",
		"--no-collector.zfs", "--no-collector.tapestats", "--no-collector.hwmon",
		"--no-collector.thermal_zone", "--no-collector.powersupplyclass", "--no-collector.fibrechannel",
	}
	return newProcess("node_exporter-"+strconv.Itoa(port), NodeExporterBin, dir, port, nil, append(args, extra...)...), nil
}

// PostgresExporter returns a postgres_exporter for dsn on a free port (not started).
func PostgresExporter(dir, dsn string) (*Process, error) {
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	return newProcess("postgres_exporter-"+strconv.Itoa(port), PostgresExporterBin, dir, port,
		[]string{"DATA_SOURCE_NAME=" + dsn},
		"--web.listen-address=127.0.0.1:"+strconv.Itoa(port)), nil
}

// Job is one scrape job of the test Prometheus.
type Job struct {
	Name string
	// Targets are host:port addresses.
	Targets []string
	// Instances, when set, relabels each target's instance label (the same
	// length as Targets): many distinct hosts from a few exporters.
	Instances []string
	// Labels are extra target labels.
	Labels map[string]string
	// Drop is a regexp of metric names not to store (metric relabelling).
	Drop string
}

// PromConfig shapes a test Prometheus.
type PromConfig struct {
	// ScrapeInterval is the global scrape interval; 1s when zero.
	ScrapeInterval time.Duration
	Jobs           []Job
	// BasicAuth, when set, is a user and bcrypt hash for --web.config.file;
	// BasicAuthPassword is that user's password, for the readiness probe.
	BasicAuthUser, BasicAuthHash, BasicAuthPassword string
}

// Prometheus is a running test Prometheus.
type Prometheus struct {
	*Process
	Config PromConfig
}

// StartPrometheus writes a config, starts Prometheus on a free port with
// its own data directory under dir and waits until it is ready.
func StartPrometheus(dir string, cfg PromConfig) (*Prometheus, error) {
	if cfg.ScrapeInterval == 0 {
		cfg.ScrapeInterval = time.Second
	}
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	pdir := filepath.Join(dir, "prometheus-"+strconv.Itoa(port))
	if err := os.MkdirAll(pdir, 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(pdir, "prometheus.yml"), []byte(promYAML(cfg)), 0o644); err != nil {
		return nil, err
	}
	args := []string{
		"--config.file=" + filepath.Join(pdir, "prometheus.yml"),
		"--storage.tsdb.path=" + filepath.Join(pdir, "data"),
		"--web.listen-address=127.0.0.1:" + strconv.Itoa(port),
		"--web.enable-lifecycle",
		"--query.timeout=30s",
	}
	readyPath := "/-/ready"
	if cfg.BasicAuthUser != "" {
		web := fmt.Sprintf("basic_auth_users:\n  %s: %s\n", cfg.BasicAuthUser, cfg.BasicAuthHash)
		if err := os.WriteFile(filepath.Join(pdir, "web.yml"), []byte(web), 0o644); err != nil {
			return nil, err
		}
		args = append(args, "--web.config.file="+filepath.Join(pdir, "web.yml"))
	}
	p := newProcess("prometheus", PrometheusBin, pdir, port, nil, args...)
	p.user, p.password = cfg.BasicAuthUser, cfg.BasicAuthPassword
	if err := p.Start(readyPath); err != nil {
		return nil, err
	}
	fmt.Fprintf(os.Stderr, "%s on %s (%s)\n", Marker, p.Addr, pdir)
	return &Prometheus{Process: p, Config: cfg}, nil
}

func promYAML(cfg PromConfig) string {
	var b strings.Builder
	fmt.Fprintf(&b, "global:\n  scrape_interval: %s\n  scrape_timeout: %s\nscrape_configs:\n",
		cfg.ScrapeInterval, cfg.ScrapeInterval)
	for _, j := range cfg.Jobs {
		fmt.Fprintf(&b, "  - job_name: %q\n    static_configs:\n", j.Name)
		if len(j.Instances) == 0 {
			fmt.Fprintf(&b, "      - targets: [%s]\n", quoteList(j.Targets))
			writeLabels(&b, j.Labels, "")
			writeDrop(&b, j.Drop)
			continue
		}
		// One static config per target carries its instance name in a
		// label that relabelling turns into instance.
		for i, t := range j.Targets {
			fmt.Fprintf(&b, "      - targets: [%q]\n", t)
			writeLabels(&b, j.Labels, j.Instances[i])
		}
		b.WriteString("    relabel_configs:\n      - source_labels: [stk_instance]\n        target_label: instance\n" +
			"      - regex: stk_instance\n        action: labeldrop\n")
		writeDrop(&b, j.Drop)
	}
	return b.String()
}

func writeLabels(b *strings.Builder, labels map[string]string, instance string) {
	if len(labels) == 0 && instance == "" {
		return
	}
	b.WriteString("        labels:\n")
	for k, v := range labels {
		fmt.Fprintf(b, "          %s: %q\n", k, v)
	}
	if instance != "" {
		fmt.Fprintf(b, "          stk_instance: %q\n", instance)
	}
}

func writeDrop(b *strings.Builder, re string) {
	if re != "" {
		fmt.Fprintf(b, "    metric_relabel_configs:\n      - source_labels: [__name__]\n        regex: %q\n        action: drop\n", re)
	}
}

func quoteList(xs []string) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = strconv.Quote(x)
	}
	return strings.Join(q, ", ")
}

// Reload makes Prometheus re-read a new config (through /-/reload).
func (p *Prometheus) Reload(cfg PromConfig) error {
	if cfg.ScrapeInterval == 0 {
		cfg.ScrapeInterval = time.Second
	}
	if err := os.WriteFile(filepath.Join(p.Dir, "prometheus.yml"), []byte(promYAML(cfg)), 0o644); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, p.URL()+"/-/reload", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("reload: %s", resp.Status)
	}
	p.Config = cfg
	return nil
}

// Destroy stops Prometheus; the caller removes dir.
func (p *Prometheus) Destroy() {
	if p != nil {
		_ = p.Stop()
	}
}

// Cache serves a real exporter's last answer to every scrape, fetching a
// fresh one at most once per MaxAge: many scrape targets (a big fleet under
// relabelled instance names) then cost the exporter one scrape per MaxAge.
type Cache struct {
	Addr   string
	MaxAge time.Duration

	upstream string
	srv      *http.Server
	mu       sync.Mutex
	body     []byte
	fetched  time.Time
}

// StartCache listens on a free port and proxies upstream (a /metrics URL).
func StartCache(upstream string, maxAge time.Duration) (*Cache, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	c := &Cache{Addr: l.Addr().String(), MaxAge: maxAge, upstream: upstream}
	c.srv = &http.Server{Handler: http.HandlerFunc(c.serve), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = c.srv.Serve(l) }()
	return c, nil
}

// Close stops serving.
func (c *Cache) Close() { _ = c.srv.Close() }

func (c *Cache) serve(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	if time.Since(c.fetched) > c.MaxAge {
		ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, c.upstream, nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			var b strings.Builder
			_, err = io.Copy(&b, resp.Body)
			resp.Body.Close()
			if err == nil && resp.StatusCode == http.StatusOK {
				c.body, c.fetched = []byte(b.String()), time.Now()
			}
		}
		cancel()
	}
	body := c.body
	c.mu.Unlock()
	if body == nil {
		http.Error(w, "upstream unavailable", http.StatusBadGateway)
		return
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	_, _ = w.Write(body)
}
