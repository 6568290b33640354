package docker

import (
	"context"
	"errors"
	"fmt"
	"github.com/stacktop/stacktop/ui/internal/keytest"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/stacktop/stacktop/collectors"
	ds "github.com/stacktop/stacktop/collectors/docker"
	"github.com/stacktop/stacktop/ui/internal/fixture"
	"github.com/stacktop/stacktop/ui/theme"
	"github.com/stacktop/stacktop/ui/view"
)

const (
	mib = 1 << 20
	gib = 1 << 30
)

// Hostile text: colour, a title-setting OSC, a bell, a bidi override.
const (
	evilName  = "ev\x1b[31mil\x1b]0;pwned\x07\u202e-box"
	evilImage = "img\x1b[2J:latest"
	evilLabel = "\x1b]52;c;Y2xpcGJvYXJk\x07label"
)

func rate(v float64) collectors.Rate { return collectors.Rate{PerSec: v, Valid: true} }

// id makes a 64-hex container ID from a short seed.
func id(seed string) string {
	h := fmt.Sprintf("%x", seed)
	return (h + strings.Repeat("0", 64))[:64]
}

// running is a running container with stats and a history of samples.
func running(name, project, service, image string, cpu float64, mem uint64, started time.Duration) ds.Container {
	now := fixture.Now()
	c := ds.Container{
		ID: id(name), Name: name, Image: image, ComposeProject: project, ComposeService: service,
		State: "running", Status: "Up", Created: now.Add(-started - time.Minute), StartedAt: now.Add(-started),
		Stats: ds.Stats{
			CPU: rate(cpu), MemValid: true, MemUsed: mem, MemLimit: 2 * gib,
			NetRx: rate(12 * 1024), NetTx: rate(3 * 1024), BlockRead: rate(0), BlockWrite: rate(64 * 1024), PIDs: 12,
		},
	}
	if project != "" {
		c.Labels = map[string]string{"com.docker.compose.project": project, "com.docker.compose.service": service}
	}
	for i := range 40 {
		s := ds.Sample{At: now.Add(time.Duration(i-40) * 2 * time.Second), CPU: rate(cpu * float64(i%10) / 9), MemUsed: mem * uint64(30+i) / 70}
		if i == 0 {
			s.CPU = collectors.Rate{} // the first sample has no rate
		}
		c.History = append(c.History, s)
	}
	return c
}

// stopped is an exited (or created) container.
func stopped(name, project, service, state string, code int, ago time.Duration) ds.Container {
	now := fixture.Now()
	return ds.Container{
		ID: id(name), Name: name, Image: "shop/" + service + ":1.4", ComposeProject: project, ComposeService: service,
		State: state, Created: now.Add(-ago - time.Hour), StartedAt: now.Add(-ago - 10*time.Minute),
		FinishedAt: now.Add(-ago), ExitCode: code,
	}
}

// fleetSnapshot is a Docker host with compose groups, every problem kind,
// hostile names and labels, and extra idle containers in a "fleet" project.
func fleetSnapshot(extra int) *ds.Snapshot {
	now := fixture.Now()
	proxy := running("proxy", "", "", "nginx:1.25", 2.5, 40*mib, 3*24*time.Hour)
	proxy.Ports = []ds.Port{
		{IP: "0.0.0.0", PrivatePort: 80, PublicPort: 80, Type: "tcp"},
		{IP: "::", PrivatePort: 80, PublicPort: 80, Type: "tcp"},
		{IP: "127.0.0.1", PrivatePort: 443, PublicPort: 8443, Type: "tcp"},
		{PrivatePort: 9000, Type: "tcp"},
	}
	evil := running(evilName, "", "", evilImage, 0.4, 8*mib, 5*time.Minute)
	evil.Labels = map[string]string{evilLabel: "v\x1b[5malue"}
	api := running("shop-api-1", "shop", "api", "shop/api:1.4", 35.2, 310*mib, 2*time.Hour)
	api.Health, api.FailingStreak = "unhealthy", 4
	web := running("shop-web-1", "shop", "web", "shop/web:1.4", 12.1, 120*mib, 2*time.Hour)
	web.Health = "healthy"
	db := running("shop-db-1", "shop", "db", "postgres:15", 8.4, 1200*mib, 26*time.Hour)
	worker := stopped("shop-worker-1", "shop", "worker", "restarting", 1, 4*time.Second)
	worker.RestartCount = 7
	migrate := stopped("shop-migrate-1", "shop", "migrate", "exited", 0, 2*time.Hour)
	job := stopped("batch-job-1", "batch", "job", "exited", 1, 3*time.Minute)
	oom := stopped("batch-cruncher-1", "batch", "cruncher", "exited", 137, 40*time.Minute)
	oom.OOMKilled = true
	cron := stopped("batch-cron-1", "batch", "cron", "created", 0, time.Hour)
	cron.FinishedAt = time.Time{}
	burner := running("batch-burner-1", "batch", "burner", "shop/burn:1", 99.6, 64*mib, 10*time.Minute)
	s := &ds.Snapshot{
		Taken: now, Host: "unix:///var/run/docker.sock", EngineVersion: "20.10.24", APIVersion: "1.41",
		Cores: 8, MemTotal: 16 * gib, StatsFrom: ds.StatsCgroup,
		Containers: []ds.Container{proxy, evil, job, oom, cron, burner, api, web, db, worker, migrate},
		Stream:     ds.StreamStatus{Connected: true},
	}
	for i := range extra {
		c := running(fmt.Sprintf("fleet-svc-%03d", i), "fleet", fmt.Sprintf("svc-%03d", i), "fleet/svc:2",
			float64(i%17)*1.3, uint64(20+i%50)*mib, time.Duration(i+1)*time.Minute)
		s.Containers = append(s.Containers, c)
	}
	return s
}

