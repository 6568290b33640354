package dockertest

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/docker/docker/api/types/image"
)

// helperPkg is the helper program's import path; it is built with the go
// tool that runs the tests, so it always matches the checked-out source.
const helperPkg = "github.com/stacktop/stacktop/collectors/docker/dockertest/helperimage"

// buildHelper compiles the helper as a static Linux binary into a temp dir
// and returns its bytes.
func buildHelper() ([]byte, error) {
	dir, err := os.MkdirTemp("", "stacktop-helper-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	// go test puts its own toolchain's bin directory first on PATH.
	goTool, err := exec.LookPath("go")
	if err != nil {
		return nil, fmt.Errorf("build helper: no go tool on PATH (%v) — run the tests with go test", err)
	}
	out := filepath.Join(dir, "helper")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goTool, "build", "-trimpath", "-ldflags=-s -w", "-o", out, helperPkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("build helper: %v: %s", err, msg)
	}
	return os.ReadFile(out)
}

// importImage packs bin as /helper in a one-file rootfs and imports it with
// the run's labels, the helper as entrypoint and idle as default command.
func (e *Engine) importImage(bin []byte) error {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	hdr := &tar.Header{Name: "helper", Mode: 0o755, Size: int64(len(bin)), ModTime: time.Now(), Typeflag: tar.TypeReg}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	if _, err := tw.Write(bin); err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	changes := []string{
		`ENTRYPOINT ["/helper"]`,
		`CMD ["idle"]`,
		fmt.Sprintf("LABEL %s=1 %s=%s %s=%s", LabelTest, LabelRun, strconv.Quote(e.RunID), LabelPID, strconv.Itoa(os.Getpid())),
	}
	rc, err := e.Client.ImageImport(ctx, image.ImportSource{Source: &buf, SourceName: "-"}, e.Image, image.ImportOptions{Changes: changes, Message: "stacktop test helper"})
	if err != nil {
		return fmt.Errorf("import test image: %w", err)
	}
	defer rc.Close()
	if _, err := io.Copy(io.Discard, rc); err != nil {
		return fmt.Errorf("import test image: %w", err)
	}
	return nil
}
