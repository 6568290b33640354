package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/stacktop/stacktop/collectors"
	"github.com/stacktop/stacktop/ui/report"
)

// Snapshot timing: two polls a second apart give every rate a one-second
// window; each poll has its own deadline, and the whole run a cap, so a hung
// source costs at most snapshotDeadline.
const (
	snapshotGap         = time.Second
	snapshotPollTimeout = 5 * time.Second
	snapshotDeadline    = 2*snapshotPollTimeout + snapshotGap + time.Second
)

// runSnapshot polls every source twice through a hub and prints the result.
// Exit 0 when every source answered (a default source that is not there
// counts as answered), 1 otherwise.
func runSnapshot(ctx context.Context, e *env, cfg *Config, asJSON bool) int {
	sources, err := buildSources(cfg)
	if err != nil {
		fmt.Fprintf(e.stderr, "stacktop snapshot: %v\n", err)
		return exitBadConfig
	}
	for i := range sources {
		sources[i].Interval = snapshotGap
		sources[i].Timeout = snapshotPollTimeout
	}
	updates := pollTwice(ctx, sources)
	now := time.Now()
	failed := false
	for _, u := range updates {
		if report.Failed(u) {
			failed = true
			if asJSON { // the error is in the JSON too; stderr is for the person running it
				fmt.Fprintf(e.stderr, "stacktop snapshot: %s: %s\n", u.Source, report.Status(u))
			}
		}
	}
	if asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(report.Build(now, updates))
	} else {
		err = report.WriteText(e.stdout, now, updates)
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "stacktop snapshot: %v\n", err)
		return exitFailed
	}
	if failed {
		return exitFailed
	}
	return exitOK
}

// pollTwice runs a hub until every source has been polled twice (or has
// failed once: a second try would not change the verdict) or the deadline
// passes, then stops it and returns the latest update of each source. A
// source that never answered carries an error saying so.
func pollTwice(ctx context.Context, sources []collectors.Source) []collectors.Update {
	ctx, cancel := context.WithTimeout(ctx, snapshotDeadline)
	hub := collectors.NewHub(sources...)
	sub := hub.Subscribe()
	hub.Run(ctx)
	polls := map[collectors.SourceID]int{}
	lastPoll := map[collectors.SourceID]time.Time{}
	done := map[collectors.SourceID]bool{}
	for len(done) < len(sources) {
		batch, err := sub.Next(ctx)
		if err != nil {
			break
		}
		for _, u := range batch {
			if u.PolledAt.IsZero() || u.PolledAt.Equal(lastPoll[u.Source]) {
				continue
			}
			lastPoll[u.Source] = u.PolledAt
			polls[u.Source]++
			if polls[u.Source] >= 2 || u.Err != nil {
				done[u.Source] = true
			}
		}
	}
	cancel()
	hub.Wait()
	hub.Unsubscribe(sub)
	updates := hub.Latest()
	for i, u := range updates {
		if u.PolledAt.IsZero() {
			updates[i].Err = errors.New("no answer within " + snapshotDeadline.String() + " — the source may be hung; try stacktop check")
		}
	}
	return updates
}
