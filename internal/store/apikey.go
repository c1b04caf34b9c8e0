package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/seal"
)

// APIKey describes a key; the key itself is shown once, at creation.
type APIKey struct {
	ID        string    `json:"id"`
	BotID     string    `json:"bot_id"`
	Enabled   bool      `json:"enabled"`
	Scopes    []string  `json:"scopes"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// API keys read "bgk_<key id>.<secret>": the id finds the row, the hash of the
// whole key is compared in constant time.
const keyPrefix = "bgk_"

// CreateAPIKey makes a key with every scope for a live bot and returns it
// with the only copy of the key.
func (s *Store) CreateAPIKey(ctx context.Context, botID string) (*APIKey, string, error) {
	return s.CreateScopedAPIKey(ctx, botID, core.Scopes)
}

// CreateScopedAPIKey makes a key with the given scopes (checked by
// core.ParseScopes) for a live bot.
func (s *Store) CreateScopedAPIKey(ctx context.Context, botID string, scopes []string) (*APIKey, string, error) {
	var k *APIKey
	var key string
	err := s.Write(ctx, func(tx *Tx) error {
		var exists int
		err := tx.QueryRow(`SELECT 1 FROM bots WHERE id = $1 AND deleted_at IS NULL`, botID).Scan(&exists)
		if errors.Is(err, sql.ErrNoRows) {
			return core.Errorf(core.KindNotFound, "no bot %s", botID)
		}
		if err != nil {
			return err
		}
		id := core.NewID("key_", tx.Now())
		key = keyPrefix + strings.TrimPrefix(id, "key_") + "." + seal.Random(20)
		k = &APIKey{ID: id, BotID: botID, Enabled: true, Scopes: scopes, CreatedAt: tx.Now(), UpdatedAt: tx.Now()}
		_, err = tx.Exec(`INSERT INTO api_keys (id, bot_id, hash, enabled, scopes, created_at, updated_at) VALUES ($1, $2, $3, TRUE, $4, $5, $5)`,
			id, botID, seal.Hash(key), strings.Join(scopes, " "), ms(tx.Now()))
		return err
	})
	return k, key, err
}

// SetAPIKeyEnabled enables or disables a key.
func (s *Store) SetAPIKeyEnabled(ctx context.Context, id string, enabled bool) (*APIKey, error) {
	var k *APIKey
	err := s.Write(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(`UPDATE api_keys SET enabled = $2, updated_at = $3 WHERE id = $1`, id, enabled, ms(tx.Now())); err != nil {
			return err
		}
		var err error
		k, err = scanAPIKey(tx.QueryRow(`SELECT id, bot_id, enabled, scopes, created_at, updated_at FROM api_keys WHERE id = $1`, id))
		return err
	})
	s.bots.clear()
	return k, err
}

// DeleteAPIKey revokes a key for good.
func (s *Store) DeleteAPIKey(ctx context.Context, id string) error {
	err := s.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(`DELETE FROM api_keys WHERE id = $1`, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return core.Errorf(core.KindNotFound, "no API key %s", id)
		}
		return nil
	})
	s.bots.clear()
	return err
}

// ListAPIKeys lists a bot's keys, without the keys themselves.
func (s *Store) ListAPIKeys(ctx context.Context, botID string) ([]*APIKey, error) {
	rows, err := s.query(ctx, `SELECT id, bot_id, enabled, scopes, created_at, updated_at FROM api_keys WHERE bot_id = $1 ORDER BY created_at, id`, botID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var keys []*APIKey
	for rows.Next() {
		k, err := scanAPIKey(rows)
		if err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return keys, rows.Err()
}

func scanAPIKey(row scanner) (*APIKey, error) {
	var k APIKey
	var created, updated int64
	var scopes string
	err := row.Scan(&k.ID, &k.BotID, &k.Enabled, &scopes, &created, &updated)
	k.Scopes = strings.Fields(scopes)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, core.Errorf(core.KindNotFound, "no such API key")
	}
	k.CreatedAt, k.UpdatedAt = fromMS(created), fromMS(updated)
	return &k, err
}

// Authenticate returns the bot a key belongs to: KindBadCredential for an
// unknown, disabled or revoked key, KindBotGone when its bot was deleted.
func (s *Store) Authenticate(ctx context.Context, key string) (*core.Bot, error) {
	b, _, err := s.AuthenticateKey(ctx, key)
	return b, err
}

// AuthenticateKey is Authenticate that also returns the key's scopes.
func (s *Store) AuthenticateKey(ctx context.Context, key string) (*core.Bot, []string, error) {
	hash := seal.Hash(key)
	k, err := s.keyBot(ctx, key, hash)
	if err != nil {
		return nil, nil, err
	}
	b, err := s.GetBot(ctx, k.botID)
	if err != nil {
		return nil, nil, err
	}
	if b.Deleted {
		return nil, nil, core.Errorf(core.KindBotGone, "the bot of this API key was deleted")
	}
	return b, k.scopes, nil
}

// keyEntry is what the cache keeps of a key check; a zero entry is a refusal.
type keyEntry struct {
	botID  string
	scopes []string
}

func (s *Store) keyBot(ctx context.Context, key, hash string) (keyEntry, error) {
	refused := core.Errorf(core.KindBadCredential, "invalid or disabled API key")
	if v, ok := s.bots.get("key:" + hash); ok {
		if k := v.(keyEntry); k.botID != "" {
			return k, nil
		}
		return keyEntry{}, refused
	}
	rest, ok := strings.CutPrefix(key, keyPrefix)
	id, _, ok2 := strings.Cut(rest, ".")
	if !ok || !ok2 {
		return keyEntry{}, refused
	}
	var botID, stored, scopes string
	var enabled bool
	err := s.queryRow(ctx, `SELECT bot_id, hash, enabled, scopes FROM api_keys WHERE id = $1`, "key_"+id).Scan(&botID, &stored, &enabled, &scopes)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return keyEntry{}, err
	}
	if err != nil || !seal.Equal(stored, hash) || !enabled {
		s.bots.put("key:"+hash, keyEntry{}) // remember refusals too: a flood of bad keys stays off the database
		return keyEntry{}, refused
	}
	k := keyEntry{botID: botID, scopes: strings.Fields(scopes)}
	s.bots.put("key:"+hash, k)
	return k, nil
}
