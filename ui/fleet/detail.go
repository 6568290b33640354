package fleet

import (
	"context"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	fs "github.com/stacktop/stacktop/collectors/fleet"
)

// detailView is one host's detail, asked of its source on enter and again
// after each refresh of that source while it is open.
type detailView struct {
	source, instance string
	seq              uint64 // the request whose answer is awaited or shown
	loading          bool
	d                *fs.HostDetail // the last answer, kept while reloading
	err              error          // the last request's failure
	offset           int            // first line shown
	lines            int            // lines drawn at the last frame, to bound scrolling
}

// detailMsg is a HostDetail answer.
type detailMsg struct {
	seq uint64
	d   *fs.HostDetail
	err error
}

// openDetail shows the detail of instance on source and asks for it.
func (t *Tab) openDetail(source, instance string) tea.Cmd {
	t.detail = &detailView{source: source, instance: instance}
	return t.loadDetail()
}

// loadDetail asks for the detail (again). The frame says "loading" only
// while there is nothing to show yet.
func (t *Tab) loadDetail() tea.Cmd {
	d := t.detail
	src := t.opts.Sources[d.source]
	if src == nil {
		d.err = errNoSource
		return nil
	}
	t.seq++
	d.seq, d.loading = t.seq, true
	seq, inst, timeout := t.seq, d.instance, t.opts.CallTimeout
	parent := t.opts.Context
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(parent, timeout)
		defer cancel()
		hd, err := src.HostDetail(ctx, inst)
		return detailMsg{seq: seq, d: hd, err: err}
	}
}

// got takes an answer; one for an older request (the user moved on) is dropped.
func (d *detailView) got(m detailMsg) {
	if m.seq != d.seq {
		return
	}
	d.loading = false
	d.err = m.err
	if m.err == nil {
		d.d = m.d
	}
}

func (d *detailView) scroll(n int) {
	d.offset = max(min(d.offset+n, d.lines-1), 0)
}

// detailHost is the host the detail shows: its row of the current
// snapshot when it has one, otherwise the detail's own copy.
func (t *Tab) detailHost() *fs.Host {
	d := t.detail
	if d == nil {
		return nil
	}
	for _, s := range t.sources {
		if s.id.Name != d.source || s.snap == nil {
			continue
		}
		for i := range s.snap.Hosts {
			if s.snap.Hosts[i].Instance == d.instance {
				return &s.snap.Hosts[i]
			}
		}
	}
	if d.d != nil {
		return &d.d.Host
	}
	return &fs.Host{Name: fs.DisplayName(d.instance), Instance: d.instance}
}

// detailAge is how old the shown detail is at now.
func (d *detailView) age(now time.Time) time.Duration {
	if d.d == nil {
		return 0
	}
	return now.Sub(d.d.Taken)
}
