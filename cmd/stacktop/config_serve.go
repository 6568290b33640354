package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/stacktop/stacktop/actions"
	"github.com/stacktop/stacktop/ui/serve"
)

// serveSection is [serve] and its [[serve.users]].
type serveSection struct {
	Listen      string         `toml:"listen"`
	HostKey     string         `toml:"host_key"`
	MaxSessions *int           `toml:"max_sessions"`
	IdleTimeout *Duration      `toml:"idle_timeout"`
	Users       []serveUserSec `toml:"users"`
}

type serveUserSec struct {
	Name               string   `toml:"name"`
	Role               string   `toml:"role"`
	Keys               []string `toml:"keys"`
	AuthorizedKeysFile string   `toml:"authorized_keys_file"`
}

// ServeConfig is `stacktop serve`'s: where it listens, its host key, its
// limits and its users.
type ServeConfig struct {
	Listen      string
	HostKey     string
	MaxSessions int
	IdleTimeout time.Duration
	Users       []ServeUser
}

// ServeUser is one [[serve.users]]: its keys lines are parsed when the
// config loads; its authorized_keys_file is read when serve starts, so a
// file only the server can read, or one missing, never stops the
// dashboard or the other commands.
type ServeUser struct {
	serve.User
	KeysFile string
}

// serveUsers reads every user's authorized_keys_file and checks that each
// user has a key; the error names the user.
func (c ServeConfig) serveUsers() ([]serve.User, error) {
	out := make([]serve.User, 0, len(c.Users))
	for _, u := range c.Users {
		user := u.User
		if u.KeysFile != "" {
			keys, err := readAuthorizedKeys(u.KeysFile)
			if err != nil {
				return nil, fmt.Errorf("[[serve.users]] %q authorized_keys_file: %w", u.Name, err)
			}
			user.Keys = append(slices.Clone(user.Keys), keys...)
		}
		if len(user.Keys) == 0 {
			return nil, fmt.Errorf("[[serve.users]] %q has no key — add keys or authorized_keys_file", u.Name)
		}
		out = append(out, user)
	}
	return out, nil
}

// serve resolves [serve]. Keys are parsed here, so a bad key line is a
// config error with its place; a user needs at least one key.
func (r *resolver) serve(s *serveSection, stateDir string) ServeConfig {
	out := ServeConfig{
		Listen:      s.Listen,
		HostKey:     r.path(s.HostKey),
		MaxSessions: deref(s.MaxSessions, serve.DefaultMaxSessions),
		IdleTimeout: serve.DefaultIdleTimeout,
	}
	if out.Listen == "" {
		out.Listen = serve.DefaultListen
	}
	if out.HostKey == "" {
		out.HostKey = filepath.Join(stateDir, "serve_host_ed25519")
	}
	if s.IdleTimeout != nil {
		out.IdleTimeout = s.IdleTimeout.D
	}
	if out.MaxSessions < 1 {
		r.fail("serve.max_sessions", "serve.max_sessions: %d — must be at least 1", out.MaxSessions)
	}
	if out.IdleTimeout < time.Second {
		r.fail("serve.idle_timeout", "serve.idle_timeout: %s — must be at least 1s", out.IdleTimeout)
	}
	seen := map[string]bool{}
	for i, u := range s.Users {
		at := fmt.Sprintf("serve.users.%d", i)
		user := ServeUser{User: serve.User{Name: u.Name, Role: actions.Role(u.Role)}, KeysFile: r.path(u.AuthorizedKeysFile)}
		switch {
		case u.Name == "":
			r.fail(at+".name", "serve.users: a user has no name — name each one (it goes on the audit log)")
		case seen[u.Name]:
			r.fail(at+".name", "serve.users.name %q is used twice — names must be unique", u.Name)
		}
		seen[u.Name] = true
		if user.Role != actions.RoleViewer && user.Role != actions.RoleOperator {
			r.fail(at+".role", "serve.users.role %q — use \"viewer\" (watch only) or \"operator\" (may act)", u.Role)
		}
		for j, line := range u.Keys {
			k, _, _, _, err := gossh.ParseAuthorizedKey([]byte(line))
			if err != nil {
				r.fail(fmt.Sprintf("%s.keys.%d", at, j), "serve.users.keys: line %d of %q is not an authorized_keys line: %v", j+1, u.Name, err)
				continue
			}
			user.Keys = append(user.Keys, k)
		}
		if len(u.Keys) == 0 && u.AuthorizedKeysFile == "" && u.Name != "" {
			r.fail(at+".name", "serve.users.name %q has no key — add keys or authorized_keys_file", u.Name)
		}
		out.Users = append(out.Users, user)
	}
	return out
}

// readAuthorizedKeys parses an authorized_keys file, skipping comments and
// blank lines; any other bad line is an error naming it.
func readAuthorizedKeys(path string) ([]gossh.PublicKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w — check the path", err)
	}
	var keys []gossh.PublicKey
	for n, line := range bytes.Split(data, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		k, _, _, _, err := gossh.ParseAuthorizedKey(line)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: not an authorized_keys line: %v", path, n+1, err)
		}
		keys = append(keys, k)
	}
	return keys, nil
}
