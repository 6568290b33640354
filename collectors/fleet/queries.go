package fleet

import (
	"fmt"
	"strings"
	"time"

	"github.com/prometheus/common/model"
)

// The PromQL of one refresh. Every query aggregates on the server by the
// host label, and several figures share one query: each branch is tagged
// with a "stk" label (label_replace) and the branches joined with "or", so
// the number of queries does not grow with the number of figures or hosts.

// tagLabel names the label that tells a combined query's branches apart.
const tagLabel = "stk"

// Filters that keep the figures honest: filesystems that are not storage,
// and devices that would count the same bytes twice (device-mapper over a
// disk, virtual NICs over a real one).
const (
	fsTypesExcluded  = `tmpfs|devtmpfs|ramfs|overlay|squashfs|nsfs|autofs|fuse.lxcfs|iso9660`
	diskExcluded     = `dm-.*|loop.*|ram.*`
	netExcluded      = `lo|veth.*|docker.*|br-.*|virbr.*|cni.*|flannel.*|cali.*|vxlan.*|tun.*|tap.*`
	idleModes        = `idle|iowait`
	containerFilters = `name!=""`
)

// queryBuilder writes the queries for one source's settings.
type queryBuilder struct {
	host                            string   // the host label
	nodeJob, postgresJob, cadJob    string   // "" = any job
	nodeJobs, postgresJobs, cadJobs []string // jobs remembered from earlier refreshes
}

// tag labels every series of expr with stk="name".
func tag(name, expr string) string {
	return fmt.Sprintf(`label_replace(%s, %q, %q, "", "")`, expr, tagLabel, name)
}

// union joins tagged branches. "or on (stk)" matches on the tag alone: a
// plain "or" hashes every label of every series at each join, about a
// quarter of the gauge query's CPU in Prometheus at 500 hosts.
func union(branches ...string) string { return strings.Join(branches, " or on ("+tagLabel+") ") }

// sel writes a selector's matchers: the job matcher (when a job is set)
// and any extra matchers.
func sel(job string, extra ...string) string {
	var m []string
	if job != "" {
		m = append(m, "job="+quote(job))
	}
	m = append(m, extra...)
	return "{" + strings.Join(m, ", ") + "}"
}

func quote(s string) string { return fmt.Sprintf("%q", s) }

// window formats a range for PromQL ("1m", "4s").
func window(d time.Duration) string { return model.Duration(d).String() }

// upQuery finds the scrape targets of each exporter and whether they are
// up. Without a configured job, an exporter's jobs are those with a series
// of its metric (node_boot_time_seconds, pg_up, container_cpu_usage_seconds_total),
// plus the jobs seen before, so a job whose every target is down (and its
// series stale) still lists its hosts as down.
func (b *queryBuilder) upQuery() string {
	branch := func(name, job, metric string, remembered []string) string {
		if job != "" {
			return tag(name, "up"+sel(job))
		}
		expr := fmt.Sprintf("(up and on (job) group by (job) (%s))", metric)
		if len(remembered) > 0 {
			expr = fmt.Sprintf("(%s or up{job=~%s})", expr, quote(alternation(remembered)))
		}
		return tag(name, expr)
	}
	return union(
		branch("node", b.nodeJob, "node_boot_time_seconds", b.nodeJobs),
		branch("postgres", b.postgresJob, "pg_up", b.postgresJobs),
		branch("cadvisor", b.cadJob, "container_cpu_usage_seconds_total", b.cadJobs),
	)
}

// alternation is a regexp matching exactly the given strings.
func alternation(xs []string) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = regexpQuote(x)
	}
	return strings.Join(q, "|")
}

