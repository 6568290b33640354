// Package ui is stacktop's terminal dashboard: a bubbletea root model that
// routes hub updates to the view owning each source and keys to the focused
// view. It renders and routes; it never does I/O itself.
//
// The tabs live in their own packages and implement view.Tab; ui/tabs.go is
// the one place they are registered.
package ui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/stacktop/stacktop/actions"
	"github.com/stacktop/stacktop/collectors"
	"github.com/stacktop/stacktop/ui/theme"
	"github.com/stacktop/stacktop/ui/view"
)

// frameRate caps how often bubbletea may redraw. Its renderer wakes up on a
// ticker at this rate even when nothing changed; the default 60 fps costs
// ~1.5% of a core idle on this class of machine. Data arrives every ~2 s and
// the clock moves once a second, so only key echo needs speed: 15 fps keeps
// the worst-case delay from key press to screen at ~67 ms (below what people
// perceive as lag) for a quarter of the default wake-ups.
const frameRate = 15

// Minimum terminal size the layout is designed for.
const (
	minWidth  = 80
	minHeight = 24
)

// Run shows the dashboard until the user quits or ctx ends. It always
// restores the terminal: bubbletea restores it on quit, on error and when it
// recovers a panic in Update, View or a command (the commands of this
// package run only inside bubbletea's command goroutines, which it guards).
//
// Run catches no signal: the caller owns SIGINT, SIGTERM and SIGHUP and
// cancels ctx on them. Two owners raced for one signal — bubbletea's handler
// then blocked for good sending a quit message its finished event loop no
// longer read, and shutdown waited on that handler.
//
// ctx ends the program by quitting it, not through tea.WithContext: that
// path (bubbletea's Kill) closes the input reader while its read loop may
// still use it, a data race; quitting waits for the read loop (at most
// 500 ms, bubbletea's bound) and restores the terminal the same way.
func Run(ctx context.Context, opts Options) error {
	if opts.Hub == nil {
		return errors.New("ui: no hub — this is a wiring bug in the caller")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops the hub-waiting command goroutine on return
	sub := opts.Hub.Subscribe()
	defer opts.Hub.Unsubscribe(sub)

	renderer := opts.Renderer
	if renderer == nil {
		renderer = lipgloss.NewRenderer(os.Stdout)
	}
	styles := theme.Default().Styles(renderer)
	m := newModel(ctx, opts, styles, sub)
	if ctx.Err() != nil {
		return nil // stopped before it showed anything: the terminal is untouched
	}
	progOpts := []tea.ProgramOption{tea.WithAltScreen(), tea.WithFPS(frameRate), tea.WithoutSignalHandler()}
	if opts.Input != nil {
		progOpts = append(progOpts, tea.WithInput(opts.Input))
	}
	if opts.Output != nil {
		progOpts = append(progOpts, tea.WithOutput(opts.Output))
	}
	if !alignFrames(ctx, time.Now) {
		return nil // stopped while waiting: the terminal is untouched
	}
	p := tea.NewProgram(m, progOpts...)
	// Quit blocks until the event loop takes the message, or Run has
	// returned. stopQuit is deferred after cancel so it runs first: a Run
	// that returned for another reason is not quit again.
	stopQuit := context.AfterFunc(ctx, p.Quit)
	defer stopQuit()
	if opts.Resize != nil {
		go forwardResizes(ctx, opts.Resize, p)
	}
	_, err := p.Run()
	// Quitting while an action runs cancels it; wait for its audit line.
	m.flow.drain(actions.DefaultStopGrace + time.Second)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, tea.ErrProgramPanic):
		return fmt.Errorf("ui: %w (the terminal was restored; the stack trace is printed above)", err)
	case errors.Is(err, tea.ErrInterrupted):
		return nil // an interrupt message: a normal way to stop
	default:
		return fmt.Errorf("ui: %w", err)
	}
}

