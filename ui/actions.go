package ui

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/stacktop/stacktop/actions"
	pga "github.com/stacktop/stacktop/actions/postgres"
	"github.com/stacktop/stacktop/collectors"
	"github.com/stacktop/stacktop/ui/backups"
	"github.com/stacktop/stacktop/ui/format"
	"github.com/stacktop/stacktop/ui/plan"
	"github.com/stacktop/stacktop/ui/theme"
	"github.com/stacktop/stacktop/ui/view"
)

// The action flow: a tab returns a view.ActionRequest; the flow builds the
// Action through the registry, shows the confirmation dialog when the action
// needs one, runs it through the Runner inside a command (esc cancels its
// context), shows its progress, and reports the outcome as one status line
// (or opens the plan view for an EXPLAIN). Everything that decides whether
// an action may run is the Runner's: the flow hands it every request, even
// one it expects to be refused, so the refusal is audited too.

// stage is what the flow shows.
type stage int

const (
	stageIdle       stage = iota
	stageConfirming       // the confirmation dialog
	stageRunning          // the progress dialog
	stageQuery            // asking for the statement to EXPLAIN
	stageValues           // asking for $n values before an EXPLAIN
	stagePlan             // the plan view of a finished EXPLAIN
	stageBackups          // the backup list
)

// How long a line stays on the status line. News (done, declined) goes
// after infoTTL; an error or a refusal stays errorTTL, unless a key is
// pressed once it has been up errorSeen: the user has had time to read
// it and is moving on. A key pressed sooner (typed in the same breath as
// the one that failed) leaves it up.
const (
	infoTTL   = 10 * time.Second
	errorTTL  = 30 * time.Second
	errorSeen = 2 * time.Second
)

// maxTypedQuery caps a statement typed for EXPLAIN (the confirmation's
// typed names stay under typedNameLimit).
const (
	maxTypedQuery   = 16 << 10
	typedNameLimit  = 256
	typedQueryWidth = 68
)

// backupListTimeout bounds listing the backup directory.
const backupListTimeout = 10 * time.Second

// progressMsg carries the newest progress of run id.
type progressMsg struct {
	id int
	p  actions.Progress
}

// resultMsg is the end of run id.
type resultMsg struct {
	id  int
	a   actions.Action
	res actions.Result
	err error
}

// backupsMsg is a finished backup listing.
type backupsMsg struct {
	id      int
	entries []backups.Entry
	err     error
}

// running is the action in flight.
type running struct {
	id       int
	cancel   context.CancelFunc
	started  time.Time
	progress <-chan actions.Progress
	done     chan struct{} // closed when Runner.Run has returned (audit written)
	last     actions.Progress
	stopping bool // esc was pressed; waiting for the action to return
	// background is true once the user hid the progress dialog (h): the
	// dashboard is usable again, the bottom line shows the progress, and
	// ! brings the dialog back.
	background bool
}

// actionFlow is the root's sub-model for actions.
type actionFlow struct {
	ctx      context.Context
	opts     Options
	now      func() time.Time
	keys     flowKeys
	stage    stage
	seq      int // numbers runs and listings, so stale messages are dropped
	pending  actions.Action
	facts    []view.Fact // the tab's context for the pending action's dialog
	typed    textinput.Model
	mismatch bool               // enter was pressed with a wrong name
	asking   view.ActionRequest // the request whose statement or $n values are being typed
	values   []string           // the values typed so far
	run      *running
	plan     *plan.Model
	// readyPlan is the plan of an EXPLAIN that finished in the background:
	// it does not pop up over whatever the user is doing; ! opens it.
	readyPlan *plan.Model
	backups   *backups.Model
	// planSave is closed when the plan view's save has returned from the
	// Runner (audit written), so drain can wait for it.
	planSave <-chan struct{}
	status   string
	bad      bool
	statusAt time.Time
	helpOver stage // the stage help was opened over (? in a dialog); shown while it lasts
}

func newActionFlow(ctx context.Context, opts Options, st *theme.Styles, now func() time.Time) *actionFlow {
	ti := textinput.New()
	ti.Prompt = "> "
	ti.CharLimit = typedNameLimit
	ti.Width = 40
	ti.PromptStyle = st.Label
	ti.Cursor.Style = st.Selected
	ti.Cursor.SetMode(cursor.CursorStatic)
	return &actionFlow{ctx: ctx, opts: opts, now: now, keys: newFlowKeys(), typed: ti}
}

// active is true while the flow owns the keyboard and the body.
func (f *actionFlow) active() bool { return f.stage != stageIdle }

