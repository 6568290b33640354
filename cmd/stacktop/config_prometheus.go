package main

import (
	"fmt"
	"net/url"
	"regexp"
	"time"

	"github.com/stacktop/stacktop/collectors/fleet"
)

// PrometheusSource is one [[prometheus]] entry: a fleet seen through one
// Prometheus (or a front end speaking its query API).
type PrometheusSource struct {
	Name string
	// URL is the server's base URL (http:// or https://).
	URL string
	// BearerTokenFile is read on every request (tokens rotate).
	BearerTokenFile string
	// Username and Password are basic auth; Password came from password_env:
	// never print it.
	Username, Password    string
	TLSCACert             string
	TLSInsecureSkipVerify bool
	// Timeout bounds each request; Interval is the refresh interval.
	Timeout, Interval time.Duration
	// Headers are sent with every request (a tenant header, say).
	Headers map[string]string
	// NodeJob, PostgresJob and CAdvisorJob restrict each exporter to a job;
	// "" means any job, the exporter recognised by its metric names.
	NodeJob, PostgresJob, CAdvisorJob string
	// HostLabel ties a host's series together (default "instance").
	HostLabel string
}

// Defaults of a [[prometheus]] entry, documented in config.example.toml.
const (
	defaultPrometheusTimeout  = 10 * time.Second
	defaultPrometheusInterval = 15 * time.Second
	// minPrometheusInterval keeps a fleet refresh from costing Prometheus
	// more than its scrapes can tell.
	minPrometheusInterval = 5 * time.Second
)

// labelNameRE is what a Prometheus label name may be.
var labelNameRE = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

// headerNameRE is an HTTP header field name (a token).
var headerNameRE = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")

// prometheus resolves the [[prometheus]] entries.
func (r *resolver) prometheus(secs []prometheusSection) []PrometheusSource {
	if len(secs) == 0 {
		return nil
	}
	seen := map[string]bool{}
	out := make([]PrometheusSource, 0, len(secs))
	for i, s := range secs {
		at := fmt.Sprintf("prometheus.%d.", i)
		name := r.sourceName("prometheus", i, len(secs), s.Name, seen)
		p := PrometheusSource{
			Name: name, URL: s.URL, BearerTokenFile: r.path(s.BearerTokenFile), Username: s.Username,
			TLSCACert: r.path(s.TLSCACert), TLSInsecureSkipVerify: s.TLSInsecureSkipVerify,
			Timeout:  deref(s.Timeout, Duration{defaultPrometheusTimeout}).D,
			Interval: deref(s.Interval, Duration{defaultPrometheusInterval}).D,
			Headers:  s.Headers, NodeJob: s.NodeJob, PostgresJob: s.PostgresJob, CAdvisorJob: s.CAdvisorJob,
			HostLabel: s.HostLabel,
		}
		if p.HostLabel == "" {
			p.HostLabel = fleet.DefaultHostLabel
		}
		u, err := url.Parse(s.URL)
		switch {
		case s.URL == "":
			r.fail(fmt.Sprintf("prometheus.%d", i), "[[prometheus]] %q has no url — add url = \"http://prometheus:9090\"", name)
		case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
			r.fail(at+"url", "prometheus.url %q must look like http://prometheus:9090 or https://...", s.URL)
		case u.User != nil:
			r.fail(at+"url", "prometheus.url: credentials do not go in the URL — use username and password_env, or bearer_token_file")
		}
		if p.Interval < minPrometheusInterval {
			r.fail(at+"interval", "prometheus.interval = %q is below %s — a fleet refresh faster than that costs Prometheus more than its scrapes can show", p.Interval, minPrometheusInterval)
		}
		if !labelNameRE.MatchString(p.HostLabel) {
			r.fail(at+"host_label", "prometheus.host_label %q is not a Prometheus label name (letters, digits, _)", p.HostLabel)
		}
		for k := range s.Headers {
			if !headerNameRE.MatchString(k) {
				r.fail(at+"headers", "prometheus.headers: %q is not an HTTP header name", k)
			}
		}
		if s.BearerTokenFile != "" && s.Username != "" {
			r.fail(at+"username", "prometheus %q: set either bearer_token_file or username, not both", name)
		}
		switch {
		case s.PasswordEnv != "" && s.Username == "":
			r.fail(at+"password_env", "prometheus %q: password_env needs username (basic auth)", name)
		case s.PasswordEnv != "":
			p.Password = r.getenv(s.PasswordEnv)
			if p.Password == "" {
				r.warnings = append(r.warnings, fmt.Sprintf("warning: prometheus %q: password_env %s is not set — sending an empty password", name, s.PasswordEnv))
			}
		}
		out = append(out, p)
	}
	return out
}

// fleetOptions is how the collector reaches the source.
func (p PrometheusSource) fleetOptions() fleet.Options {
	return fleet.Options{
		Name: p.Name,
		Client: fleet.ClientOptions{URL: p.URL, BearerTokenFile: p.BearerTokenFile, Username: p.Username, Password: p.Password,
			TLSCACert: p.TLSCACert, TLSInsecureSkipVerify: p.TLSInsecureSkipVerify, Headers: p.Headers, Timeout: p.Timeout},
		HostLabel: p.HostLabel, NodeJob: p.NodeJob, PostgresJob: p.PostgresJob, CAdvisorJob: p.CAdvisorJob,
		Interval: p.Interval,
	}
}
