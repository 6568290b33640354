package fleet

import (
	"cmp"
	"slices"
	"strings"
	"time"

	fs "github.com/stacktop/stacktop/collectors/fleet"
	"github.com/stacktop/stacktop/ui/view"
	"github.com/stacktop/stacktop/ui/widgets"
)

// hostFlags says which of a host's figures are past their threshold.
type hostFlags struct {
	down, cpu, mem, swap, load, fs bool
}

// any reports a problem of any kind.
func (f hostFlags) any() bool { return f.down || f.cpu || f.mem || f.swap || f.load || f.fs }

// count is how many thresholds are passed (down counts as the worst).
func (f hostFlags) count() int {
	n := 0
	for _, b := range []bool{f.cpu, f.mem, f.swap, f.load, f.fs} {
		if b {
			n++
		}
	}
	if f.down {
		n += 100
	}
	return n
}

// over reports whether v is valid and past limit.
func over(v fs.Value, limit float64) bool { return v.Valid && v.V > limit }

// judge reads a host's figures against the thresholds.
func judge(h *fs.Host, th view.Thresholds) hostFlags {
	if !h.Up {
		return hostFlags{down: true}
	}
	return hostFlags{
		cpu:  over(h.CPUBusyPercent, th.CPUPercent),
		mem:  over(h.MemoryUsedPercent, th.MemoryPercent),
		swap: h.SwapUsedPercent.Valid && h.SwapUsedPercent.V >= th.SwapUsedPercent,
		load: over(h.Load1PerCore, th.LoadPerCore),
		fs:   over(h.FullestFSPercent, th.FilesystemPercent),
	}
}

// severity orders hosts worst first: down, then the most thresholds
// passed, then the busiest CPU.
func severity(f hostFlags, h *fs.Host) float64 {
	return float64(f.count())*1000 + h.CPUBusyPercent.V
}

// problemHost is a host with a problem, for the Overview box.
type problemHost struct {
	h     *fs.Host
	flags hostFlags
}

// judge counts the snapshot's problems, worst first.
func (s *sourceState) judge(th view.Thresholds, pth PGThresholds) {
	s.worst, s.down, s.over, s.pgBad = s.worst[:0], 0, 0, 0
	s.shared = nil
	seen := make(map[string]bool, len(s.snap.Hosts))
	for i := range s.snap.Hosts {
		h := &s.snap.Hosts[i]
		if seen[h.Name] {
			if s.shared == nil {
				s.shared = map[string]bool{}
			}
			s.shared[h.Name] = true
		}
		seen[h.Name] = true
		f := judge(h, th)
		if !f.any() {
			continue
		}
		if f.down {
			s.down++
		} else {
			s.over++
		}
		s.worst = append(s.worst, problemHost{h, f})
	}
	slices.SortStableFunc(s.worst, func(a, b problemHost) int {
		return cmp.Or(cmp.Compare(severity(b.flags, b.h), severity(a.flags, a.h)), cmp.Compare(a.h.Name, b.h.Name))
	})
	for i := range s.snap.Postgres {
		if judgePG(&s.snap.Postgres[i], pth).any() {
			s.pgBad++
		}
	}
	s.ctAll = len(containers(s.snap))
}

// term is one word of the filter: a label match (key:value) or text
// matched against names.
type term struct {
	key, value string // key "" matches names
}

// parseFilter splits the filter into lower-case terms; every term must match.
func parseFilter(s string) []term {
	var out []term
	for _, w := range strings.Fields(strings.ToLower(s)) {
		if k, v, ok := strings.Cut(w, ":"); ok && k != "" {
			out = append(out, term{key: k, value: v})
			continue
		}
		out = append(out, term{value: w})
	}
	return out
}

// matches reports whether every term matches a row with those names and labels.
func matches(terms []term, labels map[string]string, names ...string) bool {
	for _, tm := range terms {
		if !matchOne(tm, labels, names) {
			return false
		}
	}
	return true
}

func matchOne(tm term, labels map[string]string, names []string) bool {
	if tm.key == "" {
		for _, n := range names {
			if strings.Contains(strings.ToLower(n), tm.value) {
				return true
			}
		}
		return false
	}
	for k, v := range labels {
		if strings.ToLower(k) == tm.key && strings.Contains(strings.ToLower(v), tm.value) {
			return true
		}
	}
	return false
}

// SortKey is an order of the hosts table.
type SortKey int

