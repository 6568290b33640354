package postgres

import (
	"math"

	"github.com/stacktop/stacktop/collectors"
	pg "github.com/stacktop/stacktop/collectors/postgres"
	"github.com/stacktop/stacktop/ui/widgets"
)

// historyLen is how many polls of TPS a sparkline remembers (4 min at 2 s).
const historyLen = 120

// target is what the tab keeps per Postgres source: its latest update, last
// good snapshot, and TPS history per database (fed from every new snapshot,
// shown or not, so switching targets shows a full sparkline).
type target struct {
	name  string
	upd   collectors.Update
	snap  *pg.Snapshot
	total *widgets.History
	dbs   map[string]*widgets.History
	facts serverFacts // the servers view's figures of snap
}

func newTarget(name string) *target {
	return &target{name: name, total: widgets.NewHistory(historyLen), dbs: map[string]*widgets.History{}}
}

// record stores u and reports whether the snapshot is a new one.
func (tg *target) record(u collectors.Update) bool {
	tg.upd = u
	s, _ := u.Snapshot.(*pg.Snapshot)
	if s == nil || s == tg.snap {
		return false
	}
	tg.snap = s
	tg.facts = factsOf(s)
	tg.total.Push(rateValue(s.Total.TPS))
	seen := make(map[string]bool, len(s.Databases))
	for _, db := range s.Databases {
		h, ok := tg.dbs[db.Name]
		if !ok {
			h = widgets.NewHistory(historyLen)
			tg.dbs[db.Name] = h
		}
		h.Push(rateValue(db.Rates.TPS))
		seen[db.Name] = true
	}
	for name := range tg.dbs { // dropped databases
		if !seen[name] {
			delete(tg.dbs, name)
		}
	}
	return true
}

// rateValue is a rate as a sparkline sample: NaN (a gap) when invalid.
func rateValue(r collectors.Rate) float64 {
	if !r.Valid {
		return math.NaN()
	}
	return r.PerSec
}

// state classifies a target for the header and the Overview.
type state int

const (
	stateWaiting state = iota
	stateNotFound
	stateDown
	stateData
)

func (tg *target) state() state {
	switch {
	case tg.upd.NotFound():
		return stateNotFound
	case tg.snap != nil:
		return stateData
	case tg.upd.Health() == collectors.HealthUnknown:
		return stateWaiting
	default:
		return stateDown
	}
}
