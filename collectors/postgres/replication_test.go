package postgres

import (
	"testing"

	"github.com/stacktop/stacktop/collectors/postgres/pgtest"
)

// A primary with a streaming standby (pg_basebackup) and an idle slot: the
// primary's snapshot lists the standby with its lag and both slots, the
// idle one retaining WAL; the standby's snapshot says it is a standby with
// a streaming receiver.
func TestReplicationPrimaryAndStandby(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two clusters")
	}
	primary := pgtest.Need(t, pgtest.Config{MaxConnections: 20})
	standby, err := pgtest.StartStandby(primary, "st_standby")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(standby.Destroy)
	if err := primary.Exec("postgres",
		"SELECT pg_create_physical_replication_slot('st_idle', true)",
		"CREATE TABLE wal_maker AS SELECT g, repeat('x', 200) AS pad FROM generate_series(1, 20000) g",
	); err != nil {
		t.Fatal(err)
	}

	pc := newCollector(t, "primary", primary.SuperDSN("postgres"))
	ps := waitFor(t, pc, "a streaming standby", func(s *Snapshot) bool {
		return len(s.Replication.Standbys) == 1 && s.Replication.Standbys[0].State == "streaming"
	})
	sb := ps.Replication.Standbys[0]
	if sb.ClientAddr != "127.0.0.1" || sb.ReplayLagBytes < 0 || sb.SentLagBytes < 0 || ps.Server.IsStandby || ps.Replication.Receiver != nil {
		t.Errorf("primary view of the standby: %+v", sb)
	}
	slots := map[string]Slot{}
	for _, s := range ps.Replication.Slots {
		slots[s.Name] = s
	}
	if s := slots["st_standby"]; !s.Active || s.SlotType != "physical" || s.ActivePID == 0 {
		t.Errorf("standby slot: %+v", s)
	}
	if s := slots["st_idle"]; s.Active || s.RetainedBytes < 1<<20 || s.WALStatus == "" {
		t.Errorf("idle slot should retain the WAL written since: %+v", s)
	}
	if ps.Replication.SlotsAt.IsZero() {
		t.Error("slots carry their read time")
	}

	sc := newCollector(t, "standby", standby.SuperDSN("postgres"))
	ss := waitFor(t, sc, "a streaming receiver", func(s *Snapshot) bool {
		return s.Replication.Receiver != nil && s.Replication.Receiver.Status == "streaming"
	})
	r := ss.Replication.Receiver
	if !ss.Server.IsStandby || r.SenderPort != primary.Port || r.ReceiveLSN == "" || r.ReplayLagBytes < 0 || len(ss.Replication.Standbys) != 0 {
		t.Errorf("standby: standby=%v receiver=%+v", ss.Server.IsStandby, r)
	}
	if len(ss.Notes) != 0 {
		t.Errorf("standby notes: %v", ss.Notes)
	}
}
