package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stacktop/stacktop/collectors"
	"github.com/stacktop/stacktop/collectors/postgres"
)

func pgFixture() *postgres.Snapshot {
	rate := func(v float64) collectors.Rate { return collectors.Rate{PerSec: v, Valid: true} }
	age := func(s float64) postgres.Age {
		return postgres.Age{D: time.Duration(s * float64(time.Second)), Valid: true}
	}
	wait := &postgres.LockWait{LockType: "relation", Mode: "AccessExclusiveLock", Relation: "orders"}
	return &postgres.Snapshot{
		Taken: t0, Target: "main",
		Server: postgres.Server{ShortVersion: "15.8", VersionNum: 150008, Uptime: 90 * time.Minute,
			ConnectionsUsed: 12, ConnectionsMax: 100, Privileged: true},
		Databases: []postgres.Database{
			{Name: "app", SizeBytes: 1 << 30, SizeKnown: true, Backends: 10, Rates: postgres.Throughput{
				TPS: rate(120.456), Commits: rate(120), Rollbacks: rate(0.456),
				CacheHitRatio: postgres.Ratio{Value: 0.987654, Valid: true}}},
			{Name: "new"}, // first poll: no rates, size not read yet
		},
		Total: postgres.Throughput{TPS: rate(120.456)},
		Activity: []postgres.Backend{
			{PID: 10, Database: "app", User: "web", Application: "api", BackendType: "client backend",
				State: "idle in transaction", Query: "UPDATE orders SET x = 1", XactAge: age(61.2), QueryAge: age(60)},
			{PID: 11, Database: "app", User: "web", BackendType: "client backend", State: "active",
				WaitEventType: "Lock", WaitEvent: "relation", Query: "ALTER TABLE orders ADD c int \x1b[31m",
				QueryAge: age(5), XactAge: age(5), BlockedBy: []int{10}, Lock: wait},
			{PID: 12, User: "other", BackendType: "client backend", Hidden: true},
		},
		LockTree: []postgres.LockNode{{PID: 10, BlockedCount: 1, LongestWait: 5 * time.Second,
			Blocking: []postgres.LockNode{{PID: 11, Lock: wait, Waiting: age(5)}}}},
		Replication: postgres.Replication{
			Standbys: []postgres.Standby{{Application: "replica1", ClientAddr: "10.0.0.2", State: "streaming",
				SyncState: "async", ReplayLagBytes: 4096, ReplayLag: age(0.25)}},
			Slots: []postgres.Slot{{Name: "s1", SlotType: "physical", RetainedBytes: 1 << 20}},
		},
		Statements: postgres.Statements{Available: true, Rows: []postgres.Statement{{QueryID: -42, User: "web",
			Database: "app", Query: "SELECT $1", Calls: 1000, Rows: 1000, TotalTime: 1500 * time.Millisecond,
			MeanTime: 1500 * time.Microsecond}}},
		Notes: []postgres.Note{{Part: "activity", Text: "role lacks pg_monitor"}},
	}
}

func pgUpdate(s *postgres.Snapshot, err error) collectors.Update {
	u := collectors.Update{Source: collectors.SourceID{Kind: collectors.KindPostgres, Name: "main"},
		Err: err, PolledAt: t0, Interval: 2 * time.Second}
	if s != nil {
		u.Snapshot, u.LastGood = s, s.Taken
	}
	return u
}

func keysOf(m map[string]any) string {
	var k []string
	for key := range m {
		k = append(k, key)
	}
	sort.Strings(k)
	return strings.Join(k, ",")
}

func pgJSON(t *testing.T, u collectors.Update) map[string]any {
	t.Helper()
	raw, err := json.Marshal(Build(t0, []collectors.Update{u}))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m["postgres"].([]any)[0].(map[string]any)
}

