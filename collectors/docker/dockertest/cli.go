package dockertest

import (
	"context"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// CLICPU asks `docker stats --no-stream` for a container's CPU% (by id or
// name), the figure users compare stacktop against. It returns -1 when the
// docker CLI is not installed or gives no figure, so callers can skip that
// comparison rather than fail.
func CLICPU(t testing.TB, container string) float64 {
	t.Helper()
	if _, err := exec.LookPath("docker"); err != nil {
		return -1
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "docker", "stats", "--no-stream", "--format", "{{.CPUPerc}}", container).Output()
	if err != nil {
		t.Logf("docker stats: %v", err)
		return -1
	}
	s := strings.TrimSpace(string(out))
	if !strings.HasSuffix(s, "%") {
		return -1
	}
	v, err := strconv.ParseFloat(strings.TrimSuffix(s, "%"), 64)
	if err != nil {
		return -1
	}
	return v
}
