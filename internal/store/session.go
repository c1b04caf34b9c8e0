package store

import (
	"context"
	"strings"
	"time"

	"github.com/botgate/botgate/internal/seal"
)

// Session is a signed-in browser. Its id lives only in the cookie; the
// database keeps its hash, so every instance sharing the database knows it.
type Session struct {
	Hash       string
	User       *User
	Addr       string
	CreatedAt  time.Time
	LastSeenAt time.Time
}

// CreateSession starts a session for a user and returns the cookie's id.
func (s *Store) CreateSession(ctx context.Context, userID, addr string) (string, error) {
	id := seal.Random(32)
	err := s.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(`INSERT INTO console_sessions (hash, user_id, addr, created_at, last_seen_at) VALUES ($1, $2, $3, $4, $4)`,
			seal.Hash(id), userID, addr, ms(tx.Now()))
		return err
	})
	return id, err
}

// GetSession finds the session of a cookie's id with its user, or
// KindNotFound. Whether it has expired is the caller's rule.
func (s *Store) GetSession(ctx context.Context, id string) (*Session, error) {
	var sess Session
	var created, seen int64
	row := s.queryRow(ctx, `SELECT s.hash, s.addr, s.created_at, s.last_seen_at, `+prefixed("u.", userColumns)+`
		FROM console_sessions s JOIN console_users u ON u.id = s.user_id WHERE s.hash = $1`, seal.Hash(id))
	u, err := scanUser(scanFunc(func(dest ...any) error {
		return row.Scan(append([]any{&sess.Hash, &sess.Addr, &created, &seen}, dest...)...)
	}))
	if err != nil {
		return nil, err
	}
	sess.User, sess.CreatedAt, sess.LastSeenAt = u, fromMS(created), fromMS(seen)
	return &sess, nil
}

// TouchSession records that a session was used now (its idle clock restarts).
func (s *Store) TouchSession(ctx context.Context, hash string) error {
	return s.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(`UPDATE console_sessions SET last_seen_at = $2 WHERE hash = $1`, hash, ms(tx.Now()))
		return err
	})
}

// DeleteSession ends a session (sign-out, or found expired).
func (s *Store) DeleteSession(ctx context.Context, hash string) error {
	return s.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(`DELETE FROM console_sessions WHERE hash = $1`, hash)
		return err
	})
}

// PruneConsole forgets sessions unused for idle or older than absolute, and
// failed sign-ins older than window.
func (s *Store) PruneConsole(ctx context.Context, idle, absolute, window time.Duration) error {
	return s.Write(ctx, func(tx *Tx) error {
		now := tx.Now()
		if _, err := tx.Exec(`DELETE FROM console_sessions WHERE last_seen_at < $1 OR created_at < $2`, ms(now.Add(-idle)), ms(now.Add(-absolute))); err != nil {
			return err
		}
		_, err := tx.Exec(`DELETE FROM console_signin_failures WHERE at < $1`, ms(now.Add(-window)))
		return err
	})
}

type scanFunc func(dest ...any) error

func (f scanFunc) Scan(dest ...any) error { return f(dest...) }

// prefixed qualifies each of a comma-separated column list with prefix.
func prefixed(prefix, columns string) string {
	cols := strings.Split(columns, ", ")
	for i, c := range cols {
		cols[i] = prefix + c
	}
	return strings.Join(cols, ", ")
}
