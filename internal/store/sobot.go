package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/botgate/botgate/internal/core"
)

// SobotApp is a credential of the Sobot face: an appid whose key signs
// get_token requests, covering the Facebook pages of its bots.
type SobotApp struct {
	ID        string    `json:"appid"`
	BotIDs    []string  `json:"bot_ids"`
	CreatedAt time.Time `json:"created_at"`
}

// The app key is sealed bound to its app, so a sealed key copied to another
// row does not open there.
func sobotKeyContext(appID string) string { return "sobot-app:" + appID }

// CreateSobotApp stores an app with its key sealed. Every bot must be live
// and serve a Messenger page.
func (s *Store) CreateSobotApp(ctx context.Context, id, key string, botIDs []string) (*SobotApp, error) {
	app := &SobotApp{ID: id, BotIDs: botIDs}
	err := s.Write(ctx, func(tx *Tx) error {
		app.CreatedAt = tx.Now()
		for i, b := range botIDs {
			var page sql.NullString
			err := tx.QueryRow(`SELECT page_id FROM bots WHERE id = $1 AND deleted_at IS NULL`, b).Scan(&page)
			if errors.Is(err, sql.ErrNoRows) {
				return core.Invalid(fmt.Sprintf("bot_ids[%d]", i), "no live bot %s", b)
			}
			if err != nil {
				return err
			}
			if !page.Valid {
				return core.Invalid(fmt.Sprintf("bot_ids[%d]", i), "bot %s has no Messenger page", b)
			}
		}
		_, err := tx.Exec(`INSERT INTO sobot_apps (id, app_key, created_at) VALUES ($1, $2, $3)`,
			id, s.box.Seal([]byte(key), sobotKeyContext(id)), ms(tx.Now()))
		if isUnique(err) {
			return core.Errorf(core.KindConflict, "app %s exists already", id)
		}
		if err != nil {
			return err
		}
		for _, b := range botIDs {
			if _, err := tx.Exec(`INSERT INTO sobot_app_bots (app_id, bot_id) VALUES ($1, $2)`, id, b); err != nil {
				return err
			}
		}
		return nil
	})
	return app, err
}

