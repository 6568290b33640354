package docker

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stacktop/stacktop/collectors/docker/dockertest"
)

// TestInspectMasksSecrets: secret-looking values are masked unless
// revealed; the rest of the detail is there for the pane.
func TestInspectMasksSecrets(t *testing.T) {
	e := dockertest.Start(t)
	id, name := e.Run(t, dockertest.Spec{
		Name: "detail", Args: []string{"idle"},
		Env:    []string{"DB_PASSWORD=hunter2", "api_token=abc", "AWS_SECRET_ACCESS_KEY=xyz", "MODE=prod", "EMPTY_PASSWORD="},
		Labels: map[string]string{"team": "payments"},
		Health: dockertest.HealthCheck(time.Second),
	})
	c := newCollector(t, Options{})
	ctx := context.Background()
	d, err := c.Inspect(ctx, id, false)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]EnvVar{}
	for _, v := range d.Env {
		env[v.Key] = v
	}
	for _, k := range []string{"DB_PASSWORD", "api_token", "AWS_SECRET_ACCESS_KEY"} {
		if v := env[k]; !v.Masked || v.Value != Mask {
			t.Errorf("%s = %+v, want masked", k, v)
		}
	}
	if v := env["MODE"]; v.Masked || v.Value != "prod" {
		t.Errorf("MODE = %+v, want prod unmasked", v)
	}
	if v := env["EMPTY_PASSWORD"]; v.Masked || v.Value != "" {
		t.Errorf("an empty secret shows as %+v; an empty value hides nothing", v)
	}
	if strings.Contains(fmt.Sprintf("%+v", d), "hunter2") {
		t.Error("the secret value appears somewhere in the masked detail")
	}
	if d.Name != strings.TrimPrefix(name, "/") || d.Labels["team"] != "payments" || len(d.Entrypoint) != 1 || d.Entrypoint[0] != "/helper" || d.Command[0] != "idle" {
		t.Errorf("detail: name %q labels %v entrypoint %v command %v", d.Name, d.Labels, d.Entrypoint, d.Command)
	}
	if d.Healthcheck == nil || d.Healthcheck.Interval != time.Second || d.Healthcheck.Test[0] != "CMD" {
		t.Errorf("healthcheck %+v", d.Healthcheck)
	}
	if len(d.Networks) != 1 || d.Networks[0].Name != "bridge" || d.Networks[0].IPAddress == "" || d.RestartPolicy != "no" {
		t.Errorf("networks %+v, restart policy %q", d.Networks, d.RestartPolicy)
	}
	r, err := c.Inspect(ctx, id, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range r.Env {
		if v.Key == "DB_PASSWORD" && (v.Masked || v.Value != "hunter2") {
			t.Errorf("revealed DB_PASSWORD = %+v", v)
		}
	}
}

func TestIsSecretKey(t *testing.T) {
	for key, want := range map[string]bool{
		"PASSWORD": true, "pg_pass": true, "GITHUB_TOKEN": true, "STRIPE_API_KEY": true,
		"private_key_path": true, "CREDENTIALS": true, "client_secret": true,
		"PATH": false, "HOME": false, "LANG": false, "PORT": false, "NODE_ENV": false,
	} {
		if got := IsSecretKey(key); got != want {
			t.Errorf("IsSecretKey(%q) = %v, want %v", key, got, want)
		}
	}
}

// TestMaskEnvEveryListedWord: an env entry named with any word either
// former list had (this package's env list, and the command-line one in
// ui/redact) is masked — the two used to disagree.
func TestMaskEnvEveryListedWord(t *testing.T) {
	words := []string{
		"pass", "secret", "token", "apikey", "api_key", "api-key", "credential", "auth",
		"PASSWORD", "PASSWD", "PASS", "SECRET", "TOKEN", "KEY", "CREDENTIAL", "PRIVATE", "AUTH", "CERT", "SALT",
		"SESSION", "COOKIE", "DSN", "CONN", "PRIVATE_KEY", "private-key",
	}
	for _, w := range words {
		for _, key := range []string{w, "APP_" + strings.ToUpper(w), strings.ToLower(w) + "_file"} {
			env := maskEnv([]string{key + "=hunter2"}, false)
			if env[0].Value == "hunter2" || !env[0].Masked {
				t.Errorf("env %s=hunter2 shown as %+v", key, env[0])
			}
		}
	}
}