// The orders s cycles through, problems first by default.
const (
	SortProblems SortKey = iota
	SortName
	SortCPU
	SortMemory
	SortFS
	SortLoad
	numSorts
)

// String names the order as the strip shows it.
func (k SortKey) String() string {
	return [...]string{"problems", "name", "CPU", "memory", "disk", "load"}[k]
}

// column is the title of the column the order marks.
func (k SortKey) column() string {
	return [...]string{"", "NAME", "CPU%", "MEM%", "FS%", "LOAD/C"}[k]
}

// hostRow is one row of the hosts table.
type hostRow struct {
	h     *fs.Host
	flags hostFlags
}

// hostList is the hosts table's rows (filtered and sorted in Update) and selection.
type hostList struct {
	rows   []hostRow
	sortBy SortKey
	cur    widgets.Cursor[string]
}

func (l *hostList) rebuild(s *fs.Snapshot, terms []term, th view.Thresholds) {
	l.rows = l.rows[:0]
	for i := range s.Hosts {
		h := &s.Hosts[i]
		if len(terms) > 0 && !matches(terms, hostLabels(h), h.Name, h.Instance) {
			continue
		}
		l.rows = append(l.rows, hostRow{h, judge(h, th)})
	}
	by := func(v func(h *fs.Host) fs.Value) func(a, b hostRow) int {
		return func(a, b hostRow) int {
			x, y := v(a.h), v(b.h)
			if x.Valid != y.Valid { // figures before n/a
				if x.Valid {
					return -1
				}
				return 1
			}
			return cmp.Or(cmp.Compare(y.V, x.V), cmp.Compare(a.h.Name, b.h.Name), cmp.Compare(a.h.Instance, b.h.Instance))
		}
	}
	var f func(a, b hostRow) int
	switch l.sortBy {
	case SortName:
		f = func(a, b hostRow) int {
			return cmp.Or(cmp.Compare(a.h.Name, b.h.Name), cmp.Compare(a.h.Instance, b.h.Instance))
		}
	case SortCPU:
		f = by(func(h *fs.Host) fs.Value { return h.CPUBusyPercent })
	case SortMemory:
		f = by(func(h *fs.Host) fs.Value { return h.MemoryUsedPercent })
	case SortFS:
		f = by(func(h *fs.Host) fs.Value { return h.FullestFSPercent })
	case SortLoad:
		f = by(func(h *fs.Host) fs.Value { return h.Load1PerCore })
	default:
		f = func(a, b hostRow) int {
			return cmp.Or(cmp.Compare(severity(b.flags, b.h), severity(a.flags, a.h)),
				cmp.Compare(a.h.Name, b.h.Name), cmp.Compare(a.h.Instance, b.h.Instance))
		}
	}
	slices.SortFunc(l.rows, f)
}

// hostLabels are a host's labels with its job, for the filter.
func hostLabels(h *fs.Host) map[string]string {
	if _, ok := h.Labels["job"]; ok || h.Job == "" {
		return h.Labels
	}
	m := map[string]string{"job": h.Job}
	for k, v := range h.Labels {
		m[k] = v
	}
	return m
}

func (l *hostList) id(i int) string { return l.rows[i].h.Instance }

func (l *hostList) place(view int) { l.cur.Place(len(l.rows), l.id, view) }

func (l *hostList) pick(i, view int) { l.cur.Pick(i, len(l.rows), l.id, view) }

func (l *hostList) selected() *fs.Host {
	if l.cur.Sel < 0 || l.cur.Sel >= len(l.rows) {
		return nil
	}
	return l.rows[l.cur.Sel].h
}

// pgFlags says which of a PostgreSQL server's figures are a problem.
type pgFlags struct {
	down, conns, lag, long, deadlocks bool
}

func (f pgFlags) any() bool { return f.down || f.conns || f.lag || f.long || f.deadlocks }

func judgePG(p *fs.PGServer, th PGThresholds) pgFlags {
	if !p.Up || (p.PGUp.Valid && p.PGUp.V == 0) {
		return pgFlags{down: true}
	}
	return pgFlags{
		conns: p.ConnectionsUsed.Valid && p.MaxConnections.Valid && p.MaxConnections.V > 0 &&
			p.ConnectionsUsed.V*100/p.MaxConnections.V > th.ConnectionsPercent,
		lag:       over(p.ReplicationLagSeconds, th.ReplicationLag.Seconds()),
		long:      over(p.LongestTransactionSeconds, th.LongTransaction.Seconds()),
		deadlocks: over(p.DeadlocksPerSec, 0),
	}
}