// alignFrames waits for the next frame boundary of the wall clock (a
// multiple of the frame period) and reports whether ctx is still live.
//
// bubbletea's renderer wakes on its own ticker, started with the program;
// the tickers of programs started on a common boundary tick together, and
// the Go runtime fires timers due together in one wake-up. Twenty served
// sessions on tickers of scattered phases cost the process about three
// times the CPU of the same tickers in step (a measured 1.3% of a core
// against 0.45% for 20 at 15 fps), more than all their drawing. The wait
// is at most one frame (67 ms), once, before the first frame.
func alignFrames(ctx context.Context, now func() time.Time) bool {
	period := time.Second / frameRate
	t := now()
	wait := t.Truncate(period).Add(period).Sub(t)
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// forwardResizes hands the program each new terminal size until ctx ends.
func forwardResizes(ctx context.Context, sizes <-chan tea.WindowSizeMsg, p *tea.Program) {
	for {
		select {
		case <-ctx.Done():
			return
		case w, ok := <-sizes:
			if !ok {
				return
			}
			p.Send(w)
		}
	}
}

// hubMsg carries the updates drained from the subscription in one go.
type hubMsg []collectors.Update

// tickMsg moves the clock once a second.
type tickMsg time.Time

// Model is the root model: a router between the hub, the keyboard and the tabs.
type model struct {
	ctx    context.Context
	sub    *collectors.Subscription // nil in tests that feed updates directly
	now    func() time.Time
	clock  time.Time // the time shown; moves only on ticks and updates
	styles *theme.Styles

	interval   time.Duration
	readOnly   bool // global: --read-only, --demo, config
	sessionRO  bool // switched on with ctrl+r
	thresholds view.Thresholds

	tabs     []view.Tab
	active   int
	flow     *actionFlow // confirmation, progress, plan view, backup list, status
	keys     globalKeys
	help     help.Model
	showHelp bool
	// quitArmed is set by a q while an action runs in the background; the
	// next q quits. Any other key disarms it.
	quitArmed bool

	// frames caches drawn frames, shared with the other sessions of a
	// served dashboard.
	frames *view.FrameCache

	// watchersOf and shared show the other sessions of a served dashboard.
	watchersOf func() []string
	shared     shared

	// needs is what the focused tab needs, as last told to the hub.
	needs     collectors.Needs
	needsSent bool

	width, height int
	sources       []collectors.SourceID // in the order the hub first reported them
	latest        map[collectors.SourceID]collectors.Update
}

func newModel(ctx context.Context, opts Options, styles *theme.Styles, sub *collectors.Subscription) *model {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	interval := opts.Interval
	if interval <= 0 {
		interval = collectors.DefaultInterval
	}
	flow := newActionFlow(ctx, opts, styles, now)
	tabs := buildTabs(styles, tabDeps{Context: ctx, Allowed: flow.allowed, Redact: opts.Redact, DockerEngines: opts.DockerEngines, PostgresThresholds: opts.PostgresThresholds,
		Fleet: hasFleet(opts), FleetSources: opts.FleetSources, FleetLive: opts.FleetLive, Thresholds: opts.Thresholds.WithDefaults(), HostHistory: opts.HostHistory})
	titles := make([]string, len(tabs))
	for i, t := range tabs {
		titles[i] = t.Title()
	}
	h := help.New()
	h.Styles = help.Styles{
		Ellipsis: styles.HelpSep, ShortKey: styles.HelpKey, ShortDesc: styles.HelpDesc, ShortSeparator: styles.HelpSep,
		FullKey: styles.HelpKey, FullDesc: styles.HelpDesc, FullSeparator: styles.HelpSep,
	}
	keys := newGlobalKeys(titles)
	keys.ReadOnly.SetEnabled(opts.Runner != nil && !opts.ReadOnly)
	frames := opts.Frames
	if frames == nil {
		frames = view.NewFrameCache(view.DefaultFrames)
	}
	return &model{
		ctx: ctx, sub: sub, now: now, clock: now(), styles: styles, frames: frames,
		interval: interval, readOnly: opts.ReadOnly, thresholds: opts.Thresholds.WithDefaults(),
		tabs: tabs, flow: flow, keys: keys, help: h, watchersOf: opts.Watchers,
		latest: map[collectors.SourceID]collectors.Update{},
	}
}

// Init starts listening to the hub and the clock.
func (m *model) Init() tea.Cmd {
	return tea.Batch(m.waitHub(), tick())
}

// waitHub waits for the subscription to have updates and drains them. It
// returns nil (no message) when the program's context ends, so the goroutine
// bubbletea runs it on never outlives the program.
func (m *model) waitHub() tea.Cmd {
	if m.sub == nil {
		return nil
	}
	sub, ctx := m.sub, m.ctx
	return func() tea.Msg {
		select {
		case <-sub.Ready():
		case <-ctx.Done():
			return nil
		}
		// Sources polled on the same interval finish within moments of each
		// other: gather them into one message, so twenty targets cost one
		// frame per interval rather than twenty.
		select {
		case <-time.After(hubGather):
		case <-ctx.Done():
			return nil
		}
		return hubMsg(sub.Drain())
	}
}

// hubGather is how long the dashboard waits, after a source's update,
// for the other sources' of the same moment. It delays data by at most
// this much, well under what a person notices on a two-second cadence.
const hubGather = 50 * time.Millisecond

// tick fires on each wall-clock second, so the seconds on screen flip together.
func tick() tea.Cmd {
	return tea.Every(time.Second, func(t time.Time) tea.Msg { return tickMsg(t) })
}

// Update routes: sizes and unknown messages to every tab, hub updates to the
// tabs owning their kind, keys to the root first and then the focused tab.
func (m *model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	cmd := m.route(msg)
	m.stateNeeds()
	return m, cmd
}

// route handles one message; Update then states the focused tab's needs.
func (m *model) route(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.help.Width = msg.Width
		return m.broadcast(view.SizeMsg{Width: msg.Width, Height: m.bodyHeight()})
	case hubMsg:
		m.clock = m.now()
		cmds := []tea.Cmd{m.waitHub()}
		for _, u := range msg {
			cmds = append(cmds, m.dispatch(u))
		}
		return tea.Batch(cmds...)
	case tickMsg:
		m.clock = m.now()
		m.refreshShared(m.clock)
		return tick()
	case tea.KeyMsg:
		if msg.Type == tea.KeyRunes && len(msg.Runes) > 1 && !msg.Paste {
			// bubbletea reports every printable rune waiting on the
			// terminal as one message, so keys typed faster than the
			// program reads them - or batched by a laggy SSH link - came as
			// "jjq" and matched no binding. They are handled one by one.
			cmds := make([]tea.Cmd, 0, len(msg.Runes))
			for _, r := range msg.Runes {
				cmds = append(cmds, m.handleKey(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}}))
			}
			return tea.Batch(cmds...)
		}
		return m.handleKey(msg)
	case view.JumpMsg:
		return m.open(msg)
	default:
		// Action requests and the action flow's own messages stop here;
		// everything else (a tab's command results) reaches every tab.
		cmd, own := m.flow.handle(msg)
		if own {
			return cmd
		}
		return tea.Batch(cmd, m.broadcast(msg))
	}
}

