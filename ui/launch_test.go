package ui

import (
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/stacktop/stacktop/collectors"
	ds "github.com/stacktop/stacktop/collectors/docker"
	pg "github.com/stacktop/stacktop/collectors/postgres"
	"github.com/stacktop/stacktop/ui/docker"
	"github.com/stacktop/stacktop/ui/host"
	"github.com/stacktop/stacktop/ui/internal/fixture"
	"github.com/stacktop/stacktop/ui/postgres"
	"github.com/stacktop/stacktop/ui/view"
)

// launchSources are a Postgres target with a lock pile-up (pid 4242 blocks
// 4243) and a Docker host with one container that exited with an error.
func launchSources(now time.Time) []collectors.Update {
	age := func(d time.Duration) pg.Age { return pg.Age{D: d, Valid: true} }
	ps := &pg.Snapshot{
		Taken: now, Target: "local",
		Server: pg.Server{ShortVersion: "15.4", VersionNum: 150004, ConnectionsUsed: 3, ConnectionsMax: 100, Privileged: true},
		Activity: []pg.Backend{
			{PID: 4242, Database: "shop", User: "app", BackendType: "client backend", State: pg.StateIdleInTransaction,
				BackendAge: age(time.Hour), XactAge: age(5 * time.Minute), QueryAge: age(5 * time.Minute), StateAge: age(5 * time.Minute),
				Query: "update accounts set balance = balance - 1 where id = 1"},
			{PID: 4243, Database: "shop", User: "app", BackendType: "client backend", State: pg.StateActive,
				WaitEventType: "Lock", WaitEvent: "transactionid", BlockedBy: []int{4242},
				BackendAge: age(time.Hour), XactAge: age(time.Minute), QueryAge: age(time.Minute), StateAge: age(time.Minute),
				Query: "update accounts set balance = balance + 1 where id = 1"},
		},
		LockTree: []pg.LockNode{{PID: 4242, BlockedCount: 1, LongestWait: time.Minute,
			Blocking: []pg.LockNode{{PID: 4243, Waiting: age(time.Minute)}}}},
	}
	crashed := ds.Container{ID: strings.Repeat("c", 64), Name: "worker", Image: "app:1", State: "exited", ExitCode: 3,
		ComposeProject: "shop", ComposeService: "worker", StartedAt: now.Add(-time.Hour), FinishedAt: now.Add(-time.Minute)}
	ok := ds.Container{ID: strings.Repeat("a", 64), Name: "web", Image: "nginx:1", State: "running",
		ComposeProject: "shop", ComposeService: "web", StartedAt: now.Add(-time.Hour)}
	dsnap := &ds.Snapshot{Taken: now, EngineVersion: "20.10.24", Containers: []ds.Container{ok, crashed}}
	return []collectors.Update{
		{Source: pgID, Snapshot: ps, LastGood: now, PolledAt: now, Interval: fixture.Interval},
		{Source: dockerID, Snapshot: dsnap, LastGood: now, PolledAt: now, Interval: fixture.Interval},
	}
}

// newLaunchModel is a root model fed with host history, the lock pile-up
// and the exited container, showing the Overview.
func newLaunchModel(t *testing.T) *model {
	t.Helper()
	m := newModel(t.Context(), Options{Now: fixture.Now}, asciiStyles(), nil)
	send(m, tea.WindowSizeMsg{Width: 160, Height: 48})
	send(m, hubMsg(fixture.HostSeries(5, 40)))
	send(m, hubMsg(launchSources(fixture.Now())))
	return m
}

// selectItem presses j until the Overview's selected line (marked ▶ in a
// box, > in the process table) contains want, and returns the frame.
func selectItem(t *testing.T, m *model, want string) {
	t.Helper()
	for range 20 {
		send(m, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{'j'}})
		if selectedLine(m.View(), want) {
			return
		}
	}
	t.Fatalf("no selectable line with %q:\n%s", want, m.View())
}

