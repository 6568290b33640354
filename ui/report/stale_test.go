package report

import (
	"testing"
	"time"

	"github.com/stacktop/stacktop/collectors"
	"github.com/stacktop/stacktop/collectors/docker"
	"github.com/stacktop/stacktop/collectors/host"
	"github.com/stacktop/stacktop/collectors/postgres"
)

// A source whose poll hangs keeps its last good data; whoever reads the
// document later must see it marked stale, judged at build time for every
// source family alike.
func TestStaleIsJudgedAtBuildTime(t *testing.T) {
	taken := time.Date(2026, 11, 21, 14, 0, 0, 0, time.UTC)
	update := func(kind collectors.Kind, snap collectors.Snapshot) collectors.Update {
		return collectors.Update{
			Source: collectors.SourceID{Kind: kind, Name: "local"}, Snapshot: snap,
			LastGood: taken, PolledAt: taken, Interval: 2 * time.Second,
		}
	}
	updates := []collectors.Update{
		update(collectors.KindHost, &host.Snapshot{Taken: taken}),
		update(collectors.KindPostgres, &postgres.Snapshot{Taken: taken}),
		update(collectors.KindDocker, &docker.Snapshot{Taken: taken}),
	}
	fresh := Build(taken.Add(time.Second), updates)
	if fresh.Host.Stale || fresh.Postgres[0].Stale || fresh.Docker[0].Stale {
		t.Fatalf("one second after the poll nothing is stale: host %v postgres %v docker %v",
			fresh.Host.Stale, fresh.Postgres[0].Stale, fresh.Docker[0].Stale)
	}
	late := Build(taken.Add(10*time.Second), updates)
	if !late.Host.Stale || !late.Postgres[0].Stale || !late.Docker[0].Stale {
		t.Fatalf("ten seconds (five intervals) later everything is stale: host %v postgres %v docker %v",
			late.Host.Stale, late.Postgres[0].Stale, late.Docker[0].Stale)
	}
}
