package main

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestPrometheusConfigDefaults(t *testing.T) {
	cfg, _, err := loadString(t, "[[prometheus]]\nurl = \"http://prom:9090\"\n", nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []PrometheusSource{{Name: "local", URL: "http://prom:9090", Timeout: 10 * time.Second,
		Interval: 15 * time.Second, HostLabel: "instance"}}
	if !reflect.DeepEqual(cfg.Prometheus, want) {
		t.Errorf("defaults:\n got  %+v\n want %+v", cfg.Prometheus, want)
	}
	o := cfg.Prometheus[0].fleetOptions()
	if o.Client.Timeout != 10*time.Second || o.HostLabel != "instance" || o.Interval != 15*time.Second || o.Client.TLSInsecureSkipVerify {
		t.Errorf("collector options: %+v", o)
	}
}

func TestPrometheusConfigEveryKey(t *testing.T) {
	body := `[[prometheus]]
name = "fleet"
url = "https://mimir.internal/prometheus"
username = "ops"
password_env = "PROM_PW"
tls_ca_cert = "ca.pem"
tls_insecure_skip_verify = true
timeout = "3s"
interval = "30s"
headers = { "X-Scope-OrgID" = "team-a" }
node_job = "node"
postgres_job = "pg"
cadvisor_job = "cadvisor"
host_label = "host"
[[postgres]]
name = "db"
host = "db1"
prometheus_instance = "db1:9100"
[[docker]]
name = "engine"
prometheus_instance = "build:9100"
`
	cfg, path, err := loadString(t, body, map[string]string{"PROM_PW": "pw"})
	if err != nil {
		t.Fatal(err)
	}
	p := cfg.Prometheus[0]
	if p.Name != "fleet" || p.Username != "ops" || p.Password != "pw" || !strings.HasSuffix(p.TLSCACert, "/ca.pem") ||
		!strings.HasPrefix(p.TLSCACert, strings.TrimSuffix(path, "config.toml")) || !p.TLSInsecureSkipVerify ||
		p.Timeout != 3*time.Second || p.Interval != 30*time.Second || p.Headers["X-Scope-OrgID"] != "team-a" ||
		p.NodeJob != "node" || p.PostgresJob != "pg" || p.CAdvisorJob != "cadvisor" || p.HostLabel != "host" {
		t.Errorf("resolved: %+v", p)
	}
	if cfg.Postgres[0].PrometheusInstance != "db1:9100" || cfg.Docker[0].PrometheusInstance != "build:9100" {
		t.Errorf("prometheus_instance not carried: %+v %+v", cfg.Postgres[0], cfg.Docker[0])
	}
	sources, err := buildSources(cfg)
	if err == nil {
		closeSources(sources)
		t.Error("a missing tls_ca_cert file should fail when the collector is built")
	} else if !strings.Contains(err.Error(), `prometheus "fleet": tls_ca_cert`) {
		t.Errorf("error: %v", err)
	}
}

func TestPrometheusConfigErrors(t *testing.T) {
	cases := []struct {
		name, body string
		want       []string
	}{
		{"no url", "[[prometheus]]\nname = \"a\"\n", []string{`1:3: [[prometheus]] "a" has no url`}},
		{"bad url", "[[prometheus]]\nurl = \"prom:9090\"\n", []string{`2:1: prometheus.url "prom:9090" must look like http://`}},
		{"credentials in url", "[[prometheus]]\nurl = \"http://u:p@prom:9090\"\n", []string{`2:1: prometheus.url: credentials do not go in the URL`}},
		{"interval below 5s", "[[prometheus]]\nurl = \"http://p:9090\"\ninterval = \"2s\"\n", []string{`3:1: prometheus.interval = "2s" is below 5s`}},
		{"timeout without unit", "[[prometheus]]\nurl = \"http://p:9090\"\ntimeout = 10\n", []string{`3:1: prometheus.0.timeout: bad duration "10"`}},
		{"both auths", "[[prometheus]]\nurl = \"http://p:9090\"\nbearer_token_file = \"t\"\nusername = \"u\"\n", []string{`4:1: prometheus "local": set either bearer_token_file or username`}},
		{"password_env alone", "[[prometheus]]\nurl = \"http://p:9090\"\npassword_env = \"X\"\n", []string{`3:1: prometheus "local": password_env needs username`}},
		{"bad host label", "[[prometheus]]\nurl = \"http://p:9090\"\nhost_label = \"host-name\"\n", []string{`3:1: prometheus.host_label "host-name" is not a Prometheus label name`}},
		{"bad header", "[[prometheus]]\nurl = \"http://p:9090\"\nheaders = { \"X Bad\" = \"1\" }\n", []string{`3:1: prometheus.headers: "X Bad" is not an HTTP header name`}},
		{"unknown key", "[[prometheus]]\nurl = \"http://p:9090\"\nnode_jobs = \"x\"\n", []string{`3:1: unknown key prometheus.node_jobs — did you mean node_job?`}},
		{"wrong type", "[[prometheus]]\nurl = \"http://p:9090\"\ntls_insecure_skip_verify = \"yes\"\n", []string{`3:28: prometheus.tls_insecure_skip_verify: wrong type — expected true or false`}},
		{"duplicate names", "[[prometheus]]\nname = \"a\"\nurl = \"http://p:9090\"\n[[prometheus]]\nname = \"a\"\nurl = \"http://q:9090\"\n", []string{`5:1: prometheus name "a" is used twice`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, path, err := loadString(t, tc.body, nil)
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("want a *ConfigError, got %v", err)
			}
			if len(ce.Problems) != len(tc.want) {
				t.Fatalf("want %d problems, got %q", len(tc.want), ce.Problems)
			}
			for i, want := range tc.want {
				if !strings.HasPrefix(ce.Problems[i], path+":"+want) {
					t.Errorf("problem %d:\n got  %s\n want %s:%s...", i, ce.Problems[i], path, want)
				}
			}
		})
	}
}

func TestPrometheusPasswordEnvUnsetWarns(t *testing.T) {
	cfg, _, err := loadString(t, "[[prometheus]]\nurl = \"http://p:9090\"\nusername = \"u\"\npassword_env = \"NOPE\"\n", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Warnings) != 1 || !strings.Contains(cfg.Warnings[0], "password_env NOPE is not set") {
		t.Errorf("warnings: %q", cfg.Warnings)
	}
}
