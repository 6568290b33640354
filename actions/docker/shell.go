package docker

import (
	"context"
	"fmt"
	"os/exec"
	"strings"

	"github.com/docker/docker/api/types/container"

	"github.com/stacktop/stacktop/actions"
)

// shellKind opens an interactive shell in a running container. It is
// Mutating: whoever has the shell can change anything in the container, so
// read-only refuses it. Its Run only checks (the container is the one
// picked and is running); its Output is the *exec.Cmd to run, which needs
// the terminal:
//
//	res, err := runner.Run(ctx, a, actions.Confirmation{}, nil)
//	if err == nil {
//		return tea.ExecProcess(res.Output.(*exec.Cmd), func(err error) tea.Msg { ... })
//	}
//
// The audit line records that the shell was opened, not what was typed.
// The CLI runs the same command with its own stdin, stdout and stderr.
func shellKind(o Options) actions.Kind {
	return o.kind(spec{id: ShellID, title: "Open a shell", risk: actions.Mutating,
		params: map[string]string{"shell": "the shell to run inside the container (default sh)"},
		plan: func(r ref, p actions.Params) (plan, error) {
			sh := strings.TrimSpace(p["shell"])
			if sh == "" {
				sh = "sh"
			}
			if strings.ContainsAny(sh, " \t\n") || strings.HasPrefix(sh, "-") {
				return plan{}, fmt.Errorf("shell=%q is not one command — name the shell alone, e.g. shell=bash", sh)
			}
			return plan{
				desc:    fmt.Sprintf("Open an interactive %s in container %s (docker exec -it); what you type there is not checked or recorded.", sh, r.name),
				timeout: 3 * o.CallTimeout,
				act: func(_ context.Context, _ *conn, info container.InspectResponse, _ func(actions.Progress)) (any, error) {
					if info.State == nil || !info.State.Running || info.State.Paused {
						return nil, fmt.Errorf("container %s is not running — start it (or unpause it) to open a shell", r.name)
					}
					return o.shellCommand(r.t.Source, r.id, sh), nil
				},
			}, nil
		}})
}

// shellCommand is docker exec -it ID SHELL against the source's engine:
// the address and TLS files the collector uses, as the CLI's flags.
func (o Options) shellCommand(source, id, shell string) *exec.Cmd {
	var args []string
	h := o.Hosts[source]
	switch {
	case h.Context != "":
		args = append(args, "--context", h.Context)
	case h.Host != "":
		args = append(args, "--host", h.Host)
	}
	if h.TLSCACert != "" || h.TLSCert != "" {
		// The CLI's flags for what the collector's client does.
		if h.TLSVerify {
			args = append(args, "--tlsverify")
		} else {
			args = append(args, "--tls")
		}
		if h.TLSCACert != "" {
			args = append(args, "--tlscacert", h.TLSCACert)
		}
		if h.TLSCert != "" {
			args = append(args, "--tlscert", h.TLSCert, "--tlskey", h.TLSKey)
		}
	}
	args = append(args, "exec", "-it", id, shell)
	return exec.Command(o.DockerCLI, args...)
}
