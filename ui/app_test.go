package ui

import (
	"errors"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/stacktop/stacktop/collectors"
	"github.com/stacktop/stacktop/ui/internal/fixture"
)

// activeTab is the bracketed tab in the tab bar, as the user reads it.
func activeTab(t *testing.T, m *model) string {
	t.Helper()
	bar := lines(m.View())[1]
	start, end := strings.IndexByte(bar, '['), strings.IndexByte(bar, ']')
	if start < 0 || end < start {
		t.Fatalf("no active tab in tab bar %q", bar)
	}
	return bar[start+1 : end]
}

func TestTabSwitching(t *testing.T) {
	m := newFedModel(t, 100, 30, 50, false)
	steps := []struct{ keys, want string }{
		{"", "1 Overview"},
		{"2", "2 Host"},
		{"4", "4 Docker"},
		{"3", "3 Postgres"},
		{"1", "1 Overview"},
		{"<tab>", "2 Host"},
		{"<tab><tab><tab>", "1 Overview"}, // wraps around
		{"<shift+tab>", "4 Docker"},
		{"<shift+tab>", "3 Postgres"},
	}
	for _, s := range steps {
		keys(m, s.keys)
		if got := activeTab(t, m); got != s.want {
			t.Fatalf("after %q the active tab is %q, want %q", s.keys, got, s.want)
		}
	}
	keys(m, "2")
	if !strings.Contains(m.View(), "Processes 50") {
		t.Errorf("the Host tab does not show the process table:\n%s", m.View())
	}
}

func TestQuitKeys(t *testing.T) {
	for _, k := range []string{"q", "<ctrl+c>"} {
		m := newFedModel(t, 100, 30, 10, false)
		_, cmd := m.Update(splitKeys(k)[0])
		if cmd == nil {
			t.Fatalf("%s returned no command", k)
		}
		if _, ok := cmd().(tea.QuitMsg); !ok {
			t.Errorf("%s does not quit", k)
		}
	}
}

// Keys typed faster than the program reads them (or batched by a laggy
// SSH link) reach bubbletea in one read, which reports them as one
// message of several runes; each must still act as the key it is.
func TestKeysReadTogetherActOneByOne(t *testing.T) {
	m := newFedModel(t, 100, 30, 50, false)
	m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("3j2")})
	if got := activeTab(t, m); got != "2 Host" {
		t.Errorf(`after "3j2" in one read the active tab is %q, want 2 Host`, got)
	}
	_, cmd := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("1q")})
	if activeTab(t, m) != "1 Overview" || !quitsIn(cmd) {
		t.Error(`"1q" in one read did not switch to the Overview and quit`)
	}
	// A filter typed in one read goes into the filter whole; a bracketed
	// paste stays one message.
	keys(m, "2/")
	m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("proc-1")})
	m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("7x"), Paste: true})
	if v := m.View(); !strings.Contains(v, "proc-17x") {
		t.Errorf("the filter did not take the runes read together:\n%s", v)
	}
}

// quitsIn reports whether cmd, or a command batched in it, quits.
func quitsIn(cmd tea.Cmd) bool {
	if cmd == nil {
		return false
	}
	switch msg := cmd().(type) {
	case tea.QuitMsg:
		return true
	case tea.BatchMsg:
		for _, c := range msg {
			if quitsIn(c) {
				return true
			}
		}
	}
	return false
}

func TestHelpToggles(t *testing.T) {
	m := newFedModel(t, 100, 30, 10, false)
	keys(m, "2?")
	if !strings.Contains(m.View(), "Keys — Host") {
		t.Fatalf("? does not open the help overlay:\n%s", m.View())
	}
	if !strings.Contains(m.View(), "close help") {
		t.Error("the overlay does not say how to close it")
	}
	keys(m, "<esc>")
	if strings.Contains(m.View(), "Keys — Host") {
		t.Fatal("esc does not close the help overlay")
	}
	keys(m, "??")
	if strings.Contains(m.View(), "Keys — Host") {
		t.Fatal("? twice leaves the overlay open")
	}
}

func TestReadOnlyBadge(t *testing.T) {
	for _, ro := range []bool{true, false} {
		m := newFedModel(t, 80, 24, 10, ro)
		header := lines(m.View())[0]
		if got := strings.Contains(header, "READ-ONLY"); got != ro {
			t.Errorf("read-only %v: header %q", ro, header)
		}
	}
}

