package endpoint

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fixture is a ~/.docker made by the docker CLI itself (docker context
// create prod|staging|sock; docker context use staging).
const fixture = "testdata/dotdocker"

func env(vars map[string]string) Env {
	return Env{Getenv: func(k string) string { return vars[k] }, Home: "/nonexistent-home"}
}

func TestPrecedence(t *testing.T) {
	cfg := map[string]string{"DOCKER_CONFIG": fixture}
	with := func(extra map[string]string) Env {
		m := map[string]string{}
		for k, v := range cfg {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return env(m)
	}
	cases := []struct {
		name       string
		spec       Spec
		env        Env
		host, from string
	}{
		{"currentContext of config.json", Spec{}, with(nil), "tcp://127.0.0.1:23760", `context "staging" (currentContext "staging" in ` + filepath.Join(fixture, "config.json") + ")"},
		{"DOCKER_CONTEXT over currentContext", Spec{}, with(map[string]string{"DOCKER_CONTEXT": "prod"}), "ssh://deploy@prod.example:2222", `context "prod" (DOCKER_CONTEXT=prod)`},
		{"DOCKER_HOST over DOCKER_CONTEXT", Spec{}, with(map[string]string{"DOCKER_CONTEXT": "prod", "DOCKER_HOST": "unix:///tmp/x.sock"}), "unix:///tmp/x.sock", "DOCKER_HOST"},
		{"[[docker]] host over DOCKER_HOST", Spec{Host: "ssh://me@h"}, with(map[string]string{"DOCKER_HOST": "unix:///tmp/x.sock"}), "ssh://me@h", "[[docker]] host"},
		{"[[docker]] context over everything", Spec{Context: "sock"}, with(map[string]string{"DOCKER_CONTEXT": "prod", "DOCKER_HOST": "unix:///tmp/x.sock"}), "unix:///run/other.sock", `context "sock" ([[docker]] context)`},
		{"context default is DOCKER_HOST", Spec{Context: "default"}, with(map[string]string{"DOCKER_HOST": "tcp://127.0.0.1:1"}), "tcp://127.0.0.1:1", "DOCKER_HOST ([[docker]] context)"},
		{"nothing: the default socket", Spec{}, env(map[string]string{"DOCKER_CONFIG": t.TempDir()}), "unix:///var/run/docker.sock", "the default socket"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ep, err := Resolve(c.spec, c.env)
			if err != nil {
				t.Fatal(err)
			}
			if ep.Host != c.host || ep.From != c.from {
				t.Errorf("got %q from %q, want %q from %q", ep.Host, ep.From, c.host, c.from)
			}
			if _, err := ep.ClientOpts(); err != nil {
				t.Errorf("client options: %v", err)
			}
		})
	}
}

func TestHomeDockerDir(t *testing.T) {
	home := t.TempDir()
	if err := os.CopyFS(filepath.Join(home, ".docker"), os.DirFS(fixture)); err != nil {
		t.Fatal(err)
	}
	ep, err := Resolve(Spec{}, Env{Getenv: func(string) string { return "" }, Home: home})
	if err != nil || ep.Host != "tcp://127.0.0.1:23760" {
		t.Errorf("~/.docker: got %q, %v; want staging's host", ep.Host, err)
	}
}

func TestErrorsNameTheirSource(t *testing.T) {
	bad := t.TempDir()
	if err := os.WriteFile(filepath.Join(bad, "config.json"), []byte(`{"currentContext": "gone"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	broken := t.TempDir()
	if err := os.WriteFile(filepath.Join(broken, "config.json"), []byte(`{not json`), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		spec Spec
		env  Env
		want []string
	}{
		{"DOCKER_CONTEXT names nothing", Spec{}, env(map[string]string{"DOCKER_CONFIG": fixture, "DOCKER_CONTEXT": "nope"}),
			[]string{"DOCKER_CONTEXT=nope: no such context in " + filepath.Join(fixture, "contexts"), "docker context ls"}},
		{"currentContext names nothing", Spec{}, env(map[string]string{"DOCKER_CONFIG": bad}),
			[]string{`currentContext "gone" in ` + filepath.Join(bad, "config.json") + ": no such context in " + filepath.Join(bad, "contexts")}},
		{"config.json is broken", Spec{}, env(map[string]string{"DOCKER_CONFIG": broken}),
			[]string{filepath.Join(broken, "config.json") + ": ", "set DOCKER_CONFIG"}},
		{"[[docker]] context names nothing", Spec{Context: "nope"}, env(map[string]string{"DOCKER_CONFIG": fixture}),
			[]string{"[[docker]] context: no such context in "}},
		{"host and context both", Spec{Host: "unix:///x", Context: "prod"}, env(nil),
			[]string{"[[docker]] host and context are both set"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Resolve(c.spec, c.env)
			if err == nil {
				t.Fatal("resolved")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q lacks %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error over several lines: %q", err)
			}
		})
	}
}

func TestLocalAndSSH(t *testing.T) {
	for host, want := range map[string][2]bool{
		"unix:///var/run/docker.sock": {true, false},
		"tcp://127.0.0.1:2376":        {false, false},
		"ssh://me@h:22":               {false, true},
	} {
		ep := Endpoint{Host: host}
		if ep.Local() != want[0] || ep.SSH() != want[1] {
			t.Errorf("%s: local %v ssh %v, want %v", host, ep.Local(), ep.SSH(), want)
		}
	}
}

func TestSSHFailure(t *testing.T) {
	for text, want := range map[string]string{
		`error during connect: Get "http://docker.example.com/v1.41/version": command [ssh -o BatchMode=yes -p 2 -- root@h docker system dial-stdio] has exited with exit status 255, make sure the URL is valid, and Docker 18.09 or later is installed on the remote host: stderr=root@h: Permission denied (publickey).`: "ssh: root@h: Permission denied (publickey). — the server refused every key",
		`command [ssh] has exited with exit status 255, ...: stderr=ssh: connect to host h port 2: Connection refused`: "ssh: connect to host h port 2: Connection refused — is sshd running",
		`command [ssh] has exited ...: stderr=Host key verification failed.`:                                           "ssh: host key verification failed — connect once with ssh",
		`command [ssh] has exited ...: stderr=bash: line 1: docker: command not found`:                                 "the docker CLI is not on the remote PATH",
	} {
		got, ok := SSHFailure(errString(text))
		if !ok || !strings.HasPrefix(got, want) {
			t.Errorf("SSHFailure(%.60q…) = %q, %v; want it to start with %q", text, got, ok, want)
		}
	}
	if _, ok := SSHFailure(errString("dial unix /var/run/docker.sock: connect: permission denied")); ok {
		t.Error("a socket error taken for an ssh failure")
	}
}

type errString string

func (e errString) Error() string { return string(e) }
