// Package serve is `stacktop serve`: one stacktop for a whole on-call
// team, over SSH. Every session is one more viewer of the same Hub (the
// sources see no more load for ten sessions than for one) and one more
// actor for the same Runner, with the role of the key it logged in with.
//
// Built on wish v1 (charmbracelet's SSH server) with its bubbletea helpers
// for each session's renderer: the dashboard itself is ui.Run, the very
// code the local terminal runs, with the session's input, output, size and
// renderer.
//
// No key, no entry: only public-key authentication is offered (no password,
// no keyboard-interactive), only configured keys pass, and a session's
// identity is the fingerprint of the key that signed — never the SSH user
// name, never a value a handler set while other keys were tried.
package serve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/ssh"
	"github.com/charmbracelet/wish"
	bm "github.com/charmbracelet/wish/bubbletea"
	"github.com/charmbracelet/wish/ratelimiter"
	gossh "golang.org/x/crypto/ssh"
	"golang.org/x/time/rate"

	"github.com/stacktop/stacktop/actions"
)

// Defaults for zero Options fields.
const (
	DefaultListen      = "127.0.0.1:2222"
	DefaultMaxSessions = 32
	DefaultIdleTimeout = 30 * time.Minute
	// Goodbye is what every session reads when the server stops.
	Goodbye = "stacktop serve is stopping"
)

// User is one configured user: a name, a role and the keys that log in as it.
type User struct {
	Name string
	Role actions.Role
	Keys []gossh.PublicKey
}

// Session is what a handler learns of one served session.
type Session struct {
	ssh.Session
	// Actor is who this session is: the user its signing key belongs to.
	Actor actions.Actor
}

// Options configure the server. cmd/stacktop builds them from [serve].
type Options struct {
	Listen string
	// HostKeyPath is the ed25519 host key, created (mode 0600) when missing
	// and reused after, so clients never see "host key changed".
	HostKeyPath string
	MaxSessions int
	IdleTimeout time.Duration
	Users       []User
	// Dashboard runs one session's dashboard until it ends; watchers lists
	// every session's user for its header.
	Dashboard func(ctx context.Context, s Session, watchers func() []string) error
	// Command runs a non-interactive command (`ssh host snapshot --json`)
	// and returns its exit status.
	Command func(ctx context.Context, s Session, args []string) int
	// Logger records connections, refusals and sessions; nil discards.
	Logger *slog.Logger
}

// Server serves the dashboard over SSH.
type Server struct {
	opts  Options
	srv   *ssh.Server
	byFP  map[string]User // by SHA256 fingerprint
	log   *slog.Logger
	mu    sync.Mutex
	open  map[*Session]struct{}
	stops map[*Session]context.CancelFunc
	wg    sync.WaitGroup
}

// New checks opts and builds the server; it listens only in Serve.
func New(opts Options) (*Server, error) {
	if opts.Listen == "" {
		opts.Listen = DefaultListen
	}
	if opts.MaxSessions <= 0 {
		opts.MaxSessions = DefaultMaxSessions
	}
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = DefaultIdleTimeout
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{opts: opts, byFP: map[string]User{}, log: opts.Logger, open: map[*Session]struct{}{}, stops: map[*Session]context.CancelFunc{}}
	for _, u := range opts.Users {
		for _, k := range u.Keys {
			s.byFP[gossh.FingerprintSHA256(k)] = u
		}
	}
	if len(s.byFP) == 0 {
		// wish lets everyone in when no authentication handler is set; with
		// no key there is nobody to let in, so there is nothing to serve.
		return nil, errors.New("no [[serve.users]] with a key — add a user with keys or authorized_keys_file; serve lets in only configured keys")
	}
	if err := os.MkdirAll(filepath.Dir(opts.HostKeyPath), 0o700); err != nil {
		return nil, fmt.Errorf("host key %s: %w", opts.HostKeyPath, err)
	}
	srv, err := wish.NewServer(
		wish.WithAddress(opts.Listen),
		wish.WithHostKeyPath(opts.HostKeyPath),
		wish.WithPublicKeyAuth(s.knownKey),
		wish.WithIdleTimeout(opts.IdleTimeout),
		wish.WithMiddleware(
			s.handle,
			// Applied outermost: at most 5 new sessions a second per address,
			// bursts of 20 (a team behind one NAT opening its sessions at
			// once), before anything else runs.
			ratelimiter.Middleware(ratelimiter.NewRateLimiter(rate.Every(200*time.Millisecond), 20, 1024)),
		),
	)
	if err != nil {
		return nil, fmt.Errorf("host key %s: %w — remove it to make a new one, or set [serve] host_key", opts.HostKeyPath, err)
	}
	if srv.PasswordHandler != nil || srv.KeyboardInteractiveHandler != nil || srv.PublicKeyHandler == nil {
		return nil, errors.New("serve: only public-key authentication may be on — this is a bug")
	}
	s.srv = srv
	return s, nil
}

