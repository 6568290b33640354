// Package docker holds the actions on Docker containers: start, stop,
// restart, pause, unpause, kill (with a signal), remove, save the logs to a
// file, archive a container path or a named volume to .tar.gz, and open a
// shell.
//
// A container is named by what the user saw: Target.Object is its name
// (what a ConfirmByName dialog asks to type) and Target.Guard its full id.
// Every Run first resolves the name again and refuses when it now belongs
// to another container (one recreated under the same name, as compose
// does), then acts on the id, so the container acted on is the one shown.
//
// Risks, and why:
//
//	docker.start, docker.unpause   Mutating; no yes — they bring a service back
//	docker.stop, docker.pause      Mutating, NeedsYes — they take a service down
//	docker.restart                 Mutating, NeedsYes (users asked for it)
//	docker.kill                    Destructive for every signal: a signal the
//	                               program does not handle ends it as surely as
//	                               KILL; KILL also wants the name typed
//	docker.remove                  Destructive, name typed
//	docker.shell                   Mutating: a shell can change anything, so
//	                               read-only refuses it
//	docker.logs, docker.archive,   Read: they only read from the engine; they
//	docker.archive-volume          write a new local file (never overwriting),
//	                               which changes nothing that is watched
//
// # Wiring
//
// cmd/stacktop passes Options{Hosts, BackupDir} built from the same
// [[docker]] settings as the collectors, and adds Kinds(opts) to the one
// Registry. The CLI names a container with LookupTarget (a volume with
// VolumeTarget); the UI builds ContainerTarget from the snapshot row the
// user picked, so the guard is the id they saw.
//
// Products come back in Result.Output: *LogFile for docker.logs, *Archive
// for the two archive kinds, and *exec.Cmd for docker.shell, which the UI
// runs with tea.ExecProcess (the CLI with its own stdin, stdout and stderr)
// only after Runner.Run returned it — so read-only refuses the shell and
// the audit log records it like any other action.
package docker

import (
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/client"

	"github.com/stacktop/stacktop/actions"
	"github.com/stacktop/stacktop/collectors"
	dockerc "github.com/stacktop/stacktop/collectors/docker"
)

// Action kind IDs.
const (
	StartID         = "docker.start"
	StopID          = "docker.stop"
	RestartID       = "docker.restart"
	PauseID         = "docker.pause"
	UnpauseID       = "docker.unpause"
	KillID          = "docker.kill"
	RemoveID        = "docker.remove"
	LogsID          = "docker.logs"
	ArchiveID       = "docker.archive"
	ArchiveVolumeID = "docker.archive-volume"
	ShellID         = "docker.shell"
)

// Defaults for zero Options fields.
const (
	DefaultCallTimeout    = 10 * time.Second
	DefaultStopTimeout    = 10 * time.Second
	DefaultArchiveTimeout = 30 * time.Minute
	DefaultLogsTimeout    = 5 * time.Minute
)

// Options configure the Docker actions.
type Options struct {
	// Hosts maps each configured Docker source's name to the options its
	// collector was built with; the address and TLS settings are reused,
	// so actions talk to the engine the user is looking at.
	Hosts map[string]dockerc.Options
	// NewClient, when set, replaces building a client from Hosts (a caller
	// that wants to share one). The action closes what it returns.
	NewClient func(source string) (*client.Client, error)
	// BackupDir is where saved logs and archives go (created 0700).
	BackupDir string
	// CallTimeout bounds each short API call (inspect, start, pause, ...);
	// DefaultCallTimeout when zero.
	CallTimeout time.Duration
	// StopTimeout is the default grace period of stop and restart before
	// the engine sends SIGKILL; DefaultStopTimeout when zero.
	StopTimeout time.Duration
	// ArchiveTimeout and LogsTimeout bound the streaming actions.
	ArchiveTimeout, LogsTimeout time.Duration
	// DockerCLI is the docker command for the shell; looked up on PATH when
	// empty. Without one, Kinds leaves docker.shell out.
	DockerCLI string
	// Now stamps file names; time.Now when nil.
	Now func() time.Time
}

