package docker

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/client"
)

// Compose labels that group containers by project.
const (
	LabelComposeProject = "com.docker.compose.project"
	LabelComposeService = "com.docker.compose.service"
)

// pollState is what one poll carries over to the next: per-container
// inspect results, the previous stats sample and the history window.
type pollState struct {
	histLen int
	known   map[string]*tracked
	// list is the last ContainerList answer and listedAt when it came.
	// While the event stream follows the engine, the list is read again
	// only when an event says it changed (or after listEvery, as a safety
	// net): listing 100 containers costs the engine ~9 ms of CPU, the
	// biggest part of a poll, and an idle engine's list does not change.
	list     []container.Summary
	listedAt time.Time
	// again asks the next poll to list too: the list a change's event
	// brings may predate the change (see stateOf), so it is read once more.
	again bool
	// calls counts the API calls polls made, by kind, for the cost tests
	// (the engine's share of a poll's cost is in these calls).
	calls apiCalls
}

// apiCalls counts a collector's poll API calls by kind.
type apiCalls struct{ list, ping, inspect int }

// tracked is one container as the collector remembers it between polls.
type tracked struct {
	key         string // list state + health at the last inspect
	inspectedAt time.Time
	insp        inspectInfo
	paths       *cgroupPaths // nil until located (or when not local)
	pathsPid    int          // the pid paths were located through
	files       *cgroupFiles // paths' counter files, open while the container runs
	prev        counters     // last raw sample, for deltas
	hasPrev     bool
	stats       Stats // computed this poll; valid when sampled
	sampled     bool
	hist        *window
}

// closeFiles closes the container's open counter files, if any.
func (t *tracked) closeFiles() {
	if t.files != nil {
		t.files.close()
		t.files = nil
	}
}

// closeAll closes every container's open files (the collector is closing).
func (p *pollState) closeAll() {
	for _, t := range p.known {
		t.closeFiles()
	}
}

// inspectInfo is what the list needs from ContainerInspect.
type inspectInfo struct {
	state                 string
	pid                   int
	startedAt, finishedAt time.Time
	exitCode              int
	restartCount          int
	oomKilled             bool
	health                string
	failingStreak         int
	hostNet               bool
	memConfig             int64 // the configured memory limit (0: none)
}

func newPollState(histLen int) pollState {
	return pollState{histLen: histLen, known: map[string]*tracked{}}
}

// listKey is what, when it changes in ContainerList, means the cached
// inspect result is out of date. Health is parsed from the status text
// ("Up 2 minutes (unhealthy)") only to notice a change, never to display.
func listKey(s container.Summary) string {
	h := ""
	if i := strings.LastIndexByte(s.Status, '('); i >= 0 {
		h = s.Status[i:]
	}
	return string(s.State) + "|" + h
}

