package fleet

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"strings"
	"testing"
	"time"
)

// What Prometheus can hand back that is not a figure — NaN from 0/0 (no
// swap, nothing read), ±Inf from x/0, a hair below zero from rounding —
// never reaches the snapshot as such: n/a (null in JSON), or clamped.
func TestNoNaNInfOrNegativeFigures(t *testing.T) {
	s := &Snapshot{}
	a := newAssembler(s, "instance")
	l := func(tag string, extra ...string) map[string]string {
		m := map[string]string{tagLabel: tag, "instance": "h1:9100"}
		for i := 0; i+1 < len(extra); i += 2 {
			m[extra[i]] = extra[i+1]
		}
		return m
	}
	a.up([]Sample{{Labels: map[string]string{tagLabel: "node", "instance": "h1:9100", "job": "node"}, Value: 1}})
	a.figures([]Sample{
		{Labels: l("swap_used_pct"), Value: math.NaN()},
		{Labels: l("mem_used_pct"), Value: math.Inf(1)},
		{Labels: l("cpu_busy"), Value: -1e-9},
		{Labels: l("cpu_busiest"), Value: 100.0000001},
		{Labels: l("net_rx"), Value: math.Inf(-1)},
		{Labels: l("disk_read"), Value: -3},
		{Labels: l("cores"), Value: 0},
		{Labels: l("load1"), Value: 1.5},
		{Labels: l("pg_cache_hit", "server", "db:5432"), Value: math.NaN()},
		{Labels: l("pg_tps", "server", "db:5432"), Value: math.Inf(1)},
		{Labels: l("ct_cpu", "name", "web"), Value: math.NaN()},
		{Labels: map[string]string{tagLabel: "load1"}, Value: 3}, // no host label: dropped
	})
	a.finish()
	if len(s.Hosts) != 1 {
		t.Fatalf("hosts: %+v", s.Hosts)
	}
	h := s.Hosts[0]
	if h.SwapUsedPercent.Valid || h.MemoryUsedPercent.Valid || h.NetRxBytesPerSec.Valid || h.Load1PerCore.Valid {
		t.Errorf("NaN/Inf or a division by zero cores became a figure: %+v", h)
	}
	if h.CPUBusyPercent != (Value{0, true}) || h.BusiestCorePercent != (Value{100, true}) || h.DiskReadBytesPerSec != (Value{0, true}) {
		t.Errorf("not clamped: busy %v busiest %v disk %v", h.CPUBusyPercent, h.BusiestCorePercent, h.DiskReadBytesPerSec)
	}
	if len(s.Postgres) != 1 || s.Postgres[0].CacheHitRatio.Valid || s.Postgres[0].TPS.Valid {
		t.Errorf("postgres: %+v", s.Postgres)
	}
	if len(s.TopCPU) != 1 || s.TopCPU[0].CPUPercent.Valid {
		t.Errorf("containers: %+v", s.TopCPU)
	}
	b, err := json.Marshal(h)
	if err != nil || !strings.Contains(string(b), `"SwapUsedPercent":null`) || strings.Contains(string(b), "NaN") {
		t.Errorf("JSON: %s %v", b, err)
	}
}

// One line per refusal, naming the key to check.
func TestDescribeRefusals(t *testing.T) {
	c := &Collector{name: "f", url: "http://p:9090", timeout: time.Second}
	cases := []struct {
		err  error
		want string
	}{
		{&StatusError{Code: 401, Text: "Unauthorized"}, "HTTP 401 Unauthorized — check username and password_env, or bearer_token_file"},
		{&StatusError{Code: 403, Text: "Forbidden"}, "HTTP 403 Forbidden — the credentials lack access; check bearer_token_file and headers"},
		{&TokenError{Err: os.ErrNotExist}, "cannot read bearer_token_file: file does not exist — check bearer_token_file"},
		{&QueryError{Type: "timeout", Msg: "query timed out in expression evaluation"}, "a query timed out on the server"},
		{&QueryError{Type: "execution", Msg: "query processing would load too many samples into memory"}, "query failed: execution:"},
	}
	for _, tc := range cases {
		got := c.explain(tc.err).Error()
		if !strings.HasPrefix(got, `prometheus "f": `) || !strings.Contains(got, tc.want) || strings.Contains(got, "\n") {
			t.Errorf("%v:\n got  %s\n want %s", tc.err, got, tc.want)
		}
		if !errors.Is(c.explain(tc.err), tc.err) {
			t.Errorf("the cause is lost: %v", tc.err)
		}
	}
}

// The queries aggregate by the configured host label, filter by the
// configured jobs, and quote remembered job names safely.
func TestQueriesFollowTheSettings(t *testing.T) {
	qb := queryBuilder{host: "host", nodeJob: "nodes", postgresJob: "pg"}
	for _, q := range []string{qb.hostGaugeQuery(), qb.hostRateQuery("1m"), qb.postgresQuery("1m")} {
		if strings.Contains(q, "instance") || !strings.Contains(q, "by (host") {
			t.Errorf("not by the host label: %s", q)
		}
	}
	if q := qb.hostRateQuery("1m"); !strings.Contains(q, `job="nodes"`) || strings.Contains(q, `job="pg"`) {
		t.Errorf("node job filter: %s", q)
	}
	auto := queryBuilder{host: "instance", nodeJobs: []string{"node.prod", "a|b"}}
	if q := auto.upQuery(); !strings.Contains(q, `up{job=~"node\\.prod|a\\|b"}`) || !strings.Contains(q, "group by (job) (node_boot_time_seconds)") {
		t.Errorf("remembered jobs: %s", q)
	}
	if _, err := qb.rangeQuery("nope", "1m", "h", ""); err == nil {
		t.Error("an unknown series kind should be an error")
	}
}

func TestDisplayName(t *testing.T) {
	for in, want := range map[string]string{"db1:9100": "db1", "[::1]:9100": "::1", "db1": "db1", "10.0.0.1:9187": "10.0.0.1"} {
		if got := DisplayName(in); got != want {
			t.Errorf("DisplayName(%q) = %q, want %q", in, got, want)
		}
	}
}
