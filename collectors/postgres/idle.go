package postgres

import "time"

// publishMargin is how much earlier than the previous poll's now() an idle
// backend's last state change must be for its row to be carried: a backend
// stamps a state change before it publishes it, so one stamped just before
// that poll may not have been in its read.
const publishMargin = time.Second

// idleState remembers the idle backends of the previous poll, so the next
// regular poll can name those still idle and unchanged by pid alone instead
// of sending their rows again (see fastSQL).
type idleState struct {
	// at is the previous poll's server now(): the ages in backends are as
	// of at.
	at       time.Time
	backends map[int]Backend
}

// args are fastSQL's parameter: the previous poll's server now() less
// the margin for late-published state changes, or NULL (send every
// backend) when there is no previous poll on this connection.
func (st *idleState) args() []any {
	if st.at.IsZero() {
		return []any{nil}
	}
	return []any{st.at.Add(-publishMargin)}
}

// knowsAll reports whether every kept pid has a row to carry. A backend
// whose state change was published more than publishMargin after it was
// stamped could be kept without the previous poll having seen it idle.
func (st *idleState) knowsAll(pids []int64) bool {
	for _, pid := range pids {
		if _, ok := st.backends[int(pid)]; !ok {
			return false
		}
	}
	return true
}

// carry returns the previous rows of the kept pids, their ages advanced to
// now on the server's clock. A pid the collector does not know (which the
// query cannot return) is skipped rather than invented.
func (st *idleState) carry(pids []int64, now time.Time) []Backend {
	out := make([]Backend, 0, len(pids))
	dt := max(now.Sub(st.at), 0)
	for _, pid := range pids {
		b, ok := st.backends[int(pid)]
		if !ok {
			continue
		}
		for _, a := range []*Age{&b.BackendAge, &b.XactAge, &b.QueryAge, &b.StateAge} {
			if a.Valid {
				a.D += dt
			}
		}
		out = append(out, b)
	}
	return out
}

// remember keeps this poll's idle backends for the next one.
func (st *idleState) remember(now time.Time, acts []Backend) {
	m := make(map[int]Backend, len(acts))
	for _, b := range acts {
		if b.State == StateIdle {
			m[b.PID] = b
		}
	}
	st.at, st.backends = now, m
}
