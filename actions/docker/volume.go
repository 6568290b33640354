package docker

import (
	"context"
	"fmt"
	"strings"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/mount"

	"github.com/stacktop/stacktop/actions"
	"github.com/stacktop/stacktop/collectors"
)

// VolumeTarget names a named volume of the Docker source called source,
// for docker.archive-volume (the UI has the name from a container's mounts).
func VolumeTarget(source, volume string) actions.Target {
	return actions.Target{Kind: collectors.KindDocker, Source: source, Object: volume, Name: "volume " + volume}
}

// archiveVolumeKind archives a named volume's contents. The engine's API
// can copy only out of a container, and there is no registry to pull a
// helper image from, so it goes through a container that already mounts
// the volume (a running one if there is one); without one it says so
// rather than create anything. It is Read for the same reason as archive.
func archiveVolumeKind(o Options) actions.Kind {
	return actions.Kind{ID: ArchiveVolumeID, Title: "Archive a volume", Risk: actions.Read, TargetKind: collectors.KindDocker,
		New: func(t actions.Target, p actions.Params) (actions.Action, error) {
			if err := checkParams(spec{id: ArchiveVolumeID}, t, p); err != nil {
				return actions.Action{}, err
			}
			vol := strings.TrimSpace(t.Object)
			if vol == "" || strings.ContainsRune(vol, '/') {
				return actions.Action{}, fmt.Errorf("%s: %q is not a volume name — e.g. docker:%s/pgdata (docker volume ls lists them)", t, t.Object, t.Source)
			}
			if err := o.needBackupDir(); err != nil {
				return actions.Action{}, fmt.Errorf("%s on %s: %w", ArchiveVolumeID, t, err)
			}
			var out *Archive
			return actions.Action{ID: ArchiveVolumeID, Title: "Archive a volume", Target: t, Risk: actions.Read, Timeout: o.ArchiveTimeout,
				Description: fmt.Sprintf("Copy the contents of volume %s, through a container that mounts it, into a new .tar.gz (with a .sha256) in %s; nothing in Docker is changed.", vol, o.BackupDir),
				Run: func(ctx context.Context, progress func(actions.Progress)) error {
					var err error
					out, err = o.archiveVolume(ctx, t, vol, progress)
					return err
				},
				Output: func() any { return out },
			}, nil
		}}
}

func (o Options) archiveVolume(ctx context.Context, t actions.Target, vol string, progress func(actions.Progress)) (*Archive, error) {
	cli, err := o.client(t.Source)
	if err != nil {
		return nil, err
	}
	c := &conn{opts: o, cli: cli, r: ref{t: t, name: vol}}
	defer c.close()
	progress(actions.Progress{Message: "looking for a container that mounts volume " + vol})
	holder, dest, err := c.volumeHolder(ctx, vol)
	if err != nil {
		return nil, err
	}
	c.r = ref{t: t, name: holder.name, id: holder.id}
	base := fileBase(o.Now(), t.Source, "volume", vol)
	return c.archive(ctx, holder.id, dest, base, fmt.Sprintf("volume %s (at %s in container %s)", vol, dest, holder.name), progress)
}

// holder is a container through which a volume can be read.
type holder struct{ id, name string }

// volumeHolder finds a container mounting vol, preferring a running one
// (its view of the volume is the live one), and the mount's destination.
func (c *conn) volumeHolder(ctx context.Context, vol string) (holder, string, error) {
	cctx, cancel := c.call(ctx)
	defer cancel()
	if _, err := c.cli.VolumeInspect(cctx, vol); cerrdefs.IsNotFound(err) {
		return holder{}, "", fmt.Errorf("volume %s does not exist — check the name with docker volume ls", vol)
	} else if err != nil {
		return holder{}, "", c.wrap("inspect volume "+vol, err)
	}
	list, err := c.cli.ContainerList(cctx, container.ListOptions{All: true, Filters: filters.NewArgs(filters.Arg("volume", vol))})
	if err != nil {
		return holder{}, "", c.wrap("list containers mounting volume "+vol, err)
	}
	var best *container.Summary
	var dest string
	for i := range list {
		d := mountOf(list[i].Mounts, vol)
		if d == "" {
			continue // the filter also matches a mount destination equal to vol
		}
		if best == nil || (list[i].State == "running" && best.State != "running") {
			best, dest = &list[i], d
		}
	}
	if best == nil {
		return holder{}, "", fmt.Errorf("no container mounts volume %s — start one that does (stacktop does not pull an image to read it)", vol)
	}
	name := best.ID
	if len(best.Names) > 0 {
		name = strings.TrimPrefix(best.Names[0], "/")
	}
	return holder{id: best.ID, name: name}, dest, nil
}

// mountOf is where the named volume vol is mounted, or "".
func mountOf(mounts []container.MountPoint, vol string) string {
	for _, m := range mounts {
		if m.Type == mount.TypeVolume && m.Name == vol {
			return m.Destination
		}
	}
	return ""
}
