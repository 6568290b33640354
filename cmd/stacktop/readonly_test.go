package main

import (
	"context"
	"database/sql"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"

	"github.com/stacktop/stacktop/actions"
	"github.com/stacktop/stacktop/actions/actionstest"
	dockeract "github.com/stacktop/stacktop/actions/docker"
	hostact "github.com/stacktop/stacktop/actions/host"
	pgact "github.com/stacktop/stacktop/actions/postgres"
	"github.com/stacktop/stacktop/collectors"
	"github.com/stacktop/stacktop/collectors/docker/dockertest"
	"github.com/stacktop/stacktop/collectors/postgres/pgtest"
)

// readOnlyCase builds, for every kind the registry holds, a real target and
// a check that the world was left alone. A kind without a case here fails
// the test: register a new action, add its case.
func readOnlyCase(t *testing.T, c *pgtest.Cluster, cfg *Config, k actions.Kind) actionstest.Case {
	t.Helper()
	pgTarget := actions.Target{Kind: collectors.KindPostgres, Source: "main"}
	switch k.ID {
	case hostact.TermID, hostact.KillID:
		pid := sleepChild(t)
		target, err := hostact.LookupTarget("/proc", "local", pid)
		if err != nil {
			t.Fatal(err)
		}
		return actionstest.Case{Target: target, Unchanged: func(t testing.TB) {
			if !alive(pid) {
				t.Errorf("%s: process %d is gone", k.ID, pid)
			}
		}}
	case pgact.CancelID, pgact.TerminateID:
		pid := pgSleeper(t, c)
		target, err := pgact.LookupBackend(t.Context(), pgActionOptions(cfg), "main", pid)
		if err != nil {
			t.Fatal(err)
		}
		return actionstest.Case{Target: target, Unchanged: func(t testing.TB) { stillSleeping(t, c, pid) }}
	case pgact.VacuumID:
		count := func(t testing.TB) int {
			return pgInt(t, c, `SELECT vacuum_count + analyze_count FROM pg_stat_user_tables WHERE relname = 't'`)
		}
		before := count(t)
		pgTarget.Object = "public.t"
		return actionstest.Case{Target: pgTarget, Params: actions.Params{"database": "app"}, Unchanged: func(t testing.TB) {
			if n := count(t); n != before {
				t.Errorf("t was vacuumed or analyzed (%d → %d)", before, n)
			}
		}}
	case pgact.ExplainID:
		return actionstest.Case{Target: pgTarget, Params: actions.Params{"query": "SELECT 1"}}
	case pgact.ExplainAnalyzeID:
		return actionstest.Case{Target: pgTarget, Params: actions.Params{"query": "UPDATE t SET v = 'changed'"},
			Unchanged: func(t testing.TB) {
				if n := pgInt(t, c, `SELECT count(*) FROM t WHERE v = 'changed'`); n != 0 {
					t.Errorf("%d rows changed", n)
				}
			}}
	case pgact.SavePlanID:
		// Read: allowed under read-only (only checked, not run, here).
		return actionstest.Case{Target: pgTarget, Params: actions.Params{"plan": `[{"Plan": {"Node Type": "Result"}}]`}}
	case pgact.BackupID:
		return actionstest.Case{Target: pgTarget, Params: actions.Params{"database": "app"}, Unchanged: func(t testing.TB) {
			if entries, err := os.ReadDir(cfg.Actions.BackupDir); err == nil && len(entries) > 0 {
				t.Errorf("the backup directory has %d entries", len(entries))
			}
		}}
	}
	if k.TargetKind == collectors.KindDocker {
		return dockerReadOnlyCase(t, cfg, k)
	}
	t.Fatalf("no read-only case for action kind %s — add one to readOnlyCase", k.ID)
	return actionstest.Case{}
}

func pgInt(t testing.TB, c *pgtest.Cluster, q string) int {
	t.Helper()
	db, err := sql.Open("postgres", c.SuperDSN("app"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func stillSleeping(t testing.TB, c *pgtest.Cluster, pid int) {
	t.Helper()
	q := `SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%pg_sleep%' AND pid = ` + strconv.Itoa(pid)
	if n := pgInt(t, c, q); n != 1 {
		t.Errorf("backend %d is no longer sleeping", pid)
	}
}

// dockerReadOnlyCase is a running test container (or a volume name, for
// archive-volume) that must stay running, unpaused, with the same start,
// and no file may appear in the backup directory.
func dockerReadOnlyCase(t *testing.T, cfg *Config, k actions.Kind) actionstest.Case {
	e := dockertest.Start(t)
	id, name := e.Run(t, dockertest.Spec{Name: "cmd-ro-" + strings.ReplaceAll(k.ID, ".", "-")})
	state := func(t testing.TB) *container.State {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		info, err := e.Client.ContainerInspect(ctx, id)
		if err != nil {
			t.Fatalf("inspect %s: %v", name, err)
		}
		return info.State
	}
	before := state(t)
	target, err := dockeract.LookupTarget(t.Context(), dockerActionOptions(cfg), "local", name)
	if err != nil {
		t.Fatal(err)
	}
	params := actions.Params{}
	switch k.ID {
	case dockeract.ArchiveVolumeID:
		target = dockeract.VolumeTarget("local", "any")
	case dockeract.ArchiveID:
		params["path"] = "/"
	}
	return actionstest.Case{Target: target, Params: params, Unchanged: func(t testing.TB) {
		st := state(t)
		if !st.Running || st.Paused || st.StartedAt != before.StartedAt {
			t.Errorf("%s under read-only changed container %s: %+v", k.ID, name, st)
		}
		if entries, err := os.ReadDir(cfg.Actions.BackupDir); err == nil && len(entries) > 0 {
			t.Errorf("%s under read-only wrote into the backup directory", k.ID)
		}
	}}
}
