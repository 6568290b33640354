package ui

import (
	"encoding/json"
	"maps"
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/stacktop/stacktop/actions"
	"github.com/stacktop/stacktop/actions/sqltext"
	"github.com/stacktop/stacktop/ui/format"
	"github.com/stacktop/stacktop/ui/redact"
	"github.com/stacktop/stacktop/ui/sanitize"
	"github.com/stacktop/stacktop/ui/view"
	"github.com/stacktop/stacktop/ui/widgets"
)

// flowKeys are the keys of the confirmation and progress dialogs.
type flowKeys struct {
	Yes, No, Submit, CancelTyped, Stop, Hide key.Binding
	// Help opens the help overlay over a dialog where ? is not typed
	// text; CloseHelp is what the help bar offers while it is open.
	Help, CloseHelp key.Binding
}

func newFlowKeys() flowKeys {
	return flowKeys{
		Yes:         key.NewBinding(key.WithKeys("y", "Y"), key.WithHelp("y", "confirm")),
		No:          key.NewBinding(key.WithKeys("n", "N", "esc"), key.WithHelp("n/esc", "cancel")),
		Submit:      key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "confirm")),
		CancelTyped: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
		Stop:        key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel the action")),
		Hide:        key.NewBinding(key.WithKeys("h"), key.WithHelp("h", "hide, keep it running")),
		Help:        key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		CloseHelp:   key.NewBinding(key.WithKeys("?", "esc"), key.WithHelp("any key", "close help")),
	}
}

// helpable reports whether ? opens help over the stage shown: not while
// text is typed (? is a character there), and not over the plan view,
// which has its own keys and help.
func (f *actionFlow) helpable() bool {
	switch f.stage {
	case stageConfirming:
		return !f.pending.ConfirmByName
	case stageRunning, stageBackups:
		return true
	}
	return false
}

// helpOpen is true while the help overlay is shown over a dialog.
func (f *actionFlow) helpOpen() bool { return f.helpOver != stageIdle && f.helpOver == f.stage }

// toggleHelp opens or closes the help overlay over the stage shown.
func (f *actionFlow) toggleHelp() {
	if f.helpOpen() {
		f.helpOver = stageIdle
		return
	}
	f.helpOver = f.stage
}

// title names the dialog shown, for the help overlay's title.
func (f *actionFlow) title() string {
	switch f.stage {
	case stageConfirming:
		return "Confirm: " + f.pending.Title
	case stageRunning:
		return "Running: " + f.pending.Title
	case stageBackups:
		return "Backups"
	}
	return "Action"
}

// bindings are the flow's keys for the help bar in its current stage.
type bindings []key.Binding

func (b bindings) ShortHelp() []key.Binding  { return b }
func (b bindings) FullHelp() [][]key.Binding { return [][]key.Binding{b} }

// keyMap is what the help bar shows while the flow is active.
func (f *actionFlow) keyMap() help.KeyMap {
	if f.helpOpen() {
		return bindings{f.keys.CloseHelp}
	}
	return f.stageKeys()
}

// stageKeys are the keys of the stage shown.
func (f *actionFlow) stageKeys() help.KeyMap {
	switch f.stage {
	case stageConfirming:
		if f.pending.ConfirmByName {
			return bindings{f.keys.Submit, f.keys.CancelTyped}
		}
		return bindings{f.keys.Yes, f.keys.No, f.keys.Help}
	case stageValues, stageQuery:
		return bindings{f.keys.Submit, f.keys.CancelTyped}
	case stageRunning:
		if f.run != nil && f.run.stopping {
			return bindings{f.keys.Help}
		}
		return bindings{f.keys.Stop, f.keys.Hide, f.keys.Help}
	case stagePlan:
		return f.plan.KeyMap()
	case stageBackups:
		return withHelp{f.backups.KeyMap(), f.keys.Help}
	}
	return bindings{}
}

// withHelp adds the help key to an overlay's own keys.
type withHelp struct {
	help.KeyMap
	help key.Binding
}

func (w withHelp) ShortHelp() []key.Binding { return append(w.KeyMap.ShortHelp(), w.help) }
func (w withHelp) FullHelp() [][]key.Binding {
	return append(w.KeyMap.FullHelp(), []key.Binding{w.help})
}