// allowed is the view.Allowed tabs receive: the kind is registered, acts on
// this kind of target, and the Runner would not refuse it now.
func (f *actionFlow) allowed(kind string, t actions.Target) bool {
	if f.opts.Runner == nil || f.opts.Registry == nil {
		return false
	}
	k, ok := f.opts.Registry.Lookup(kind)
	if !ok || (k.TargetKind != "" && k.TargetKind != t.Kind) {
		return false
	}
	return f.opts.Runner.KindAllowed(k, t) == nil
}

// request starts the flow for a tab's request.
func (f *actionFlow) request(req view.ActionRequest) tea.Cmd {
	if f.stage == stagePlan && f.plan != nil {
		return f.planRequest(req)
	}
	if f.active() {
		f.setStatus(true, "an action is still open — finish it or press esc")
		return nil
	}
	if f.run != nil {
		// One action at a time: two changes to the world in flight at once
		// are harder to follow, and to undo, than one after the other.
		f.setStatus(true, f.pending.Title+" on "+f.pending.Target.Display()+" is still running — ! shows it; start the next when it ends")
		return nil
	}
	if f.opts.Runner == nil || f.opts.Registry == nil {
		f.setStatus(true, "actions are not available in this session")
		return nil
	}
	if req.AskQuery && req.Params["query"] == "" {
		f.stage, f.asking = stageQuery, req
		f.typed.SetValue("")
		f.typed.Prompt, f.typed.CharLimit = "> ", maxTypedQuery
		f.typed.Width = typedQueryWidth // scrolls horizontally beyond
		return f.typed.Focus()
	}
	if req.AskValues > 0 && req.Params["args"] == "" {
		f.stage, f.asking, f.values = stageValues, req, nil
		f.typed.SetValue("")
		f.typed.Prompt, f.typed.CharLimit = "= ", typedNameLimit
		return f.typed.Focus()
	}
	a, err := f.opts.Registry.New(req.Kind, req.Target, req.Params)
	if err != nil {
		f.setStatus(true, err.Error())
		return nil
	}
	// On a protected target the dialog asks for the name typed, as the
	// Runner will demand.
	a = f.opts.Runner.Protect(a)
	f.pending, f.facts = a, req.Context
	// A refused action goes straight to the Runner, which refuses and
	// audits it: a dialog for something that cannot run would mislead.
	if f.opts.Runner.Allowed(a) != nil || !(a.NeedsConfirmation() || req.AskYes) {
		return f.start(a, actions.Confirmation{})
	}
	f.stage, f.mismatch, f.helpOver = stageConfirming, false, stageIdle
	f.typed.SetValue("")
	f.typed.Prompt, f.typed.CharLimit = "> ", typedNameLimit
	if a.ConfirmByName {
		return f.typed.Focus()
	}
	return nil
}

// planActionMsg is the end of an action the plan view asked for.
type planActionMsg struct {
	view *plan.Model
	res  actions.Result
	err  error
}

// planRequest runs what the open plan view asked for (saving the plan)
// through the registry and the Runner, which checks and audits it like
// any action. It is a quick local write that needs no yes, so it runs
// beside the view rather than in the progress dialog, and does not wait
// for an action running in the background; the outcome goes back to the
// view.
func (f *actionFlow) planRequest(req view.ActionRequest) tea.Cmd {
	pm := f.plan
	if f.opts.Runner == nil || f.opts.Registry == nil {
		pm.Saved(pga.SavedPlan{}, errors.New("actions are not available in this session"))
		return nil
	}
	a, err := f.opts.Registry.New(req.Kind, req.Target, req.Params)
	if err == nil && a.NeedsConfirmation() {
		err = fmt.Errorf("%s asks for a confirmation, which the plan view cannot show — close the plan first", a.Title)
	}
	if err != nil {
		pm.Saved(pga.SavedPlan{}, err)
		return nil
	}
	runner, ctx := f.opts.Runner, f.ctx
	done := make(chan struct{})
	f.planSave = done
	return func() tea.Msg {
		defer close(done)
		res, err := runner.Run(ctx, a, actions.Confirmation{}, nil)
		return planActionMsg{view: pm, res: res, err: err}
	}
}

// start runs a through the Runner in a command, with a cancellable context
// and a progress channel read by its own command (latest report wins; the
// action is never held up by the screen).
func (f *actionFlow) start(a actions.Action, c actions.Confirmation) tea.Cmd {
	f.seq++
	id := f.seq
	ctx, cancel := context.WithCancel(f.ctx)
	f.stage, f.pending, f.helpOver = stageRunning, a, stageIdle
	ch := make(chan actions.Progress, 1)
	done := make(chan struct{})
	f.run = &running{id: id, cancel: cancel, started: f.now(), progress: ch, done: done}
	f.typed.Blur()
	runner := f.opts.Runner
	run := func() tea.Msg {
		defer close(done)
		defer cancel()
		res, err := runner.Run(ctx, a, c, func(p actions.Progress) { offer(ch, p) })
		// The Runner never calls progress after Run returns.
		close(ch)
		return resultMsg{id: id, a: a, res: res, err: err}
	}
	return tea.Batch(run, waitProgress(id, ch))
}