// collect runs one poll: list (when it may have changed), inspect what
// changed, read stats, build. following says the event stream was
// connected before this poll took its changes.
func (p *pollState) collect(ctx context.Context, c *Collector, cli *client.Client, eng engineInfo, ch changes, following bool) (*Snapshot, error) {
	list, err := p.listing(ctx, c, cli, ch, following)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	gone := p.refreshInspect(ctx, c, cli, list, ch.dirty, ch.resync, now)
	if len(gone) > 0 {
		p.again = true // the list names containers that are no more
	}
	source := p.readStats(ctx, c, cli, list, eng, now)

	snap := &Snapshot{Taken: now, StatsFrom: source, Containers: make([]Container, 0, len(list))}
	seen := make(map[string]bool, len(list))
	for _, s := range list {
		if gone[s.ID] {
			continue // removed between list and inspect
		}
		seen[s.ID] = true
		snap.Containers = append(snap.Containers, p.build(s, now))
	}
	for id, t := range p.known {
		if !seen[id] {
			t.closeFiles()
			delete(p.known, id)
		}
	}
	slices.SortFunc(snap.Containers, func(a, b Container) int {
		return cmp.Or(cmp.Compare(a.ComposeProject, b.ComposeProject), cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
	})
	return snap, nil
}

// listing returns the containers: the engine's list when it may have
// changed since the last one (an event said so, the stream is not
// following, or the safety-net period passed), else the last list after
// a ping, so a poll still fails at once when the engine is gone.
func (p *pollState) listing(ctx context.Context, c *Collector, cli *client.Client, ch changes, following bool) ([]container.Summary, error) {
	cctx, cancel := c.callCtx(ctx)
	defer cancel()
	if p.list != nil && following && !ch.relist && !p.again && time.Since(p.listedAt) < c.opts.ListEvery {
		p.calls.ping++
		if _, err := cli.Ping(cctx); err != nil {
			return nil, c.wrap("ping", err)
		}
		return p.list, nil
	}
	p.calls.list++
	list, err := cli.ContainerList(cctx, container.ListOptions{All: true})
	if err != nil {
		return nil, c.wrap("list containers", err)
	}
	p.list, p.listedAt, p.again = list, time.Now(), ch.relist
	return list, nil
}

// refreshInspect inspects the containers whose cached details may be out of
// date, in parallel, and returns those the engine no longer knows.
func (p *pollState) refreshInspect(ctx context.Context, c *Collector, cli *client.Client, list []container.Summary, dirty map[string]struct{}, resync bool, now time.Time) map[string]bool {
	var todo []int
	safetyNet := map[int]bool{}       // todo entries due only to InspectEvery
	staleBudget := 2 * c.opts.Workers // spread safety-net re-inspects over polls
	for i, s := range list {
		t := p.known[s.ID]
		if t == nil {
			t = &tracked{hist: newWindow(p.histLen)}
			p.known[s.ID] = t
		}
		_, named := dirty[s.ID]
		switch {
		case resync || named || t.key != listKey(s) || t.inspectedAt.IsZero():
			todo = append(todo, i)
		case now.Sub(t.inspectedAt) > c.opts.InspectEvery && staleBudget > 0:
			staleBudget--
			safetyNet[len(todo)] = true
			todo = append(todo, i)
		}
	}
	results := make([]inspectResult, len(todo))
	p.calls.inspect += len(todo)
	parallel(len(todo), c.opts.Workers, func(j int) {
		ictx, cancel := c.callCtx(ctx)
		defer cancel()
		r, err := cli.ContainerInspect(ictx, list[todo[j]].ID)
		results[j] = inspectResult{resp: r, err: err}
	})
	gone := map[string]bool{}
	for j, i := range todo {
		s, r := list[i], results[j]
		switch {
		case cerrdefs.IsNotFound(r.err):
			gone[s.ID] = true
		case r.err != nil || r.resp.ContainerJSONBase == nil:
			// Keep the old details; the unchanged key retries next poll.
		default:
			t := p.known[s.ID]
			old := t.insp
			t.insp = inspectInfoFrom(r.resp)
			t.key, t.inspectedAt = listKey(s), now
			if !safetyNet[j] || t.insp.pid != old.pid || t.insp.hostNet != old.hostNet || t.insp.memConfig != old.memConfig {
				// Locate again: the pid, the network or the memory limit
				// (read once when located) may have changed. A routine
				// re-inspect that finds them as they were keeps the open
				// files.
				t.paths = nil
				t.closeFiles()
			}
		}
	}
	return gone
}

type inspectResult struct {
	resp container.InspectResponse
	err  error
}

func inspectInfoFrom(r container.InspectResponse) inspectInfo {
	var in inspectInfo
	in.restartCount = r.RestartCount
	if r.HostConfig != nil {
		in.hostNet, in.memConfig = r.HostConfig.NetworkMode.IsHost(), r.HostConfig.Memory
	}
	if st := r.State; st != nil {
		in.state, in.pid, in.exitCode, in.oomKilled = string(st.Status), st.Pid, st.ExitCode, st.OOMKilled
		in.startedAt, in.finishedAt = parseTime(st.StartedAt), parseTime(st.FinishedAt)
		if st.Health != nil {
			in.health, in.failingStreak = string(st.Health.Status), st.Health.FailingStreak
		}
	}
	return in
}

// parseTime reads the engine's RFC 3339 times; its "0001-01-01T00:00:00Z"
// (never happened) becomes the zero time.
func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || t.Year() <= 1 {
		return time.Time{}
	}
	return t
}

// stateOf is the container's state: the list's, unless an inspect made
// since that list says otherwise. The list is the engine's copy of its
// containers, which it updates only after a container's die event (the
// poll that event brings can still list it running); inspect reads the
// container itself.
func (p *pollState) stateOf(s container.Summary) string {
	if t := p.known[s.ID]; t != nil && t.insp.state != "" && !t.inspectedAt.Before(p.listedAt) {
		return t.insp.state
	}
	return string(s.State)
}

// build assembles one container from its list entry and what is tracked.
func (p *pollState) build(s container.Summary, now time.Time) Container {
	t := p.known[s.ID]
	name := ""
	if len(s.Names) > 0 {
		name = strings.TrimPrefix(s.Names[0], "/")
	}
	ct := Container{
		ID: s.ID, Name: name, Image: s.Image, Labels: s.Labels, Command: s.Command,
		ComposeProject: s.Labels[LabelComposeProject], ComposeService: s.Labels[LabelComposeService],
		State: p.stateOf(s), Status: s.Status, Created: time.Unix(s.Created, 0),
		StartedAt: t.insp.startedAt, FinishedAt: t.insp.finishedAt,
		ExitCode: t.insp.exitCode, RestartCount: t.insp.restartCount, OOMKilled: t.insp.oomKilled,
		Ports: make([]Port, 0, len(s.Ports)),
	}
	// The engine keeps the last health status after the run ends; a
	// stopped container's "unhealthy" describes a run that is over, so
	// health is reported only while the container runs.
	if ct.Running() {
		ct.Health, ct.FailingStreak = t.insp.health, t.insp.failingStreak
	}
	if !t.inspectedAt.IsZero() {
		// The list's text was the engine's as of the list, which may be
		// older than this poll; the same words as of now.
		ct.Status = statusText(ct.State, t.insp, now, s.Status)
	}
	for _, pt := range s.Ports {
		ct.Ports = append(ct.Ports, Port{IP: pt.IP, PrivatePort: pt.PrivatePort, PublicPort: pt.PublicPort, Type: pt.Type})
	}
	if t.sampled {
		ct.Stats = t.stats
	}
	ct.History = t.hist.view()
	return ct
}

// parallel runs fn(0..n-1) on at most workers goroutines and waits.
func parallel(n, workers int, fn func(i int)) {
	parallelW(n, workers, func(_, i int) { fn(i) })
}

// parallelW is parallel telling fn which worker (0..workers-1) runs it, so
// workers can own scratch buffers.
func parallelW(n, workers int, fn func(w, i int)) {
	if n == 0 {
		return
	}
	var wg sync.WaitGroup
	next := make(chan int)
	for w := range min(workers, n) {
		wg.Go(func() {
			for i := range next {
				fn(w, i)
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}
