package postgres

import (
	"time"

	hs "github.com/stacktop/stacktop/collectors/host"
	pg "github.com/stacktop/stacktop/collectors/postgres"
)

// startSlack is how far a host process's start time may lie from the
// backend_start PostgreSQL reports for it. The host's start times are the
// boot time, which procfs gives in whole seconds, plus clock ticks: up to
// a second early. The rest covers a clock step between the two reads.
const startSlack = 2 * time.Second

// postgresProcs is the part of a host snapshot the join looks at: the
// PostgreSQL processes, by the pid their own namespace gives them and by
// host pid. Built once per host snapshot.
type postgresProcs struct {
	byInner map[int32][]*hs.Process // several namespaces may use one number
	byPID   map[int32]*hs.Process
}

// isPostgresProcess reports whether p runs the PostgreSQL server binary.
// It is the test the host collector applies when it reads the server's
// processes only, so both always agree.
func isPostgresProcess(p *hs.Process) bool { return hs.IsPostgresName(p.Name) }

func indexPostgresProcs(h *hs.Snapshot) *postgresProcs {
	ix := &postgresProcs{byInner: map[int32][]*hs.Process{}, byPID: map[int32]*hs.Process{}}
	for i := range h.Processes.List {
		p := &h.Processes.List[i]
		if !isPostgresProcess(p) {
			continue
		}
		ix.byInner[p.InnerPID()] = append(ix.byInner[p.InnerPID()], p)
		ix.byPID[p.PID] = p
	}
	return ix
}

// joinHost finds, for each backend of s, the host process proven to be
// it, so its CPU and memory can be shown; backends it cannot prove get no
// entry. A pid alone proves nothing: a server in a container or any other
// PID namespace numbers its processes in that namespace, and the host
// process with the same number is someone else. A host process is taken
// for backend b when
//
//   - it runs the postgres binary,
//   - the pid its own namespace gives it (NSpid) is b's pid,
//   - it started within startSlack of b's backend_start, and
//   - its parent is the server's postmaster: the postgres process that is
//     the parent of more of s's backends, so matched, than any other.
//
// Every backend, auxiliary processes included, is a child of the
// postmaster, so the real one collects all the votes, and a stray match
// in another cluster (a coincidence of pid and start second) at most one.
// When two postmasters tie (two servers from one image started together),
// the one that started with s's postmaster breaks the tie; if that does
// not, nothing is shown rather than guessed.
func joinHost(s *pg.Snapshot, ix *postgresProcs) map[int]*hs.Process {
	type match struct {
		pid int
		p   *hs.Process
	}
	now := s.Server.StartedAt.Add(s.Server.Uptime) // the server's now() at the poll
	var matches []match
	votes := map[int32]int{} // postmaster host pid -> backends matched among its children
	for i := range s.Activity {
		b := &s.Activity[i]
		if !b.BackendAge.Valid {
			continue
		}
		start := now.Add(-b.BackendAge.D)
		for _, p := range ix.byInner[int32(b.PID)] {
			d := p.StartTime.Sub(start)
			if d < -startSlack || d > startSlack || ix.byPID[p.PPID] == nil {
				continue
			}
			matches = append(matches, match{b.PID, p})
			votes[p.PPID]++
		}
	}
	postmaster := pickPostmaster(votes, ix, s.Server.StartedAt)
	if postmaster == 0 {
		return nil
	}
	out := make(map[int]*hs.Process, votes[postmaster])
	dup := map[int]bool{}
	for _, m := range matches {
		if m.p.PPID != postmaster {
			continue
		}
		if _, seen := out[m.pid]; seen {
			dup[m.pid] = true // two children of one postmaster cannot share a pid; trust neither
		}
		out[m.pid] = m.p
	}
	for pid := range dup {
		delete(out, pid)
	}
	return out
}

// pickPostmaster is the host pid of the postmaster with the most votes, or
// 0 when none has any or a tie cannot be broken by the start time.
func pickPostmaster(votes map[int32]int, ix *postgresProcs, startedAt time.Time) int32 {
	best, top := int32(0), 0
	var tied []int32
	for pid, n := range votes {
		switch {
		case n > top:
			best, top, tied = pid, n, tied[:0]
		case n == top:
			tied = append(tied, pid)
		}
	}
	if len(tied) == 0 {
		return best
	}
	var found int32
	for _, pid := range append(tied, best) {
		d := ix.byPID[pid].StartTime.Sub(startedAt)
		if d >= -startSlack && d <= startSlack {
			if found != 0 {
				return 0
			}
			found = pid
		}
	}
	return found
}