// drain runs after the program has ended: an action still running is
// cancelled, and drain waits (at most wait) for the Runner to return, so
// its audit line is written before the caller closes the log.
func (f *actionFlow) drain(wait time.Duration) {
	deadline := time.After(wait)
	if f.planSave != nil {
		// A plan being saved is quick and local: let it finish and audit.
		select {
		case <-f.planSave:
		case <-deadline:
			return
		}
	}
	if f.run == nil {
		return
	}
	f.run.cancel()
	select {
	case <-f.run.done:
	case <-deadline:
	}
}

// offer puts p in ch, replacing an unread older report; it never blocks.
func offer(ch chan actions.Progress, p actions.Progress) {
	for {
		select {
		case ch <- p:
			return
		default:
		}
		select {
		case <-ch:
		default:
		}
	}
}

func waitProgress(id int, ch <-chan actions.Progress) tea.Cmd {
	return func() tea.Msg {
		p, ok := <-ch
		if !ok {
			return nil
		}
		return progressMsg{id: id, p: p}
	}
}

// handle takes the flow's own messages; ok is false for anything else.
func (f *actionFlow) handle(msg tea.Msg) (cmd tea.Cmd, ok bool) {
	switch msg := msg.(type) {
	case view.ActionRequest:
		return f.request(msg), true
	case view.BackupsRequest:
		return f.openBackups(msg), true
	case view.RefusedMsg:
		f.setStatus(true, f.refusal(msg))
		return nil, true
	case progressMsg:
		if f.run == nil || msg.id != f.run.id {
			return nil, true
		}
		f.run.last = msg.p
		return waitProgress(msg.id, f.run.progress), true
	case resultMsg:
		return f.finish(msg), true
	case planActionMsg:
		out, _ := msg.res.Output.(pga.SavedPlan)
		msg.view.Saved(out, msg.err)
		return nil, true
	case shellDoneMsg:
		if msg.err != nil {
			f.setStatus(true, "! shell in "+msg.target.Display()+": "+msg.err.Error())
		} else {
			f.setStatus(false, "shell in "+msg.target.Display()+" closed")
		}
		return nil, true
	case backupsMsg:
		if f.backups != nil && msg.id == f.seq {
			f.backups.SetEntries(msg.entries, msg.err)
		}
		return nil, true
	}
	return nil, false
}

// finish shows how run msg.id ended.
func (f *actionFlow) finish(msg resultMsg) tea.Cmd {
	if f.run == nil || msg.id != f.run.id {
		return nil
	}
	background := f.run.background
	f.run = nil
	if f.stage == stageRunning {
		f.stage = stageIdle
	}
	a := msg.a
	if msg.err != nil {
		f.setStatus(true, "! "+msg.err.Error())
	} else {
		f.setStatus(false, fmt.Sprintf("✓ %s on %s: done in %s", a.Title, a.Target.Display(), msg.res.Duration.Round(time.Millisecond)))
	}
	switch out := msg.res.Output.(type) {
	case *pga.Plan:
		if out != nil {
			f.openPlan(a, out, background)
		}
	case actions.FileOutput:
		// The full path: where to find it is what the user needs next.
		s := out.SavedFile()
		f.setStatus(false, fmt.Sprintf("✓ %s (%s): %s", s.What, format.Bytes(uint64(max(s.Size, 0))), s.Path))
	}
	if f.opts.Hub != nil && msg.res.Outcome != actions.OutcomeRefusedReadOnly {
		f.opts.Hub.PollNow(collectors.SourceID{Kind: a.Target.Kind, Name: a.Target.Source})
	}
	done := view.ActionDoneMsg{Kind: a.ID, Target: a.Target, Outcome: msg.res.Outcome}
	doneCmd := func() tea.Msg { return done }
	if sh, ok := msg.res.Output.(*exec.Cmd); ok && sh != nil {
		// docker.shell: the Runner checked and audited; the shell itself
		// needs the terminal, which bubbletea lends it and takes back.
		f.setStatus(false, "shell in "+a.Target.Display()+" — exit it to come back")
		return tea.Batch(doneCmd, tea.Exec(newShellExec(sh, a.Target), func(err error) tea.Msg { return shellDoneMsg{target: a.Target, err: err} }))
	}
	return doneCmd
}