// remoteSnapshot is a second engine, reached over ssh:// (stats from the
// API): a compose project with an exited container, and one standalone.
func remoteSnapshot() *ds.Snapshot {
	now := fixture.Now()
	web := running("blog-web-1", "blog", "web", "ghost:5", 4.2, 180*mib, 5*time.Hour)
	db := running("blog-db-1", "blog", "db", "mysql:8", 1.1, 420*mib, 5*time.Hour)
	backup := stopped("blog-backup-1", "blog", "backup", "exited", 2, 20*time.Minute)
	tunnel := running("tunnel", "", "", "cloudflared:2024", 0.3, 24*mib, 9*24*time.Hour)
	return &ds.Snapshot{
		Taken: now, Host: "ssh://deploy@blog.example.net", EngineVersion: "27.3.1", APIVersion: "1.47",
		Cores: 4, MemTotal: 8 * gib, StatsFrom: ds.StatsAPI,
		Containers: []ds.Container{web, db, backup, tunnel},
		Stream:     ds.StreamStatus{Connected: true},
	}
}

func source(name string) collectors.SourceID {
	return collectors.SourceID{Kind: collectors.KindDocker, Name: name}
}

// ok is the update the hub publishes after a good poll of s.
func ok(name string, s *ds.Snapshot) collectors.Update {
	return collectors.Update{Source: source(name), Snapshot: s, LastGood: s.Taken, PolledAt: s.Taken, Interval: fixture.Interval}
}

// down is a configured host that does not answer.
func down(name string) collectors.Update {
	return collectors.Update{Source: source(name), PolledAt: fixture.Now(), Interval: fixture.Interval, Failures: 3,
		Err: errors.New(`docker "` + name + `": version: cannot connect to tcp://10.0.0.5:2376 — is the Docker daemon running? Set [[docker]] host or DOCKER_HOST`)}
}

// notFound is the default host when no engine is installed.
func notFound(name string) collectors.Update {
	return collectors.Update{Source: source(name), Implicit: true, PolledAt: fixture.Now(), Interval: fixture.Interval,
		Err: fmt.Errorf(`docker %q: version: cannot connect to unix:///var/run/docker.sock: %w`, name, collectors.ErrSourceAbsent)}
}

func plainStyles() *theme.Styles {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	return theme.Default().Styles(r)
}

func colourStyles() *theme.Styles {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.TrueColor)
	return theme.Default().Styles(r)
}

func testCtx(st *theme.Styles, w, h int) view.Context {
	return view.Context{Width: w, Height: h, Styles: st, Now: fixture.Now(), Thresholds: view.DefaultThresholds()}
}

// newTab is a w×h Docker tab showing the fleet on host "local", with a
// fake engine for the panes.
func newTab(t testing.TB, w, h, extra int, opts Options) (*Tab, view.Context, *fakeEngine) {
	t.Helper()
	eng := newFakeEngine()
	if opts.Engines == nil {
		opts.Engines = map[string]Engine{"local": eng}
	}
	ctx := testCtx(plainStyles(), w, h)
	tab := New(ctx.Styles, opts)
	tab.Update(view.SizeMsg{Width: w, Height: h})
	tab.Update(ok("local", fleetSnapshot(extra)))
	t.Cleanup(eng.closeAll)
	return tab, ctx, eng
}

