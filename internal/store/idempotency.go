package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Idempotent is a stored idempotency key: the request it was first used for
// and, once that request finished, its answer.
type Idempotent struct {
	Operation   string
	RequestHash string
	Status      int // 0 while the first request runs
	Headers     string
	Body        string
}

// AbandonedAfter is how long a claimed key may stay without an answer before
// it counts as abandoned: no request runs that long (Prefer: wait is at most
// 30 s, the sync bound is seconds), so such a claim belongs to a process that
// died mid-request, and a retry takes the key over instead of answering 409
// until the key expires. Taking it over sends nothing twice: a message's key
// is its request id, which the core refuses to send again.
const AbandonedAfter = 5 * time.Minute

// BeginIdempotent claims key for a bot's request. It returns nil when the
// key is new (or its record older than ttl, or an abandoned claim, which are
// forgotten): the caller
// runs the request and then calls FinishIdempotent or ForgetIdempotent.
// Otherwise it returns the key's record, for the caller to compare and replay.
func (s *Store) BeginIdempotent(ctx context.Context, botID, key, operation, hash string, ttl time.Duration) (*Idempotent, error) {
	var found *Idempotent
	err := s.WriteUrgent(ctx, func(tx *Tx) error {
		found = nil
		if _, err := tx.Exec(`DELETE FROM idempotency_keys WHERE bot_id = $1 AND key = $2 AND (created_at < $3 OR status = 0 AND created_at < $4)`,
			botID, key, ms(tx.Now().Add(-ttl)), ms(tx.Now().Add(-AbandonedAfter))); err != nil {
			return err
		}
		res, err := tx.Exec(`INSERT INTO idempotency_keys (bot_id, key, operation, request_hash, created_at)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT (bot_id, key) DO NOTHING`, botID, key, operation, hash, ms(tx.Now()))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return nil
		}
		var r Idempotent
		err = tx.QueryRow(`SELECT operation, request_hash, status, headers, body FROM idempotency_keys WHERE bot_id = $1 AND key = $2`,
			botID, key).Scan(&r.Operation, &r.RequestHash, &r.Status, &r.Headers, &r.Body)
		if errors.Is(err, sql.ErrNoRows) {
			return errors.New("store: idempotency key vanished while claimed")
		}
		found = &r
		return err
	})
	return found, err
}

// GetIdempotent returns a key's record, nil when the key is not kept (or
// its record is older than ttl). It only reads: a message accept looks
// before it runs, and claims nothing (the message row is the claim).
func (s *Store) GetIdempotent(ctx context.Context, botID, key string, ttl time.Duration) (*Idempotent, error) {
	var r Idempotent
	err := s.queryRow(ctx, `SELECT operation, request_hash, status, headers, body FROM idempotency_keys
		WHERE bot_id = $1 AND key = $2 AND created_at >= $3 AND NOT (status = 0 AND created_at < $4)`,
		botID, key, ms(s.now().Add(-ttl)), ms(s.now().Add(-AbandonedAfter))).Scan(&r.Operation, &r.RequestHash, &r.Status, &r.Headers, &r.Body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// KeepIdempotent stores a finished answer under key without a claim first,
// unless the key is kept already: for a message accept's refusal, which
// wrote no message row to answer from.
func (s *Store) KeepIdempotent(ctx context.Context, botID, key, operation, hash string, status int, headers, body string) error {
	return s.WriteUrgent(ctx, func(tx *Tx) error {
		_, err := tx.Exec(`INSERT INTO idempotency_keys (bot_id, key, operation, request_hash, status, headers, body, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (bot_id, key) DO NOTHING`,
			botID, key, operation, hash, status, headers, body, ms(tx.Now()))
		return err
	})
}

// FinishIdempotent stores the answer of the request that claimed key.
func (s *Store) FinishIdempotent(ctx context.Context, botID, key string, status int, headers, body string) error {
	return s.WriteUrgent(ctx, func(tx *Tx) error {
		_, err := tx.Exec(`UPDATE idempotency_keys SET status = $3, headers = $4, body = $5 WHERE bot_id = $1 AND key = $2`,
			botID, key, status, headers, body)
		return err
	})
}

// ForgetIdempotent releases key after a request that failed on botgate's
// side, so that the client's retry runs again.
func (s *Store) ForgetIdempotent(ctx context.Context, botID, key string) error {
	return s.WriteUrgent(ctx, func(tx *Tx) error {
		_, err := tx.Exec(`DELETE FROM idempotency_keys WHERE bot_id = $1 AND key = $2`, botID, key)
		return err
	})
}

// PruneIdempotent forgets keys older than ttl.
func (s *Store) PruneIdempotent(ctx context.Context, ttl time.Duration) error {
	return s.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(`DELETE FROM idempotency_keys WHERE created_at < $1`, ms(tx.Now().Add(-ttl)))
		return err
	})
}
