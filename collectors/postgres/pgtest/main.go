package pgtest

import (
	"errors"
	"fmt"
	"os"
	"testing"
)

// Shared is the cluster a test package shares, set up by Main.
type Shared struct {
	cluster *Cluster
	reason  string // why there is no cluster
}

// Main starts one cluster for the package, runs the tests, and tears the
// cluster down; call it from TestMain and pass its result to os.Exit:
//
//	var pg = &pgtest.Shared{}
//	func TestMain(m *testing.M) { os.Exit(pg.Main(m, pgtest.Config{})) }
//
// Without server binaries the tests that need the cluster skip loudly, unless
// STACKTOP_REQUIRE_POSTGRES=1, in which case the run fails.
func (s *Shared) Main(m *testing.M, cfg Config) int {
	c, err := Start(cfg)
	switch {
	case errors.Is(err, ErrNoServer) && os.Getenv(RequireEnv) != "1":
		s.reason = err.Error()
		fmt.Fprintf(os.Stderr, "SKIP postgres integration tests: %v\n", err)
	case err != nil:
		fmt.Fprintf(os.Stderr, "FAIL postgres test cluster: %v\n", err)
		return 1
	default:
		s.cluster = c
		fmt.Fprintf(os.Stderr, "%s %s on %s:%d (%s)\n", Marker, c.Version, c.Host, c.Port, c.Dir)
	}
	code := m.Run()
	s.cluster.Destroy()
	return code
}

// Cluster returns the shared cluster, or skips the test (loudly) when there
// is none.
func (s *Shared) Cluster(t testing.TB) *Cluster {
	t.Helper()
	if s.cluster == nil {
		if os.Getenv(RequireEnv) == "1" {
			t.Fatalf("%s=1 but no PostgreSQL cluster: %s", RequireEnv, s.reason)
		}
		t.Skipf("SKIP: no PostgreSQL cluster: %s", s.reason)
	}
	return s.cluster
}

// Need starts a cluster of the test's own (for tests that stop or restart
// the server) and destroys it when the test ends; it skips like Cluster.
func Need(t testing.TB, cfg Config) *Cluster {
	t.Helper()
	c, err := Start(cfg)
	if (errors.Is(err, ErrNoServer) || errors.Is(err, ErrNeedsRoot)) && os.Getenv(RequireEnv) != "1" {
		t.Skipf("SKIP: %v", err)
	}
	if err != nil {
		t.Fatalf("start test cluster: %v", err)
	}
	t.Logf("%s %s on %s:%d (own cluster)", Marker, c.Version, c.Host, c.Port)
	t.Cleanup(c.Destroy)
	return c
}
