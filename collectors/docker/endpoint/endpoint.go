// Package endpoint finds a Docker engine the way the docker CLI does and
// builds client options for it. In order: a configured context, a
// configured host, DOCKER_HOST, DOCKER_CONTEXT, the currentContext of
// config.json, the default socket. Hosts may be unix://, tcp:// (with TLS)
// or ssh://[user@]host[:port], the last reached through the system ssh
// client running `docker system dial-stdio` on the far side, as the CLI
// does, with the user's own ssh config and agent.
//
// The context store and the ssh connection helper are the docker CLI's own
// packages, so a context or an ssh:// host means here what it means to
// `docker`.
package endpoint

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/docker/cli/cli/connhelper"
	clidocker "github.com/docker/cli/cli/context/docker"
	"github.com/docker/cli/cli/context/store"
	"github.com/docker/docker/client"
	"github.com/docker/go-connections/tlsconfig"
)

// Spec is what the configuration says about one engine; all zero means
// "as the docker CLI would choose".
type Spec struct {
	// Host is [[docker]] host: unix://, tcp:// or ssh://.
	Host string
	// Context is [[docker]] context: a docker CLI context by name.
	Context string
	// TLS files for a tcp:// Host; TLSVerify checks the daemon's
	// certificate against TLSCACert (the CLI's --tlsverify).
	TLSCACert, TLSCert, TLSKey string
	TLSVerify                  bool
}

// Env is the process environment the resolution reads.
type Env struct {
	// Getenv reads a variable; nil means os.Getenv.
	Getenv func(string) string
	// Home is the user's home, for ~/.docker when DOCKER_CONFIG is unset;
	// "" means os.UserHomeDir.
	Home string
}

func (e Env) get(name string) string {
	if e.Getenv == nil {
		return os.Getenv(name)
	}
	return e.Getenv(name)
}

// configDir is $DOCKER_CONFIG, else ~/.docker, as the CLI finds it.
func (e Env) configDir() string {
	if d := e.get("DOCKER_CONFIG"); d != "" {
		return d
	}
	home := e.Home
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	return filepath.Join(home, ".docker")
}

// Endpoint is a resolved engine address.
type Endpoint struct {
	// Host is the daemon address: unix://..., tcp://... or ssh://...
	Host string
	// From says what chose Host, for messages: "[[docker]] host",
	// "DOCKER_HOST", `context "prod" (DOCKER_CONTEXT)`, "the default socket".
	From string

	spec    Spec                // TLS files of a configured host
	context *clidocker.Endpoint // set when a context chose Host
	fromEnv bool                // DOCKER_HOST or the default: the client reads the environment
}

// SSH reports whether the engine is reached through ssh.
func (e Endpoint) SSH() bool { return strings.HasPrefix(e.Host, "ssh://") }

// Local reports whether the engine listens on a socket of this machine,
// so its containers' cgroup files may be read here.
func (e Endpoint) Local() bool { return strings.HasPrefix(e.Host, "unix://") }

// Resolve finds the engine spec names, in the docker CLI's order of
// precedence. Errors name the variable or file that led to them.
func Resolve(spec Spec, env Env) (Endpoint, error) {
	switch {
	case spec.Host != "" && spec.Context != "":
		return Endpoint{}, errors.New("[[docker]] host and context are both set — keep one")
	case spec.Context != "":
		return loadContext(env, spec.Context, "[[docker]] context")
	case spec.Host != "":
		return Endpoint{Host: spec.Host, From: "[[docker]] host", spec: spec}, nil
	}
	if h := env.get("DOCKER_HOST"); h != "" {
		return Endpoint{Host: h, From: "DOCKER_HOST", fromEnv: true}, nil
	}
	if name := env.get("DOCKER_CONTEXT"); name != "" {
		return loadContext(env, name, "DOCKER_CONTEXT="+name)
	}
	cfgFile := filepath.Join(env.configDir(), "config.json")
	name, err := currentContext(cfgFile)
	if err != nil {
		return Endpoint{}, err
	}
	if name != "" {
		return loadContext(env, name, fmt.Sprintf("currentContext %q in %s", name, cfgFile))
	}
	return Endpoint{Host: client.DefaultDockerHost, From: "the default socket", fromEnv: true}, nil
}

// currentContext reads config.json's currentContext; a missing file means none.
func currentContext(path string) (string, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("%s: %w — fix its permissions or set DOCKER_CONFIG", path, err)
	}
	var cfg struct {
		CurrentContext string `json:"currentContext"`
	}
	if err := json.Unmarshal(data, &cfg); err != nil {
		return "", fmt.Errorf("%s: %v — fix the file or set DOCKER_CONFIG", path, err)
	}
	return cfg.CurrentContext, nil
}

