// Package memo keeps values that are dear to compute, by key, for the
// callers that ask again soon: a page that polls itself, open in many tabs,
// costs one computation per key however many ask. Concurrent callers of
// one key wait for one computation and share it. Its clock is the wall
// clock, not a test's frozen one: a frozen clock must not freeze a page.
package memo

import (
	"sync"
	"time"
)

// maxEntries bounds the keys kept: keys come from URLs and ids, and odd
// ones must not grow the cache without end.
const maxEntries = 1000

// Cache keeps the last value computed for each key. The zero Cache is ready.
type Cache[V any] struct {
	mu      sync.Mutex
	entries map[string]*entry[V]
}

type entry[V any] struct {
	mu       sync.Mutex // held while computing
	v        V
	computed time.Time // zero: nothing kept
	cost     time.Duration
}

// Fresh reports whether a value computed age ago, which took cost to
// compute, may be given again.
type Fresh func(age, cost time.Duration) bool

// MaxAge gives a value again for d after it was computed; MaxAge(0) always
// computes anew (and keeps the result for the next callers).
func MaxAge(d time.Duration) Fresh {
	return func(age, _ time.Duration) bool { return age < d }
}

// Get returns key's kept value while fresh says it may serve, else the
// value compute returns, which it keeps. A failure is not kept.
func (c *Cache[V]) Get(key string, fresh Fresh, compute func() (V, error)) (V, error) {
	c.mu.Lock()
	if c.entries == nil {
		c.entries = map[string]*entry[V]{}
	}
	e, ok := c.entries[key]
	if !ok {
		if len(c.entries) >= maxEntries {
			clear(c.entries)
		}
		e = &entry[V]{}
		c.entries[key] = e
	}
	c.mu.Unlock()

	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.computed.IsZero() && fresh(time.Since(e.computed), e.cost) {
		return e.v, nil
	}
	start := time.Now()
	v, err := compute()
	if err != nil {
		return v, err
	}
	e.v, e.computed, e.cost = v, time.Now(), time.Since(start)
	return v, nil
}

// Forget drops key's value: the next Get computes it.
func (c *Cache[V]) Forget(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, key)
}