// stateNeeds tells the hub what the focused tab shows now (see
// collectors.Needs), when that changed.
func (m *model) stateNeeds() {
	if m.sub == nil {
		return
	}
	var n collectors.Needs
	if nd, ok := m.tabs[m.active].(view.Needer); ok {
		n = nd.Needs()
	}
	if !m.needsSent || n != m.needs {
		m.needs, m.needsSent = n, true
		m.sub.SetNeeds(n)
	}
}

// dispatch records u for the header and hands it to the tabs of its kind.
func (m *model) dispatch(u collectors.Update) tea.Cmd {
	if _, seen := m.latest[u.Source]; !seen {
		m.sources = append(m.sources, u.Source)
	}
	m.latest[u.Source] = u
	var cmds []tea.Cmd
	for i, t := range m.tabs {
		for _, k := range t.Kinds() {
			if k == u.Source.Kind {
				var cmd tea.Cmd
				m.tabs[i], cmd = t.Update(u)
				cmds = append(cmds, cmd)
				break
			}
		}
	}
	return tea.Batch(cmds...)
}

func (m *model) broadcast(msg tea.Msg) tea.Cmd {
	cmds := make([]tea.Cmd, len(m.tabs))
	for i, t := range m.tabs {
		m.tabs[i], cmds[i] = t.Update(msg)
	}
	return tea.Batch(cmds...)
}

