package store

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/botgate/botgate/internal/core"
)

// StatusCounts counts the messages created since since by status, of one
// bot when botID is given: one index range per status.
func (s *Store) StatusCounts(ctx context.Context, botID string, since time.Time) (map[core.Status]int, error) {
	out := map[core.Status]int{}
	for _, st := range core.Statuses {
		var q sqlWhere
		if botID != "" {
			q.add("bot_id = ?", botID)
		}
		q.add("status = ?", string(st))
		q.bound("id", ">=", idAt("msg_", since))
		var n int
		if err := s.queryRow(ctx, `SELECT COUNT(*) FROM messages`+q.sql(), q.args...).Scan(&n); err != nil {
			return nil, err
		}
		out[st] = n
	}
	return out, nil
}

// Reason is a failure reason and how many messages it failed.
type Reason struct {
	Message string
	Count   int
}

// FailureReasons groups the newest failures since since (up to 1,000 of
// them) by their error, most frequent first.
func (s *Store) FailureReasons(ctx context.Context, botID string, since time.Time) ([]Reason, error) {
	var q sqlWhere
	if botID != "" {
		q.add("bot_id = ?", botID)
	}
	q.add("status = ?", string(core.StatusFailed))
	q.bound("id", ">=", idAt("msg_", since))
	rows, err := s.query(ctx, `SELECT COALESCE(error, '') FROM messages`+q.sql()+` ORDER BY id DESC LIMIT 1000`, q.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	counts := map[string]int{}
	for rows.Next() {
		var raw string
		if err := rows.Scan(&raw); err != nil {
			return nil, err
		}
		var e core.Error
		_ = json.Unmarshal([]byte(raw), &e) // an unreadable error counts as its empty message
		counts[e.Message]++
	}
	out := make([]Reason, 0, len(counts))
	for m, n := range counts {
		out = append(out, Reason{Message: m, Count: n})
	}
	slices.SortFunc(out, func(a, b Reason) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return strings.Compare(a.Message, b.Message)
	})
	return out, rows.Err()
}

// PerMinute counts the messages created in each minute since since; minutes
// without any are absent.
func (s *Store) PerMinute(ctx context.Context, botID string, since time.Time) (map[time.Time]int, error) {
	var q sqlWhere
	if botID != "" {
		q.add("bot_id = ?", botID)
	}
	q.bound("id", ">=", idAt("msg_", since))
	rows, err := s.query(ctx, `SELECT created_at / 60000, COUNT(*) FROM messages`+q.sql()+` GROUP BY created_at / 60000`, q.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[time.Time]int{}
	for rows.Next() {
		var minute int64
		var n int
		if err := rows.Scan(&minute, &n); err != nil {
			return nil, err
		}
		out[fromMS(minute*60000)] = n
	}
	return out, rows.Err()
}

// DeliveryCounts counts deliveries to merchant URLs that are pending and
// that failed, of one bot when botID is given.
func (s *Store) DeliveryCounts(ctx context.Context, botID string) (pending, failed int, err error) {
	for _, c := range []struct {
		state string
		into  *int
	}{{core.DeliveryPending, &pending}, {core.DeliveryFailed, &failed}} {
		var q sqlWhere
		if botID != "" {
			q.add("bot_id = ?", botID)
		}
		q.add("state = ?", c.state)
		if err := s.queryRow(ctx, `SELECT COUNT(*) FROM deliveries`+q.sql(), q.args...).Scan(c.into); err != nil {
			return 0, 0, err
		}
	}
	return pending, failed, nil
}