// press types keys; names of special keys are spelled out.
func press(t *Tab, ks ...string) {
	for _, k := range ks {
		run(t, t.updateCmd(keytest.Msg(k)))
	}
}

// updateCmd is Update returning only the command.
func (t *Tab) updateCmd(msg tea.Msg) tea.Cmd {
	_, cmd := t.Update(msg)
	return cmd
}

// run executes a command as bubbletea would, feeding its messages back,
// and follows the commands those return. A command still blocked after a
// short while (a log stream waiting for lines) is abandoned; it ends when
// its stream is closed.
func run(t *Tab, cmd tea.Cmd) { runWait(t, cmd, 300*time.Millisecond) }

// runWait is run waiting up to wait for each command (longer for calls to
// a real engine).
func runWait(t *Tab, cmd tea.Cmd, wait time.Duration) {
	for depth := 0; cmd != nil && depth < 8; depth++ {
		msg, ok := exec(cmd, wait)
		if !ok {
			return
		}
		if batch, isBatch := msg.(tea.BatchMsg); isBatch {
			for _, c := range batch {
				runWait(t, c, wait)
			}
			return
		}
		if msg == nil {
			return
		}
		cmd = t.updateCmd(msg)
	}
}

func exec(cmd tea.Cmd, wait time.Duration) (tea.Msg, bool) {
	ch := make(chan tea.Msg, 1)
	go func() { ch <- cmd() }()
	select {
	case m := <-ch:
		return m, true
	case <-time.After(wait):
		return nil, false
	}
}

// fakeEngine answers the panes from fixtures: inspect data built from the
// request, and fixed log lines. Reveal requests are recorded.
type fakeEngine struct {
	mu      sync.Mutex
	reveals []bool
	streams []*fakeStream
	lines   []ds.LogLine
	gone    map[string]bool
	logsErr error // when set, opening a stream fails with it
}

func newFakeEngine() *fakeEngine {
	return &fakeEngine{lines: fixtureLines(), gone: map[string]bool{}}
}

func (e *fakeEngine) Inspect(_ context.Context, cid string, reveal bool) (ds.Detail, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.reveals = append(e.reveals, reveal)
	if e.gone[cid] {
		return ds.Detail{}, errors.New(`docker "local": inspect ` + cid[:12] + `: no such container — it was removed; pick another`)
	}
	return fixtureDetail(cid, reveal), nil
}

func (e *fakeEngine) Logs(_ context.Context, cid string, opts ds.LogOptions) (LogStream, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.logsErr != nil {
		return nil, e.logsErr
	}
	if !opts.Follow {
		// A one-off read (an earlier page): the lines up to Until, ended.
		var lines []ds.LogLine
		for _, l := range e.lines {
			if opts.Until.IsZero() || !l.Time.After(opts.Until) {
				lines = append(lines, l)
			}
		}
		s := &fakeStream{lines: lines, updated: make(chan struct{}, 1), done: make(chan struct{})}
		s.Close()
		return s, nil
	}
	s := &fakeStream{lines: e.lines, updated: make(chan struct{}, 1), done: make(chan struct{})}
	e.streams = append(e.streams, s)
	return s, nil
}

func (e *fakeEngine) closeAll() {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, s := range e.streams {
		s.Close()
	}
}

// fakeStream is a log buffer the test fills.
type fakeStream struct {
	mu      sync.Mutex
	lines   []ds.LogLine
	updated chan struct{}
	done    chan struct{}
	once    sync.Once
	err     error // why the stream ended, set by fail
}

func (s *fakeStream) Lines() []ds.LogLine {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]ds.LogLine(nil), s.lines...)
}
func (s *fakeStream) Updated() <-chan struct{} { return s.updated }
func (s *fakeStream) Done() <-chan struct{}    { return s.done }
func (s *fakeStream) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}
func (s *fakeStream) Dropped() uint64 { return 0 }
func (s *fakeStream) TTY() bool       { return false }
func (s *fakeStream) Close()          { s.once.Do(func() { close(s.done) }) }

// fail ends the stream with err, as a broken connection would.
func (s *fakeStream) fail(err error) {
	s.mu.Lock()
	s.err = err
	s.mu.Unlock()
	s.Close()
}

