package host

import (
	"github.com/charmbracelet/x/ansi"

	hs "github.com/stacktop/stacktop/collectors/host"
	"github.com/stacktop/stacktop/ui/sanitize"
)

// Layout constants of the Host tab.
const (
	coreCellW = 18 // " 12 ████████ 97.0%"
	memCellW  = 36
	ioCellW   = 44 // filesystems, disks, interfaces
	labelW    = 5  // "Disk "
)

// plan is how the tab's height is shared out. Update uses it to page and
// keep the selection visible; View uses it to draw, so the two agree.
type plan struct {
	coreRows  int  // rows of per-core bars, or 1 with coreStrip
	coreStrip bool // too many cores for bars: one cell per core
	memRows   int
	fsRows    int
	ioTotals  bool // not enough room for per-device rows: one totals line
	diskRows  int
	netRows   int
	tableRows int
	details   int // lines of the details pane (title, facts, command)
}

func (t *Tab) plan() plan { return planFor(t.snap, t.width, t.height) }

// gridCols is how many cells of at least cellW fit into width, two spaces apart.
func gridCols(width, cellW int) int { return max((width+2)/(cellW+2), 1) }

func ceilDiv(a, b int) int { return (a + b - 1) / b }

func planFor(s *hs.Snapshot, w, h int) plan {
	p := plan{details: 3}
	minTable := 8
	if h >= 36 {
		p.details, minTable = 6, 10
	}
	if s == nil {
		p.tableRows = max(h-1-2-p.details, 0)
		return p
	}
	budget := h - p.details - 2 - minTable
	used := 1 // the CPU line
	cores := len(s.CPU.PerCore)
	p.coreRows = ceilDiv(cores, gridCols(w-labelW-1, coreCellW))
	if p.coreRows > max(budget/2, 1) {
		p.coreRows, p.coreStrip = 1, true
	}
	if cores == 0 {
		p.coreRows = 0
	}
	p.memRows = 1
	used += p.coreRows + p.memRows
	rem := budget - used
	cols := gridCols(w-labelW-1, ioCellW)
	need := [3]int{
		ceilDiv(len(s.Filesystems), gridCols(w-labelW-1, fsCellW(s.Filesystems))),
		ceilDiv(len(s.Disks), cols),
		ceilDiv(len(netShown(s)), cols),
	}
	// Per-device rows when every disk and interface fits in a fair share of
	// the room (capped, so fifty veth interfaces cannot push the process
	// table off the screen); otherwise one totals line.
	rows := shareRows(need, min(rem, 3+h/6))
	if rows[1] < need[1] || rows[2] < need[2] {
		p.ioTotals = true
		p.fsRows = min(need[0], max(min(rem, 3+h/6)-1, 1))
	} else {
		p.fsRows, p.diskRows, p.netRows = rows[0], rows[1], rows[2]
	}
	p.tableRows = max(h-p.summaryLines()-2-p.details, 1)
	return p
}

// shareRows hands out up to total rows one at a time to each section that
// still needs one, so every section gets a fair share.
func shareRows(need [3]int, total int) [3]int {
	var got [3]int
	for total > 0 {
		gave := false
		for i := range got {
			if got[i] < need[i] && total > 0 {
				got[i]++
				total--
				gave = true
			}
		}
		if !gave {
			break
		}
	}
	return got
}

// summaryLines is the height of everything above the process table.
func (p plan) summaryLines() int {
	n := 1 + p.coreRows + p.memRows + p.fsRows + p.diskRows + p.netRows
	if p.ioTotals {
		n++
	}
	return n
}

// fsFixedW is the width of a filesystem cell without its mountpoint: bar,
// percentage and used/total.
const fsFixedW = 1 + 8 + 1 + 6 + 1 + 17

// fsCellW is the narrowest filesystem cell that shows the longest
// mountpoint (up to 24 cells) in full.
func fsCellW(fss []hs.Filesystem) int {
	mw := 5
	for _, f := range fss {
		mw = max(mw, ansi.StringWidth(sanitize.Line(f.Mountpoint)))
	}
	return fsFixedW + min(mw, 24)
}