// knownKey lets a key through authentication when it is a configured
// user's. It decides nothing else: the session takes its identity from the
// key that signed (see identify), since this is also asked about keys a
// client only offers.
func (s *Server) knownKey(ctx ssh.Context, key ssh.PublicKey) bool {
	_, ok := s.byFP[gossh.FingerprintSHA256(key)]
	if !ok {
		s.log.Info("serve: unknown key refused", "remote", ctx.RemoteAddr().String(), "fingerprint", gossh.FingerprintSHA256(key))
	}
	return ok
}

// identify is the session's actor, from the key that signed — checked
// again here, once the session starts.
func (s *Server) identify(sess ssh.Session) (actions.Actor, bool) {
	key := sess.PublicKey()
	if key == nil {
		return actions.Actor{}, false
	}
	fp := gossh.FingerprintSHA256(key)
	u, ok := s.byFP[fp]
	if !ok {
		return actions.Actor{}, false
	}
	return actions.Actor{User: u.Name, Role: u.Role, KeyFingerprint: fp, RemoteAddr: sess.RemoteAddr().String()}, true
}

// handle is every session: identity, limits, then the command or the
// dashboard.
func (s *Server) handle(_ ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		actor, ok := s.identify(sess)
		if !ok {
			wish.Fatalln(sess, "stacktop serve: this key is not allowed")
			return
		}
		me := &Session{Session: sess, Actor: actor}
		ctx, cancel := context.WithCancel(sess.Context())
		defer cancel()
		if !s.enter(me, cancel) {
			wish.Fatalln(sess, fmt.Sprintf("stacktop serve: %d sessions already — try again later", s.opts.MaxSessions))
			return
		}
		defer s.leave(me)
		log := s.log.With("user", actor.User, "role", actor.Role, "fingerprint", actor.KeyFingerprint, "remote", actor.RemoteAddr)
		if args := sess.Command(); len(args) > 0 {
			log.Info("serve: command", "args", args)
			_ = sess.Exit(s.opts.Command(ctx, *me, args))
			return
		}
		if _, _, ok := sess.Pty(); !ok {
			wish.Fatalln(sess, "stacktop serve: the dashboard needs a terminal — connect with ssh -t, or run a command: ssh HOST snapshot --json")
			return
		}
		log.Info("serve: session started")
		err := s.opts.Dashboard(ctx, *me, s.watchers)
		if ctx.Err() != nil && sess.Context().Err() == nil {
			// The server is stopping: the dashboard has restored the terminal.
			wish.Println(sess, Goodbye)
		}
		log.Info("serve: session ended", "err", err)
		_ = sess.Exit(0)
	}
}

// Renderer is the session's own renderer, from the client's TERM and
// environment: no style is built from the server's stdout.
func (s Session) Renderer() *lipgloss.Renderer { return bm.MakeRenderer(s.Session) }

// Resizes turns the session's window changes into the sizes ui.Run takes;
// the first is the size the client asked for with its PTY.
func (s Session) Resizes(ctx context.Context) <-chan tea.WindowSizeMsg {
	pty, changes, _ := s.Pty()
	out := make(chan tea.WindowSizeMsg, 1)
	out <- tea.WindowSizeMsg{Width: pty.Window.Width, Height: pty.Window.Height}
	go func() {
		defer close(out)
		for {
			select {
			case <-ctx.Done():
				return
			case w, ok := <-changes:
				if !ok {
					return
				}
				select {
				case out <- tea.WindowSizeMsg{Width: w.Width, Height: w.Height}:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return out
}

func (s *Server) enter(me *Session, stop context.CancelFunc) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.open) >= s.opts.MaxSessions {
		return false
	}
	s.open[me] = struct{}{}
	s.stops[me] = stop
	s.wg.Add(1)
	return true
}

func (s *Server) leave(me *Session) {
	s.mu.Lock()
	delete(s.open, me)
	delete(s.stops, me)
	s.mu.Unlock()
	s.wg.Done()
}

// watchers is every open session's user name, sorted (a user with two
// sessions counts twice).
func (s *Server) watchers() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.open))
	for me := range s.open {
		out = append(out, me.Actor.User)
	}
	slices.Sort(out)
	return out
}

// Sessions is how many sessions are open.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.open)
}

// Serve listens on Options.Listen until ctx ends, then tells every session
// Goodbye (each dashboard restores its terminal first) and closes.
func (s *Server) Serve(ctx context.Context, ready func(addr net.Addr)) error {
	l, err := net.Listen("tcp", s.opts.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w — pick another [serve] listen or --listen", s.opts.Listen, err)
	}
	if ready != nil {
		ready(l.Addr())
	}
	done := make(chan error, 1)
	go func() { done <- s.srv.Serve(l) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	s.mu.Lock()
	for _, stop := range s.stops {
		stop()
	}
	s.mu.Unlock()
	// Sessions finish their goodbye before the connections go.
	waited := make(chan struct{})
	go func() { s.wg.Wait(); close(waited) }()
	select {
	case <-waited:
	case <-time.After(5 * time.Second):
	}
	sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = s.srv.Shutdown(sctx)
	_ = s.srv.Close()
	if err := <-done; err != nil && !errors.Is(err, ssh.ErrServerClosed) {
		return err
	}
	return nil
}
