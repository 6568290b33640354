package fleet

// This is the only file that uses Prometheus' Go API client
// (client_golang/api and api/prometheus/v1): that client is outside semver,
// so an upgrade that changes it touches this file alone. Everything else
// speaks the small API interface below.

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

// Sample is one series of an instant query's result.
type Sample struct {
	Labels map[string]string
	Value  float64
}

// Point is one step of a range query's series.
type Point struct {
	T time.Time
	V float64
}

// Series is one series of a range query's result.
type Series struct {
	Labels map[string]string
	Points []Point
}

// Target is one active scrape target, as /api/v1/targets gives it.
type Target struct {
	Labels         map[string]string
	ScrapePool     string
	ScrapeURL      string
	Health         string // "up", "down" or "unknown"
	LastError      string
	LastScrape     time.Time
	ScrapeInterval time.Duration
}

// API is what the collector asks of a Prometheus (or of a front end speaking
// its query API: Thanos, Mimir, VictoriaMetrics).
type API interface {
	// Query runs an instant query at ts.
	Query(ctx context.Context, q string, ts time.Time) ([]Sample, error)
	// QueryRange runs a range query.
	QueryRange(ctx context.Context, q string, start, end time.Time, step time.Duration) ([]Series, error)
	// Targets lists the active scrape targets.
	Targets(ctx context.Context) ([]Target, error)
}

// ClientOptions is how to reach a Prometheus.
type ClientOptions struct {
	URL string
	// BearerTokenFile holds a token sent as "Authorization: Bearer ...";
	// it is read on every request, so a rotated token is picked up.
	BearerTokenFile string
	// Username and Password are HTTP basic auth, when Username is set.
	Username, Password string
	// TLSCACert is a PEM file of CAs to trust for https URLs.
	TLSCACert             string
	TLSInsecureSkipVerify bool
	// Headers are added to every request (a tenant header, say).
	Headers map[string]string
	// Timeout bounds every request; the server is asked to give up at the
	// same time.
	Timeout time.Duration
}

// StatusError is an HTTP answer that refuses us (401, 403): the API
// client's own error would only say "client error".
type StatusError struct {
	Code int
	Text string
}

func (e *StatusError) Error() string { return fmt.Sprintf("HTTP %d %s", e.Code, e.Text) }

// TokenError is a bearer_token_file that cannot be read.
type TokenError struct{ Err error }

func (e *TokenError) Error() string { return "bearer_token_file: " + e.Err.Error() }

// Unwrap gives the file error.
func (e *TokenError) Unwrap() error { return e.Err }

// QueryError is Prometheus refusing or failing a query (bad PromQL, the
// server's own timeout, too many samples); Type is its errorType.
type QueryError struct {
	Type, Msg string
}

func (e *QueryError) Error() string { return e.Type + ": " + e.Msg }

// NewClient builds the API for opts.
func NewClient(opts ClientOptions) (API, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	tr.ResponseHeaderTimeout = opts.Timeout
	if opts.TLSCACert != "" || opts.TLSInsecureSkipVerify {
		cfg := &tls.Config{InsecureSkipVerify: opts.TLSInsecureSkipVerify} //nolint:gosec // the user's explicit choice
		if opts.TLSCACert != "" {
			pem, err := os.ReadFile(opts.TLSCACert)
			if err != nil {
				return nil, fmt.Errorf("tls_ca_cert: %w", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("tls_ca_cert %s holds no PEM certificate", opts.TLSCACert)
			}
			cfg.RootCAs = pool
		}
		tr.TLSClientConfig = cfg
	}
	rt := &authTransport{next: tr, opts: opts}
	c, err := api.NewClient(api.Config{Address: opts.URL, RoundTripper: rt})
	if err != nil {
		return nil, err
	}
	return &promAPI{client: c, v1: v1.NewAPI(c), timeout: opts.Timeout}, nil
}

// authTransport adds credentials and headers, and turns a refusal into a
// StatusError so the user is told about credentials, not "client error".
type authTransport struct {
	next http.RoundTripper
	opts ClientOptions
}

func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	for k, v := range t.opts.Headers {
		req.Header.Set(k, v)
	}
	switch {
	case t.opts.BearerTokenFile != "":
		b, err := os.ReadFile(t.opts.BearerTokenFile)
		if err != nil {
			return nil, &TokenError{Err: err}
		}
		req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(b)))
	case t.opts.Username != "":
		req.SetBasicAuth(t.opts.Username, t.opts.Password)
	}
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	// A 403 to a POST is left to the client, which retries with GET (some
	// front ends refuse POST queries).
	if resp.StatusCode == http.StatusUnauthorized || (resp.StatusCode == http.StatusForbidden && req.Method == http.MethodGet) {
		resp.Body.Close()
		return nil, &StatusError{Code: resp.StatusCode, Text: http.StatusText(resp.StatusCode)}
	}
	return resp, nil
}

