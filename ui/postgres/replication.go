package postgres

import (
	"strconv"

	pg "github.com/stacktop/stacktop/collectors/postgres"
	"github.com/stacktop/stacktop/ui/format"
	"github.com/stacktop/stacktop/ui/redact"
	"github.com/stacktop/stacktop/ui/sanitize"
	"github.com/stacktop/stacktop/ui/view"
	"github.com/stacktop/stacktop/ui/widgets"
)

func standbyColumns() []widgets.Column {
	return []widgets.Column{
		{Width: 1},
		{Title: "STANDBY", Width: 14},
		{Title: "CLIENT", Width: 15, Drop: 3},
		{Title: "STATE", Width: 9},
		{Title: "SYNC", Width: 6, Drop: 2},
		{Title: "SENT", Width: 9, Right: true, Drop: 4},
		{Title: "WRITE LAG", Width: 17, Right: true, Drop: 5},
		{Title: "FLUSH LAG", Width: 17, Right: true, Drop: 6},
		{Title: "REPLAY LAG", Width: 17, Right: true},
	}
}

func slotColumns() []widgets.Column {
	return []widgets.Column{
		{Width: 1},
		{Title: "SLOT", Width: 24},
		{Title: "TYPE", Width: 8},
		{Title: "DATABASE", Width: 10, Drop: 2},
		{Title: "ACTIVE", Width: 8},
		{Title: "RETAINED", Width: 9, Right: true},
		{Title: "WAL", Width: 10, Drop: 1},
		{Title: "XMIN AGE", Width: 11, Right: true, Drop: 3},
	}
}

// replicationModel is the replication sub-view: the WAL receiver of a
// standby, the standbys of a primary, the slots. It has no state.
type replicationModel struct {
	keyed
	noKeys
}

func (*replicationModel) derive(*derived)  {}
func (*replicationModel) reorder(*derived) {}

func (*replicationModel) view(ctx view.Context, t *derived, l layout) []string {
	st := ctx.Styles
	r := t.snap.Replication
	if len(r.Standbys) == 0 && len(r.Slots) == 0 && r.Receiver == nil {
		return []string{" " + st.Title.Render("Replication"), " " + st.Muted.Render("not replicating: no standbys, no replication slots, not a standby")}
	}
	var lines []string
	if r.Receiver != nil {
		lines = append(lines, t.receiverLines(ctx, r.Receiver)...)
	}
	if len(r.Standbys) > 0 || r.Receiver == nil {
		lines = append(lines, t.standbyLines(ctx, r.Standbys)...)
	}
	lines = append(lines, "")
	lines = append(lines, t.slotLines(ctx, r)...)
	if len(lines) > l.body {
		lines = lines[:l.body]
	}
	return lines
}

// receiverLines describe the WAL receiver of a standby.
func (t *derived) receiverLines(ctx view.Context, rc *pg.Receiver) []string {
	st := ctx.Styles
	status := sanitize.Line(rc.Status)
	if status == "" {
		status = st.Warn.Render("no WAL receiver (disconnected or archive recovery)")
	}
	sender := sanitize.Line(rc.SenderHost)
	if t.opts.Redact {
		sender = redact.Addr(sender)
	}
	delay := "replay delay " + age(rc.ReplayDelay)
	if rc.ReplayDelay.Valid && rc.ReplayDelay.D >= t.opts.Thresholds.ReplicationLag {
		delay = st.Bad.Render("!" + delay)
	}
	return []string{
		" " + st.Title.Render("Standby") + " of " + sender + ":" + strconv.Itoa(rc.SenderPort) + " · " + status,
		widgets.Truncate(" received "+sanitize.Line(rc.ReceiveLSN)+" · replayed "+sanitize.Line(rc.ReplayLSN)+
			" · replay lag "+format.Bytes(uint64(max(rc.ReplayLagBytes, 0)))+" · "+delay, ctx.Width),
	}
}

func (t *derived) standbyLines(ctx view.Context, sbs []pg.Standby) []string {
	st := ctx.Styles
	title := " " + st.Title.Render("Standbys") + " " + strconv.Itoa(len(sbs)) + st.Muted.Render("   lag in bytes / time behind this server")
	if len(sbs) == 0 {
		return []string{title, " " + st.Muted.Render("no standby connected")}
	}
	cols := standbyColumns()
	widths := widgets.Layout(cols, ctx.Width)
	lines := []string{widgets.Truncate(title, ctx.Width), st.TableHeader.Render(widgets.Header(cols, widths))}
	for _, s := range sbs {
		cells := []string{" ", sanitize.Line(s.Application), t.addr(s.ClientAddr), sanitize.Line(s.State), sanitize.Line(s.SyncState),
			format.Bytes(uint64(max(s.SentLagBytes, 0))), lagText(s.WriteLagBytes, s.WriteLag),
			lagText(s.FlushLagBytes, s.FlushLag), lagText(s.ReplayLagBytes, s.ReplayLag)}
		if s.ReplayLag.Valid && s.ReplayLag.D >= t.opts.Thresholds.ReplicationLag {
			cells[0], cells[8] = st.Bad.Render("!"), st.Bad.Render(cells[8])
		}
		lines = append(lines, widgets.Row(cols, widths, cells))
	}
	return lines
}

func (t *derived) slotLines(ctx view.Context, r pg.Replication) []string {
	st := ctx.Styles
	title := " " + st.Title.Render("Slots") + " " + strconv.Itoa(len(r.Slots)) + st.Muted.Render("   read "+sinceText(ctx, r.SlotsAt))
	if len(r.Slots) == 0 {
		return []string{widgets.Truncate(title, ctx.Width), " " + st.Muted.Render("no replication slots")}
	}
	cols := slotColumns()
	widths := widgets.Layout(cols, ctx.Width)
	lines := []string{widgets.Truncate(title, ctx.Width), st.TableHeader.Render(widgets.Header(cols, widths))}
	for _, s := range r.Slots {
		active := "yes"
		if !s.Active {
			active = "no"
			if !s.InactiveSince.IsZero() {
				active = "no " + format.Age(ctx.Now, s.InactiveSince)
			}
		}
		cells := []string{" ", sanitize.Line(s.Name), sanitize.Line(s.SlotType), sanitize.Line(s.Database), active,
			format.Bytes(uint64(max(s.RetainedBytes, 0))), sanitize.Line(s.WALStatus), thousands(s.XminAge)}
		// An inactive slot keeps WAL (and the xmin horizon) forever.
		if !s.Active && s.RetainedBytes > 0 || s.WALStatus == "lost" {
			cells[0], cells[4], cells[5] = st.Bad.Render("!"), st.Bad.Render(cells[4]), st.Bad.Render(cells[5])
		}
		lines = append(lines, widgets.Row(cols, widths, cells))
	}
	return lines
}

// addr is a client address for display, masked under redaction.
func (t *derived) addr(a string) string { return clientAddr(a, false, t.opts.Redact) }
