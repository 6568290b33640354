package postgres

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// serverBinGlob is where Debian (and the PGDG packages) install each major
// version's client binaries side by side.
const serverBinGlob = "/usr/lib/postgresql/*/bin"

// versionTimeout bounds one `tool --version` call.
const versionTimeout = 5 * time.Second

// major is a PostgreSQL major version as one comparable number, in
// server_version_num's scale divided by 100: 1500 for 15.x, 906 for 9.6
// (before 10 the major version had two parts).
type major int

// majorOfNum turns server_version_num (150008, 90624) into a major.
func majorOfNum(num int) major {
	if num >= 100000 {
		return major(num / 10000 * 100)
	}
	return major(num / 100)
}

// String renders the major as people write it: "15", "9.6".
func (m major) String() string {
	if m >= 1000 {
		return strconv.Itoa(int(m) / 100)
	}
	return fmt.Sprintf("%d.%d", m/100, m%100)
}

// toolVersionRE reads "pg_dump (PostgreSQL) 15.18 (Debian ...)", "16devel",
// "9.6.24".
var toolVersionRE = regexp.MustCompile(`\(PostgreSQL\) (\d+)(?:\.(\d+))?`)

// parseToolVersion reads the major version from a tool's --version output.
func parseToolVersion(out string) (major, bool) {
	m := toolVersionRE.FindStringSubmatch(out)
	if m == nil {
		return 0, false
	}
	first, _ := strconv.Atoi(m[1])
	if first >= 10 {
		return major(first * 100), true
	}
	second, _ := strconv.Atoi(m[2])
	return major(first*100 + second), true
}

// tool is a client binary and the major version it reported.
type tool struct {
	path    string
	version major
}

// toolVersion runs `path --version` under a short timeout.
func toolVersion(ctx context.Context, path string) (tool, error) {
	ctx, cancel := context.WithTimeout(ctx, versionTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, "--version")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.WaitDelay = time.Second // a wrapper's child holding stdout must not hang us
	if err := cmd.Run(); err != nil {
		return tool{}, fmt.Errorf("%s --version: %w", path, err)
	}
	v, ok := parseToolVersion(out.String())
	if !ok {
		return tool{}, fmt.Errorf("%s --version printed %q, not a PostgreSQL version", path, firstLine(out.String()))
	}
	return tool{path: path, version: v}, nil
}

// findTool picks the client binary name ("pg_dump", "pg_restore") for a
// server of major version need. A configured path is used as is (and must
// be new enough). Otherwise the one on PATH is used when it is new enough,
// else the newest /usr/lib/postgresql/<major>/bin one that is: on Debian
// PATH holds a wrapper that already picks the newest, but a plain
// /usr/bin/pg_dump from another package may be older than the server.
// configKey names the setting in the error ("pg_dump_path").
func findTool(ctx context.Context, name, configured string, need major, configKey string) (tool, error) {
	if configured != "" {
		t, err := toolVersion(ctx, configured)
		if err != nil {
			return tool{}, fmt.Errorf("%w — check [actions] %s", err, configKey)
		}
		if t.version < need {
			return tool{}, tooOld(name, t.version, need, configKey)
		}
		return t, nil
	}
	var found []tool
	if p, err := exec.LookPath(name); err == nil {
		if t, err := toolVersion(ctx, p); err == nil {
			if t.version >= need {
				return t, nil
			}
			found = append(found, t)
		}
	}
	for _, p := range versionedCandidates(name) {
		if t, err := toolVersion(ctx, p); err == nil {
			if t.version >= need {
				return t, nil
			}
			found = append(found, t)
		}
	}
	if len(found) == 0 {
		return tool{}, fmt.Errorf("%s not found on PATH or under %s — install package postgresql-client-%s or set [actions] %s",
			name, serverBinGlob, need, configKey)
	}
	sort.Slice(found, func(i, j int) bool { return found[i].version > found[j].version })
	return tool{}, tooOld(name, found[0].version, need, configKey)
}

// versionedCandidates lists /usr/lib/postgresql/<major>/bin/<name>, newest first.
func versionedCandidates(name string) []string {
	matches, _ := filepath.Glob(filepath.Join(serverBinGlob, name))
	sort.Slice(matches, func(i, j int) bool { return binMajor(matches[i]) > binMajor(matches[j]) })
	return matches
}

func binMajor(path string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(path))))
	return n
}

func tooOld(name string, have, need major, configKey string) error {
	what := fmt.Sprintf("cannot dump a PostgreSQL %s server", need)
	if name != "pg_dump" {
		what = fmt.Sprintf("cannot read a dump made by pg_dump %s", need)
	}
	return fmt.Errorf("%s %s %s — install %s %s or newer (package postgresql-client-%s) or set [actions] %s",
		name, have, what, name, need, need, configKey)
}

// restoreFor finds the pg_restore that checks a dump made by dump: the
// configured one, else the one beside pg_dump (same version, so it reads
// the archive format pg_dump wrote), else one found like pg_dump.
func restoreFor(ctx context.Context, dump tool, configured string) (tool, error) {
	if configured == "" {
		beside := filepath.Join(filepath.Dir(dump.path), "pg_restore")
		if t, err := toolVersion(ctx, beside); err == nil && t.version >= dump.version {
			return t, nil
		}
	}
	t, err := findTool(ctx, "pg_restore", configured, dump.version, "pg_restore_path")
	if err != nil {
		return tool{}, fmt.Errorf("cannot verify backups: %w", err)
	}
	return t, nil
}

// firstLine is s up to its first newline, trimmed.
func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(s)
}
