package view

import (
	"encoding/binary"
	"hash/maphash"
	"math"
	"sync"
	"time"
)

// FrameCache holds drawn frames (or the costly parts of them) that the
// dashboards of one process share. The sessions of `stacktop serve` watch
// the same hub at mostly the same sizes and colour profiles, so their
// Overviews are the same string at the same moment: one session draws it,
// the others take it. Drawing is most of what a session costs; with the
// cache twenty sessions cost about what one does.
//
// An entry is found by a FrameKey: a hash of everything the drawing
// depends on, built beside the code that draws, so a change to what is
// drawn is seen next to what the key covers. A key that left something out
// would show one session a frame drawn for another state; tests compare
// frames drawn with and without the cache.
//
// It is safe for concurrent use. A nil *FrameCache caches nothing.
type FrameCache struct {
	seed    maphash.Seed
	mu      sync.Mutex
	entries map[uint64]*frameEntry
	order   []uint64 // keys oldest first, for eviction
	max     int
}

type frameEntry struct {
	done chan struct{} // closed once val is set (or the drawing failed)
	ok   bool
	val  any
}

// DefaultFrames is how many frames a FrameCache keeps: the distinct
// frames of one moment (sizes, colour profiles, selections) with room.
const DefaultFrames = 64

// NewFrameCache returns an empty cache keeping the newest size frames.
func NewFrameCache(size int) *FrameCache {
	return &FrameCache{seed: maphash.MakeSeed(), entries: map[uint64]*frameEntry{}, max: max(size, 1)}
}

// Key starts a key for this cache (keys of different caches differ).
func (c *FrameCache) Key() FrameKey {
	var k FrameKey
	if c != nil {
		k.h.SetSeed(c.seed)
	}
	return k
}

// Do returns the value cached under key, or draws it with draw and caches
// it. When several sessions ask for the same new key at once, one draws
// and the others wait for its result rather than drawing it again. The
// value must not be changed by anyone afterwards.
func (c *FrameCache) Do(key FrameKey, draw func() any) any {
	if c == nil {
		return draw()
	}
	sum := key.h.Sum64()
	c.mu.Lock()
	if e, ok := c.entries[sum]; ok {
		c.mu.Unlock()
		<-e.done
		if e.ok {
			return e.val
		}
		return draw() // its drawer panicked: try again here, uncached
	}
	e := &frameEntry{done: make(chan struct{})}
	c.entries[sum] = e
	c.order = append(c.order, sum)
	if len(c.order) > c.max {
		delete(c.entries, c.order[0])
		c.order = c.order[1:]
	}
	c.mu.Unlock()
	defer func() {
		if !e.ok {
			// draw panicked (bubbletea restores the terminal and reports
			// it): forget the entry so no one waits on it again.
			c.mu.Lock()
			if c.entries[sum] == e {
				delete(c.entries, sum)
			}
			c.mu.Unlock()
		}
		close(e.done)
	}()
	e.val = draw()
	e.ok = true
	return e.val
}

// FrameKey accumulates what a frame depends on. Every value is written
// with its length or a fixed size, so two different sequences of values
// never write the same bytes.
type FrameKey struct {
	h   maphash.Hash
	buf [8]byte
}

// Sum is the key's hash: a part of a key another key may add with Uint
// (something hashed once and added to many keys).
func (k *FrameKey) Sum() uint64 { return k.h.Sum64() }

// Uint adds v.
func (k *FrameKey) Uint(v uint64) {
	binary.LittleEndian.PutUint64(k.buf[:], v)
	_, _ = k.h.Write(k.buf[:])
}

// Int adds v.
func (k *FrameKey) Int(v int) { k.Uint(uint64(v)) }

// Bool adds v.
func (k *FrameKey) Bool(v bool) {
	var b byte
	if v {
		b = 1
	}
	_ = k.h.WriteByte(b)
}

// Float adds v, bit for bit (NaN as itself).
func (k *FrameKey) Float(v float64) { k.Uint(math.Float64bits(v)) }

// Floats adds n values, at(0) to at(n-1), bit for bit: a sparkline's
// samples, in a few writes rather than one per value.
func (k *FrameKey) Floats(n int, at func(int) float64) {
	k.Int(n)
	var chunk [512]byte
	b := chunk[:0]
	for i := range n {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(at(i)))
		if len(b) == len(chunk) {
			_, _ = k.h.Write(b)
			b = b[:0]
		}
	}
	_, _ = k.h.Write(b)
}

// String adds s.
func (k *FrameKey) String(s string) {
	k.Int(len(s))
	_, _ = k.h.WriteString(s)
}

// Time adds t to the nanosecond, with its location's name.
func (k *FrameKey) Time(t time.Time) {
	k.Uint(uint64(t.UnixNano()))
	k.String(t.Location().String())
}

// Context adds what every drawing may read from ctx: its size, colour
// profile, clock (to the second: the screen shows no finer time, and
// sessions tick on the same wall-clock second), read-only, history,
// redaction and thresholds. Summaries are the caller's to add: only it
// knows which it draws.
func (k *FrameKey) Context(ctx Context) {
	k.Int(ctx.Width)
	k.Int(ctx.Height)
	if ctx.Styles != nil {
		k.Int(int(ctx.Styles.Profile))
	} else {
		k.Int(-1)
	}
	k.Time(ctx.Now.Truncate(time.Second))
	k.Bool(ctx.ReadOnly)
	k.Bool(ctx.History)
	k.Bool(ctx.Redact)
	th := ctx.Thresholds
	for _, v := range [...]float64{th.CPUPercent, th.MemoryPercent, th.FilesystemPercent, th.SwapUsedPercent, th.LoadPerCore} {
		k.Float(v)
	}
}

// Jump adds j.
func (k *FrameKey) Jump(j Jump) {
	k.String(string(j.Source.Kind))
	k.String(j.Source.Name)
	k.Int(int(j.What))
	k.Int(j.PID)
	k.String(j.Container)
}
