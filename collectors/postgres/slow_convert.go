package postgres

import (
	"sort"
	"time"

	"github.com/stacktop/stacktop/collectors"
)

func tablesFrom(rows []tableRow) []Table {
	out := make([]Table, 0, len(rows))
	for _, r := range rows {
		out = append(out, Table{
			Schema: r.Schema, Name: r.Name, TotalBytes: r.TotalBytes, TableBytes: r.TableBytes, IndexBytes: r.IndexBytes,
			SeqScans: r.SeqScans, SeqTupRead: r.SeqTupRead, IdxScans: r.IdxScans, IdxTupFetch: r.IdxTupFetch,
			LiveTuples: r.LiveTuples, DeadTuples: r.DeadTuples, Inserted: r.Inserted, Updated: r.Updated, Deleted: r.Deleted,
			LastVacuum: ts(r.LastVacuum), LastAutovacuum: ts(r.LastAutovacuum),
			LastAnalyze: ts(r.LastAnalyze), LastAutoanalyze: ts(r.LastAutoanalyze),
			VacuumCount: r.VacuumCount, AutovacuumCount: r.AutovacuumCount, LastSeqScan: ts(r.LastSeqScan),
		})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].TotalBytes > out[j].TotalBytes })
	return out
}

func indexesFrom(rows []indexRow) []Index {
	out := make([]Index, 0, len(rows))
	for _, r := range rows {
		out = append(out, Index{
			Schema: r.Schema, Table: r.Table, Name: r.Name, SizeBytes: r.SizeBytes, Scans: r.Scans,
			TupRead: r.TupRead, TupFetch: r.TupFetch, Unique: r.Unique, Primary: r.Primary,
			Unused: r.Unused, LastScan: ts(r.LastScan),
		})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].SizeBytes > out[j].SizeBytes })
	return out
}

func slotsFrom(rows []slotRow) []Slot {
	out := make([]Slot, 0, len(rows))
	for _, r := range rows {
		out = append(out, Slot{
			Name: r.Name, SlotType: r.SlotType, Plugin: r.Plugin, Database: r.Database, Active: r.Active,
			ActivePID: num(r.ActivePID), Temporary: r.Temporary, RetainedBytes: num(r.RetainedBytes),
			WALStatus: str(r.WALStatus), XminAge: num(r.XminAge),
			InactiveSince: ts(r.InactiveSince), Invalidation: str(r.Invalidation),
		})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// settingsFrom orders settings as keySettings lists them.
func settingsFrom(rows []settingRow) []Setting {
	byName := make(map[string]settingRow, len(rows))
	for _, r := range rows {
		byName[r.Name] = r
	}
	var out []Setting
	for _, name := range keySettings() {
		if r, ok := byName[name]; ok {
			out = append(out, Setting(r))
		}
	}
	return out
}

// statementsFrom builds the rows with texts from the cache and rates since
// the previous read, then remembers this read.
func (st *slowState) statementsFrom(rows []statementRow, now time.Time) []Statement {
	elapsed := collectors.Elapsed(st.stmts.At, now)
	if !st.stmts.Available {
		elapsed = 0
	}
	out := make([]Statement, 0, len(rows))
	next := make(map[stmtKey]statementRow, len(rows))
	for _, r := range rows {
		k := stmtKey{r.QueryID, r.User, r.Database, r.Toplevel}
		next[k] = r
		s := Statement{
			QueryID: r.QueryID, User: r.User, Database: r.Database, Toplevel: r.Toplevel,
			Calls: r.Calls, Rows: r.Rows, TotalTime: ms(r.TotalExecTime), MeanTime: ms(r.MeanExecTime),
			SharedBlksHit: r.SharedBlksHit, SharedBlksRead: r.SharedBlksRead,
			SharedBlksDirtied: r.SharedBlksDirtied, SharedBlksWritten: r.SharedBlksWritten,
			TempBlksRead: r.TempBlksRead, TempBlksWritten: r.TempBlksWritten,
			BlkReadTime: ms(r.ReadTime), BlkWriteTime: ms(r.WriteTime),
		}
		s.Query, s.QueryTruncated = capText(st.texts[r.QueryID])
		if p, ok := st.prevStmts[k]; ok {
			s.CallsRate = collectors.CounterRate(uint64(max(p.Calls, 0)), uint64(max(r.Calls, 0)), elapsed)
			// Execution time is a counter too: in nanoseconds it goes
			// through the one rate helper, then ns/s becomes seconds/s.
			if tr := collectors.CounterRate(uint64(max(ms(p.TotalExecTime), 0)), uint64(max(s.TotalTime, 0)), elapsed); tr.Valid {
				s.TimeRate = collectors.Rate{PerSec: tr.PerSec / 1e9, Valid: true}
			}
		}
		out = append(out, s)
	}
	st.prevStmts = next
	sort.SliceStable(out, func(i, j int) bool { return out[i].TotalTime > out[j].TotalTime })
	return out
}

// ms converts floating milliseconds (pg_stat_statements' unit) to a Duration.
func ms(v float64) time.Duration { return time.Duration(v * float64(time.Millisecond)) }
