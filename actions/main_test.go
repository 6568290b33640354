package actions_test

import (
	"testing"

	"go.uber.org/goleak"
)

// The Runner starts goroutines per run (the action, the progress pump);
// none may outlive the tests.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
