package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/seal"
)

// User is a person who signs in to the console. The password hash never
// leaves the store.
type User struct {
	ID        string    `json:"id"`
	Username  string    `json:"username"`
	Role      core.Role `json:"role"`
	Disabled  bool      `json:"disabled"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	hash      string
}

const userColumns = `id, username, password_hash, role, disabled, created_at, updated_at`

// CreateUser adds a console user; a taken username is a conflict.
func (s *Store) CreateUser(ctx context.Context, username, password string, role core.Role) (*User, error) {
	if err := core.CheckUsername("username", username); err != nil {
		return nil, err
	}
	if err := core.CheckRole("role", role); err != nil {
		return nil, err
	}
	if err := core.CheckPassword("password", password); err != nil {
		return nil, err
	}
	hash := seal.HashPassword(password) // slow: outside the shared transaction
	var u *User
	err := s.Write(ctx, func(tx *Tx) error {
		u = &User{ID: core.NewID("usr_", tx.Now()), Username: username, Role: role, CreatedAt: tx.Now(), UpdatedAt: tx.Now(), hash: hash}
		var taken int
		err := tx.QueryRow(`SELECT 1 FROM console_users WHERE username = $1`, username).Scan(&taken)
		if err == nil {
			return core.Errorf(core.KindConflict, "user %s already exists", username)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		_, err = tx.Exec(`INSERT INTO console_users (`+userColumns+`) VALUES ($1, $2, $3, $4, FALSE, $5, $5)`,
			u.ID, username, hash, string(role), ms(tx.Now()))
		if isUnique(err) {
			return core.Errorf(core.KindConflict, "user %s already exists", username)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// ListUsers lists console users by username.
func (s *Store) ListUsers(ctx context.Context) ([]*User, error) {
	rows, err := s.query(ctx, `SELECT `+userColumns+` FROM console_users ORDER BY username`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var users []*User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		users = append(users, u)
	}
	return users, rows.Err()
}

// CountUsers says how many console users exist (none: a fresh install).
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := s.queryRow(ctx, `SELECT COUNT(*) FROM console_users`).Scan(&n)
	return n, err
}

// GetUser finds a user by username.
func (s *Store) GetUser(ctx context.Context, username string) (*User, error) {
	return scanUser(s.queryRow(ctx, `SELECT `+userColumns+` FROM console_users WHERE username = $1`, username))
}

// CheckUserPassword returns the enabled user whose password this is, or
// KindBadCredential saying nothing of which part was wrong.
func (s *Store) CheckUserPassword(ctx context.Context, username, password string) (*User, error) {
	u, err := s.GetUser(ctx, username)
	if core.ErrorKind(err) == core.KindNotFound {
		// Spend the same time as for a real user, so timing tells no names.
		_, _ = seal.CheckPassword(dummyHash, password)
		return nil, core.Errorf(core.KindBadCredential, "wrong username or password")
	}
	if err != nil {
		return nil, err
	}
	ok, err := seal.CheckPassword(u.hash, password)
	if err != nil {
		return nil, err
	}
	if !ok || u.Disabled {
		return nil, core.Errorf(core.KindBadCredential, "wrong username or password")
	}
	return u, nil
}

var dummyHash = seal.HashPassword("not a password anyone has")

// UserChange is a change to a user; nil fields stay as they are.
type UserChange struct {
	Role     *core.Role
	Disabled *bool
	Password *string
}

// UpdateUser applies a change. Disabling a user or setting a password ends
// the user's sessions.
func (s *Store) UpdateUser(ctx context.Context, username string, c UserChange) (*User, error) {
	if c.Role != nil {
		if err := core.CheckRole("role", *c.Role); err != nil {
			return nil, err
		}
	}
	hash := ""
	if c.Password != nil {
		if err := core.CheckPassword("password", *c.Password); err != nil {
			return nil, err
		}
		hash = seal.HashPassword(*c.Password)
	}
	var u *User
	err := s.Write(ctx, func(tx *Tx) error {
		var err error
		if u, err = scanUser(tx.QueryRow(`SELECT `+userColumns+` FROM console_users WHERE username = $1`, username)); err != nil {
			return err
		}
		if c.Role != nil {
			u.Role = *c.Role
		}
		if c.Disabled != nil {
			u.Disabled = *c.Disabled
		}
		if hash != "" {
			u.hash = hash
		}
		u.UpdatedAt = tx.Now()
		if _, err := tx.Exec(`UPDATE console_users SET role = $2, disabled = $3, password_hash = $4, updated_at = $5 WHERE id = $1`,
			u.ID, string(u.Role), u.Disabled, u.hash, ms(tx.Now())); err != nil {
			return err
		}
		if u.Disabled || hash != "" {
			_, err = tx.Exec(`DELETE FROM console_sessions WHERE user_id = $1`, u.ID)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// DeleteUser removes a user and their sessions.
func (s *Store) DeleteUser(ctx context.Context, username string) error {
	return s.Write(ctx, func(tx *Tx) error {
		u, err := scanUser(tx.QueryRow(`SELECT `+userColumns+` FROM console_users WHERE username = $1`, username))
		if err != nil {
			return err
		}
		if _, err := tx.Exec(`DELETE FROM console_sessions WHERE user_id = $1`, u.ID); err != nil {
			return err
		}
		_, err = tx.Exec(`DELETE FROM console_users WHERE id = $1`, u.ID)
		return err
	})
}

func scanUser(row scanner) (*User, error) {
	var u User
	var role string
	var created, updated int64
	err := row.Scan(&u.ID, &u.Username, &u.hash, &role, &u.Disabled, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, core.Errorf(core.KindNotFound, "no such user")
	}
	if err != nil {
		return nil, err
	}
	u.Role, u.CreatedAt, u.UpdatedAt = core.Role(role), fromMS(created), fromMS(updated)
	return &u, nil
}
