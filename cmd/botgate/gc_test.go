package main

import (
	"runtime/debug"
	"testing"
)

// TestGCDefaults: serve sets its collector's defaults only where the
// environment does not, so GOGC and GOMEMLIMIT keep Go's meaning.
func TestGCDefaults(t *testing.T) {
	percent, limit := debug.SetGCPercent(100), debug.SetMemoryLimit(-1)
	defer func() { debug.SetGCPercent(percent); debug.SetMemoryLimit(limit) }()
	current := func() (int, int64) {
		p := debug.SetGCPercent(100)
		debug.SetGCPercent(p)
		return p, debug.SetMemoryLimit(-1)
	}
	for _, c := range []struct {
		env     map[string]string
		percent int
		limit   int64
	}{
		{env: map[string]string{}, percent: gcPercent, limit: memoryLimit},
		{env: map[string]string{"GOGC": "50"}, percent: 100, limit: memoryLimit},
		{env: map[string]string{"GOMEMLIMIT": "1GiB"}, percent: gcPercent, limit: 1 << 40},
	} {
		debug.SetGCPercent(100)
		debug.SetMemoryLimit(1 << 40) // stands for whatever the environment set
		gcDefaults(func(k string) (string, bool) { v, ok := c.env[k]; return v, ok })
		if p, l := current(); p != c.percent || l != c.limit {
			t.Errorf("env %v: GC percent %d, memory limit %d; want %d, %d", c.env, p, l, c.percent, c.limit)
		}
	}
}
