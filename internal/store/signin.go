package store

import (
	"context"
	"time"
)

// SigninFailures counts the failed sign-ins recorded under key since a time,
// and returns the oldest of them (when the count will first drop).
func (s *Store) SigninFailures(ctx context.Context, key string, since time.Time) (int, time.Time, error) {
	var n int
	var oldest *int64
	err := s.queryRow(ctx, `SELECT COUNT(*), MIN(at) FROM console_signin_failures WHERE key = $1 AND at > $2`, key, ms(since)).Scan(&n, &oldest)
	if err != nil || oldest == nil {
		return n, time.Time{}, err
	}
	return n, fromMS(*oldest), nil
}

// RecordSigninFailure counts a failed sign-in under each key, forgetting
// that key's failures older than keep.
func (s *Store) RecordSigninFailure(ctx context.Context, keep time.Duration, keys ...string) error {
	return s.Write(ctx, func(tx *Tx) error {
		for _, k := range keys {
			if _, err := tx.Exec(`DELETE FROM console_signin_failures WHERE key = $1 AND at < $2`, k, ms(tx.Now().Add(-keep))); err != nil {
				return err
			}
			if _, err := tx.Exec(`INSERT INTO console_signin_failures (key, at) VALUES ($1, $2)`, k, ms(tx.Now())); err != nil {
				return err
			}
		}
		return nil
	})
}

// ClearSigninFailures forgets a key's failures (a successful sign-in).
func (s *Store) ClearSigninFailures(ctx context.Context, key string) error {
	return s.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(`DELETE FROM console_signin_failures WHERE key = $1`, key)
		return err
	})
}
