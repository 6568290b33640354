package docker

import (
	"fmt"
	"time"

	units "github.com/docker/go-units"
)

// statusText is the engine's human summary of a container ("Up 3 minutes
// (healthy)", "Exited (0) 2 hours ago") as the engine would word it at now,
// from the list's state and what inspect said; it is how `docker ps`
// words it (the engine's State.String). Polls that reuse the last list
// compute it, so the text is never older than the poll. listed is the
// list's own text, kept for states this does not know.
func statusText(state string, in inspectInfo, now time.Time, listed string) string {
	since := func(t time.Time) string { return units.HumanDuration(now.Sub(t)) }
	switch state {
	case "running", "paused":
		if in.startedAt.IsZero() {
			return listed // not inspected since it started
		}
	case "restarting", "exited":
		if in.finishedAt.IsZero() {
			return listed
		}
	}
	switch state {
	case "running":
		if in.health == "" {
			return "Up " + since(in.startedAt)
		}
		h := in.health
		if h == "starting" {
			h = "health: starting"
		}
		return fmt.Sprintf("Up %s (%s)", since(in.startedAt), h)
	case "paused":
		return fmt.Sprintf("Up %s (Paused)", since(in.startedAt))
	case "restarting":
		return fmt.Sprintf("Restarting (%d) %s ago", in.exitCode, since(in.finishedAt))
	case "removing":
		return "Removal In Progress"
	case "dead":
		return "Dead"
	case "created":
		return "Created"
	case "exited":
		return fmt.Sprintf("Exited (%d) %s ago", in.exitCode, since(in.finishedAt))
	}
	return listed
}
