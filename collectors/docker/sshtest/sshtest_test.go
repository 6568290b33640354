package sshtest

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestServerLetsTheKeyIn: the server's own client key runs a command; a
// stranger's key is refused at once, without a prompt.
func TestServerLetsTheKeyIn(t *testing.T) {
	s := Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := s.Run(ctx, s.NewClient(t, s.ClientKey), "echo", "hello")
	if err != nil || strings.TrimSpace(string(out)) != "hello" {
		t.Fatalf("ssh with the accepted key: %v\n%s\nsshd:\n%s", err, out, s.Log())
	}
	out, err = s.Run(ctx, s.NewClient(t, OtherKey(t)), "echo", "hello")
	if err == nil || !strings.Contains(string(out), "Permission denied (publickey)") {
		t.Fatalf("ssh with a stranger's key: %v\n%s", err, out)
	}
}
