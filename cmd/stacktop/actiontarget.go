package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/stacktop/stacktop/actions"
	dockeract "github.com/stacktop/stacktop/actions/docker"
	hostact "github.com/stacktop/stacktop/actions/host"
	pgact "github.com/stacktop/stacktop/actions/postgres"
	"github.com/stacktop/stacktop/collectors"
)

// lookupTimeout bounds naming a target from the command line.
const lookupTimeout = 10 * time.Second

// resolveTarget names what the user typed exactly, as the dashboard does
// from its snapshot: a process by pid and start time, a backend by pid and
// backend_start, a container by name and id. Actions re-check that
// identity right before acting.
func resolveTarget(ctx context.Context, cfg *Config, kind actions.Kind, t actions.Target, a *verbArgs) (actions.Target, error) {
	ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
	defer cancel()
	switch {
	case t.Kind == collectors.KindHost:
		pid, err := strconv.Atoi(t.Object)
		if err != nil || pid <= 0 {
			return t, fmt.Errorf("%s: want host:PID, e.g. host:1234", t)
		}
		return hostact.LookupTarget("/proc", t.Source, pid)
	case t.Kind == collectors.KindDocker:
		if t.Object == "" {
			return t, fmt.Errorf("%s: want docker:SOURCE/CONTAINER, e.g. docker:%s/web", t, t.Source)
		}
		if kind.ID == dockeract.ArchiveVolumeID {
			return dockeract.VolumeTarget(t.Source, t.Object), nil
		}
		return dockeract.LookupTarget(ctx, dockerActionOptions(cfg), t.Source, t.Object)
	case kind.ID == pgact.CancelID || kind.ID == pgact.TerminateID:
		if a.pid <= 0 {
			return t, fmt.Errorf("%s needs the backend's --pid (from pg_stat_activity)", kind.ID)
		}
		return pgact.LookupBackend(ctx, pgActionOptions(cfg), t.Source, a.pid)
	}
	return t, nil
}
