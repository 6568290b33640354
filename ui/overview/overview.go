// Package overview is the Overview tab, the screen an on-call engineer opens
// first: the host's vital figures each with a sparkline of the last minutes,
// the busiest processes, and one box per other source family (Postgres,
// Docker) filled by those tabs through view.Summarizer.
package overview

import (
	"math"
	"time"

	"github.com/charmbracelet/bubbles/help"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/stacktop/stacktop/collectors"
	hs "github.com/stacktop/stacktop/collectors/host"
	uihost "github.com/stacktop/stacktop/ui/host"
	"github.com/stacktop/stacktop/ui/view"
	"github.com/stacktop/stacktop/ui/widgets"
)

// historyLen is how many polls the sparklines remember: 10 minutes at the
// default 2 s interval, more than the widest sparkline shows.
const historyLen = 300

// topN is how many processes the Overview lists.
const topN = 5

// Tab is the Overview tab. Build it with New.
type Tab struct {
	upd       collectors.Update
	snap      *hs.Snapshot
	lastTaken time.Time

	// history is the samples this Overview shares with the others of the
	// process; series are the ones up to snap, drawn as sparklines.
	history                             *History
	series                              [numSeries]*widgets.History
	cpu, mem, swap, load, fs, disk, net *widgets.History // series by name

	top []*hs.Process

	// histKey is the sparklines' samples hashed for frameKey, by the
	// cache histFrames; recomputed after record changes them.
	histKey    uint64
	histFrames *view.FrameCache

	launch launch
	keys   KeyMap
}

// New returns an empty Overview drawing its sparklines from history,
// shared with the other Overviews of the process; nil gives it its own.
func New(history *History) *Tab {
	if history == nil {
		history = NewHistory()
	}
	t := &Tab{history: history, keys: newKeyMap()}
	for i := range t.series {
		t.series[i] = widgets.NewHistory(historyLen)
	}
	t.cpu, t.mem, t.swap, t.load = t.series[seriesCPU], t.series[seriesMem], t.series[seriesSwap], t.series[seriesLoad]
	t.fs, t.disk, t.net = t.series[seriesFS], t.series[seriesDisk], t.series[seriesNet]
	t.enableKeys()
	return t
}

// Title implements view.Tab.
func (t *Tab) Title() string { return "Overview" }

// Kinds implements view.Tab.
func (t *Tab) Kinds() []collectors.Kind { return []collectors.Kind{collectors.KindHost} }

// InputActive implements view.Tab.
func (t *Tab) InputActive() bool { return false }

// KeyMap implements view.Tab.
func (t *Tab) KeyMap() help.KeyMap {
	t.enableKeys()
	return t.keys
}

// Update implements view.Tab: keys move the selection among the flagged
// items; a new host snapshot adds one sample to every history (an update
// repeating the last good snapshot adds none).
func (t *Tab) Update(msg tea.Msg) (view.Tab, tea.Cmd) {
	if k, ok := msg.(tea.KeyMsg); ok {
		return t, t.handleKey(k)
	}
	u, ok := msg.(collectors.Update)
	if !ok || u.Source.Kind != collectors.KindHost {
		return t, nil
	}
	t.upd = u
	s, ok := u.Snapshot.(*hs.Snapshot)
	if !ok || s == nil || !s.Taken.After(t.lastTaken) {
		return t, nil
	}
	t.snap, t.lastTaken = s, s.Taken
	t.record(s)
	t.histFrames = nil
	t.top = nil
	if !s.Processes.Partial { // a table of the PostgreSQL processes alone has no top
		t.top = uihost.TopCPU(s.Processes.List, topN)
	}
	return t, nil
}

// record adds s's samples to the shared history (unless another session
// did) and draws the sparklines up to s.
func (t *Tab) record(s *hs.Snapshot) {
	t.history.record(s)
	t.history.fill(s.Taken, &t.series)
}

func percent(part, whole uint64) float64 {
	if whole == 0 {
		return 0
	}
	return float64(part) * 100 / float64(whole)
}

func rateValue(r collectors.Rate) float64 {
	if !r.Valid {
		return math.NaN()
	}
	return r.PerSec
}

// busiest is the fullest filesystem.
func busiest(fss []hs.Filesystem) (hs.Filesystem, bool) {
	var best hs.Filesystem
	found := false
	for _, f := range fss {
		if !found || f.UsedPercent() > best.UsedPercent() {
			best, found = f, true
		}
	}
	return best, found
}
