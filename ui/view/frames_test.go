package view

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestFrameCacheDrawsOnce: sessions asking for the same new frame at once
// get one drawing between them; a different key is drawn on its own.
func TestFrameCacheDrawsOnce(t *testing.T) {
	c := NewFrameCache(DefaultFrames)
	var draws atomic.Int32
	release := make(chan struct{})
	key := func(s string) FrameKey {
		k := c.Key()
		k.String(s)
		return k
	}
	var wg sync.WaitGroup
	got := make([]any, 20)
	for i := range got {
		wg.Go(func() {
			got[i] = c.Do(key("a"), func() any {
				draws.Add(1)
				<-release // the others ask meanwhile
				return "frame a"
			})
		})
	}
	time.Sleep(50 * time.Millisecond)
	close(release)
	wg.Wait()
	if n := draws.Load(); n != 1 {
		t.Errorf("20 sessions asking at once drew the frame %d times, want once", n)
	}
	for i, g := range got {
		if g != "frame a" {
			t.Fatalf("session %d got %v", i, g)
		}
	}
	if g := c.Do(key("b"), func() any { return "frame b" }); g != "frame b" {
		t.Errorf("another key got %v", g)
	}
	// Keys of values in another order differ.
	k1, k2 := c.Key(), c.Key()
	k1.String("ab")
	k1.String("c")
	k2.String("a")
	k2.String("bc")
	if k1.h.Sum64() == k2.h.Sum64() {
		t.Error(`"ab","c" and "a","bc" made the same key`)
	}
}

// TestFrameCachePanickingDraw: a drawing that panics caches nothing, and
// who waited for it draws for itself.
func TestFrameCachePanickingDraw(t *testing.T) {
	c := NewFrameCache(DefaultFrames)
	k := c.Key()
	k.Int(1)
	started, release := make(chan struct{}), make(chan struct{})
	go func() {
		defer func() { _ = recover() }()
		c.Do(k, func() any {
			close(started)
			<-release
			panic("draw failed")
		})
	}()
	<-started
	done := make(chan any)
	go func() { done <- c.Do(k, func() any { return "drawn again" }) }()
	time.Sleep(20 * time.Millisecond)
	close(release)
	if g := <-done; g != "drawn again" {
		t.Errorf("the waiter got %v", g)
	}
	if g := c.Do(k, func() any { return "fresh" }); g != "fresh" {
		t.Errorf("after a panic the key still held %v", g)
	}
}

// TestFrameCacheKeepsTheNewest: the cache holds at most its size, the
// oldest frames leaving first; a nil cache draws every time.
func TestFrameCacheKeepsTheNewest(t *testing.T) {
	c := NewFrameCache(3)
	for i := range 5 {
		k := c.Key()
		k.Int(i)
		c.Do(k, func() any { return i })
	}
	if len(c.entries) != 3 || len(c.order) != 3 {
		t.Fatalf("holds %d entries (%d in order), want 3", len(c.entries), len(c.order))
	}
	for i, want := range []bool{false, false, true, true, true} {
		k := c.Key()
		k.Int(i)
		_, ok := c.entries[k.h.Sum64()]
		if ok != want {
			t.Errorf("frame %d kept = %v, want %v", i, ok, want)
		}
	}
	var nilCache *FrameCache
	n := 0
	for range 2 {
		k := nilCache.Key()
		nilCache.Do(k, func() any { n++; return n })
	}
	if n != 2 {
		t.Errorf("a nil cache drew %d times for 2 asks", n)
	}
}