// selectedLine reports whether the selected item (▶ in a box, > in the
// process table) contains want. Boxes stand side by side, so each box's
// part of a line is looked at on its own.
func selectedLine(frame, want string) bool {
	for _, l := range strings.Split(frame, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "> ") && strings.Contains(l, want) {
			return true
		}
		for _, part := range strings.Split(l, "│") {
			if strings.Contains(part, "▶") && strings.Contains(part, want) {
				return true
			}
		}
	}
	return false
}

// enter presses enter on the Overview and delivers the jump it asks for.
func enter(t *testing.T, m *model) {
	t.Helper()
	_, cmd := m.Update(tea.KeyMsg{Type: tea.KeyEnter})
	if cmd == nil {
		t.Fatal("enter on a selected item did nothing")
	}
	msg := cmd()
	if _, ok := msg.(view.JumpMsg); !ok {
		t.Fatalf("enter produced %T, want a view.JumpMsg", msg)
	}
	m.Update(msg)
}

// TestOverviewOpensBlockerInLockTree: the blocking pid the Postgres box
// flags opens the lock tree with that session selected.
func TestOverviewOpensBlockerInLockTree(t *testing.T) {
	m := newLaunchModel(t)
	selectItem(t, m, "pid 4242 blocks 1")
	enter(t, m)
	tab, ok := m.tabs[m.active].(*postgres.Tab)
	if !ok {
		t.Fatalf("enter opened tab %q, want Postgres", m.tabs[m.active].Title())
	}
	if tab.SubView() != postgres.Locks {
		t.Errorf("sub-view %v, want locks", tab.SubView())
	}
	if _, pid, _, ok := tab.SelectedBackend(); !ok || pid != 4242 {
		t.Errorf("selected backend %d (%v), want 4242", pid, ok)
	}
}

// TestOverviewOpensContainerWithLogs: the exited container the Docker box
// flags opens the Docker list with it selected and its logs pane open.
func TestOverviewOpensContainerWithLogs(t *testing.T) {
	m := newLaunchModel(t)
	selectItem(t, m, "exited")
	enter(t, m)
	tab, ok := m.tabs[m.active].(*docker.Tab)
	if !ok {
		t.Fatalf("enter opened tab %q, want Docker", m.tabs[m.active].Title())
	}
	if _, id, name, ok := tab.SelectedContainer(); !ok || name != "worker" || id != strings.Repeat("c", 64) {
		t.Errorf("selected %q %q, want worker", name, id)
	}
	if frame := m.View(); !strings.Contains(frame, "logs worker · cccccccccccc") {
		t.Errorf("no logs pane after opening the container:\n%s", frame)
	}
}

// TestOverviewOpensProcess: a top process opens the Host tab with it
// selected, even when a filter there hid it.
func TestOverviewOpensProcess(t *testing.T) {
	m := newLaunchModel(t)
	keys(m, "2/nomatch<enter>1")
	selectItem(t, m, "4711")
	enter(t, m)
	tab, ok := m.tabs[m.active].(*host.Tab)
	if !ok {
		t.Fatalf("enter opened tab %q, want Host", m.tabs[m.active].Title())
	}
	if p := tab.Selected(); p == nil || p.PID != 4711 {
		t.Errorf("selected %+v, want pid 4711", p)
	}
}

// TestOverviewSelectionFollowsItem: the selection stays on the same thing
// when the Overview's lines change, and esc drops it.
func TestOverviewSelectionFollowsItem(t *testing.T) {
	m := newLaunchModel(t)
	selectItem(t, m, "pid 4242 blocks 1")
	send(m, hubMsg(fixture.HostSeries(8, 40)[5:])) // new host polls reorder the top processes
	if !selectedLine(m.View(), "pid 4242 blocks 1") {
		t.Errorf("the selection left the blocker line:\n%s", m.View())
	}
	send(m, tea.KeyMsg{Type: tea.KeyEsc})
	if strings.Contains(m.View(), "▶") {
		t.Error("esc did not drop the selection")
	}
	if _, cmd := m.Update(tea.KeyMsg{Type: tea.KeyEnter}); cmd != nil {
		if _, ok := cmd().(view.JumpMsg); ok {
			t.Error("enter without a selection jumped")
		}
	}
}
