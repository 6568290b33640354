package docker

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/client"

	"github.com/stacktop/stacktop/actions"
	"github.com/stacktop/stacktop/collectors/docker/endpoint"
)

// conn is one action's connection to the engine, for one container.
type conn struct {
	opts Options
	cli  *client.Client
	r    ref
}

// connect builds the client for r's source; close it.
func (o Options) connect(r ref) (*conn, error) {
	cli, err := o.client(r.t.Source)
	if err != nil {
		return nil, err
	}
	return &conn{opts: o, cli: cli, r: r}, nil
}

func (c *conn) close() { _ = c.cli.Close() }

// call bounds one short API call.
func (c *conn) call(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, c.opts.CallTimeout)
}

// resolve looks the container up by name and refuses unless the name still
// belongs to the id the user saw. Everything after it acts on the id, so a
// rename or recreation after this check cannot redirect the action.
func (c *conn) resolve(ctx context.Context) (container.InspectResponse, error) {
	cctx, cancel := c.call(ctx)
	defer cancel()
	info, err := c.cli.ContainerInspect(cctx, c.r.name)
	if cerrdefs.IsNotFound(err) {
		return info, fmt.Errorf("container %s is gone (removed or renamed) — nothing done; refresh the list", c.r.name)
	}
	if err != nil {
		return info, c.wrap("inspect "+c.r.name, err)
	}
	if info.ID != c.r.id {
		return info, fmt.Errorf("container %s was recreated (id %s now, %s when you picked it) — nothing done; refresh the list and pick it again",
			c.r.name, short(info.ID), short(c.r.id))
	}
	return info, nil
}

func short(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// wrap is c.opts.wrap for c's target.
func (c *conn) wrap(what string, err error) error { return c.opts.wrap(c.r.t, what, err) }

// wrap turns an engine or client error into one line, cause then hint,
// keeping err for errors.Is and errors.As.
func (o Options) wrap(t actions.Target, what string, err error) error {
	prefix := fmt.Sprintf("docker %q: %s", t.Source, what)
	host := "the engine"
	if ep, rerr := o.Hosts[t.Source].Endpoint(); rerr == nil {
		host = ep.Host + " (" + ep.From + ")"
		if msg, ok := endpoint.SSHFailure(err); ep.SSH() && ok {
			return &hintError{msg: fmt.Sprintf("%s: %s: %s", prefix, host, msg), err: err}
		}
	}
	var msg string
	switch {
	case errors.Is(err, os.ErrPermission):
		msg = fmt.Sprintf("%s: permission denied on %s — add your user to the docker group or run with access to the socket", prefix, host)
	case client.IsErrConnectionFailed(err):
		msg = fmt.Sprintf("%s: cannot connect to %s — is the Docker daemon running? Check [[docker]] host or DOCKER_HOST", prefix, host)
	case errors.Is(err, context.Canceled):
		msg = fmt.Sprintf("%s: cancelled", prefix)
	case errors.Is(err, context.DeadlineExceeded):
		msg = fmt.Sprintf("%s: the engine did not answer in time — it may be overloaded; try again", prefix)
	case cerrdefs.IsNotFound(err):
		msg = fmt.Sprintf("%s: %s — refresh the list", prefix, engineText(err))
	default:
		msg = fmt.Sprintf("%s: %s", prefix, engineText(err))
	}
	return &hintError{msg: msg, err: err}
}

// engineText is the engine's own message on one line, without the client's
// "Error response from daemon:" preamble.
func engineText(err error) string {
	s := strings.TrimPrefix(err.Error(), "Error response from daemon: ")
	return strings.Join(strings.Fields(s), " ")
}

// hintError is one line for the user with the cause kept for errors.Is.
type hintError struct {
	msg string
	err error
}

func (e *hintError) Error() string { return e.msg }
func (e *hintError) Unwrap() error { return e.err }
