package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// The sandbox's state is a small set of named values that make a sandbox
// keep its identity across restarts. Names are chosen by their users; those
// in use:
//
//	admin-token       the generated admin token (secret)
//	demo-api-key      the demo bot's API key (secret)
//	console-password  the demo console user's password (secret)
//	fake-pages        the fake Graph's pages added through its control API (JSON)
//	fake-users        the fake Graph's users added through its control API (JSON)
//	inbox             the sandbox callback inbox (JSON)
//
// Secrets are sealed with the store's key, bound to their name, and are
// never returned by SandboxValue; values are kept as given.

// SandboxSecret returns the secret kept under name, "" when there is none.
func (s *Store) SandboxSecret(ctx context.Context, name string) (string, error) {
	v, sealed, err := s.sandboxRow(ctx, name)
	if err != nil || v == "" {
		return "", err
	}
	if !sealed {
		return "", fmt.Errorf("sandbox state %q is not a secret", name)
	}
	plain, err := s.box.Open(v, sandboxContext(name))
	if err != nil {
		return "", fmt.Errorf("sandbox secret %q: %w", name, err)
	}
	return string(plain), nil
}

// SetSandboxSecret seals value and keeps it under name.
func (s *Store) SetSandboxSecret(ctx context.Context, name, value string) error {
	return s.putSandbox(ctx, name, s.box.Seal([]byte(value), sandboxContext(name)), true)
}

// SandboxValue returns the plain value kept under name, nil when there is none.
func (s *Store) SandboxValue(ctx context.Context, name string) ([]byte, error) {
	v, sealed, err := s.sandboxRow(ctx, name)
	if err != nil || v == "" {
		return nil, err
	}
	if sealed {
		return nil, fmt.Errorf("sandbox state %q is a secret", name)
	}
	return []byte(v), nil
}

// SetSandboxValue keeps value under name, unsealed.
func (s *Store) SetSandboxValue(ctx context.Context, name string, value []byte) error {
	return s.putSandbox(ctx, name, string(value), false)
}

// ResetSandbox forgets every sandbox value and secret.
func (s *Store) ResetSandbox(ctx context.Context) error {
	return s.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(`DELETE FROM sandbox_state`)
		return err
	})
}

func (s *Store) sandboxRow(ctx context.Context, name string) (value string, sealed bool, err error) {
	err = s.queryRow(ctx, `SELECT value, sealed FROM sandbox_state WHERE name = $1`, name).Scan(&value, &sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	return value, sealed, err
}

func (s *Store) putSandbox(ctx context.Context, name, value string, sealed bool) error {
	return s.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(`INSERT INTO sandbox_state (name, value, sealed, updated_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (name) DO UPDATE SET value = excluded.value, sealed = excluded.sealed, updated_at = excluded.updated_at`,
			name, value, sealed, ms(tx.Now()))
		return err
	})
}

// sandboxContext binds a sealed value to its name, so one cannot be swapped for another.
func sandboxContext(name string) string { return "sandbox:" + name }
