package host

import (
	"os"
	"testing"

	"github.com/stacktop/stacktop/collectors/docker/dockertest"
)

// TestMain removes the containers and image the real-engine tests made.
func TestMain(m *testing.M) { os.Exit(dockertest.Main(m)) }
