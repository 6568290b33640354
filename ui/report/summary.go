package report

import (
	"strconv"
	"strings"
	"time"

	"github.com/stacktop/stacktop/collectors"
	"github.com/stacktop/stacktop/collectors/docker"
	"github.com/stacktop/stacktop/collectors/host"
	"github.com/stacktop/stacktop/collectors/postgres"
	"github.com/stacktop/stacktop/ui/format"
)

// Summary is one line of a source's main figures, as the text snapshot
// prints it under the source's status: for PostgreSQL TPS, sessions,
// waiting and the longest query; for Docker the containers running and
// those needing attention; for the host cpu, memory and load. When the
// figures are history (the source is down or stale at now) the line starts
// "as of 17:06:49:" and leaves the rates out. "" without data.
func Summary(u collectors.Update, now time.Time) string {
	live := u.Live(now)
	var parts []string
	switch s := u.Snapshot.(type) {
	case *postgres.Snapshot:
		parts = postgresSummary(s, live)
	case *docker.Snapshot:
		parts = dockerSummary(s)
	case *host.Snapshot:
		parts = hostSummary(s, live)
	}
	if len(parts) == 0 {
		return ""
	}
	line := strings.Join(parts, " · ")
	if !live {
		line = "as of " + u.LastGood.Format("15:04:05") + ": " + line
	}
	return line
}

func postgresSummary(s *postgres.Snapshot, live bool) []string {
	if s == nil {
		return nil
	}
	var parts []string
	if live {
		tps := format.NA
		if s.Total.TPS.Valid {
			tps = format.Count(s.Total.TPS.PerSec)
		}
		parts = append(parts, tps+" tps")
	}
	st := s.Server.States
	parts = append(parts,
		strconv.Itoa(s.Server.ConnectionsUsed)+"/"+strconv.Itoa(s.Server.ConnectionsMax)+" sessions ("+strconv.Itoa(st.Active)+" active)",
		strconv.Itoa(st.WaitingOnLock)+" waiting")
	var longest *postgres.Backend
	for i := range s.Activity {
		b := &s.Activity[i]
		if b.State == postgres.StateActive && b.QueryAge.Valid && b.BackendType == "client backend" &&
			(longest == nil || b.QueryAge.D > longest.QueryAge.D) {
			longest = b
		}
	}
	if longest != nil {
		parts = append(parts, "longest query "+format.Duration(longest.QueryAge.D)+" (pid "+strconv.Itoa(longest.PID)+")")
	} else {
		parts = append(parts, "no query running")
	}
	return parts
}

func dockerSummary(s *docker.Snapshot) []string {
	if s == nil {
		return nil
	}
	running, attention := 0, 0
	for i := range s.Containers {
		c := &s.Containers[i]
		if c.Running() {
			running++
		}
		if c.Problem() != docker.ProblemNone {
			attention++
		}
	}
	return []string{strconv.Itoa(len(s.Containers)) + " containers", strconv.Itoa(running) + " running",
		strconv.Itoa(attention) + " need attention"}
}

func hostSummary(s *host.Snapshot, live bool) []string {
	if s == nil {
		return nil
	}
	var parts []string
	if live {
		cpu := format.NA
		if s.CPU.Valid {
			cpu = format.Percent(s.CPU.Total.Busy)
		}
		parts = append(parts, "cpu "+cpu)
	}
	return append(parts, "mem "+format.Percent(percent(s.Memory.Used, s.Memory.Total)),
		"load "+format.Fixed(s.Load.Load1, 2)+" "+format.Fixed(s.Load.Load5, 2)+" "+format.Fixed(s.Load.Load15, 2))
}
