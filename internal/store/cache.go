package store

import (
	"sync"
	"time"
)

// botCache keeps bots and key checks for a few seconds: every request needs
// them, and decrypting a bot's secrets on each one would cost more than the
// send. Any change made through this Store clears it; another process's changes
// show within the TTL.
type botCache struct {
	mu      sync.Mutex
	ttl     time.Duration
	now     func() time.Time
	entries map[string]cacheEntry
}

type cacheEntry struct {
	value   any
	expires time.Time
}

func newBotCache(ttl time.Duration, now func() time.Time) *botCache {
	return &botCache{ttl: ttl, now: now, entries: map[string]cacheEntry{}}
}

func (c *botCache) get(key string) (any, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || c.now().After(e.expires) {
		return nil, false
	}
	return e.value, true
}

func (c *botCache) put(key string, value any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) > 100_000 {
		c.entries = map[string]cacheEntry{} // bound memory against a flood of distinct keys
	}
	c.entries[key] = cacheEntry{value: value, expires: c.now().Add(c.ttl)}
}

func (c *botCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries = map[string]cacheEntry{}
}