func (m *model) handleKey(msg tea.KeyMsg) tea.Cmd {
	focused := m.tabs[m.active]
	if msg.String() == "ctrl+c" {
		return tea.Quit
	}
	if !key.Matches(msg, m.keys.Quit) {
		m.quitArmed = false
	}
	m.flow.keyPressed()
	if m.flow.active() {
		switch {
		case m.flow.helpOpen():
			// Any key closes help over a dialog and goes no further, so
			// a y pressed to leave help never confirms.
			m.flow.toggleHelp()
			return nil
		case key.Matches(msg, m.keys.Help) && m.flow.helpable():
			m.flow.toggleHelp()
			return nil
		}
		return m.flow.key(msg)
	}
	if focused.InputActive() && !m.showHelp {
		return m.toFocused(msg)
	}
	switch {
	case key.Matches(msg, m.keys.Quit):
		return m.quit()
	case key.Matches(msg, m.keys.Job) && m.flow.hasJob():
		m.showHelp = false
		m.flow.showJob()
	case key.Matches(msg, m.keys.Help):
		m.showHelp = !m.showHelp
	case m.showHelp && key.Matches(msg, m.keys.Esc):
		m.showHelp = false
	case key.Matches(msg, m.keys.ReadOnly):
		return m.toggleSessionReadOnly()
	case key.Matches(msg, m.keys.Next):
		return m.focus((m.active + 1) % len(m.tabs))
	case key.Matches(msg, m.keys.Prev):
		return m.focus((m.active + len(m.tabs) - 1) % len(m.tabs))
	default:
		for i, b := range m.keys.Jump {
			if key.Matches(msg, b) {
				return m.focus(i)
			}
		}
		if !m.showHelp {
			return m.toFocused(msg)
		}
	}
	return nil
}

// quit ends the program, but not at the first q while an action runs in
// the background: quitting cancels it (a half-written backup is thrown
// away), so the first q says so and only a second one quits.
func (m *model) quit() tea.Cmd {
	if m.flow.run == nil || m.quitArmed {
		return tea.Quit
	}
	m.quitArmed = true
	m.flow.setStatus(true, m.flow.pending.Title+" is still running — q again quits and cancels it; ! shows it")
	return nil
}

// toggleSessionReadOnly switches this session's read-only in the Runner
// (which enforces it) and tells every tab, so action keys are re-checked.
func (m *model) toggleSessionReadOnly() tea.Cmd {
	m.sessionRO = !m.sessionRO
	m.flow.opts.Runner.SetSessionReadOnly(m.sessionRO)
	state := "off: actions are offered again"
	if m.sessionRO {
		state = "on for this session: actions that change anything are refused"
	}
	m.flow.setStatus(false, "read-only "+state)
	return m.broadcast(view.ReadOnlyMsg{On: m.sessionRO})
}

// open focuses the tab that shows what the Overview's selected item names
// and hands it the jump, so it selects the thing (and opens its pane).
func (m *model) open(msg view.JumpMsg) tea.Cmd {
	for i, t := range m.tabs {
		if o, ok := t.(view.Opener); ok && o.Opens(msg.Jump) {
			return tea.Batch(m.focus(i), m.toFocused(msg))
		}
	}
	m.flow.setStatus(true, "no tab shows "+msg.Source.String())
	return nil
}

// focus makes tab i the focused one and tells both tabs (view.FocusMsg),
// so a tab that asks for data only while it is seen can start and stop.
func (m *model) focus(i int) tea.Cmd {
	if i == m.active {
		return nil
	}
	var was, now tea.Cmd
	m.tabs[m.active], was = m.tabs[m.active].Update(view.FocusMsg{})
	m.active = i
	m.tabs[i], now = m.tabs[i].Update(view.FocusMsg{Focused: true})
	return tea.Batch(was, now)
}

func (m *model) toFocused(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	m.tabs[m.active], cmd = m.tabs[m.active].Update(msg)
	return cmd
}

// bodyHeight is the height left for the tab: header, tab bar and help bar
// take one line each.
func (m *model) bodyHeight() int { return max(m.height-3, 0) }