// add appends a line as a following stream would.
func (s *fakeStream) add(text string, stream ds.Stream) {
	s.mu.Lock()
	seq := uint64(1)
	if n := len(s.lines); n > 0 {
		seq = s.lines[n-1].Seq + 1
	}
	s.lines = append(s.lines, ds.LogLine{Seq: seq, Stream: stream, Text: text, Time: fixture.Now()})
	s.mu.Unlock()
	select {
	case s.updated <- struct{}{}:
	default:
	}
}

// fixtureLines are 40 lines of a web service's log: requests on stdout,
// errors on stderr, one line with escape sequences, one very long line.
func fixtureLines() []ds.LogLine {
	var out []ds.LogLine
	at := fixture.Now().Add(-time.Minute)
	for i := 1; i <= 40; i++ {
		l := ds.LogLine{Seq: uint64(i), Stream: ds.Stdout, Time: at.Add(time.Duration(i) * 1500 * time.Millisecond)}
		switch {
		case i%9 == 0:
			l.Stream, l.Text = ds.Stderr, fmt.Sprintf("ERROR upstream timed out after 5s (request %d): connect error to db:5432", i)
		case i == 13:
			l.Text = "\x1b[1;31mcoloured\x1b[0m status \x1b]0;owned\x07 line with \x1b[2J clear-screen"
		case i == 21:
			l.Text = "payload " + strings.Repeat("abcdefghij", 30) + " end"
			l.Cut = 4096
		default:
			l.Text = fmt.Sprintf(`10.0.0.%d - - "GET /api/orders/%d HTTP/1.1" 200 %d`, i%7+2, 1000+i, 300+i*13)
		}
		out = append(out, l)
	}
	return out
}

// fixtureDetail is what inspect would say about the container with ID cid.
func fixtureDetail(cid string, reveal bool) ds.Detail {
	now := fixture.Now()
	secret := ds.Mask
	if reveal {
		secret = "hunter2"
	}
	return ds.Detail{
		ID: cid, Name: "shop-api-1", Image: "shop/api:1.4", Created: now.Add(-3 * time.Hour),
		Entrypoint: []string{"/docker-entrypoint.sh"}, Command: []string{"api", "--listen", ":8080", "--banner", "hello world", "--db-password=s3cret"},
		WorkingDir: "/srv", User: "app",
		Env: []ds.EnvVar{
			{Key: "PATH", Value: "/usr/local/bin:/usr/bin"},
			{Key: "DB_PASSWORD", Value: secret, Masked: !reveal},
			{Key: "API_TOKEN", Value: secret, Masked: !reveal},
			{Key: "LOG_LEVEL", Value: "info\x1b[31m"},
		},
		Labels: map[string]string{"com.docker.compose.project": "shop", "com.docker.compose.service": "api", evilLabel: "x"},
		Mounts: []ds.Mount{{Type: "volume", Name: "shop_data", Destination: "/var/lib/data", ReadWrite: true},
			{Type: "bind", Source: "/etc/shop", Destination: "/etc/shop", Mode: "ro"}},
		Networks:      []ds.Network{{Name: "shop_default", IPAddress: "172.18.0.3", Gateway: "172.18.0.1", Aliases: []string{"api", "shop-api-1"}}},
		Ports:         []ds.Port{{IP: "0.0.0.0", PrivatePort: 8080, PublicPort: 18080, Type: "tcp"}},
		RestartPolicy: "unless-stopped",
		Healthcheck: &ds.Healthcheck{
			Test: []string{"CMD-SHELL", "curl -fsS localhost:8080/health"}, Interval: 30 * time.Second, Timeout: 5 * time.Second,
			Retries: 3, Status: "unhealthy", FailingStreak: 4,
			Results: []ds.HealthResult{
				{Start: now.Add(-95 * time.Second), End: now.Add(-94 * time.Second), ExitCode: 0, Output: "ok"},
				{Start: now.Add(-65 * time.Second), End: now.Add(-60 * time.Second), ExitCode: 1, Output: "curl: (28) timeout\x1b[0m\n"},
				{Start: now.Add(-35 * time.Second), End: now.Add(-30 * time.Second), ExitCode: 1, Output: "curl: (7) Failed to connect"},
			},
		},
		State: "running", Pid: 4321, StartedAt: now.Add(-2 * time.Hour), RestartCount: 2,
		MemoryLimit: 512 * mib, NanoCPUs: 1_500_000_000,
	}
}