// helpKeyMap is what the help overlay lists over a dialog: the dialog's
// keys and ctrl+c.
func (f *actionFlow) helpKeyMap(quit key.Binding) [][]key.Binding {
	keys := f.stageKeys().FullHelp()
	quit.SetHelp("ctrl+c", "quit (cancels a running action)")
	return append(keys, []key.Binding{quit})
}

// key handles a key while the flow is active.
func (f *actionFlow) key(msg tea.KeyMsg) tea.Cmd {
	switch f.stage {
	case stageConfirming:
		return f.confirmKey(msg)
	case stageValues:
		return f.valueKey(msg)
	case stageQuery:
		return f.queryKey(msg)
	case stageRunning:
		switch {
		case f.run.stopping:
		case key.Matches(msg, f.keys.Stop):
			f.run.stopping = true
			f.run.cancel()
		case key.Matches(msg, f.keys.Hide):
			f.run.background, f.stage = true, stageIdle
		}
	case stagePlan:
		closed, cmd := f.plan.Update(msg)
		if closed {
			f.plan, f.stage = nil, stageIdle
		}
		return cmd
	case stageBackups:
		if f.backups.Update(msg) {
			f.backups, f.stage = nil, stageIdle
		}
	}
	return nil
}

func (f *actionFlow) confirmKey(msg tea.KeyMsg) tea.Cmd {
	a := f.pending
	if !a.ConfirmByName {
		switch {
		case key.Matches(msg, f.keys.Yes):
			return f.start(a, actions.Confirmation{Confirmed: true})
		case key.Matches(msg, f.keys.No):
			f.decline()
		}
		return nil
	}
	switch {
	case key.Matches(msg, f.keys.CancelTyped):
		f.decline()
		return nil
	case key.Matches(msg, f.keys.Submit):
		typed := strings.TrimSpace(f.typed.Value())
		if typed != a.ConfirmPhrase() {
			f.mismatch = true
			return nil
		}
		return f.start(a, actions.Confirmation{Confirmed: true, TypedName: typed})
	}
	var cmd tea.Cmd
	f.typed, cmd = f.typed.Update(msg)
	f.mismatch = false
	return cmd
}

// decline closes the dialog; nothing was attempted, so nothing is audited.
func (f *actionFlow) decline() {
	f.closePrompt()
	f.setStatus(false, f.pending.Title+" on "+f.pending.Target.Display()+": not confirmed — nothing was done")
}

// view draws the body while the flow is active.
func (f *actionFlow) view(ctx view.Context) string {
	switch f.stage {
	case stageConfirming:
		return f.confirmView(ctx)
	case stageValues:
		return f.valuesView(ctx)
	case stageQuery:
		return f.queryView(ctx)
	case stageRunning:
		return f.runningView(ctx)
	case stagePlan:
		return f.plan.View(ctx)
	case stageBackups:
		return f.backups.View(ctx)
	}
	return ""
}

// dialogWidth is the text width inside a dialog on a ctx.Width body.
func dialogWidth(ctx view.Context) int { return max(min(ctx.Width-8, 76), 20) }

// targetLines are the target and risk rows both dialogs start with,
// their labels padded to labelWidth.
func (f *actionFlow) targetLines(ctx view.Context, a actions.Action, labelWidth int) []string {
	st := ctx.Styles
	risk := st.Warn.Render(a.Risk.String())
	if a.Risk >= actions.Destructive {
		risk = st.Bad.Render(strings.ToUpper(a.Risk.String()))
	}
	target := sanitize.Line(a.Target.Display())
	if full := sanitize.Line(a.Target.String()); full != target {
		target += st.Muted.Render("  " + full)
	}
	return []string{
		widgets.Truncate(st.Label.Render(padLabel("Target", labelWidth))+target, dialogWidth(ctx)),
		st.Label.Render(padLabel("Risk", labelWidth)) + risk,
	}
}

// padLabel pads a dialog label to w cells (and one space at least).
func padLabel(label string, w int) string {
	return label + strings.Repeat(" ", max(w-ansi.StringWidth(label), 1))
}

// Dialog layout of the tab's facts.
const (
	minLabelWidth = 8 // "Target  ", the width without facts
	maxLongLines  = 6 // lines of a long fact (a statement) before "…"
)

