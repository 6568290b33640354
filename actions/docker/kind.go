package docker

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"

	"github.com/stacktop/stacktop/actions"
	"github.com/stacktop/stacktop/collectors"
)

// spec describes one container action kind; kind turns it into an
// actions.Kind whose actions all resolve and guard the container first.
type spec struct {
	id, title string
	risk      actions.Risk
	needsYes  bool
	byName    bool
	params    map[string]string
	// plan reads the params and says what the action will do. It must not
	// touch the engine (New changes nothing).
	plan func(r ref, p actions.Params) (plan, error)
}

// plan is one built action's description, bound and work.
type plan struct {
	desc    string
	timeout time.Duration
	// byName overrides spec.byName when set (kill asks for the name only
	// for KILL).
	byName *bool
	// act runs after the container was resolved and found to be the one
	// the user saw; info is that inspection. It returns the action's
	// product (a file's path) or nil.
	act func(ctx context.Context, c *conn, info container.InspectResponse, progress func(actions.Progress)) (any, error)
}

func (o Options) kind(s spec) actions.Kind {
	return actions.Kind{ID: s.id, Title: s.title, Risk: s.risk, TargetKind: collectors.KindDocker, Params: s.params,
		New: func(t actions.Target, p actions.Params) (actions.Action, error) {
			if err := checkParams(s, t, p); err != nil {
				return actions.Action{}, err
			}
			r, err := parseContainer(t)
			if err != nil {
				return actions.Action{}, err
			}
			pl, err := s.plan(r, p)
			if err != nil {
				return actions.Action{}, fmt.Errorf("%s on %s: %w", s.id, t, err)
			}
			a := actions.Action{ID: s.id, Title: s.title, Target: t, Risk: s.risk, Description: pl.desc,
				NeedsYes: s.needsYes, ConfirmByName: s.byName, Timeout: pl.timeout}
			if pl.byName != nil {
				a.ConfirmByName = *pl.byName
			}
			var out any
			a.Run = func(ctx context.Context, progress func(actions.Progress)) error {
				v, err := o.run(ctx, r, pl, progress)
				out = v
				return err
			}
			a.Output = func() any { return out }
			return a, nil
		}}
}

// run connects, re-checks the container's identity and does the work.
func (o Options) run(ctx context.Context, r ref, pl plan, progress func(actions.Progress)) (any, error) {
	c, err := o.connect(r)
	if err != nil {
		return nil, err
	}
	defer c.close()
	progress(actions.Progress{Message: "checking " + r.name + " is still the container you picked"})
	info, err := c.resolve(ctx)
	if err != nil {
		return nil, err
	}
	return pl.act(ctx, c, info, progress)
}

// checkParams refuses a param the kind does not read: a typo such as
// "volume=true" on remove must not be silently ignored.
func checkParams(s spec, t actions.Target, p actions.Params) error {
	for k := range p {
		if _, ok := s.params[k]; !ok {
			if len(s.params) == 0 {
				return fmt.Errorf("%s on %s: takes no parameters, got %q — drop it", s.id, t, k)
			}
			known := slices.Sorted(maps.Keys(s.params))
			return fmt.Errorf("%s on %s: unknown parameter %q — it reads %s", s.id, t, k, strings.Join(known, ", "))
		}
	}
	return nil
}

// boolParam reads an optional yes/no parameter.
func boolParam(p actions.Params, key string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(p[key])) {
	case "", "false", "no", "0":
		return false, nil
	case "true", "yes", "1":
		return true, nil
	}
	return false, fmt.Errorf("%s=%q is not a yes or no — use %s=true or %s=false", key, p[key], key, key)
}

// durationParam reads an optional duration, written as Go does ("30s",
// "2m") or as whole seconds ("30"), as docker stop -t takes it.
func durationParam(p actions.Params, key string, def, limit time.Duration) (time.Duration, error) {
	v := strings.TrimSpace(p[key])
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		n, nerr := strconv.Atoi(v)
		if nerr != nil {
			return 0, fmt.Errorf("%s=%q is not a duration — write e.g. %s=30s", key, v, key)
		}
		d = time.Duration(n) * time.Second
	}
	if d < 0 || d > limit {
		return 0, fmt.Errorf("%s=%s is out of range — use 0s to %s", key, d, limit)
	}
	return d, nil
}
