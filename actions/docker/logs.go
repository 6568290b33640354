package docker

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/pkg/stdcopy"

	"github.com/stacktop/stacktop/actions"
	"github.com/stacktop/stacktop/actions/atomicfile"
)

// LogFile is what docker.logs produced (its Result.Output).
type LogFile struct {
	// Path is the saved log file.
	Path string
	// Size is its length in bytes.
	Size int64
	// SHA256 is its checksum, hex.
	SHA256 string
	// Container names the container whose log it is.
	Container string
}

// SavedFile describes the saved log.
func (l *LogFile) SavedFile() actions.SavedFile {
	return actions.SavedFile{What: "logs of " + l.Container + " saved", Path: l.Path, Size: l.Size, SHA256: l.SHA256}
}

// logsKind saves a container's log to a file. It is Read: the engine only
// reads out what it has kept; the one write is a new local file. The text
// is saved raw, escape sequences and all, as the container wrote it (it is
// not drawn on a screen here; a pager's -R or cat -v shows it safely).
func logsKind(o Options) actions.Kind {
	return o.kind(spec{id: LogsID, title: "Save logs", risk: actions.Read,
		params: map[string]string{
			"tail":       "how many of the last lines to save, or all (default all)",
			"since":      "only lines newer than this: a duration such as 1h, or an RFC 3339 time",
			"timestamps": "prefix each line with the engine's time: true or false (default true)",
		},
		plan: func(r ref, p actions.Params) (plan, error) {
			if err := o.needBackupDir(); err != nil {
				return plan{}, err
			}
			lo, err := logOptions(p)
			if err != nil {
				return plan{}, err
			}
			return plan{
				desc:    fmt.Sprintf("Save the logs of container %s (stdout and stderr, %s) to a new file in %s.", r.name, logScope(lo), o.BackupDir),
				timeout: o.LogsTimeout,
				act: func(ctx context.Context, c *conn, info container.InspectResponse, progress func(actions.Progress)) (any, error) {
					tty := info.Config != nil && info.Config.Tty
					return c.saveLogs(ctx, lo, tty, fileBase(o.Now(), r.t.Source, r.name), progress)
				},
			}, nil
		}})
}

func logOptions(p actions.Params) (container.LogsOptions, error) {
	lo := container.LogsOptions{ShowStdout: true, ShowStderr: true, Tail: "all", Timestamps: true}
	if v := strings.TrimSpace(p["tail"]); v != "" && v != "all" {
		if n, err := strconv.Atoi(v); err != nil || n < 0 {
			return lo, fmt.Errorf("tail=%q is not a line count — write e.g. tail=1000 or tail=all", v)
		}
		lo.Tail = v
	}
	if v := strings.TrimSpace(p["since"]); v != "" {
		if _, err := time.ParseDuration(v); err != nil {
			if _, err := time.Parse(time.RFC3339Nano, v); err != nil {
				return lo, fmt.Errorf("since=%q is neither a duration nor an RFC 3339 time — write e.g. since=1h", v)
			}
		}
		lo.Since = v
	}
	if v := p["timestamps"]; v != "" {
		ts, err := boolParam(p, "timestamps")
		if err != nil {
			return lo, err
		}
		lo.Timestamps = ts
	}
	return lo, nil
}

func logScope(lo container.LogsOptions) string {
	s := "all lines"
	if lo.Tail != "all" {
		s = "the last " + lo.Tail + " lines"
	}
	if lo.Since != "" {
		s += " since " + lo.Since
	}
	return s
}

// saveLogs streams the log into a new file. A non-TTY container's log is
// multiplexed (stdout and stderr frames); both go to the one file in the
// order the engine sends them.
func (c *conn) saveLogs(ctx context.Context, lo container.LogsOptions, tty bool, base string, progress func(actions.Progress)) (*LogFile, error) {
	rc, err := c.openStream(ctx, func(ctx context.Context) (io.ReadCloser, error) {
		return c.cli.ContainerLogs(ctx, c.r.id, lo)
	})
	if err != nil {
		return nil, c.wrap("read the logs of "+c.r.name, err)
	}
	defer rc.Close()
	msg := "saving the logs of " + c.r.name
	out, err := atomicfile.Create(c.opts.BackupDir, base, ".log", atomicfile.Options{Numbered: true, OnWrite: func(n int64) {
		progress(actions.Progress{Message: msg, Done: n, Unit: actions.ProgressBytes})
	}})
	if err != nil {
		return nil, err
	}
	if tty {
		_, err = io.Copy(out, rc)
	} else {
		_, err = stdcopy.StdCopy(out, out, rc)
	}
	if err != nil {
		out.Abort()
		if out.Err() != nil {
			return nil, out.Err()
		}
		return nil, fmt.Errorf("logs of %s: %w", c.r.name, readErr(ctx, err))
	}
	size, sum := out.Size(), out.Sum()
	path, err := out.Commit()
	if err != nil {
		return nil, err
	}
	return &LogFile{Path: path, Size: size, SHA256: sum, Container: c.r.name}, nil
}