func regexpQuote(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`\.+*?()|[]{}^$`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// hostGaugeQuery reads every host's gauges: cores, load, memory, swap,
// uptime and its fullest filesystem.
func (b *queryBuilder) hostGaugeQuery() string {
	h, j := b.host, b.nodeJob
	fs := sel(j, `fstype!~`+quote(fsTypesExcluded))
	by := "by (" + h + ")"
	return union(
		tag("cores", fmt.Sprintf(`count %s (node_cpu_seconds_total%s)`, by, sel(j, `mode="idle"`))),
		tag("load1", fmt.Sprintf(`max %s (node_load1%s)`, by, sel(j))),
		tag("mem_total", fmt.Sprintf(`max %s (node_memory_MemTotal_bytes%s)`, by, sel(j))),
		tag("mem_used_pct", fmt.Sprintf(`100 * (1 - max %s (node_memory_MemAvailable_bytes%s) / max %s (node_memory_MemTotal_bytes%s))`, by, sel(j), by, sel(j))),
		tag("swap_total", fmt.Sprintf(`max %s (node_memory_SwapTotal_bytes%s)`, by, sel(j))),
		tag("swap_used_pct", fmt.Sprintf(`100 * (1 - max %s (node_memory_SwapFree_bytes%s) / max %s (node_memory_SwapTotal_bytes%s))`, by, sel(j), by, sel(j))),
		tag("uptime", fmt.Sprintf(`max %s (node_time_seconds%s - node_boot_time_seconds%s)`, by, sel(j), sel(j))),
		tag("fs_fullest", fmt.Sprintf(`topk %s (1, %s)`, by, fsUsedPercent(fs))),
	)
}

// idleRate is idle and iowait seconds per second of each core, by the
// host label and cpu, over w.
func (b *queryBuilder) idleRate(w string, extra ...string) string {
	idle := sel(b.nodeJob, append([]string{`mode=~` + quote(idleModes)}, extra...)...)
	return fmt.Sprintf(`sum by (%s, cpu) (rate(node_cpu_seconds_total%s[%s]))`, b.host, idle, w)
}

// clock is seconds of the host's own clock per second between its scrapes,
// by the host label: node_time_seconds is read in the same scrape as
// /proc/stat, so a late scrape (a loaded exporter) stretches both alike
// and cancels out of the ratio. Outside 0.5–2 (the host's clock stepped)
// or without node_exporter's time collector it is taken as 1 (group of
// node_boot_time_seconds, which every node target has: the up query
// recognises node_exporter by it).
func (b *queryBuilder) clock(w string, extra ...string) string {
	s := sel(b.nodeJob, extra...)
	return fmt.Sprintf(`(max by (%[1]s) (rate(node_time_seconds%[2]s[%[3]s])) < 2 > 0.5 or on (%[1]s) group by (%[1]s) (node_boot_time_seconds%[2]s))`,
		b.host, s, w)
}

// cpuBusy is the busy share of CPU time, 0–100: one minus idle and iowait
// seconds per second of the host's clock, per core, aggregated over the
// host's cores with agg ("avg": the host; "min" of idle: its busiest core).
// It reads two of node_cpu_seconds_total's eight modes, not all eight: the
// sum of every mode (the seconds that passed, per core), selected for the
// host and for its busiest core, was two thirds of the rate query's CPU in
// Prometheus at 500 hosts, and the host's clock says the same.
func (b *queryBuilder) cpuBusy(w, agg string, extra ...string) string {
	return fmt.Sprintf(`100 * (1 - %s by (%s) (%s) / on (%s) %s)`, agg, b.host, b.idleRate(w, extra...), b.host, b.clock(w, extra...))
}

// coreBusy is each core's busy share, 0–100, by the host label and cpu.
func (b *queryBuilder) coreBusy(w string, extra ...string) string {
	return fmt.Sprintf(`100 * (1 - %s / on (%s) group_left () %s)`, b.idleRate(w, extra...), b.host, b.clock(w, extra...))
}

// fsUsedPercent is each filesystem's used share, 0–100, as df computes it:
// used / (used + avail) with used = size − free, written as
// 100 / (1 + avail / used) so it reads three series, not five (nothing
// used gives 0; an empty filesystem NaN, shown as n/a).
func fsUsedPercent(fs string) string {
	return fmt.Sprintf(`100 / (1 + node_filesystem_avail_bytes%s / (node_filesystem_size_bytes%s - node_filesystem_free_bytes%s))`, fs, fs, fs)
}

// hostRateQuery reads every host's rates over window w.
func (b *queryBuilder) hostRateQuery(w string) string {
	h, j := b.host, b.nodeJob
	disk := sel(j, `device!~`+quote(diskExcluded))
	net := sel(j, `device!~`+quote(netExcluded))
	sum := func(metric, s string) string {
		return fmt.Sprintf(`sum by (%s) (rate(%s%s[%s]))`, h, metric, s, w)
	}
	return union(
		tag("cpu_busy", b.cpuBusy(w, "avg")),
		tag("cpu_busiest", b.cpuBusy(w, "min")),
		tag("disk_read", sum("node_disk_read_bytes_total", disk)),
		tag("disk_write", sum("node_disk_written_bytes_total", disk)),
		tag("net_rx", sum("node_network_receive_bytes_total", net)),
		tag("net_tx", sum("node_network_transmit_bytes_total", net)),
	)
}

// postgresQuery reads every PostgreSQL server's figures, by host label and
// the exporter's server label (absent on a one-server exporter).
func (b *queryBuilder) postgresQuery(w string) string {
	by := "by (" + b.host + ", server)"
	s := sel(b.postgresJob)
	rate := func(metric string) string {
		return fmt.Sprintf(`sum %s (rate(%s%s[%s]))`, by, metric, s, w)
	}
	return union(
		tag("pg_up", fmt.Sprintf(`max by (%s) (pg_up%s)`, b.host, s)),
		tag("pg_conn", fmt.Sprintf(`sum by (%s, server, state) (pg_stat_activity_count%s)`, b.host, s)),
		tag("pg_max_conn", fmt.Sprintf(`max %s (pg_settings_max_connections%s)`, by, s)),
		tag("pg_tps", fmt.Sprintf(`(%s + %s)`, rate("pg_stat_database_xact_commit"), rate("pg_stat_database_xact_rollback"))),
		tag("pg_cache_hit", fmt.Sprintf(`(%s / (%s + %s))`, rate("pg_stat_database_blks_hit"), rate("pg_stat_database_blks_hit"), rate("pg_stat_database_blks_read"))),
		tag("pg_deadlocks", rate("pg_stat_database_deadlocks")),
		// Newer exporters name it pg_replication_lag_seconds.
		tag("pg_repl_lag", fmt.Sprintf(`max %s ({__name__=~"pg_replication_lag|pg_replication_lag_seconds"%s})`, by, commaSel(b.postgresJob))),
		tag("pg_longest_tx", fmt.Sprintf(`max %s (pg_stat_activity_max_tx_duration%s)`, by, s)),
	)
}

// commaSel is the job matcher to append after other matchers: `, job="x"` or "".
func commaSel(job string) string {
	if job == "" {
		return ""
	}
	return ", job=" + quote(job)
}

// containerQuery reads the fleet's top containers by CPU and by memory.
func (b *queryBuilder) containerQuery(w string, n int) string {
	by := "by (" + b.host + ", name, image)"
	s := sel(b.cadJob, containerFilters)
	return union(
		tag("ct_cpu", fmt.Sprintf(`topk(%d, 100 * sum %s (rate(container_cpu_usage_seconds_total%s[%s])))`, n, by, s, w)),
		tag("ct_mem", fmt.Sprintf(`topk(%d, sum %s (container_memory_working_set_bytes%s))`, n, by, s)),
	)
}

// hostMatcher selects one host's series.
func (b *queryBuilder) hostMatcher(instance string) string {
	return b.host + "=" + quote(instance)
}

// detailQuery reads one host's per-core CPU, filesystems and NICs.
func (b *queryBuilder) detailQuery(w, instance string) string {
	hm := b.hostMatcher(instance)
	j := b.nodeJob
	fs := sel(j, hm, `fstype!~`+quote(fsTypesExcluded))
	net := sel(j, hm, `device!="lo"`)
	disk := sel(j, hm, `device!~"loop.*|ram.*"`)
	return union(
		tag("core", b.coreBusy(w, hm)),
		tag("fs_size", fmt.Sprintf(`max by (mountpoint, device, fstype) (node_filesystem_size_bytes%s)`, fs)),
		tag("fs_used_pct", fmt.Sprintf(`max by (mountpoint, device, fstype) (%s)`, fsUsedPercent(fs))),
		tag("nic_rx", fmt.Sprintf(`sum by (device) (rate(node_network_receive_bytes_total%s[%s]))`, net, w)),
		tag("nic_tx", fmt.Sprintf(`sum by (device) (rate(node_network_transmit_bytes_total%s[%s]))`, net, w)),
		tag("nic_up", fmt.Sprintf(`max by (device) (node_network_up%s)`, net)),
		tag("disk_read", fmt.Sprintf(`sum by (device) (rate(node_disk_read_bytes_total%s[%s]))`, disk, w)),
		tag("disk_write", fmt.Sprintf(`sum by (device) (rate(node_disk_written_bytes_total%s[%s]))`, disk, w)),
	)
}

// sameHostMatcher selects the series of every target on the host that
// instance names, whatever their port: cAdvisor's instance is "db1:8080"
// where node_exporter's is "db1:9100".
func (b *queryBuilder) sameHostMatcher(instance string) string {
	return b.host + "=~" + quote(`\[?`+regexpQuote(DisplayName(instance))+`\]?(:[0-9]+)?`)
}

// hostContainerQuery reads the top containers of one host (any port).
func (b *queryBuilder) hostContainerQuery(w, instance string, n int) string {
	s := sel(b.cadJob, containerFilters, b.sameHostMatcher(instance))
	return union(
		tag("ct_cpu", fmt.Sprintf(`topk(%d, 100 * sum by (%s, name, image) (rate(container_cpu_usage_seconds_total%s[%s])))`, n, b.host, s, w)),
		tag("ct_mem", fmt.Sprintf(`topk(%d, sum by (%s, name, image) (container_memory_working_set_bytes%s))`, n, b.host, s)),
	)
}

// SeriesKind names a figure the UI can draw a sparkline of.
type SeriesKind string

// The sparkline series. Host kinds take a host's Instance; PG kinds a
// PGServer's Instance (and Server).
const (
	SeriesCPUBusy      SeriesKind = "cpu_busy"
	SeriesMemoryUsed   SeriesKind = "memory_used"
	SeriesLoad1        SeriesKind = "load1"
	SeriesNetRx        SeriesKind = "net_rx"
	SeriesNetTx        SeriesKind = "net_tx"
	SeriesDiskRead     SeriesKind = "disk_read"
	SeriesDiskWrite    SeriesKind = "disk_write"
	SeriesPGTPS        SeriesKind = "pg_tps"
	SeriesContainerCPU SeriesKind = "container_cpu"
)

// rangeQuery is the PromQL of one sparkline: one series, for one host
// (and, for PostgreSQL, one server; for a container, its name).
func (b *queryBuilder) rangeQuery(kind SeriesKind, w, instance, sub string) (string, error) {
	hm := b.hostMatcher(instance)
	j := b.nodeJob
	switch kind {
	case SeriesCPUBusy:
		return b.cpuBusy(w, "avg", hm), nil
	case SeriesMemoryUsed:
		return fmt.Sprintf(`100 * (1 - max(node_memory_MemAvailable_bytes%s) / max(node_memory_MemTotal_bytes%s))`, sel(j, hm), sel(j, hm)), nil
	case SeriesLoad1:
		return fmt.Sprintf(`max(node_load1%s)`, sel(j, hm)), nil
	case SeriesNetRx, SeriesNetTx:
		metric := map[SeriesKind]string{SeriesNetRx: "node_network_receive_bytes_total", SeriesNetTx: "node_network_transmit_bytes_total"}[kind]
		return fmt.Sprintf(`sum(rate(%s%s[%s]))`, metric, sel(j, hm, `device!~`+quote(netExcluded)), w), nil
	case SeriesDiskRead, SeriesDiskWrite:
		metric := map[SeriesKind]string{SeriesDiskRead: "node_disk_read_bytes_total", SeriesDiskWrite: "node_disk_written_bytes_total"}[kind]
		return fmt.Sprintf(`sum(rate(%s%s[%s]))`, metric, sel(j, hm, `device!~`+quote(diskExcluded)), w), nil
	case SeriesPGTPS:
		m := []string{hm}
		if sub != "" {
			m = append(m, "server="+quote(sub))
		}
		s := sel(b.postgresJob, m...)
		return fmt.Sprintf(`sum(rate(pg_stat_database_xact_commit%s[%s])) + sum(rate(pg_stat_database_xact_rollback%s[%s]))`, s, w, s, w), nil
	case SeriesContainerCPU:
		return fmt.Sprintf(`100 * sum(rate(container_cpu_usage_seconds_total%s[%s]))`, sel(b.cadJob, hm, "name="+quote(sub)), w), nil
	}
	return "", fmt.Errorf("unknown series %q", kind)
}
