package report

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/stacktop/stacktop/collectors"
	"github.com/stacktop/stacktop/ui/format"
	"github.com/stacktop/stacktop/ui/sanitize"
)

// Status is a source's state in one line, as `stacktop check` and the text
// snapshot print it after the source's name: "ok", "not found (not
// configured)" for an absent default source, or the error (cause — hint).
// Text from outside is sanitized.
func Status(u collectors.Update) string {
	switch {
	case u.NotFound():
		return "not found (not configured)"
	case u.Err != nil && u.Snapshot != nil:
		return errorLine(u) + " (showing earlier data)"
	case u.Err != nil:
		return errorLine(u)
	case u.PolledAt.IsZero():
		return "no answer yet"
	}
	return "ok"
}

// errorLine is the update's error as one safe line, without the source's
// name when the collector already put it in front (callers print the name).
func errorLine(u collectors.Update) string {
	msg := u.Err.Error()
	msg = strings.TrimPrefix(msg, u.Source.String()+": ")
	return sanitize.Line(msg)
}

// Failed reports whether u counts as a failure for `snapshot` and `check`:
// an error, except a default source that is simply not there.
func Failed(u collectors.Update) bool {
	return (u.Err != nil || u.PolledAt.IsZero()) && !u.NotFound()
}

// WriteText prints the readable summary of `stacktop snapshot`: the host in
// detail, then per source its status line and a line of its main figures
// (Summary).
func WriteText(w io.Writer, now time.Time, updates []collectors.Update) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, u := range updates {
		if u.Source.Kind == collectors.KindHost && u.Snapshot != nil {
			writeHost(tw, hostDoc(u, now))
		}
	}
	fmt.Fprintln(tw, "Sources")
	for _, u := range updates {
		fmt.Fprintf(tw, "  %s: %s\n", u.Source, Status(u))
		if sum := Summary(u, now); sum != "" {
			fmt.Fprintf(tw, "    %s\n", sanitize.Line(sum))
		}
	}
	return tw.Flush()
}

func writeHost(w io.Writer, d *HostDoc) {
	fmt.Fprintf(w, "%s — %s, kernel %s, up %s\n", sanitize.Line(d.Hostname), sanitize.Line(d.OS),
		sanitize.Line(d.Kernel), format.Duration(time.Duration(d.UptimeSeconds)*time.Second))
	if d.AsOf != nil {
		fmt.Fprintf(w, "  as of\t%s — the latest poll failed; rates left out\n", d.AsOf.Local().Format("15:04:05"))
	}
	fmt.Fprintf(w, "  load\t%.2f %.2f %.2f\t(%d cores)\n", d.Load.Load1, d.Load.Load5, d.Load.Load15, d.CPU.Cores)
	writeCPU(w, d.CPU, d.AsOf != nil)
	m := d.Memory
	fmt.Fprintf(w, "  memory\t%s used of %s (%s), %s available\n", format.Bytes(m.UsedBytes), format.Bytes(m.TotalBytes),
		format.Percent(m.UsedPercent), format.Bytes(m.AvailableBytes))
	fmt.Fprintf(w, "  swap\t%s used of %s\n\n", format.Bytes(d.Swap.UsedBytes), format.Bytes(d.Swap.TotalBytes))

	fmt.Fprintln(w, "Filesystems\n  MOUNT\tSIZE\tUSED\tUSE%\tDEVICE")
	for _, f := range d.Filesystems {
		fmt.Fprintf(w, "  %s\t%s\t%s\t%s\t%s\n", sanitize.Line(f.Mountpoint), format.Bytes(f.TotalBytes),
			format.Bytes(f.UsedBytes), format.Percent(f.UsedPercent), sanitize.Line(f.Device))
	}
	fmt.Fprintln(w, "\nDisks\n  NAME\tREAD/s\tWRITE/s")
	for _, k := range d.Disks {
		fmt.Fprintf(w, "  %s\t%s\t%s\n", sanitize.Line(k.Name), format.ByteRate(k.ReadBytesPerSec), format.ByteRate(k.WriteBytesPerSec))
	}
	fmt.Fprintln(w, "\nNetworks\n  NAME\tRX/s\tTX/s")
	for _, n := range d.Networks {
		fmt.Fprintf(w, "  %s\t%s\t%s\n", sanitize.Line(n.Name), format.ByteRate(n.RxBytesPerSec), format.ByteRate(n.TxBytesPerSec))
	}
	p := d.Processes
	fmt.Fprintf(w, "\nProcesses: %d (%d running, %d threads); top %d by CPU\n", p.Count, p.Running, p.Threads, len(p.Top))
	fmt.Fprintln(w, "  PID\tUSER\tCPU%\tRSS\tCOMMAND")
	for _, pr := range p.Top {
		cpu := format.NA
		if pr.CPUPercent != nil {
			cpu = format.Percent(*pr.CPUPercent)
		}
		fmt.Fprintf(w, "  %d\t%s\t%s\t%s\t%s\n", pr.PID, sanitize.Line(pr.User), cpu, format.Bytes(pr.RSSBytes), commandLine(pr))
	}
	fmt.Fprintln(w)
}

func writeCPU(w io.Writer, c *CPUDoc, old bool) {
	switch {
	case c.TotalPercent == nil && old:
		fmt.Fprintf(w, "  cpu\t%s (no live figure)\n", format.NA)
		return
	case c.TotalPercent == nil:
		fmt.Fprintf(w, "  cpu\t%s (needs two samples)\n", format.NA)
		return
	}
	fmt.Fprintf(w, "  cpu\t%s busy (user %s, system %s, iowait %s, steal %s)\n", format.Percent(*c.TotalPercent),
		format.Percent(*c.UserPercent), format.Percent(*c.SystemPercent), format.Percent(*c.IOWaitPercent), format.Percent(*c.StealPercent))
	cores := make([]string, len(c.PerCorePercent))
	for i, v := range c.PerCorePercent {
		cores[i] = fmt.Sprintf("cpu%d %s", i, format.Percent(v))
	}
	fmt.Fprintf(w, "  cores\t%s\n", strings.Join(cores, "  "))
}

// commandLine is the process's command, cut to keep the table readable.
func commandLine(p ProcessDoc) string {
	s := sanitize.Line(p.Command)
	if s == "" {
		s = "[" + sanitize.Line(p.Name) + "]"
	}
	const maxLen = 100
	if r := []rune(s); len(r) > maxLen {
		s = string(r[:maxLen-1]) + "…"
	}
	return s
}
