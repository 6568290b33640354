package fleet

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/stacktop/stacktop/collectors"
	"github.com/stacktop/stacktop/ui/internal/fixture"
)

// The body sizes the Fleet tab gets in an 80x24 and a 160x48 terminal
// (header, tab bar and help bar take three lines).
var goldenSizes = [][2]int{{80, 21}, {160, 45}}

// TestGolden records the Fleet tab and a host's detail at both sizes,
// and the sub-views and failure states at 80 columns. Regenerate with
// `go test ./ui/fleet -run TestGolden -update`; read every file.
func TestGolden(t *testing.T) {
	for _, sz := range goldenSizes {
		size := "_" + strconv.Itoa(sz[0]) + "x" + strconv.Itoa(sz[1])
		t.Run("hosts"+size, func(t *testing.T) {
			h := newHarness(t, sz[0], sz[1], 500)
			checkGolden(t, h)
		})
		t.Run("detail"+size, func(t *testing.T) {
			h := newHarness(t, sz[0], sz[1], 500)
			h.press("/", "d", "b", "-", "1", "enter", "enter")
			checkGolden(t, h)
		})
	}
	cases := []struct {
		name string
		do   func(h *harness)
	}{
		{"postgres_80x21", func(h *harness) { h.press("v") }},
		{"containers_80x21", func(h *harness) { h.press("v", "v") }},
		{"filter_env_80x21", func(h *harness) { h.press("/", "e", "n", "v", ":", "s", "t", "a", "g") }},
		{"staging_sorted_by_cpu_80x21", func(h *harness) { h.press("]", "s", "s") }},
		{"detail_down_host_80x21", func(h *harness) { h.press("enter") }},
		{"detail_failed_80x21", func(h *harness) {
			h.src[fixture.ProdFleet].err = errors.New(`prometheus "prod": no answer from http://prometheus.prod:9090 within 10s — Prometheus is slow or overloaded; raise timeout in [[prometheus]] or check its load`)
			h.press("j", "enter")
		}},
		{"prometheus_down_80x21", func(h *harness) {
			// The last good snapshot is a minute old, the latest poll refused.
			u := fixture.FleetUpdate(h.src[fixture.ProdFleet].snap)
			u.PolledAt, u.Failures = fixture.Now(), 4
			u.NextTry = fixture.Now().Add(8 * time.Second)
			u.LastGood = fixture.Now().Add(-time.Minute)
			u.Err = errors.New(`prometheus "prod": cannot connect to http://prometheus.prod:9090: connection refused — is Prometheus running there? check url in [[prometheus]]`)
			h.send(u)
		}},
		{"waiting_80x21", func(h *harness) {
			h.tab = New(h.ctx.Styles, Options{})
			h.send(collectors.Update{Source: fixture.FleetID("prod"), Interval: 15 * time.Second})
		}},
		{"refused_before_any_data_80x21", func(h *harness) {
			h.tab = New(h.ctx.Styles, Options{})
			h.send(collectors.Update{Source: fixture.FleetID("prod"), Interval: 15 * time.Second, PolledAt: fixture.Now(),
				Err: errors.New(`prometheus "prod": http://prometheus.prod:9090 refused us: HTTP 401 Unauthorized — check username and password_env, or bearer_token_file`)})
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, 80, 21, 40)
			c.do(h)
			checkGolden(t, h)
		})
	}
}

func checkGolden(t *testing.T, h *harness) {
	t.Helper()
	frame := h.frame()
	checkFrame(t, frame, h.ctx.Width, h.ctx.Height)
	golden.RequireEqual(t, []byte(frame))
}

// checkFrame asserts what every frame must be: at most the body's
// height, no line wider than the body, no escape sequence in the
// colourless profile.
func checkFrame(t *testing.T, frame string, w, h int) {
	t.Helper()
	ls := strings.Split(frame, "\n")
	if len(ls) > h {
		t.Errorf("frame has %d lines, body is %d", len(ls), h)
	}
	for i, l := range ls {
		if lw := ansi.StringWidth(l); lw > w {
			t.Errorf("line %d is %d cells wide, body is %d: %q", i+1, lw, w, l)
		}
	}
	if i := strings.IndexByte(frame, 0x1b); i >= 0 {
		t.Fatalf("escape sequence in a colourless frame at byte %d: %q", i, frame[max(i-20, 0):min(i+20, len(frame))])
	}
}
