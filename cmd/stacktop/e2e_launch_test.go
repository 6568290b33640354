package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stacktop/stacktop/collectors/postgres/pgtest"
)

// TestOverviewLaunchpadEndToEnd: in a real terminal, against a real
// PostgreSQL with a lock pile-up, j selects what the Overview flags and
// enter opens it where it lives: a top process in the Host table, the
// blocking session in the Postgres lock tree.
func TestOverviewLaunchpadEndToEnd(t *testing.T) {
	needTmux(t)
	c := pgtest.Need(t, pgtest.Config{})
	if err := c.Exec("postgres", "CREATE TABLE launch (id int PRIMARY KEY, v int)", "INSERT INTO launch VALUES (1, 0)"); err != nil {
		t.Fatal(err)
	}
	holder := pgtest.Session(t, c.SuperDSN("postgres"))
	pgtest.ExecOn(t, holder, "BEGIN", "UPDATE launch SET v = 1 WHERE id = 1")
	holderPID := pgtest.BackendPID(t, holder)
	waiter := pgtest.Session(t, c.SuperDSN("postgres"))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	go func() { _, _ = waiter.ExecContext(ctx, "UPDATE launch SET v = 2 WHERE id = 1") }()

	dir := t.TempDir()
	// lib/pq reads the password from ~/.pgpass; the dashboard runs with HOME=dir.
	pgpass := fmt.Sprintf("127.0.0.1:%d:*:%s:%s\n", c.Port, pgtest.SuperUser, pgtest.SuperPassword)
	if err := os.WriteFile(filepath.Join(dir, ".pgpass"), []byte(pgpass), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := writeConfig(t, fmt.Sprintf(`[general]
default_docker = false

[[postgres]]
name = "app"
host = "127.0.0.1"
port = %d
user = %q
dbname = "postgres"
`, c.Port, pgtest.SuperUser))
	s := startDashboard(t, dir, "--config", cfg)
	blocks := "pid " + strconv.Itoa(holderPID) + " blocks 1"
	s.waitFor("the blocker in the Postgres box", func(screen string) bool { return strings.Contains(screen, blocks) })

	// The first j selects the busiest process; enter opens it in the Host table.
	// The process rows need a second host poll (rates): a j pressed before
	// them selects the first box line instead.
	procRow := regexp.MustCompile(`(?m)^\s+\d+ \S+\s+[RSDIZT]\s+[\d.]+%`)
	s.waitFor("the top processes", func(screen string) bool { return procRow.MatchString(screen) })
	topRow := regexp.MustCompile(`(?m)^\s*>\s+(\d+) `)
	s.tmux("send-keys", "-t", "e2e", "j")
	screen := s.waitFor("a selected top process", func(screen string) bool { return topRow.MatchString(screen) })
	pid := topRow.FindStringSubmatch(screen)[1]
	s.tmux("send-keys", "-t", "e2e", "Enter")
	s.waitFor("the Host tab with process "+pid+" selected", func(screen string) bool {
		return strings.Contains(screen, "[2 Host]") && regexp.MustCompile(`(?m)^\s*>\s+`+pid+` `).MatchString(screen)
	})

	// Back on the Overview, j moves down to the blocker's line.
	s.tmux("send-keys", "-t", "e2e", "1")
	s.waitFor("the Overview", func(screen string) bool { return strings.Contains(screen, "[1 Overview]") })
	for i := 0; ; i++ {
		if i == 30 {
			t.Fatalf("j never reached the blocker's line:\n%s", s.screen())
		}
		s.tmux("send-keys", "-t", "e2e", "j")
		time.Sleep(150 * time.Millisecond)
		if selectedBoxLine(s.screen(), blocks) {
			break
		}
	}
	s.tmux("send-keys", "-t", "e2e", "Enter")
	s.waitFor("the lock tree with the blocker selected", func(screen string) bool {
		return strings.Contains(screen, "[3 Postgres]") &&
			regexp.MustCompile(`(?m)^\s*>\s+`+strconv.Itoa(holderPID)+`\b`).MatchString(screen)
	})
	s.tmux("send-keys", "-t", "e2e", "q")
	s.waitFor("stacktop to exit", func(screen string) bool { return strings.Contains(screen, "stacktop-exit=0") })
}

// selectedBoxLine reports whether an Overview box's selected line (marked
// ▶) contains want; boxes stand side by side, so each box's part of a
// screen line is looked at on its own.
func selectedBoxLine(screen, want string) bool {
	for _, l := range strings.Split(screen, "\n") {
		for _, part := range strings.Split(l, "│") {
			if strings.Contains(part, "▶") && strings.Contains(part, want) {
				return true
			}
		}
	}
	return false
}