// ListSobotApps returns every app, oldest first, without keys.
func (s *Store) ListSobotApps(ctx context.Context) ([]*SobotApp, error) {
	rows, err := s.query(ctx, `SELECT a.id, a.created_at, b.bot_id FROM sobot_apps a
		LEFT JOIN sobot_app_bots b ON b.app_id = a.id ORDER BY a.created_at, a.id, b.bot_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	apps := []*SobotApp{}
	for rows.Next() {
		var id string
		var created int64
		var bot sql.NullString
		if err := rows.Scan(&id, &created, &bot); err != nil {
			return nil, err
		}
		if len(apps) == 0 || apps[len(apps)-1].ID != id {
			apps = append(apps, &SobotApp{ID: id, BotIDs: []string{}, CreatedAt: fromMS(created)})
		}
		if bot.Valid {
			last := apps[len(apps)-1]
			last.BotIDs = append(last.BotIDs, bot.String)
		}
	}
	return apps, rows.Err()
}

// DeleteSobotApp removes an app; its token stops working at once.
func (s *Store) DeleteSobotApp(ctx context.Context, id string) error {
	return s.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(`DELETE FROM sobot_apps WHERE id = $1`, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return core.Errorf(core.KindNotFound, "no app %s", id)
		}
		for _, q := range []string{`DELETE FROM sobot_app_bots WHERE app_id = $1`, `DELETE FROM sobot_tokens WHERE app_id = $1`,
			`DELETE FROM sobot_signs WHERE app_id = $1`} {
			if _, err := tx.Exec(q, id); err != nil {
				return err
			}
		}
		return nil
	})
}

// SobotAppKey returns an app's key, for checking a signature.
func (s *Store) SobotAppKey(ctx context.Context, id string) (string, error) {
	var sealed string
	err := s.queryRow(ctx, `SELECT app_key FROM sobot_apps WHERE id = $1`, id).Scan(&sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return "", core.Errorf(core.KindNotFound, "no app %s", id)
	}
	if err != nil {
		return "", err
	}
	key, err := s.box.Open(sealed, sobotKeyContext(id))
	if err != nil {
		return "", fmt.Errorf("store: app %s key: %w", id, err)
	}
	return string(key), nil
}

func (s *Store) sobotApp(ctx context.Context, id string, created int64) (*SobotApp, error) {
	rows, err := s.query(ctx, `SELECT bot_id FROM sobot_app_bots WHERE app_id = $1 ORDER BY bot_id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	app := &SobotApp{ID: id, BotIDs: []string{}, CreatedAt: fromMS(created)}
	for rows.Next() {
		var b string
		if err := rows.Scan(&b); err != nil {
			return nil, err
		}
		app.BotIDs = append(app.BotIDs, b)
	}
	return app, rows.Err()
}

// IssueSobotToken records a get_token signature as used until signUntil
// (KindDuplicate when it was used already) and makes tokenHash the app's
// one live token, valid for ttl: the previous token stops working. Used
// signatures past their time are pruned on the way.
func (s *Store) IssueSobotToken(ctx context.Context, appID, sign string, signUntil time.Time, tokenHash string, ttl time.Duration) (time.Time, error) {
	var expires time.Time
	err := s.Write(ctx, func(tx *Tx) error {
		var one int
		err := tx.QueryRow(`SELECT 1 FROM sobot_apps WHERE id = $1`, appID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return core.Errorf(core.KindNotFound, "no app %s", appID)
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(`DELETE FROM sobot_signs WHERE expires_at < $1`, ms(tx.Now())); err != nil {
			return err
		}
		res, err := tx.Exec(`INSERT INTO sobot_signs (app_id, sign, expires_at) VALUES ($1, $2, $3) ON CONFLICT (app_id, sign) DO NOTHING`,
			appID, sign, ms(signUntil))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return core.Errorf(core.KindDuplicate, "this sign was used already")
		}
		expires = tx.Now().Add(ttl)
		_, err = tx.Exec(`INSERT INTO sobot_tokens (app_id, hash, expires_at, created_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (app_id) DO UPDATE SET hash = excluded.hash, expires_at = excluded.expires_at, created_at = excluded.created_at`,
			appID, tokenHash, ms(expires), ms(tx.Now()))
		return err
	})
	return expires, err
}

// SobotTokenApp returns the app whose live token hashes to tokenHash:
// KindBadCredential when no app's token does (never issued, replaced by a
// newer one, its app deleted) or the token expired.
func (s *Store) SobotTokenApp(ctx context.Context, tokenHash string) (*SobotApp, error) {
	var id string
	var expires, created int64
	err := s.queryRow(ctx, `SELECT a.id, t.expires_at, a.created_at FROM sobot_tokens t JOIN sobot_apps a ON a.id = t.app_id
		WHERE t.hash = $1`, tokenHash).Scan(&id, &expires, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, core.Errorf(core.KindBadCredential, "the token is not valid: it was never issued or a newer one replaced it; get a new token")
	}
	if err != nil {
		return nil, err
	}
	if !s.Now().Before(fromMS(expires)) {
		return nil, core.Errorf(core.KindBadCredential, "the token expired at %s; get a new token", fromMS(expires).Format(time.RFC3339))
	}
	return s.sobotApp(ctx, id, created)
}

// NewSobotApp makes Sobot credentials covering the given bots' pages (admin
// API, console): an appid and an app key, 32 hex characters each as Sobot's
// are (clients may store no more). The key is returned here only.
func (s *Store) NewSobotApp(ctx context.Context, botIDs []string) (*SobotApp, string, error) {
	if len(botIDs) == 0 {
		return nil, "", core.Invalid("bot_ids", "is required: the bots whose pages the app covers")
	}
	var bots []string
	seen := map[string]bool{}
	for i, id := range botIDs {
		id = strings.TrimSpace(id)
		if id == "" {
			return nil, "", core.Invalid(fmt.Sprintf("bot_ids[%d]", i), "is empty")
		}
		if err := core.CheckID(fmt.Sprintf("bot_ids[%d]", i), id); err != nil {
			return nil, "", err
		}
		if !seen[id] {
			seen[id] = true
			bots = append(bots, id)
		}
	}
	appID, key := randomHex(), randomHex()
	app, err := s.CreateSobotApp(ctx, appID, key, bots)
	return app, key, err
}

func randomHex() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
