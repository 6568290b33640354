package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
)

// version is set at link time for release builds:
//
//	go build -ldflags "-X main.version=v1.2.0" ./cmd/stacktop
//
// Left empty, the module version from the build info is used (a tag for
// `go install ...@v1.2.0`, "(devel)" for a local build).
var version string

func runVersion(_ context.Context, e *env, _ *Config) int {
	fmt.Fprintln(e.stdout, versionString())
	return exitOK
}

// versionString is "stacktop VERSION (commit REV[, modified], GOVERSION OS/ARCH)".
func versionString() string {
	v, rev, dirty := version, "", false
	if info, ok := debug.ReadBuildInfo(); ok {
		if v == "" {
			v = info.Main.Version
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value[:min(12, len(s.Value))]
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
	}
	if v == "" {
		v = "(devel)"
	}
	detail := runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH
	if rev != "" {
		if dirty {
			rev += ", modified"
		}
		detail = "commit " + rev + ", " + detail
	}
	return fmt.Sprintf("stacktop %s (%s)", v, detail)
}
