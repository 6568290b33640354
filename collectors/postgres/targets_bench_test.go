package postgres

import (
	"fmt"
	"testing"
	"time"
)

// targetsRole is the role the targets benchmark's collectors use, so
// pg_stat_statements sums exactly what they cost the server.
const targetsRole = "stacktop_targets"

// BenchmarkCollectTargets polls 1 and then 20 targets — each its own
// collector, as cmd/stacktop builds one per [[postgres]] entry, here all
// against one cluster with 100 idle sessions — and reports, per target and
// poll, the SQL statements the collector sent, the calls pg_stat_statements
// recorded and the server time they took (execution + planning). One op
// is one regular poll of every target. Watching 20 targets must cost each
// of them what watching it alone costs: one statement and the same time.
func BenchmarkCollectTargets(b *testing.B) {
	cl := pg.Cluster(b)
	ensurePGSS(b, cl)
	if err := cl.CreateRole(targetsRole, targetsRole+"-pw", "pg_monitor"); err != nil {
		b.Fatal(err)
	}
	openIdle(b, cl, 100)
	env := &benchEnv{cl: cl, dsn: cl.DSN(targetsRole, targetsRole+"-pw", "postgres")}
	for _, n := range []int{1, 20} {
		b.Run(fmt.Sprintf("targets=%d", n), func(b *testing.B) {
			cs := make([]*Collector, n)
			for i := range cs {
				cs[i] = newCollector(b, fmt.Sprintf("t%02d", i+1), env.dsn, func(o *Options) { o.SlowInterval = time.Hour })
				collect(b, cs[i]) // connect and the first slow read, outside the measurement
			}
			env.resetCost(b, targetsRole)
			statements := 0
			b.ResetTimer()
			for range b.N {
				for _, c := range cs {
					statements += collect(b, c).Poll.Statements
				}
			}
			b.StopTimer()
			ms, calls := env.serverCost(b, targetsRole)
			polls := float64(b.N * n)
			b.ReportMetric(float64(statements)/polls, "statements/target-poll")
			b.ReportMetric(float64(calls)/polls, "server-calls/target-poll")
			b.ReportMetric(ms/polls, "server-ms/target-poll")
		})
	}
}
