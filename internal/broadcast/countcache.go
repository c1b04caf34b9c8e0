package broadcast

import (
	"context"
	"maps"
	"slices"
	"time"
)

// Counting a broadcast reads every recipient joined with its message:
// about 2 s for a million on SQLite, 0.7 s on PostgreSQL, on a 2-core
// machine. A live broadcast's console page asks every 2 s, and the list
// counts each broadcast on it, so each viewer of a large broadcast would
// keep a core busy. Counts that were dear to make are shared for a while
// instead, by every viewer in this process.
const (
	dearCount    = 100 * time.Millisecond // a count that took less is never kept
	keepFor      = 5                      // a kept count serves for this many times what it took…
	maxCountKeep = 30 * time.Second       // …and no longer than this
)

// countKeep is how long counts that took cost to make are kept: none
// when they were cheap, so small broadcasts' counts are always live.
func countKeep(cost time.Duration) time.Duration {
	if cost < dearCount {
		return 0
	}
	return min(keepFor*cost, maxCountKeep)
}

// counted is the part of a report its counting makes.
type counted struct {
	state             string // the broadcast's, when counted
	counts            Counts
	skipped, failed   map[string]int64
	hours             []HourCount
	estimatedFinishAt *time.Time
}

func countedOf(b *Broadcast) counted {
	return counted{b.State, b.Counts, b.SkippedByReason, b.FailedByReason, b.Hours, b.EstimatedFinishAt}
}

// into copies c into b, maps and slices anew: callers may change theirs,
// and c may be kept for others.
func (c counted) into(b *Broadcast) {
	b.Counts, b.SkippedByReason, b.FailedByReason = c.counts, maps.Clone(c.skipped), maps.Clone(c.failed)
	b.Hours, b.EstimatedFinishAt = slices.Clone(c.hours), c.estimatedFinishAt
}

// liveReport is report with the counts of a recent dear count of r, when
// there is one.
func (s *Service) liveReport(ctx context.Context, r *record) (*Broadcast, error) {
	keep := countKeep
	if s.keepCounts != nil {
		keep = s.keepCounts
	}
	get := func() (counted, error) {
		return s.counts.Get(r.id, func(age, cost time.Duration) bool { return age < keep(cost) }, func() (counted, error) {
			b, err := s.report(ctx, r)
			if err != nil {
				return counted{}, err
			}
			return countedOf(b), nil
		})
	}
	c, err := get()
	if err == nil && c.state != r.state {
		// Counted in another state: the broadcast has completed, paused
		// or been cancelled since (in any process), and its counts show
		// it at once.
		s.counts.Forget(r.id)
		c, err = get()
	}
	if err != nil {
		return nil, err
	}
	b := r.broadcast()
	c.into(b)
	return b, nil
}