// loadContext resolves a context by name through the CLI's context store;
// from names what asked for it. The context "default" is what DOCKER_HOST
// or the default socket says, as in the CLI.
func loadContext(env Env, name, from string) (Endpoint, error) {
	if name == "default" {
		if h := env.get("DOCKER_HOST"); h != "" {
			return Endpoint{Host: h, From: "DOCKER_HOST (" + from + ")", fromEnv: true}, nil
		}
		return Endpoint{Host: client.DefaultDockerHost, From: "the default socket (" + from + ")", fromEnv: true}, nil
	}
	dir := filepath.Join(env.configDir(), "contexts")
	s := store.New(dir, store.NewConfig(
		func() any { return &map[string]any{} },
		store.EndpointTypeGetter(clidocker.DockerEndpoint, func() any { return &clidocker.EndpointMeta{} }),
	))
	meta, err := s.GetMetadata(name)
	if err != nil {
		var nf interface{ NotFound() }
		if errors.As(err, &nf) {
			return Endpoint{}, fmt.Errorf("%s: no such context in %s — list them with `docker context ls`", from, dir)
		}
		return Endpoint{}, fmt.Errorf("%s: %v", from, err)
	}
	epMeta, err := clidocker.EndpointFromContext(meta)
	if err != nil {
		return Endpoint{}, fmt.Errorf("%s: %v", from, err)
	}
	ep, err := clidocker.WithTLSData(s, name, epMeta)
	if err != nil {
		return Endpoint{}, fmt.Errorf("%s: %v", from, err)
	}
	if ep.Host == "" {
		return Endpoint{}, fmt.Errorf("%s: the context has no docker host", from)
	}
	return Endpoint{Host: ep.Host, From: fmt.Sprintf("context %q (%s)", name, from), context: &ep}, nil
}

// SSH options: never a password or passphrase prompt (there is no
// terminal to answer it), a bounded connect, and a dead link noticed
// within ~30 s so the collector reconnects.
var sshFlags = []string{
	"-o", "BatchMode=yes",
	"-o", "ConnectTimeout=10",
	"-o", "ServerAliveInterval=10",
	"-o", "ServerAliveCountMax=3",
}

// MaxSSHConns bounds the ssh processes one engine uses: each HTTP
// connection is one `ssh … docker system dial-stdio`, kept alive and
// reused, so calls do not start new ones.
const MaxSSHConns = 16

// ClientOpts are the Docker client options for e. API versions are
// negotiated on the first call; building the options does no I/O.
func (e Endpoint) ClientOpts() ([]client.Opt, error) {
	switch {
	case e.SSH():
		return sshOpts(e.Host)
	case e.context != nil:
		return e.context.ClientOpts()
	case e.fromEnv:
		return []client.Opt{client.FromEnv, client.WithAPIVersionNegotiation()}, nil
	}
	return hostOpts(e.spec)
}

// sshOpts reach host through the system ssh client, as the CLI does.
func sshOpts(host string) ([]client.Opt, error) {
	if _, err := url.Parse(host); err != nil {
		return nil, fmt.Errorf("%s: %v", host, err)
	}
	helper, err := connhelper.GetConnectionHelperWithSSHOpts(host, sshFlags)
	if err != nil {
		return nil, err
	}
	tr := &http.Transport{
		DialContext:         helper.Dialer,
		MaxConnsPerHost:     MaxSSHConns,
		MaxIdleConnsPerHost: MaxSSHConns,
		IdleConnTimeout:     2 * time.Minute,
	}
	return []client.Opt{
		client.WithHTTPClient(&http.Client{Transport: tr}),
		client.WithHost(helper.Host),
		client.WithDialContext(helper.Dialer),
		client.WithVersionFromEnv(),
		client.WithAPIVersionNegotiation(),
	}, nil
}

// hostOpts are a configured host's options: the environment first (API
// version, DOCKER_CERT_PATH), then the host; with TLS files, TLS as the
// docker CLI does it — the daemon's certificate checked against the CA
// only with TLSVerify, encrypted only without.
func hostOpts(s Spec) ([]client.Opt, error) {
	opts := []client.Opt{client.FromEnv, client.WithAPIVersionNegotiation()}
	if s.TLSCACert != "" || s.TLSCert != "" {
		tc, err := tlsconfig.Client(tlsconfig.Options{
			CAFile: s.TLSCACert, CertFile: s.TLSCert, KeyFile: s.TLSKey,
			InsecureSkipVerify: !s.TLSVerify, ExclusiveRootPools: true,
		})
		if err != nil {
			return nil, err
		}
		hc := &http.Client{Transport: &http.Transport{TLSClientConfig: tc}, CheckRedirect: client.CheckRedirect}
		// The host must be applied after the new transport, so it dials it.
		opts = append(opts, client.WithHTTPClient(hc), client.WithHostFromEnv())
	}
	return append(opts, client.WithHost(s.Host)), nil
}