// pgRow is one row of the PostgreSQL table.
type pgRow struct {
	p     *fs.PGServer
	flags pgFlags
}

// pgList is the PostgreSQL table's rows, problems first, and selection.
type pgList struct {
	rows   []pgRow
	sortBy PGSortKey
	cur    widgets.Cursor[string]
}

// PGSortKey is an order of the PostgreSQL table.
type PGSortKey int

// The orders s cycles through on the PostgreSQL table, problems first by
// default.
const (
	PGSortProblems PGSortKey = iota
	PGSortName
	PGSortTPS
	PGSortConnections
	PGSortLag
	PGSortLongestTx
	numPGSorts
)

// String names the order as the strip shows it.
func (k PGSortKey) String() string {
	return [...]string{"problems", "name", "TPS", "connections", "lag", "longest transaction"}[k]
}

// column is the title of the column the order marks.
func (k PGSortKey) column() string {
	return [...]string{"", "SERVER", "TPS", "CONN/MAX", "LAG", "LONGEST TX"}[k]
}

// connectionsUsed is the share of max_connections in use, 0–1.
func connectionsUsed(p *fs.PGServer) fs.Value {
	if !p.ConnectionsUsed.Valid || !p.MaxConnections.Valid || p.MaxConnections.V <= 0 {
		return fs.Value{}
	}
	return fs.Value{V: p.ConnectionsUsed.V / p.MaxConnections.V, Valid: true}
}

func (l *pgList) rebuild(s *fs.Snapshot, terms []term, th PGThresholds) {
	l.rows = l.rows[:0]
	for i := range s.Postgres {
		p := &s.Postgres[i]
		if len(terms) > 0 && !matches(terms, p.Labels, p.Name, p.Instance, p.Server) {
			continue
		}
		l.rows = append(l.rows, pgRow{p, judgePG(p, th)})
	}
	rank := func(r pgRow) int {
		switch {
		case r.flags.down:
			return 0
		case r.flags.any():
			return 1
		}
		return 2
	}
	byName := func(a, b pgRow) int {
		return cmp.Or(cmp.Compare(a.p.Name, b.p.Name), cmp.Compare(a.p.Server, b.p.Server))
	}
	by := func(v func(p *fs.PGServer) fs.Value) func(a, b pgRow) int {
		return func(a, b pgRow) int {
			x, y := v(a.p), v(b.p)
			if x.Valid != y.Valid { // figures before n/a
				if x.Valid {
					return -1
				}
				return 1
			}
			return cmp.Or(cmp.Compare(y.V, x.V), byName(a, b))
		}
	}
	var f func(a, b pgRow) int
	switch l.sortBy {
	case PGSortName:
		f = byName
	case PGSortTPS:
		f = by(func(p *fs.PGServer) fs.Value { return p.TPS })
	case PGSortConnections:
		f = by(connectionsUsed)
	case PGSortLag:
		f = by(func(p *fs.PGServer) fs.Value { return p.ReplicationLagSeconds })
	case PGSortLongestTx:
		f = by(func(p *fs.PGServer) fs.Value { return p.LongestTransactionSeconds })
	default:
		f = func(a, b pgRow) int { return cmp.Or(cmp.Compare(rank(a), rank(b)), byName(a, b)) }
	}
	slices.SortFunc(l.rows, f)
}

func (l *pgList) id(i int) string { return l.rows[i].p.Instance + "\x00" + l.rows[i].p.Server }

func (l *pgList) place(view int) { l.cur.Place(len(l.rows), l.id, view) }

func (l *pgList) pick(i, view int) { l.cur.Pick(i, len(l.rows), l.id, view) }

func (l *pgList) selected() *fs.PGServer {
	if l.cur.Sel < 0 || l.cur.Sel >= len(l.rows) {
		return nil
	}
	return l.rows[l.cur.Sel].p
}

// containers merges the snapshot's top lists (by CPU, then by memory),
// each container once.
func containers(s *fs.Snapshot) []*fs.Container {
	seen := map[[3]string]bool{}
	var out []*fs.Container
	for _, list := range [][]fs.Container{s.TopCPU, s.TopMemory} {
		for i := range list {
			c := &list[i]
			k := [3]string{c.Instance, c.Name, c.Image}
			if !seen[k] {
				seen[k] = true
				out = append(out, c)
			}
		}
	}
	return out
}

// secs is a Value of seconds as a duration.
func secs(v fs.Value) time.Duration { return time.Duration(v.V * float64(time.Second)) }
