package queue

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/botgate/botgate/internal/store"
)

// KindStats counts one kind's jobs by state, as an operator reads them:
//
//   - Waiting: available and due, not yet claimed.
//   - Scheduled: available but not due yet (a rate-limit turn, a delayed job).
//   - Running: claimed (its lease may have run out; it is claimed again soon).
//   - Retrying: failed at least once and waiting for its next attempt.
//   - Dead: out of attempts, kept for inspection.
//
// OldestWaiting is how long the most overdue claimable job (waiting, or
// retrying and due) has been due: it grows when no worker takes jobs.
type KindStats struct {
	Kind                                        string
	Waiting, Scheduled, Running, Retrying, Dead int
	OldestWaiting                               time.Duration
}

// Stats is the queue at one moment, one entry per kind that has jobs,
// sorted by kind.
type Stats struct {
	At    time.Time
	Kinds []KindStats
}

// Total adds up every kind.
func (s Stats) Total() KindStats {
	t := KindStats{Kind: "all"}
	for _, k := range s.Kinds {
		t.Waiting += k.Waiting
		t.Scheduled += k.Scheduled
		t.Running += k.Running
		t.Retrying += k.Retrying
		t.Dead += k.Dead
		t.OldestWaiting = max(t.OldestWaiting, k.OldestWaiting)
	}
	return t
}

// ReadStats counts the jobs table, and the jobs of record tables, in one read-only query on the reader pool.
// It scans the table, so callers that poll (metrics scrapes, a dashboard
// page) should cache it for a few seconds.
func ReadStats(ctx context.Context, s *store.Store) (Stats, error) {
	now := s.Now()
	q := `SELECT kind, state, CASE WHEN run_at <= $1 THEN 1 ELSE 0 END, COUNT(*), MIN(run_at)
		FROM jobs GROUP BY 1, 2, 3`
	// Record tables are large (their rows outlive their jobs): each part
	// reads only the rows of one partial index, the live jobs or the dead.
	for _, t := range records {
		q += ` UNION ALL SELECT '` + t.kind + `', ` + t.state + `, CASE WHEN run_at <= $1 THEN 1 ELSE 0 END, COUNT(*), MIN(run_at)
		FROM ` + t.name + ` WHERE ` + t.live + ` GROUP BY 2, 3
		UNION ALL SELECT '` + t.kind + `', ` + t.state + `, 0, COUNT(*), 0 FROM ` + t.name + ` WHERE ` + t.state + ` = 'discarded' GROUP BY 2`
	}
	rows, err := s.Read(ctx, q, now.UnixMilli())
	if err != nil {
		return Stats{}, fmt.Errorf("queue: stats: %w", err)
	}
	defer rows.Close()
	byKind := map[string]*KindStats{}
	for rows.Next() {
		var kind, state string
		var due, n int
		var oldest int64
		if err := rows.Scan(&kind, &state, &due, &n, &oldest); err != nil {
			return Stats{}, fmt.Errorf("queue: stats: %w", err)
		}
		k := byKind[kind]
		if k == nil {
			k = &KindStats{Kind: kind}
			byKind[kind] = k
		}
		claimable := false
		switch {
		case state == StateAvailable && due == 1:
			k.Waiting += n
			claimable = true
		case state == StateAvailable:
			k.Scheduled += n
		case state == StateRunning:
			k.Running += n
		case state == StateRetryable:
			k.Retrying += n
			claimable = due == 1
		case state == StateDiscarded:
			k.Dead += n
		}
		if claimable {
			k.OldestWaiting = max(k.OldestWaiting, now.Sub(time.UnixMilli(oldest)))
		}
	}
	if err := rows.Err(); err != nil {
		return Stats{}, fmt.Errorf("queue: stats: %w", err)
	}
	st := Stats{At: now}
	for _, k := range byKind {
		st.Kinds = append(st.Kinds, *k)
	}
	slices.SortFunc(st.Kinds, func(a, b KindStats) int { return strings.Compare(a.Kind, b.Kind) })
	return st, nil
}
