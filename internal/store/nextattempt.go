package store

import (
	"context"
	"time"
)

// NextSendAttempts returns when each of the messages ids that waits for its
// send's next attempt will get it; the others (sent, failed, being sent now)
// are absent. A message is its own send job (queue.Messages).
func (s *Store) NextSendAttempts(ctx context.Context, ids ...string) (map[string]time.Time, error) {
	return s.nextAttempts(ctx, "messages", ids)
}

// NextDeliveryAttempts returns when each of the deliveries ids that waits
// for its next attempt will get it; the others (done, failed, being posted
// now) are absent.
func (s *Store) NextDeliveryAttempts(ctx context.Context, ids ...string) (map[string]time.Time, error) {
	return s.nextAttempts(ctx, "deliveries", ids)
}

// nextAttempts reads when each of a record table's rows ids (each its own
// job) runs next, for those waiting to.
func (s *Store) nextAttempts(ctx context.Context, table string, ids []string) (map[string]time.Time, error) {
	out := map[string]time.Time{}
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := s.read.QueryContext(ctx, `SELECT id, run_at FROM `+table+` WHERE job_state IN ('available', 'retryable')
		AND id IN (`+placeholders(1, len(ids))+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var at int64
		if err := rows.Scan(&id, &at); err != nil {
			return nil, err
		}
		out[id] = fromMS(at)
	}
	return out, rows.Err()
}
