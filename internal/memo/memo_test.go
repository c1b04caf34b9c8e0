package memo

import (
	"errors"
	"sync"
	"testing"
	"time"
)

// Gets of one key within MaxAge share one computation; another key
// computes its own; MaxAge(0) computes afresh and later gets share it; a
// failure is not kept; Forget drops a value.
func TestCacheSharesComputations(t *testing.T) {
	var c Cache[int]
	calls := map[string]int{}
	compute := func(key string) func() (int, error) {
		return func() (int, error) { calls[key]++; return calls[key], nil }
	}
	for range 3 {
		if v, err := c.Get("a", MaxAge(time.Hour), compute("a")); err != nil || v != 1 {
			t.Fatalf("a: %d %v", v, err)
		}
	}
	if v, _ := c.Get("b", MaxAge(time.Hour), compute("b")); v != 1 || calls["a"] != 1 {
		t.Errorf("b: %d; computations %v, want one per key", v, calls)
	}
	if v, _ := c.Get("a", MaxAge(0), compute("a")); v != 2 {
		t.Errorf("MaxAge(0): %d", v)
	}
	if v, _ := c.Get("a", MaxAge(time.Hour), compute("a")); v != 2 {
		t.Errorf("after MaxAge(0): %d", v)
	}
	boom := errors.New("database down")
	if _, err := c.Get("c", MaxAge(time.Hour), func() (int, error) { return 0, boom }); !errors.Is(err, boom) {
		t.Errorf("failure: %v", err)
	}
	if v, err := c.Get("c", MaxAge(time.Hour), compute("c")); err != nil || v != 1 {
		t.Errorf("after a failure: %d %v", v, err)
	}
	c.Forget("a")
	if v, _ := c.Get("a", MaxAge(time.Hour), compute("a")); v != 3 {
		t.Errorf("after Forget: %d", v)
	}
}

// Fresh sees what the kept value cost to compute.
func TestCacheFreshSeesCost(t *testing.T) {
	var c Cache[int]
	var seen time.Duration
	slow := func() (int, error) { time.Sleep(20 * time.Millisecond); return 1, nil }
	c.Get("k", MaxAge(0), slow)
	c.Get("k", func(age, cost time.Duration) bool { seen = cost; return true }, slow)
	if seen < 20*time.Millisecond {
		t.Errorf("cost seen %v, want at least the 20ms the computation slept", seen)
	}
}

// Concurrent gets of one key wait for one computation.
func TestCacheConcurrentGetsComputeOnce(t *testing.T) {
	var c Cache[int]
	var mu sync.Mutex
	n := 0
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.Get("k", MaxAge(time.Hour), func() (int, error) {
				time.Sleep(10 * time.Millisecond)
				mu.Lock()
				defer mu.Unlock()
				n++
				return n, nil
			})
		}()
	}
	wg.Wait()
	if n != 1 {
		t.Errorf("%d computations, want 1", n)
	}
}