// factLabelWidth is the label column's width for the target, risk and
// one-line facts.
func factLabelWidth(facts []view.Fact) int {
	w := minLabelWidth
	for _, fc := range facts {
		if !fc.Long {
			w = max(w, ansi.StringWidth(sanitize.Line(fc.Label))+2)
		}
	}
	return w
}

// factLines lays out the tab's facts under the target: one line each,
// cut to the dialog's width, then each long fact as a wrapped paragraph
// of at most maxLongLines lines under its label.
func factLines(ctx view.Context, facts []view.Fact, labelWidth int) []string {
	st, w := ctx.Styles, dialogWidth(ctx)
	var short, long []string
	for _, fc := range facts {
		label := sanitize.Line(fc.Label)
		if !fc.Long {
			short = append(short, widgets.Truncate(st.Label.Render(padLabel(label, labelWidth))+sanitize.Line(fc.Value), w))
			continue
		}
		long = append(long, "", st.Label.Render(label))
		long = append(long, paragraph(sanitize.Text(fc.Value), w-2, maxLongLines)...)
	}
	return append(short, long...)
}

// paragraph wraps text (its line breaks kept, trailing space trimmed) to
// w cells, indented by two, in at most n lines; the last says how much
// more there is when it does not all fit.
func paragraph(text string, w, n int) []string {
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		out = append(out, strings.Split(ansi.Wrap(strings.TrimRight(line, " \t"), max(w, 10), ""), "\n")...)
	}
	if len(out) > n {
		more := len(out) - (n - 1)
		out = append(out[:n-1], "… "+strconv.Itoa(more)+" more lines")
	}
	for i, l := range out {
		out[i] = "  " + l
	}
	return out
}

func (f *actionFlow) confirmView(ctx view.Context) string {
	st, a, w := ctx.Styles, f.pending, dialogWidth(ctx)
	lw := factLabelWidth(f.facts)
	lines := f.targetLines(ctx, a, lw)
	lines = append(lines, factLines(ctx, f.facts, lw)...)
	lines = append(lines, "", ansi.Wordwrap(sanitize.Line(a.Description), w, ""), "")
	if f.opts.Runner != nil && a.Risk != actions.Read && f.opts.Runner.Protected(a.Target) {
		lines = append(lines, st.Warn.Render(sanitize.Line(string(a.Target.Kind)+":"+a.Target.Source)+" is protected: every change asks for the name."))
	}
	if a.ConfirmByName {
		lines = append(lines, "Type "+st.Label.Render(sanitize.Line(a.ConfirmPhrase()))+" to confirm, esc to cancel:", f.typed.View())
		if f.mismatch {
			lines = append(lines, st.Bad.Render("! that is not "+sanitize.Line(a.ConfirmPhrase())+" — type the name exactly"))
		}
	} else {
		lines = append(lines, "Press "+st.Label.Render("y")+" to confirm, "+st.Label.Render("n")+" or "+st.Label.Render("esc")+" to cancel.")
	}
	return widgets.Dialog(st, "Confirm: "+a.Title, strings.Join(lines, "\n"), ctx.Width, ctx.Height)
}

// progressAmount formats n in p's unit: "700 MiB" for bytes, "734k" for
// steps.
func progressAmount(p actions.Progress, n int64) string {
	if p.Unit == actions.ProgressBytes {
		return format.Bytes(uint64(max(n, 0)))
	}
	return format.Count(float64(n))
}

func (f *actionFlow) runningView(ctx view.Context) string {
	st, a, r := ctx.Styles, f.pending, f.run
	lines := f.targetLines(ctx, a, minLabelWidth)
	msg := r.last.Message
	if msg == "" {
		msg = "starting…"
	}
	lines = append(lines, "", widgets.Truncate(sanitize.Line(msg), dialogWidth(ctx)))
	if pct, ok := r.percent(); ok {
		lines = append(lines, widgets.Bar(st, st.BarFull, 30, pct)+" "+progressAmount(r.last, r.last.Done)+" of "+progressAmount(r.last, r.last.Total))
	} else if r.last.Done > 0 {
		lines = append(lines, progressAmount(r.last, r.last.Done)+" done")
	}
	lines = append(lines, st.Muted.Render("elapsed "+format.Duration(r.elapsed(ctx.Now))), "")
	if r.stopping {
		lines = append(lines, st.Warn.Render("cancelling — waiting for the action to stop…"))
	} else {
		lines = append(lines, "Press "+st.Label.Render("esc")+" to cancel, or "+st.Label.Render("h")+" to hide this and keep",
			"watching while it runs ("+st.Label.Render("!")+" brings it back).")
	}
	return widgets.Dialog(st, "Running: "+a.Title, strings.Join(lines, "\n"), ctx.Width, ctx.Height)
}

