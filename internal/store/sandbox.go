package store

import (
	"context"
	"database/sql"
	"errors"
)

// The sandbox keeps a few named values across restarts, so that what a user
// copied and built survives: the admin token, the demo bot's API key, the
// console user demo's password, the fake Graph's added pages and users, the
// callback inbox. Each is sealed at rest and bound to its name, so one
// cannot be swapped for another.

// SandboxValue returns a value the sandbox keeps across restarts, or "" when
// it has none yet.
func (s *Store) SandboxValue(ctx context.Context, name string) (string, error) {
	var sealed string
	err := s.queryRow(ctx, `SELECT value FROM sandbox_values WHERE name = $1`, name).Scan(&sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	plain, err := s.box.Open(sealed, "sandbox:"+name)
	return string(plain), err
}

// SetSandboxValue keeps a sandbox value, sealed and bound to its name.
func (s *Store) SetSandboxValue(ctx context.Context, name, value string) error {
	sealed := s.box.Seal([]byte(value), "sandbox:"+name)
	return s.Write(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(`DELETE FROM sandbox_values WHERE name = $1`, name); err != nil {
			return err
		}
		_, err := tx.Exec(`INSERT INTO sandbox_values (name, value) VALUES ($1, $2)`, name, sealed)
		return err
	})
}

// ResetSandbox forgets every sandbox value.
func (s *Store) ResetSandbox(ctx context.Context) error {
	return s.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(`DELETE FROM sandbox_values`)
		return err
	})
}
