package docker

import (
	"sort"
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"

	ds "github.com/stacktop/stacktop/collectors/docker"
	"github.com/stacktop/stacktop/ui/format"
	"github.com/stacktop/stacktop/ui/sanitize"
	"github.com/stacktop/stacktop/ui/view"
	"github.com/stacktop/stacktop/ui/widgets"
)

// Widths of the logs pane's prefix: the gutter (current-match marker and
// stream marker) and the optional timestamp.
const (
	gutterW = 3 // ">E "
	tsW     = 13
)

// View draws the logs pane in n lines: the title rule, then the lines
// from the top line (the newest at the bottom while following).
func (l *logPane) View(ctx view.Context, n int) []string {
	st := ctx.Styles
	out := []string{l.logTitle(ctx)}
	rows := max(n-1, 0)
	switch {
	case l.unavailable:
		out = append(out, " "+st.Muted.Render("logs unavailable — no engine connection for this host in this view"))
	case l.err != nil:
		out = append(out, " "+st.Bad.Render(widgets.Truncate(sanitize.Line(l.err.Error()), ctx.Width-2)))
	case l.opening:
		out = append(out, " "+st.Muted.Render("opening the log stream…"))
	case len(l.lines) == 0:
		out = append(out, " "+st.Muted.Render("no output yet"))
	default:
		for i := l.topLine(rows, ctx.Width); i < len(l.lines) && len(out) < n; i++ {
			out = append(out, l.render(ctx, i)...)
		}
	}
	for len(out) < n {
		out = append(out, "")
	}
	return out[:n]
}

// logTitle is "─ logs web-1 · 3f2a9c1b7d4e · following · 500 lines · E = stderr · match 2/17 ───".
func (l *logPane) logTitle(ctx view.Context) string {
	parts := []string{"logs " + paneName(ctx, l.paneTarget)}
	if q := l.search.Query; q != "" {
		if len(l.search.Matches) == 0 {
			parts = append(parts, "no match for “"+sanitize.Line(q)+"”")
		} else {
			parts = append(parts, "“"+sanitize.Line(q)+"” "+strconv.Itoa(l.cur+1)+"/"+strconv.Itoa(len(l.search.Matches)))
		}
	}
	switch {
	case l.ended && l.endErr != nil:
		parts = append(parts, "stream ended: "+sanitize.Line(l.endErr.Error())+" · reopens while the container runs")
	case l.ended && l.removed && l.project != "" && l.service != "":
		parts = append(parts, "ended · follows a new "+sanitize.Line(l.project+"/"+l.service)+" container when one appears")
	case l.ended && l.removed:
		parts = append(parts, "ended · follows a new container named "+sanitize.Line(l.name)+" when one appears")
	case l.ended:
		parts = append(parts, "ended · follows its next run")
	case l.follow:
		parts = append(parts, "following")
	default:
		parts = append(parts, "paused (f follows)")
	}
	if note := l.earlierNote(); note != "" {
		parts = append(parts, sanitize.Line(note))
	}
	if l.resumes > 0 && !l.ended {
		parts = append(parts, "reopened")
	}
	if l.recreatedFrom != "" {
		parts = append(parts, "recreated: was "+l.recreatedFrom)
	}
	parts = append(parts, strconv.Itoa(len(l.lines))+" lines")
	if l.dropped > 0 {
		parts = append(parts, format.Count(float64(l.dropped))+" older dropped")
	}
	if l.tty {
		parts = append(parts, "tty")
	} else {
		parts = append(parts, "E = stderr")
	}
	rule := paneRule(ctx, strings.Join(parts, " · "))
	if l.query.Focused() {
		prompt := " " + l.query.View()
		rule = widgets.Truncate(rule, max(ctx.Width-ansi.StringWidth(prompt), 0)) + prompt
	}
	return rule
}

// render draws line i: gutter, timestamp, then the sanitized text with the
// search matches highlighted, cut or wrapped to the pane's width.
func (l *logPane) render(ctx view.Context, i int) []string {
	st := ctx.Styles
	line := l.lines[i]
	text := sanitize.Line(line.Text)
	matches := l.matchesOf(line.Seq)
	curHere := false
	if l.cur >= 0 && l.cur < len(l.search.Matches) && l.search.Matches[l.cur].Seq == line.Seq {
		curHere = true
	}
	body := highlight(ctx, text, matches, line.Stream == ds.Stderr)
	if line.Cut > 0 {
		body += st.Muted.Render(" …+" + format.Bytes(uint64(line.Cut)) + " cut")
	}
	prefix := " "
	if curHere {
		prefix = ">"
	}
	if line.Stream == ds.Stderr {
		prefix += st.Warn.Render("E") + " "
	} else {
		prefix += "  "
	}
	if l.timestamps {
		ts := strings.Repeat(" ", tsW-1)
		if !line.Time.IsZero() {
			ts = line.Time.In(ctx.Now.Location()).Format("15:04:05.000")
		}
		prefix += st.Muted.Render(ts) + " "
	}
	avail := max(ctx.Width-l.prefixWidth(), 1)
	if !l.wrap {
		return []string{prefix + widgets.Truncate(body, avail)}
	}
	parts := strings.Split(ansi.Hardwrap(body, avail, true), "\n")
	pad := strings.Repeat(" ", l.prefixWidth())
	for j := range parts {
		if j == 0 {
			parts[j] = prefix + parts[j]
		} else {
			parts[j] = pad + parts[j]
		}
	}
	return parts
}

// matchesOf is the search matches in the line with sequence number seq.
func (l *logPane) matchesOf(seq uint64) []ds.Match {
	ms := l.search.Matches
	i := sort.Search(len(ms), func(i int) bool { return ms[i].Seq >= seq })
	j := i
	for j < len(ms) && ms[j].Seq == seq {
		j++
	}
	return ms[i:j]
}

// highlight marks the matches in text (reverse video; on a colourless
// terminal between » and «, so they still show). The rest of a stderr line
// is drawn in the warning colour, segment by segment, so a match's reset
// does not end it.
func highlight(ctx view.Context, text string, ms []ds.Match, stderr bool) string {
	st := ctx.Styles
	plain := func(s string) string {
		if stderr && s != "" {
			return st.Warn.Render(s)
		}
		return s
	}
	if len(ms) == 0 {
		return plain(text)
	}
	var b strings.Builder
	prev := 0
	for _, m := range ms {
		if m.Start < prev || m.End > len(text) {
			continue
		}
		b.WriteString(plain(text[prev:m.Start]))
		if st.Plain {
			b.WriteString("»" + text[m.Start:m.End] + "«")
		} else {
			b.WriteString(st.Selected.Render(text[m.Start:m.End]))
		}
		prev = m.End
	}
	b.WriteString(plain(text[prev:]))
	return b.String()
}
