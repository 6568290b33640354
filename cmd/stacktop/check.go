package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/stacktop/stacktop/actions/atomicfile"
	"github.com/stacktop/stacktop/collectors"
	"github.com/stacktop/stacktop/collectors/fleet"
	"github.com/stacktop/stacktop/ui/format"
	"github.com/stacktop/stacktop/ui/redact"
	"github.com/stacktop/stacktop/ui/report"
	"github.com/stacktop/stacktop/ui/sanitize"
)

// checkTimeout bounds each source's one poll.
const checkTimeout = 5 * time.Second

// runCheck polls every configured source once, concurrently, and prints one
// line per source. Exit 0 when all answered, 1 when one is down (a default
// source that is not there does not count).
func runCheck(ctx context.Context, e *env, cfg *Config) int {
	sources, err := buildSources(cfg)
	if err != nil {
		fmt.Fprintf(e.stderr, "stacktop check: %v\n", err)
		return exitBadConfig
	}
	type result struct {
		i    int
		snap collectors.Snapshot
		err  error
	}
	results := make(chan result, len(sources))
	for i, s := range sources {
		go func() {
			pctx, cancel := context.WithTimeout(ctx, checkTimeout)
			defer cancel()
			snap, err := s.Collector.Collect(pctx)
			if err == nil && snap == nil {
				err = errors.New("collector returned no snapshot")
			}
			results <- result{i, snap, err}
		}()
	}
	updates := make([]collectors.Update, len(sources))
	for i, s := range sources {
		updates[i] = collectors.Update{Source: s.ID, Implicit: s.Implicit,
			Err: fmt.Errorf("no answer within %s — the source may be hung", checkTimeout)}
	}
	// A collector that ignores its deadline must not hang the check.
	grace := time.NewTimer(checkTimeout + time.Second)
	defer grace.Stop()
collect:
	for range sources {
		select {
		case r := <-results:
			updates[r.i].Err, updates[r.i].PolledAt = r.err, time.Now()
			if r.err == nil {
				updates[r.i].Snapshot = r.snap
			}
		case <-grace.C:
			break collect
		}
	}
	closeSources(sources)
	code := exitOK
	for i, u := range updates {
		fmt.Fprintf(e.stdout, "%s: %s%s\n", u.Source, report.Status(u), where(cfg, sources[i].ID, u))
		if report.Failed(u) {
			code = exitFailed
		}
	}
	printStalePartials(e, cfg.Actions.BackupDir)
	return code
}

// printStalePartials lists the hidden .partial files that backups or
// archives killed mid-way left in the backup directory: disk space nothing
// will ever free but the next backup (or a person). They do not change the
// exit code: every source may still be fine.
func printStalePartials(e *env, dir string) {
	stale, err := atomicfile.FindStale(dir)
	for _, s := range stale {
		fmt.Fprintf(e.stdout, "backups: %s (%s, last written %s) was left by a backup killed mid-way — the next backup removes it, or delete it\n",
			sanitize.Line(s.Path), format.Bytes(uint64(max(s.Size, 0))), s.ModTime.Format("2006-01-02 15:04:05"))
	}
	if err != nil {
		fmt.Fprintf(e.stdout, "backups: %s\n", sanitize.Line(err.Error()))
	}
}

// where adds the masked DSN of a configured Postgres target that answered,
// so the user sees which server "ok" refers to, and what a Prometheus
// source found.
func where(cfg *Config, id collectors.SourceID, u collectors.Update) string {
	if s, ok := u.Snapshot.(*fleet.Snapshot); ok && u.Err == nil {
		return " — " + exportersFound(s)
	}
	if id.Kind != collectors.KindPostgres || u.Err != nil {
		return ""
	}
	for _, t := range cfg.Postgres {
		if t.Name == id.Name && !t.Implicit && t.DSN != "" {
			return " (" + sanitize.Line(redact.DSN(t.DSN)) + ")"
		}
	}
	return ""
}

// exportersFound says which exporters a Prometheus source scrapes, with
// counts: "12 node, 3 postgres, 1 cadvisor targets (1 node down)".
func exportersFound(s *fleet.Snapshot) string {
	e := s.Exporters
	if e.Node+e.Postgres+e.CAdvisor == 0 {
		return "no node_exporter, postgres_exporter or cAdvisor targets found — check node_job, postgres_job, cadvisor_job"
	}
	out := fmt.Sprintf("%d node, %d postgres, %d cadvisor targets", e.Node, e.Postgres, e.CAdvisor)
	var down []string
	for _, d := range []struct {
		n    int
		kind string
	}{{e.Node - e.NodeUp, "node"}, {e.Postgres - e.PostgresUp, "postgres"}, {e.CAdvisor - e.CAdvisorUp, "cadvisor"}} {
		if d.n > 0 {
			down = append(down, fmt.Sprintf("%d %s", d.n, d.kind))
		}
	}
	if len(down) > 0 {
		out += " (" + strings.Join(down, ", ") + " down)"
	}
	return out
}