type promAPI struct {
	client  api.Client
	v1      v1.API
	timeout time.Duration
}

func (p *promAPI) opts() []v1.Option {
	if p.timeout <= 0 {
		return nil
	}
	return []v1.Option{v1.WithTimeout(p.timeout)}
}

func (p *promAPI) Query(ctx context.Context, q string, ts time.Time) ([]Sample, error) {
	val, _, _, err := p.v1.Query(ctx, q, ts, p.opts()...)
	if err != nil {
		return nil, convertErr(err)
	}
	vec, ok := val.(model.Vector)
	if !ok {
		return nil, fmt.Errorf("unexpected result type %s", val.Type())
	}
	out := make([]Sample, 0, len(vec))
	for _, s := range vec {
		out = append(out, Sample{Labels: labels(s.Metric), Value: float64(s.Value)})
	}
	return out, nil
}

func (p *promAPI) QueryRange(ctx context.Context, q string, start, end time.Time, step time.Duration) ([]Series, error) {
	val, _, _, err := p.v1.QueryRange(ctx, q, v1.Range{Start: start, End: end, Step: step}, p.opts()...)
	if err != nil {
		return nil, convertErr(err)
	}
	m, ok := val.(model.Matrix)
	if !ok {
		return nil, fmt.Errorf("unexpected result type %s", val.Type())
	}
	out := make([]Series, 0, len(m))
	for _, s := range m {
		pts := make([]Point, 0, len(s.Values))
		for _, v := range s.Values {
			pts = append(pts, Point{T: v.Timestamp.Time(), V: float64(v.Value)})
		}
		out = append(out, Series{Labels: labels(s.Metric), Points: pts})
	}
	return out, nil
}

// targetsDoc is /api/v1/targets decoded by us: the client's ActiveTarget
// has no scrapeInterval, which sets the rate window.
type targetsDoc struct {
	Status    string `json:"status"`
	ErrorType string `json:"errorType"`
	Error     string `json:"error"`
	Data      struct {
		ActiveTargets []struct {
			Labels         map[string]string `json:"labels"`
			ScrapePool     string            `json:"scrapePool"`
			ScrapeURL      string            `json:"scrapeUrl"`
			LastError      string            `json:"lastError"`
			LastScrape     time.Time         `json:"lastScrape"`
			Health         string            `json:"health"`
			ScrapeInterval string            `json:"scrapeInterval"`
		} `json:"activeTargets"`
	} `json:"data"`
}

func (p *promAPI) Targets(ctx context.Context) ([]Target, error) {
	u := p.client.URL("/api/v1/targets", nil)
	q := u.Query()
	q.Set("state", "active")
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	resp, body, err := p.client.Do(ctx, req)
	if err != nil {
		return nil, convertErr(err)
	}
	if resp.StatusCode == http.StatusNotFound {
		return nil, ErrNoTargetsAPI
	}
	var doc targetsDoc
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("targets: HTTP %d, %s", resp.StatusCode, firstLine(string(body)))
	}
	if doc.Status != "success" {
		return nil, &QueryError{Type: doc.ErrorType, Msg: doc.Error}
	}
	out := make([]Target, 0, len(doc.Data.ActiveTargets))
	for _, t := range doc.Data.ActiveTargets {
		iv, _ := model.ParseDuration(t.ScrapeInterval)
		out = append(out, Target{Labels: t.Labels, ScrapePool: t.ScrapePool, ScrapeURL: t.ScrapeURL,
			Health: t.Health, LastError: t.LastError, LastScrape: t.LastScrape, ScrapeInterval: time.Duration(iv)})
	}
	return out, nil
}

// ErrNoTargetsAPI is returned by Targets when the server has no
// /api/v1/targets (Mimir, some front ends): hosts still show, without
// scrape errors.
var ErrNoTargetsAPI = errors.New("this server has no /api/v1/targets")

func labels(m model.Metric) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[string(k)] = string(v)
	}
	return out
}

// convertErr turns the client's errors into ours, so the rest of the
// package never sees client_golang's types.
func convertErr(err error) error {
	var ae *v1.Error
	if errors.As(err, &ae) {
		msg := ae.Msg
		if msg == "" || strings.HasPrefix(msg, "server error") || strings.HasPrefix(msg, "client error") {
			if d := firstLine(ae.Detail); d != "" {
				msg = strings.TrimSpace(msg + " " + d)
			}
		}
		return &QueryError{Type: string(ae.Type), Msg: msg}
	}
	return err
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
