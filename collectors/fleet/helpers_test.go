package fleet

import (
	"context"
	"sync/atomic"
	"time"
)

// countingAPI counts the requests that reach the real server.
type countingAPI struct {
	API
	queries, ranges, targets atomic.Int32
}

func (k *countingAPI) Query(ctx context.Context, q string, ts time.Time) ([]Sample, error) {
	k.queries.Add(1)
	return k.API.Query(ctx, q, ts)
}

func (k *countingAPI) QueryRange(ctx context.Context, q string, s, e time.Time, step time.Duration) ([]Series, error) {
	k.ranges.Add(1)
	return k.API.QueryRange(ctx, q, s, e, step)
}

func (k *countingAPI) Targets(ctx context.Context) ([]Target, error) {
	k.targets.Add(1)
	return k.API.Targets(ctx)
}