// shellDoneMsg: the shell opened by docker.shell has exited.
type shellDoneMsg struct {
	target actions.Target
	err    error
}

// openPlan shows the plan of a finished EXPLAIN, or, when it ran in the
// background, keeps it for ! and says so on the status line.
func (f *actionFlow) openPlan(a actions.Action, p *pga.Plan, background bool) {
	base := "plan-" + a.Target.Source + "-" + f.now().Format("20060102-150405")
	pm := plan.New(p, plan.Options{Title: a.Title + " on " + a.Target.String(), Redact: f.opts.Redact,
		Target: a.Target, CanSave: f.allowed(pga.SavePlanID, a.Target), SaveBase: base})
	if background || f.stage != stageIdle {
		f.readyPlan = pm
		f.setStatus(false, "✓ "+a.Title+" on "+a.Target.Display()+" is ready — ! opens the plan")
		return
	}
	f.plan, f.stage = pm, stagePlan
}

// hasJob is true when ! has something to show: an action running in the
// background, or the plan of one that finished there.
func (f *actionFlow) hasJob() bool {
	return (f.run != nil && f.run.background) || f.readyPlan != nil
}

// showJob brings back the progress dialog of the action running in the
// background, or opens the plan it left.
func (f *actionFlow) showJob() {
	switch {
	case f.active():
	case f.run != nil && f.run.background:
		f.run.background, f.stage = false, stageRunning
	case f.readyPlan != nil:
		f.plan, f.readyPlan, f.stage = f.readyPlan, nil, stagePlan
	}
}

// backgroundLine is the bottom line's summary of the action running in
// the background: "⟳ Backup (pg_dump) on main/app · 700 MiB · 1m23s"; ""
// when none is.
func (f *actionFlow) backgroundLine(now time.Time) string {
	r := f.run
	if r == nil || !r.background {
		return ""
	}
	parts := []string{"⟳ " + f.pending.Title + " on " + f.pending.Target.Display()}
	pct, known := r.percent()
	switch {
	case r.stopping:
		parts = append(parts, "cancelling")
	case known:
		parts = append(parts, format.Percent(pct))
	case r.last.Done > 0:
		parts = append(parts, progressAmount(r.last, r.last.Done))
	}
	parts = append(parts, format.Duration(r.elapsed(now)))
	return strings.Join(parts, " · ")
}

// percent is how far the action is, when it reports a total.
func (r *running) percent() (float64, bool) {
	if r.last.Total <= 0 {
		return 0, false
	}
	return 100 * float64(r.last.Done) / float64(r.last.Total), true
}

// elapsed is how long the action has run at now, in whole seconds: the
// action's own figure when it is ahead of the screen's clock.
func (r *running) elapsed(now time.Time) time.Duration {
	return max(now.Sub(r.started), r.last.Elapsed).Truncate(time.Second)
}

// closePrompt ends the dialog that was taking typed input.
func (f *actionFlow) closePrompt() {
	f.stage = stageIdle
	f.typed.Blur()
}

// openBackups shows the backup list and lists in a command (file I/O).
func (f *actionFlow) openBackups(req view.BackupsRequest) tea.Cmd {
	if f.opts.ListBackups == nil {
		f.setStatus(true, "the backup list is not available in this session")
		return nil
	}
	if f.stage == stageRunning {
		return nil
	}
	f.seq++
	id, list, t, db := f.seq, f.opts.ListBackups, req.Target, req.Database
	f.backups = backups.New("Backups — " + t.String())
	f.stage, f.helpOver = stageBackups, stageIdle
	ctx := f.ctx
	return func() tea.Msg {
		lctx, cancel := context.WithTimeout(ctx, backupListTimeout)
		defer cancel()
		entries, err := list(lctx, t, db)
		if errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("listing backups took over %s — check the backup directory's disk", backupListTimeout)
		}
		return backupsMsg{id: id, entries: entries, err: err}
	}
}

func (f *actionFlow) setStatus(bad bool, s string) {
	f.status, f.bad, f.statusAt = s, bad, f.now()
}

// keyPressed lets a key dismiss an error that has been up errorSeen.
func (f *actionFlow) keyPressed() {
	if f.bad && f.now().Sub(f.statusAt) >= errorSeen {
		f.status = ""
	}
}

// statusLine is the line to show, or "" once it is older than its time
// (infoTTL, or errorTTL for an error).
func (f *actionFlow) statusLine(now time.Time) (string, bool) {
	ttl := infoTTL
	if f.bad {
		ttl = errorTTL
	}
	if f.status == "" || now.Sub(f.statusAt) > ttl {
		return "", false
	}
	return f.status, f.bad
}
