package queue

import "sync"

// Handoff passes what a job works on from the code that enqueued it to the
// handler, when both run in this process, sparing the handler a database
// read. It is only a shortcut: a handler that finds nothing reads the
// database, as it must for jobs from other processes, retries and restarts.
type Handoff[T any] struct {
	mu    sync.Mutex
	items map[string]T
	max   int
}

// NewHandoff holds at most max items; past that, an arbitrary one makes
// room (its handler reads the database instead). Items of jobs that another
// process ran are never taken, and leave this way.
func NewHandoff[T any](max int) *Handoff[T] {
	return &Handoff[T]{items: map[string]T{}, max: max}
}

// Put offers v for the job working on ref.
func (h *Handoff[T]) Put(ref string, v T) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.items) >= h.max {
		for k := range h.items {
			delete(h.items, k)
			break
		}
	}
	h.items[ref] = v
}

// Take returns and forgets what was put for ref. Only a job's first claim
// (Attempt 1) may use it: by a later claim the work may have moved on.
func (h *Handoff[T]) Take(ref string) (T, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	v, ok := h.items[ref]
	delete(h.items, ref)
	return v, ok
}
