package docker

import (
	"context"
	"fmt"
	"strings"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"

	"github.com/stacktop/stacktop/actions"
)

// killSignals are the signals docker.kill sends. The list is short on
// purpose: these are the ones an operator sends to a service by hand
// (reload, dump, ask to exit, end now); STOP/CONT are what pause is for.
var killSignals = []string{"KILL", "TERM", "INT", "QUIT", "HUP", "USR1", "USR2"}

// parseSignal accepts KILL, SIGKILL, kill and returns "KILL".
func parseSignal(s string) (string, error) {
	v := strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(s)), "SIG")
	if v == "" {
		return "KILL", nil
	}
	for _, k := range killSignals {
		if v == k {
			return k, nil
		}
	}
	return "", fmt.Errorf("signal %q is not one stacktop sends — use one of %s", s, strings.Join(killSignals, ", "))
}

// killKind is Destructive whatever the signal: a signal the program does
// not handle ends it as surely as KILL, and the kind must have one risk so
// read-only can refuse it without building it. KILL also wants the name
// typed, as the issue asks of kill -9.
func killKind(o Options) actions.Kind {
	return o.kind(spec{id: KillID, title: "Kill (signal)", risk: actions.Destructive,
		params: map[string]string{"signal": "signal to send: " + strings.Join(killSignals, ", ") + " (default KILL)"},
		plan: func(r ref, p actions.Params) (plan, error) {
			sig, err := parseSignal(p["signal"])
			if err != nil {
				return plan{}, err
			}
			isKill := sig == "KILL"
			desc := fmt.Sprintf("Send SIG%s to container %s's main process; if it does not handle the signal, it exits.", sig, r.name)
			if isKill {
				desc = fmt.Sprintf("Send SIGKILL to container %s: it ends at once and cannot clean up.", r.name)
			}
			return plan{desc: desc, timeout: 3 * o.CallTimeout, byName: &isKill,
				act: func(ctx context.Context, c *conn, info container.InspectResponse, progress func(actions.Progress)) (any, error) {
					return nil, c.kill(ctx, info, sig, progress)
				}}, nil
		}})
}

func (c *conn) kill(ctx context.Context, info container.InspectResponse, sig string, progress func(actions.Progress)) error {
	if info.State == nil || !info.State.Running {
		return fmt.Errorf("container %s is not running — nothing to signal", c.r.name)
	}
	progress(actions.Progress{Message: fmt.Sprintf("sending SIG%s to %s", sig, c.r.name)})
	cctx, cancel := c.call(ctx)
	defer cancel()
	if err := c.cli.ContainerKill(cctx, c.r.id, "SIG"+sig); err != nil {
		return c.wrap(fmt.Sprintf("send SIG%s to %s", sig, c.r.name), err)
	}
	if sig != "KILL" {
		return nil // HUP and USR1 usually leave it running; nothing to wait for
	}
	// The engine answers before the container is reaped; wait so the user
	// sees it down when we say done.
	progress(actions.Progress{Message: fmt.Sprintf("sent SIGKILL; waiting for %s to exit", c.r.name)})
	wait, errc := c.cli.ContainerWait(cctx, c.r.id, container.WaitConditionNotRunning)
	select {
	case <-wait:
		return nil
	case err := <-errc:
		return c.wrap(fmt.Sprintf("sent SIGKILL, then waiting for %s to exit", c.r.name), err)
	}
}

func removeKind(o Options) actions.Kind {
	return o.kind(spec{id: RemoveID, title: "Remove", risk: actions.Destructive, byName: true,
		params: map[string]string{
			"volumes": "also remove its anonymous volumes: true or false (default false)",
			"force":   "kill it first if it is running: true or false (default false)",
		},
		plan: func(r ref, p actions.Params) (plan, error) {
			vols, err := boolParam(p, "volumes")
			if err != nil {
				return plan{}, err
			}
			force, err := boolParam(p, "force")
			if err != nil {
				return plan{}, err
			}
			what := "container " + r.name
			if vols {
				what += " and its anonymous volumes"
			}
			desc := fmt.Sprintf("Remove %s; this cannot be undone.", what)
			if force {
				desc = fmt.Sprintf("Kill container %s if it is running, then remove %s; this cannot be undone.", r.name, what)
			}
			return plan{desc: desc, timeout: 4 * o.CallTimeout,
				act: func(ctx context.Context, c *conn, info container.InspectResponse, progress func(actions.Progress)) (any, error) {
					return nil, c.remove(ctx, info, container.RemoveOptions{RemoveVolumes: vols, Force: force}, progress)
				}}, nil
		}})
}

func (c *conn) remove(ctx context.Context, info container.InspectResponse, ro container.RemoveOptions, progress func(actions.Progress)) error {
	if st := info.State; st != nil && (st.Running || st.Paused || st.Restarting) && !ro.Force {
		return fmt.Errorf("container %s is %s — stop it first, or remove with force=true to kill it", c.r.name, st.Status)
	}
	progress(actions.Progress{Message: "removing " + c.r.name})
	cctx, cancel := context.WithTimeout(ctx, 3*c.opts.CallTimeout)
	defer cancel()
	if err := c.cli.ContainerRemove(cctx, c.r.id, ro); err != nil && !cerrdefs.IsNotFound(err) {
		return c.wrap("remove "+c.r.name, err)
	}
	return nil
}
