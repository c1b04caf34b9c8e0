package console

import (
	"sync"
	"time"
)

// overviewTTL is how long a computed overview is shown again to a poll.
// Every open tab polls the overview every 5 seconds; with many tabs open,
// each bot filter still costs the database one computation per overviewTTL.
// A page loaded in full (someone navigating to it) is computed afresh.
const overviewTTL = 3 * time.Second

// overviewCache keeps the last overview computed per bot filter ("" is all
// bots). Its clock is the wall clock, not the console's: a test's frozen
// clock must not freeze the page.
type overviewCache struct {
	mu      sync.Mutex
	entries map[string]*overviewEntry
}

type overviewEntry struct {
	mu       sync.Mutex // held while computing: concurrent polls wait for one computation
	computed time.Time
	data     overviewData
}

// get returns the overview of botID, computing it when none is younger than
// maxAge. Failures are not kept.
func (oc *overviewCache) get(botID string, maxAge time.Duration, compute func(botID string) (overviewData, error)) (overviewData, error) {
	oc.mu.Lock()
	if oc.entries == nil {
		oc.entries = map[string]*overviewEntry{}
	}
	e, ok := oc.entries[botID]
	if !ok {
		if len(oc.entries) >= 1000 { // filters are bot ids; bound what odd URLs can add
			clear(oc.entries)
		}
		e = &overviewEntry{}
		oc.entries[botID] = e
	}
	oc.mu.Unlock()

	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.computed.IsZero() && time.Since(e.computed) < maxAge {
		return e.data, nil
	}
	d, err := compute(botID)
	if err != nil {
		return d, err
	}
	e.data, e.computed = d, time.Now()
	return d, nil
}