// The documented keys are all there with the documented values.
func TestPostgresJSONKeys(t *testing.T) {
	p := pgJSON(t, pgUpdate(pgFixture(), nil))
	checks := []struct{ got, want string }{
		{keysOf(p), "activity,as_of,databases,error,locks,name,notes,replication,replication_slots,server,stale,state,statements,taken_at,total,wal_receiver"},
		{keysOf(p["server"].(map[string]any)), "connections_max,connections_used,is_standby,privileged,uptime_seconds,version,version_num"},
		{keysOf(p["databases"].([]any)[0].(map[string]any)), "backends,cache_hit_ratio,commits_per_sec,name,rollbacks_per_sec,size_bytes,tps"},
		{keysOf(p["activity"].([]any)[0].(map[string]any)), "application,backend_type,blocked_by,database,hidden,pid,query,query_age_seconds,state,user,wait_event,wait_event_type,xact_age_seconds"},
		{keysOf(p["locks"].([]any)[0].(map[string]any)), "blocked_count,blocking,mode,pid,relation"},
		{keysOf(p["replication"].([]any)[0].(map[string]any)), "application,client_addr,flush_lag_bytes,replay_lag_bytes,replay_lag_seconds,state,sync_state,write_lag_bytes"},
		{keysOf(p["statements"].([]any)[0].(map[string]any)), "calls,database,mean_time_ms,query,queryid,rows,total_time_ms,user"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("keys\n got %s\nwant %s", c.got, c.want)
		}
	}
	db := p["databases"].([]any)
	app, fresh := db[0].(map[string]any), db[1].(map[string]any)
	if app["tps"] != 120.46 || app["cache_hit_ratio"] != 0.9877 || app["size_bytes"] != float64(1<<30) {
		t.Errorf("app database: %v", app)
	}
	if fresh["tps"] != nil || fresh["cache_hit_ratio"] != nil || fresh["size_bytes"] != nil {
		t.Errorf("unknown figures must be null: %v", fresh)
	}
	act := p["activity"].([]any)
	idle, waiter, hidden := act[0].(map[string]any), act[1].(map[string]any), act[2].(map[string]any)
	if idle["xact_age_seconds"] != 61.2 || fmt.Sprint(idle["blocked_by"]) != "[]" || fmt.Sprint(waiter["blocked_by"]) != "[10]" {
		t.Errorf("activity: %v / %v", idle, waiter)
	}
	if !strings.Contains(waiter["query"].(string), "\x1b[31m") || hidden["hidden"] != true || hidden["query_age_seconds"] != nil {
		t.Errorf("raw query text and hidden rows: %v / %v", waiter, hidden)
	}
	lock := p["locks"].([]any)[0].(map[string]any)
	child := lock["blocking"].([]any)[0].(map[string]any)
	if lock["pid"] != 10.0 || lock["blocked_count"] != 1.0 || child["pid"] != 11.0 || child["mode"] != "AccessExclusiveLock" {
		t.Errorf("lock tree: %v", lock)
	}
	st := p["statements"].([]any)[0].(map[string]any)
	if st["queryid"] != -42.0 || st["total_time_ms"] != 1500.0 || st["mean_time_ms"] != 1.5 || st["calls"] != 1000.0 {
		t.Errorf("statement: %v", st)
	}
	if p["error"] != nil || fmt.Sprint(p["notes"]) != "[role lacks pg_monitor]" {
		t.Errorf("error/notes: %v %v", p["error"], p["notes"])
	}
}

// Without any good poll the target still appears, with its error and
// empty arrays rather than nulls.
func TestPostgresJSONDown(t *testing.T) {
	p := pgJSON(t, pgUpdate(nil, errors.New(`postgres "main": connect: connection refused — is PostgreSQL running?`)))
	if p["error"] == nil || p["server"] != nil || p["total"] != nil {
		t.Errorf("down target: %v", p)
	}
	for _, k := range []string{"databases", "activity", "locks", "replication", "statements", "notes"} {
		if !reflect.DeepEqual(p[k], []any{}) {
			t.Errorf("%s = %v, want []", k, p[k])
		}
	}
}
