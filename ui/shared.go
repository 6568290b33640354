package ui

import (
	"strconv"
	"strings"
	"time"

	"github.com/stacktop/stacktop/ui/format"
	"github.com/stacktop/stacktop/ui/sanitize"
)

// shared is what a dashboard shared by several sessions (`stacktop serve`)
// shows of the others: who watches, and what anyone is doing to a target.
// It is refreshed on the clock's tick, so frames only draw.
type shared struct {
	watchers []string // configured names of the sessions watching, this one included
	others   []string // "otto: Restart docker:local/web · 4s", another session's action in flight
}

// refresh reads the watchers and the actions in flight at now.
func (m *model) refreshShared(now time.Time) {
	m.shared = shared{}
	if m.watchersOf != nil {
		m.shared.watchers = m.watchersOf()
	}
	r := m.flow.opts.Runner
	if r == nil {
		return
	}
	me := r.Actor().Name()
	for _, run := range r.Running() {
		if run.Actor == me && m.flow.run != nil {
			continue // this session's own action shows in its own line
		}
		m.shared.others = append(m.shared.others, run.String()+" · "+format.Duration(now.Sub(run.Since).Truncate(time.Second)))
	}
}

// watchersLabel is "3 watching: alice, bob, carol" for the header; "" when
// the dashboard is not shared.
func (s shared) watchersLabel() string {
	if len(s.watchers) == 0 {
		return ""
	}
	names := make([]string, len(s.watchers))
	for i, w := range s.watchers {
		names[i] = sanitize.Line(w)
	}
	return strconv.Itoa(len(names)) + " watching: " + strings.Join(names, ", ")
}