func (o Options) withDefaults() Options {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.CallTimeout, DefaultCallTimeout)
	def(&o.StopTimeout, DefaultStopTimeout)
	def(&o.ArchiveTimeout, DefaultArchiveTimeout)
	def(&o.LogsTimeout, DefaultLogsTimeout)
	if o.DockerCLI == "" {
		o.DockerCLI, _ = exec.LookPath("docker")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Kinds returns the Docker action kinds. docker.shell is included only when
// the docker CLI was found; the UI offers the shell key exactly when the
// registry has that kind.
func Kinds(opts Options) []actions.Kind {
	opts = opts.withDefaults()
	kinds := lifecycleKinds(opts)
	kinds = append(kinds, killKind(opts), removeKind(opts), logsKind(opts), archiveKind(opts), archiveVolumeKind(opts))
	if opts.DockerCLI != "" {
		kinds = append(kinds, shellKind(opts))
	}
	return kinds
}

// ContainerTarget names container c of the Docker source called source, as
// the UI builds it from the snapshot the user is looking at.
func ContainerTarget(source string, c dockerc.Container) actions.Target {
	return actions.Target{Kind: collectors.KindDocker, Source: source, Object: c.Name,
		Name: "container " + c.Name, Guard: c.ID}
}

// LookupTarget names the container called (or with id) nameOrID right now,
// for the CLI, where the user names a container on the command line.
func LookupTarget(ctx context.Context, opts Options, source, nameOrID string) (actions.Target, error) {
	opts = opts.withDefaults()
	t := actions.Target{Kind: collectors.KindDocker, Source: source, Object: nameOrID}
	cli, err := opts.client(source)
	if err != nil {
		return actions.Target{}, err
	}
	defer cli.Close()
	cctx, cancel := context.WithTimeout(ctx, opts.CallTimeout)
	defer cancel()
	info, err := cli.ContainerInspect(cctx, nameOrID)
	if cerrdefs.IsNotFound(err) {
		return actions.Target{}, fmt.Errorf("docker %q: no container named %q — check the name with docker ps -a", source, nameOrID)
	}
	if err != nil {
		return actions.Target{}, opts.wrap(t, "look up "+quote(nameOrID), err)
	}
	name := strings.TrimPrefix(info.Name, "/")
	return actions.Target{Kind: collectors.KindDocker, Source: source, Object: name,
		Name: "container " + name, Guard: info.ID}, nil
}

// fullID is the engine's 64-hex container id.
var fullID = regexp.MustCompile(`^[0-9a-f]{64}$`)

// ref is a parsed container target.
type ref struct {
	t    actions.Target
	name string // the container's name, as typed to confirm
	id   string // the id the user saw
}

func parseContainer(t actions.Target) (ref, error) {
	name := strings.TrimPrefix(t.Object, "/")
	switch {
	case name == "":
		return ref{}, fmt.Errorf("%s: no container named — e.g. docker:%s/web", t, t.Source)
	case !fullID.MatchString(t.Guard):
		return ref{}, fmt.Errorf("%s: no container id to pin it, so a container recreated under the same name could be hit — pick it from the container list", t)
	}
	return ref{t: t, name: name, id: t.Guard}, nil
}

// client builds a client for the source the collector's way
// (dockerc.Options.NewClient). Creating it does no I/O.
func (o Options) client(source string) (*client.Client, error) {
	if o.NewClient != nil {
		return o.NewClient(source)
	}
	h, ok := o.Hosts[source]
	if !ok {
		return nil, fmt.Errorf("no Docker source named %q — check the [[docker]] entries in the config", source)
	}
	cli, err := h.NewClient()
	if err != nil {
		return nil, fmt.Errorf("docker %q: %v — check [[docker]] host and TLS settings or DOCKER_HOST", source, err)
	}
	return cli, nil
}

func quote(s string) string { return fmt.Sprintf("%q", s) }