func TestStaleMarker(t *testing.T) {
	m := newFedModel(t, 120, 30, 10, false)
	now := fixture.Now()
	header := lines(m.View())[0]
	if strings.Contains(header, "stale") {
		t.Fatalf("fresh data marked stale: %q", header)
	}
	// The host's last good data is 7 s old at a 2 s interval: more than
	// three intervals, and the latest poll failed.
	last := fixture.HostUpdate(fixture.Host(now.Add(-7*time.Second), 10, 0))
	last.PolledAt, last.Err, last.Failures = now, errors.New("host: read /proc: timeout"), 3
	send(m, hubMsg{last})
	header = lines(m.View())[0]
	for _, want := range []string{"host degraded 7s stale"} {
		if !strings.Contains(header, want) {
			t.Errorf("header %q lacks %q", header, want)
		}
	}
}

func TestStaleMarkerFollowsClock(t *testing.T) {
	now := fixture.Now()
	clock := now
	m := newModel(t.Context(), Options{Now: func() time.Time { return clock }}, asciiStyles(), nil)
	send(m, tea.WindowSizeMsg{Width: 100, Height: 30})
	send(m, hubMsg{fixture.HostUpdate(fixture.Host(now, 10, 0))})
	if h := lines(m.View())[0]; strings.Contains(h, "stale") || !strings.Contains(h, "host ok") {
		t.Fatalf("header %q", h)
	}
	// No poll for 10 s: the tick alone must show the data as stale.
	clock = now.Add(10 * time.Second)
	send(m, tickMsg(clock))
	if h := lines(m.View())[0]; !strings.Contains(h, "stale") || !strings.Contains(h, "10s") {
		t.Errorf("10 s without data, header %q", h)
	}
}

func TestTooSmall(t *testing.T) {
	m := newFedModel(t, 100, 30, 10, false)
	for _, size := range [][2]int{{79, 30}, {100, 23}, {20, 5}} {
		send(m, tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		frame := m.View()
		checkFrame(t, frame, size[0], size[1])
		if !strings.Contains(frame, "terminal too small") && !strings.Contains(frame, "termin") {
			t.Errorf("%dx%d: %q", size[0], size[1], frame)
		}
	}
	send(m, tea.WindowSizeMsg{Width: 80, Height: 24})
	if frame := m.View(); strings.Contains(frame, "too small") {
		t.Errorf("80x24 is supported, got %q", frame)
	}
}

func TestResizeKeepsFrameExact(t *testing.T) {
	m := newFedModel(t, 80, 24, 300, false)
	for _, tab := range []string{"1", "2", "3", "4"} {
		keys(m, tab)
		for _, size := range [][2]int{{80, 24}, {81, 25}, {120, 40}, {200, 60}, {95, 26}} {
			send(m, tea.WindowSizeMsg{Width: size[0], Height: size[1]})
			checkFrame(t, m.View(), size[0], size[1])
		}
	}
}

func TestHostileTextIsSanitized(t *testing.T) {
	m := newFedModel(t, 160, 48, 50, false)
	keys(m, "2/6666<enter>")
	frame := m.View()
	for _, bad := range []string{"\x1b", "\x07", "\u202e", "pwned", "]52;", "\r"} {
		if strings.Contains(frame, bad) {
			t.Errorf("frame contains %q", bad)
		}
	}
	for _, want := range []string{"evil", "mallory", "OWNED"} {
		if !strings.Contains(frame, want) {
			t.Errorf("frame lacks the sanitized text %q:\n%s", want, frame)
		}
	}
	checkFrame(t, frame, 160, 48)
}

func TestWaitingBeforeFirstPoll(t *testing.T) {
	m := newModel(t.Context(), Options{Now: fixture.Now}, asciiStyles(), nil)
	send(m, tea.WindowSizeMsg{Width: 80, Height: 24})
	send(m, hubMsg{{Source: fixture.HostID(), Interval: fixture.Interval}})
	frame := m.View()
	if !strings.Contains(frame, "waiting for the first poll") {
		t.Errorf("no placeholder before the first poll:\n%s", frame)
	}
	if !strings.Contains(lines(frame)[0], "host waiting") {
		t.Errorf("header %q", lines(frame)[0])
	}
	keys(m, "3")
	if !strings.Contains(m.View(), "not configured") {
		t.Errorf("a Postgres tab without sources should say not configured:\n%s", m.View())
	}
}

func TestUpdatesReachOnlyTheirTabs(t *testing.T) {
	m := newFedModel(t, 120, 30, 10, false)
	up := collectors.Update{Source: pgID, PolledAt: fixture.Now(), Interval: fixture.Interval,
		Err: errors.New("postgres \"local\": password authentication failed — check password_env")}
	send(m, hubMsg{up})
	keys(m, "3")
	if !strings.Contains(m.View(), "password authentication failed") {
		t.Errorf("Postgres tab missed its update:\n%s", m.View())
	}
	keys(m, "4")
	if strings.Contains(m.View(), "password authentication") {
		t.Error("a Postgres update reached the Docker tab")
	}
}
