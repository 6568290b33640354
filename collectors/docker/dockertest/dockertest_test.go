package dockertest

import (
	"context"
	"os"
	"testing"
	"time"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

// TestRunAndExit checks the image's modes the other suites rely on: idle
// keeps running, exit N stops with code N, and every object is labelled.
func TestRunAndExit(t *testing.T) {
	e := Start(t)
	idle, _ := e.Run(t, Spec{Name: "idle"})
	code, _ := e.Run(t, Spec{Name: "exit", Args: []string{"exit", "3"}})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	deadline := time.Now().Add(10 * time.Second)
	for {
		in, err := e.Client.ContainerInspect(ctx, code)
		if err != nil {
			t.Fatal(err)
		}
		if !in.State.Running && in.State.FinishedAt != "0001-01-01T00:00:00Z" {
			if in.State.ExitCode != 3 {
				t.Fatalf("exit mode: code %d, want 3", in.State.ExitCode)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("exit mode did not exit")
		}
		time.Sleep(50 * time.Millisecond)
	}
	in, err := e.Client.ContainerInspect(ctx, idle)
	if err != nil {
		t.Fatal(err)
	}
	if !in.State.Running {
		t.Fatalf("idle mode not running: %+v", in.State)
	}
	if in.Config.Labels[LabelRun] != e.RunID || in.Config.Labels[LabelTest] != "1" {
		t.Fatalf("labels %v lack the run labels", in.Config.Labels)
	}
}
