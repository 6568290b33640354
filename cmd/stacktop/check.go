package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/stacktop/stacktop/actions/atomicfile"
	"github.com/stacktop/stacktop/collectors"
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
		i   int
		err error
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
			results <- result{i, err}
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
// so the user sees which server "ok" refers to.
func where(cfg *Config, id collectors.SourceID, u collectors.Update) string {
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
