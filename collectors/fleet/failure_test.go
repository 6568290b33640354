package fleet

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/stacktop/stacktop/collectors"
	"github.com/stacktop/stacktop/collectors/fleet/promtest"
)

// oneLine fails the test unless err is one line naming the source, holding
// every wanted piece (cause and hint).
func oneLine(t *testing.T, err error, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("want an error holding %q, got none", want)
	}
	msg := err.Error()
	t.Logf("error line: %s", msg)
	if strings.Contains(msg, "\n") || !strings.HasPrefix(msg, `prometheus "`) {
		t.Errorf("not one line naming the source: %q", msg)
	}
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("error %q lacks %q", msg, w)
		}
	}
}

// Stop a host's node_exporter: within two scrape intervals (plus slack for
// a loaded machine) the host shows down with Prometheus' scrape error; start
// it again: back up. The other host is untouched.
func TestNodeExporterDownAndBack(t *testing.T) {
	e := need(t)
	c := newTestCollector(t, e)
	waitFor(t, c, 60*time.Second, "both hosts up", func(s *Snapshot) bool {
		a, b := hostByInstance(s, e.node.Addr), hostByInstance(s, e.flaky.Addr)
		return a != nil && b != nil && a.Up && b.Up
	})
	if err := e.flaky.Stop(); err != nil {
		t.Fatal(err)
	}
	stopped := time.Now()
	scrape := e.prom.Config.ScrapeInterval
	s := waitFor(t, c, 2*scrape+10*time.Second, "host down", func(s *Snapshot) bool {
		h := hostByInstance(s, e.flaky.Addr)
		return h != nil && !h.Up && h.ScrapeError != ""
	})
	t.Logf("down seen %s after the stop (scrape interval %s)", time.Since(stopped).Round(10*time.Millisecond), scrape)
	h := hostByInstance(s, e.flaky.Addr)
	if !strings.Contains(h.ScrapeError, "connection refused") || h.CPUBusyPercent.Valid && h.CPUBusyPercent.V < 0 {
		t.Errorf("down host: %+v", h)
	}
	if other := hostByInstance(s, e.node.Addr); other == nil || !other.Up {
		t.Errorf("the other host changed: %+v", other)
	}
	if s.Exporters.NodeUp != 1 || !strings.Contains(strings.Join(s.Notes, ";"), "1 of 2 node_exporter targets down") {
		t.Errorf("partial data not said: %+v %q", s.Exporters, s.Notes)
	}
	if err := e.flaky.Start("/metrics"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, c, 2*scrape+10*time.Second, "host back up", func(s *Snapshot) bool {
		h := hostByInstance(s, e.flaky.Addr)
		return h != nil && h.Up && h.ScrapeError == ""
	})
}

// Prometheus refusing us (401: its own basic auth), then stopped: one line
// each, with the hint; good credentials work.
func TestRefusedAndStopped(t *testing.T) {
	need(t)
	hash, err := bcrypt.GenerateFromPassword([]byte("s3cret"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	p, err := promtest.StartPrometheus(dir, promtest.PromConfig{BasicAuthUser: "ops", BasicAuthHash: string(hash), BasicAuthPassword: "s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Destroy)
	mk := func(user, pw string) *Collector {
		c, err := New(Options{Name: "secure", Client: ClientOptions{URL: p.URL(), Username: user, Password: pw, Timeout: 10 * time.Second}})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err = mk("", "").Collect(ctx)
	oneLine(t, err, "401", "username and password_env")
	_, err = mk("ops", "wrong").Collect(ctx)
	oneLine(t, err, "401")
	snap, err := mk("ops", "s3cret").Collect(ctx)
	if err != nil {
		t.Fatalf("good credentials: %v", err)
	}
	if s := snap.(*Snapshot); len(s.Hosts) != 0 || !strings.Contains(strings.Join(s.Notes, ";"), "no node_exporter") {
		t.Errorf("an empty Prometheus: %+v", s)
	}
	_ = p.Stop()
	_, err = mk("ops", "s3cret").Collect(ctx)
	oneLine(t, err, "connection refused", "is Prometheus running")
	if !errors.Is(err, collectors.ErrSourceAbsent) {
		t.Errorf("a stopped Prometheus should wrap ErrSourceAbsent: %v", err)
	}
}

// A query slower than the source's timeout (1 s) and a query Prometheus
// rejects: one line each; the collector's own queries still work after.
func TestSlowAndBadQuery(t *testing.T) {
	e := need(t)
	c := newTestCollector(t, e, func(o *Options) { o.Client.Timeout = time.Second })
	// Nested subqueries: 8640 outer steps of 10000 inner ones each, whatever
	// the data, with little memory (each inner range holds 10000 points).
	const expensive = `max_over_time(max_over_time(vector(1)[10s:1ms])[1d:10s])`
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	_, err := c.api.Query(ctx, expensive, time.Now())
	cancel()
	err = c.explain(err)
	oneLine(t, err, "timeout in [[prometheus]]")
	if time.Since(start) > 5*time.Second {
		t.Errorf("the timeout did not bound the wait")
	}
	ctx, cancel = context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = c.api.Query(ctx, `sum(rate(up[1m])`, time.Now())
	oneLine(t, c.explain(err), "query failed: bad_data", "check its log")
	c2 := newTestCollector(t, e)
	if _, err := c2.Collect(ctx); err != nil {
		t.Errorf("after the failures: %v", err)
	}
}

// A Prometheus URL that is not one: one line naming the key to fix.
func TestBadURL(t *testing.T) {
	_, err := New(Options{Name: "x", Client: ClientOptions{URL: "prometheus:9090"}})
	if err == nil || !strings.Contains(err.Error(), "must look like http://") {
		t.Errorf("bad url: %v", err)
	}
	_, err = New(Options{Name: "x", Client: ClientOptions{URL: "http://h:9090", TLSCACert: "/nonexistent/ca.pem"}})
	if err == nil || !strings.Contains(err.Error(), "tls_ca_cert") {
		t.Errorf("missing CA file: %v", err)
	}
	if u := safeURL("http://ops:pw@h:9090/prom"); strings.Contains(u, "pw") {
		t.Errorf("credentials in the URL shown: %s", u)
	}
}
