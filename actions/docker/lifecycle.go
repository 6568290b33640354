package docker

import (
	"context"
	"fmt"
	"time"

	"github.com/docker/docker/api/types/container"

	"github.com/stacktop/stacktop/actions"
)

// maxStopTimeout caps the grace period a user can ask stop or restart for.
const maxStopTimeout = time.Hour

// stopParams documents the timeout parameter of stop and restart.
var stopParams = map[string]string{
	"timeout": "grace period before SIGKILL, e.g. 30s (default 10s)",
}

func lifecycleKinds(o Options) []actions.Kind {
	return []actions.Kind{
		o.kind(spec{id: StartID, title: "Start", risk: actions.Mutating, plan: o.startPlan}),
		o.kind(spec{id: StopID, title: "Stop", risk: actions.Mutating, needsYes: true, params: stopParams, plan: o.stopPlan}),
		o.kind(spec{id: RestartID, title: "Restart", risk: actions.Mutating, needsYes: true, params: stopParams, plan: o.restartPlan}),
		o.kind(spec{id: PauseID, title: "Pause", risk: actions.Mutating, needsYes: true, plan: o.pausePlan}),
		o.kind(spec{id: UnpauseID, title: "Unpause", risk: actions.Mutating, plan: o.unpausePlan}),
	}
}

func (o Options) startPlan(r ref, _ actions.Params) (plan, error) {
	return plan{
		desc:    fmt.Sprintf("Start container %s.", r.name),
		timeout: 3 * o.CallTimeout,
		act: func(ctx context.Context, c *conn, info container.InspectResponse, progress func(actions.Progress)) (any, error) {
			if info.State != nil && info.State.Paused {
				return nil, fmt.Errorf("container %s is paused, not stopped — unpause it instead", r.name)
			}
			progress(actions.Progress{Message: "starting " + r.name})
			cctx, cancel := c.call(ctx)
			defer cancel()
			if err := c.cli.ContainerStart(cctx, r.id, container.StartOptions{}); err != nil {
				return nil, c.wrap("start "+r.name, err)
			}
			return nil, c.checkRunning(ctx, "started")
		},
	}, nil
}

func (o Options) stopPlan(r ref, p actions.Params) (plan, error) {
	grace, err := durationParam(p, "timeout", o.StopTimeout, maxStopTimeout)
	if err != nil {
		return plan{}, err
	}
	return plan{
		desc: fmt.Sprintf("Stop container %s: send its stop signal (usually SIGTERM), then SIGKILL if it is still running after %s.", r.name, grace),
		// The engine answers only once the container is down.
		timeout: grace + 3*o.CallTimeout,
		act: func(ctx context.Context, c *conn, _ container.InspectResponse, progress func(actions.Progress)) (any, error) {
			progress(actions.Progress{Message: fmt.Sprintf("stopping %s (SIGKILL after %s)", r.name, grace)})
			cctx, cancel := context.WithTimeout(ctx, grace+c.opts.CallTimeout)
			defer cancel()
			if err := c.cli.ContainerStop(cctx, r.id, stopOptions(grace)); err != nil {
				return nil, c.wrap("stop "+r.name, err)
			}
			return nil, nil
		},
	}, nil
}

func (o Options) restartPlan(r ref, p actions.Params) (plan, error) {
	grace, err := durationParam(p, "timeout", o.StopTimeout, maxStopTimeout)
	if err != nil {
		return plan{}, err
	}
	return plan{
		desc:    fmt.Sprintf("Restart container %s: stop it (SIGKILL after %s) and start it again; it keeps its id, name and data.", r.name, grace),
		timeout: grace + 4*o.CallTimeout,
		act: func(ctx context.Context, c *conn, _ container.InspectResponse, progress func(actions.Progress)) (any, error) {
			progress(actions.Progress{Message: fmt.Sprintf("restarting %s (SIGKILL after %s)", r.name, grace)})
			cctx, cancel := context.WithTimeout(ctx, grace+2*c.opts.CallTimeout)
			defer cancel()
			if err := c.cli.ContainerRestart(cctx, r.id, stopOptions(grace)); err != nil {
				return nil, c.wrap("restart "+r.name, err)
			}
			return nil, c.checkRunning(ctx, "restarted")
		},
	}, nil
}

func (o Options) pausePlan(r ref, _ actions.Params) (plan, error) {
	return plan{
		desc:    fmt.Sprintf("Pause every process in container %s until it is unpaused; it serves nothing meanwhile.", r.name),
		timeout: 3 * o.CallTimeout,
		act: func(ctx context.Context, c *conn, _ container.InspectResponse, progress func(actions.Progress)) (any, error) {
			progress(actions.Progress{Message: "pausing " + r.name})
			cctx, cancel := c.call(ctx)
			defer cancel()
			if err := c.cli.ContainerPause(cctx, r.id); err != nil {
				return nil, c.wrap("pause "+r.name, err)
			}
			return nil, nil
		},
	}, nil
}

func (o Options) unpausePlan(r ref, _ actions.Params) (plan, error) {
	return plan{
		desc:    fmt.Sprintf("Resume the paused processes of container %s.", r.name),
		timeout: 3 * o.CallTimeout,
		act: func(ctx context.Context, c *conn, _ container.InspectResponse, progress func(actions.Progress)) (any, error) {
			progress(actions.Progress{Message: "unpausing " + r.name})
			cctx, cancel := c.call(ctx)
			defer cancel()
			if err := c.cli.ContainerUnpause(cctx, r.id); err != nil {
				return nil, c.wrap("unpause "+r.name, err)
			}
			return nil, nil
		},
	}, nil
}

// stopOptions asks the engine for grace whole seconds (rounded up, so 1500ms
// is not cut to 1s) before SIGKILL.
func stopOptions(grace time.Duration) container.StopOptions {
	secs := int((grace + time.Second - 1) / time.Second)
	return container.StopOptions{Timeout: &secs}
}

// settle is how long a (re)started container is watched for an immediate
// exit, which the engine still counts as a successful start.
const settle = time.Second

// checkRunning reports a container that exits within settle of being
// (re)started: a crash on start is the one thing the user must hear now.
func (c *conn) checkRunning(ctx context.Context, verb string) error {
	wctx, cancel := context.WithTimeout(ctx, settle)
	defer cancel()
	exited, errc := c.cli.ContainerWait(wctx, c.r.id, container.WaitConditionNotRunning)
	select {
	case res := <-exited:
		return fmt.Errorf("%s %s, but it exited at once with code %d — check its logs", verb, c.r.name, res.StatusCode)
	case err := <-errc:
		if ctx.Err() == nil && wctx.Err() != nil {
			return nil // still running after settle
		}
		return c.wrap("watch "+c.r.name+" after it was "+verb, err)
	}
}