// valueKey takes one $n value per enter; after the last it goes on with
// the request, values attached.
func (f *actionFlow) valueKey(msg tea.KeyMsg) tea.Cmd {
	switch {
	case key.Matches(msg, f.keys.CancelTyped):
		f.closePrompt()
		f.setStatus(false, "EXPLAIN not run: no values given")
		return nil
	case key.Matches(msg, f.keys.Submit):
		f.values = append(f.values, f.typed.Value())
		f.typed.SetValue("")
		if len(f.values) < f.asking.AskValues {
			return nil
		}
		req := f.asking
		args, _ := json.Marshal(f.values) // []string always marshals
		req.Params, req.AskValues = withParam(req.Params, "args", string(args)), 0
		f.closePrompt()
		return f.request(req)
	}
	var cmd tea.Cmd
	f.typed, cmd = f.typed.Update(msg)
	return cmd
}

func (f *actionFlow) valuesView(ctx view.Context) string {
	st, w := ctx.Styles, dialogWidth(ctx)
	q := f.asking.Params["query"]
	if f.opts.Redact {
		q = redact.SQL(q)
	}
	q = strings.Join(strings.Fields(sanitize.Line(q)), " ")
	n := f.asking.AskValues
	lines := []string{
		widgets.Truncate(st.Muted.Render(q), w), "",
		ansi.Wordwrap("The statement has parameters $1…$"+strconv.Itoa(n)+": the server needs a value for each to plan it. Type them as SQL would read a quoted literal.", w, ""),
		"",
	}
	for i, v := range f.values {
		if f.opts.Redact {
			v = redact.Placeholder
		}
		lines = append(lines, "$"+strconv.Itoa(i+1)+" = "+sanitize.Line(v))
	}
	lines = append(lines, "$"+strconv.Itoa(len(f.values)+1)+" "+f.typed.View())
	return widgets.Dialog(st, "EXPLAIN: values for $1…$"+strconv.Itoa(n), strings.Join(lines, "\n"), ctx.Width, ctx.Height)
}

// withParam returns a copy of p with k set to v: the asking request's
// Params may be shared with the view that built it, so it is never written.
func withParam(p actions.Params, k, v string) actions.Params {
	out := maps.Clone(p)
	if out == nil {
		out = actions.Params{}
	}
	out[k] = v
	return out
}

// queryKey edits the statement to EXPLAIN; enter goes on with it (asking
// for $n values when the server needs them).
func (f *actionFlow) queryKey(msg tea.KeyMsg) tea.Cmd {
	switch {
	case key.Matches(msg, f.keys.CancelTyped):
		f.closePrompt()
		return nil
	case key.Matches(msg, f.keys.Submit):
		q := strings.TrimSpace(f.typed.Value())
		if q == "" {
			return nil
		}
		req := f.asking
		req.Params, req.AskQuery = withParam(req.Params, "query", q), false
		if n := sqltext.MaxParam(q); n > 0 && !req.GenericPlans {
			req.AskValues = n
		}
		f.closePrompt()
		return f.request(req)
	}
	var cmd tea.Cmd
	f.typed, cmd = f.typed.Update(msg)
	return cmd
}

func (f *actionFlow) queryView(ctx view.Context) string {
	st, w := ctx.Styles, dialogWidth(ctx)
	lines := []string{
		st.Label.Render("On      ") + sanitize.Line(f.asking.Target.String()),
		"",
		ansi.Wordwrap("Type one statement. It is planned, not run; $1-style parameters are asked for next when the server needs values.", w, ""),
		"",
		f.typed.View(),
	}
	return widgets.Dialog(st, "EXPLAIN a statement", strings.Join(lines, "\n"), ctx.Width, ctx.Height)
}
