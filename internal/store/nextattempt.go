package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// NextAttempts returns when the waiting job of kind for each of refs (a
// message or delivery id) will next run; refs with no waiting job (done,
// failed, or being worked on now) are absent.
func (s *Store) NextAttempts(ctx context.Context, kind string, refs ...string) (map[string]time.Time, error) {
	out := map[string]time.Time{}
	if len(refs) == 0 {
		return out, nil
	}
	args := []any{kind}
	marks := make([]string, len(refs))
	for i, r := range refs {
		args = append(args, r)
		marks[i] = fmt.Sprintf("$%d", i+2)
	}
	rows, err := s.read.QueryContext(ctx, `SELECT ref, run_at FROM jobs WHERE kind = $1 AND state IN ('available', 'retryable')
		AND ref IN (`+strings.Join(marks, ", ")+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var ref string
		var at int64
		if err := rows.Scan(&ref, &at); err != nil {
			return nil, err
		}
		out[ref] = fromMS(at)
	}
	return out, rows.Err()
}
