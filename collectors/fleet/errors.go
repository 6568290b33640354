package fleet

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/stacktop/stacktop/collectors"
)

// explain turns a failed request into one line: the source, the cause,
// then what to try.
func (c *Collector) explain(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("prometheus %q: %w", c.name, describe(err, c.url, c.timeout))
}

// hinted is an error with the hint after the cause; Unwrap keeps the cause
// for errors.Is (ErrSourceAbsent, context.DeadlineExceeded).
type hinted struct {
	cause error
	msg   string
}

func (h *hinted) Error() string { return h.msg }
func (h *hinted) Unwrap() error { return h.cause }

func describe(err error, url string, timeout time.Duration) error {
	var (
		te  *TokenError
		se  *StatusError
		qe  *QueryError
		dns *net.DNSError
		ua  x509.UnknownAuthorityError
		hn  x509.HostnameError
		ci  x509.CertificateInvalidError
	)
	h := func(format string, args ...any) error { return &hinted{cause: err, msg: fmt.Sprintf(format, args...)} }
	switch {
	case errors.As(err, &te):
		return h("cannot read %v — check bearer_token_file in [[prometheus]] and the file's permissions", te)
	case errors.As(err, &se) && se.Code == 401:
		return h("%s refused us: HTTP 401 Unauthorized — check username and password_env, or bearer_token_file", url)
	case errors.As(err, &se):
		return h("%s refused us: HTTP %d %s — the credentials lack access; check bearer_token_file and headers (a tenant header?)", url, se.Code, se.Text)
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return h("no answer from %s within %s — Prometheus is slow or overloaded; raise timeout in [[prometheus]] or check its load", url, timeout)
	case errors.As(err, &qe) && (qe.Type == "timeout" || strings.Contains(qe.Msg, "timed out")):
		return h("a query timed out on the server (%s) — raise timeout in [[prometheus]] or check Prometheus' load", qe.Msg)
	case errors.As(err, &qe) && qe.Type == "canceled":
		return h("the server canceled a query (%s) — Prometheus may be shutting down or overloaded", qe.Msg)
	case errors.As(err, &qe):
		return h("query failed: %s — is %s a Prometheus query API (Prometheus, Thanos, Mimir, VictoriaMetrics)? check its log", qe, url)
	case errors.Is(err, syscall.ECONNREFUSED):
		return &hinted{cause: errors.Join(err, collectors.ErrSourceAbsent),
			msg: fmt.Sprintf("cannot connect to %s: connection refused — is Prometheus running there? check url in [[prometheus]]", url)}
	case errors.As(err, &dns):
		return h("cannot resolve %s (%v) — check url in [[prometheus]]", url, dns.Err)
	case errors.As(err, &ua), errors.As(err, &hn), errors.As(err, &ci):
		return h("TLS certificate of %s not trusted (%v) — set tls_ca_cert, or tls_insecure_skip_verify = true for a test server", url, err)
	case errors.Is(err, context.Canceled):
		return h("stopped")
	}
	return h("%s: %v — check url in [[prometheus]] and that the server answers", url, err)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
