package fleet

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"github.com/stacktop/stacktop/ui/format"
	"github.com/stacktop/stacktop/ui/sanitize"
	"github.com/stacktop/stacktop/ui/view"
	"github.com/stacktop/stacktop/ui/widgets"
)

// SummaryTitle implements view.Summarizer.
func (t *Tab) SummaryTitle() string { return "Fleet" }

// Summary implements view.Summarizer.
func (t *Tab) Summary(ctx view.Context, width, height int) string {
	return view.JoinLines(t.SummaryLines(ctx, width, height))
}

// SummaryLines implements view.Launcher: one line per source (its hosts,
// how many are down and over a threshold, or why it has nothing), then
// the hosts with problems of every source, worst first; each opens in the
// Fleet tab.
func (t *Tab) SummaryLines(ctx view.Context, width, height int) []view.SummaryLine {
	st := ctx.Styles
	var out []view.SummaryLine
	type pick struct {
		problemHost
		s *sourceState
	}
	var worst []pick
	for _, s := range t.sources {
		self := &view.Jump{Source: s.id, What: view.JumpSource}
		name := sanitize.Line(s.id.Name) + ": "
		var text string
		switch {
		case s.snap == nil && s.upd.Err != nil:
			text = name + st.Bad.Render(sanitize.Line(view.ErrCause(s.upd)))
		case s.snap == nil:
			text = name + st.Muted.Render("waiting for Prometheus…")
		default:
			text = name + strconv.Itoa(len(s.snap.Hosts)) + " hosts"
			if s.down > 0 {
				text += " · " + st.Bad.Render(strconv.Itoa(s.down)+" down")
			}
			if s.over > 0 {
				text += " · " + st.Bad.Render(strconv.Itoa(s.over)+" over")
			}
			if s.down+s.over == 0 {
				text += " · " + st.OK.Render("all ok")
			}
			if s.upd.Err != nil || view.Historic(ctx, s.upd) {
				text += " · " + st.Warn.Render(view.AsOfText(s.upd))
			}
		}
		out = append(out, view.SummaryLine{Text: widgets.Truncate(text, width), Jump: self})
		for _, p := range s.worst {
			worst = append(worst, pick{p, s})
		}
	}
	slices.SortStableFunc(worst, func(a, b pick) int {
		return cmp.Compare(severity(b.flags, b.h), severity(a.flags, a.h))
	})
	for _, p := range worst {
		if len(out) >= height {
			break
		}
		j := &view.Jump{Source: p.s.id, What: view.JumpHost, Instance: p.h.Instance}
		name := p.h.Name
		if p.s.shared[name] {
			name = p.h.Instance
		}
		text := "! " + sanitize.Line(name) + " " + problemText(p.problemHost)
		out = append(out, view.SummaryLine{Text: st.Bad.Render(widgets.Truncate(text, width)), Jump: j})
	}
	if len(out) > height {
		out = out[:height]
	}
	return out
}

// problemText says what is wrong with a host, the worst first: "down",
// or its figures past their thresholds.
func problemText(p problemHost) string {
	h, f := p.h, p.flags
	if f.down {
		return "down"
	}
	var parts []string
	if f.cpu {
		parts = append(parts, "CPU "+format.Percent(h.CPUBusyPercent.V))
	}
	if f.mem {
		parts = append(parts, "mem "+format.Percent(h.MemoryUsedPercent.V))
	}
	if f.fs {
		parts = append(parts, "disk "+format.Percent(h.FullestFSPercent.V)+" "+sanitize.Line(h.FullestFSMount))
	}
	if f.load {
		parts = append(parts, "load "+format.Fixed(h.Load1PerCore.V, 2)+"/core")
	}
	if f.swap {
		parts = append(parts, "swap "+format.Percent(h.SwapUsedPercent.V))
	}
	return strings.Join(parts, " · ")
}
