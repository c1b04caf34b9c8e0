package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/botgate/botgate/internal/core"
)

// botSecrets is sealed as one value per bot, bound to the bot's id.
type botSecrets struct {
	AccessToken    string `json:"access_token,omitempty"`
	AppSecret      string `json:"app_secret,omitempty"`
	VerifyToken    string `json:"verify_token,omitempty"`
	CallbackSecret string `json:"callback_secret"`
}

const botColumns = `id, name, page_id, secrets, callback_url, webhook_url, settings, forwarding, created_at, updated_at, deleted_at`

// selectBot reads bots with their WhatsApp number, if any; conditions name
// the bot's columns as b.
const selectBot = `SELECT b.id, b.name, b.page_id, b.secrets, b.callback_url, b.webhook_url, b.settings, b.forwarding,
	b.created_at, b.updated_at, b.deleted_at, w.phone, w.phone_number_id, w.secrets, w.limits, w.tier, w.waba_id
	FROM bots b LEFT JOIN whatsapp_numbers w ON w.bot_id = b.id `

// CreateBot stores a new bot. A page already served by a live bot is a conflict.
func (s *Store) CreateBot(ctx context.Context, b *core.Bot) error {
	err := s.Write(ctx, func(tx *Tx) error {
		b.CreatedAt, b.UpdatedAt = tx.Now(), tx.Now()
		if err := tx.checkPageFree(b); err != nil {
			return err
		}
		secrets, pageID, settings, err := s.encodeBot(b)
		if err != nil {
			return err
		}
		_, err = tx.Exec(`INSERT INTO bots (`+botColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL)`,
			b.ID, b.Name, pageID, secrets, b.CallbackURL, b.WebhookURL, settings, b.Forwarding, ms(b.CreatedAt), ms(b.UpdatedAt))
		if isUnique(err) {
			return core.Errorf(core.KindConflict, "page %s already belongs to another bot", b.Messenger.PageID)
		}
		return err
	})
	s.bots.clear()
	return err
}

// UpdateBot applies change to the stored bot in one transaction.
func (s *Store) UpdateBot(ctx context.Context, id string, change func(*core.Bot) error) (*core.Bot, error) {
	var updated *core.Bot
	err := s.Write(ctx, func(tx *Tx) error {
		b, err := s.scanBot(tx.QueryRow(selectBot+`WHERE b.id = $1 AND b.deleted_at IS NULL`, id))
		if err != nil {
			return err
		}
		if err := change(b); err != nil {
			return err
		}
		b.UpdatedAt = tx.Now()
		if err := tx.checkPageFree(b); err != nil {
			return err
		}
		secrets, pageID, settings, err := s.encodeBot(b)
		if err != nil {
			return err
		}
		_, err = tx.Exec(`UPDATE bots SET name = $2, page_id = $3, secrets = $4, callback_url = $5, webhook_url = $6,
			settings = $7, forwarding = $8, updated_at = $9 WHERE id = $1`,
			b.ID, b.Name, pageID, secrets, b.CallbackURL, b.WebhookURL, settings, b.Forwarding, ms(b.UpdatedAt))
		if isUnique(err) {
			return core.Errorf(core.KindConflict, "page %s already belongs to another bot", b.Messenger.PageID)
		}
		updated = b
		return err
	})
	s.bots.clear()
	return updated, err
}

// DeleteBot marks a bot deleted. Its keys then answer "bot deleted"; its
// messages stay readable; its WhatsApp number is free for another bot.
func (s *Store) DeleteBot(ctx context.Context, id string) error {
	err := s.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(`UPDATE bots SET deleted_at = $2, updated_at = $2 WHERE id = $1 AND deleted_at IS NULL`, id, ms(tx.Now()))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return core.Errorf(core.KindNotFound, "no bot %s", id)
		}
		_, err = tx.Exec(`DELETE FROM whatsapp_numbers WHERE bot_id = $1`, id)
		return err
	})
	s.bots.clear()
	return err
}

// GetBot returns a bot, deleted or not, from a short-lived cache.
func (s *Store) GetBot(ctx context.Context, id string) (*core.Bot, error) {
	if b, ok := s.bots.get("bot:" + id); ok {
		return b.(*core.Bot), nil
	}
	b, err := s.scanBot(s.queryRow(ctx, selectBot+`WHERE b.id = $1`, id))
	if err != nil {
		return nil, err
	}
	s.bots.put("bot:"+id, b)
	return b, nil
}

// BotByPage returns the live bot serving a Facebook page.
func (s *Store) BotByPage(ctx context.Context, pageID string) (*core.Bot, error) {
	var id string
	err := s.queryRow(ctx, `SELECT id FROM bots WHERE page_id = $1 AND deleted_at IS NULL`, pageID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, core.Errorf(core.KindNotFound, "no bot serves page %s", pageID)
	}
	if err != nil {
		return nil, err
	}
	return s.GetBot(ctx, id)
}

// ListBots returns the live bots, oldest first.
func (s *Store) ListBots(ctx context.Context) ([]*core.Bot, error) {
	rows, err := s.query(ctx, selectBot+`WHERE b.deleted_at IS NULL ORDER BY b.created_at, b.id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var bots []*core.Bot
	for rows.Next() {
		b, err := s.scanBot(rows)
		if err != nil {
			return nil, err
		}
		bots = append(bots, b)
	}
	return bots, rows.Err()
}

func (tx *Tx) checkPageFree(b *core.Bot) error {
	if b.Messenger == nil || b.Messenger.PageID == "" {
		return nil
	}
	var other string
	err := tx.QueryRow(`SELECT id FROM bots WHERE page_id = $1 AND deleted_at IS NULL AND id <> $2`, b.Messenger.PageID, b.ID).Scan(&other)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return err
	}
	return core.Errorf(core.KindConflict, "page %s already belongs to bot %s", b.Messenger.PageID, other)
}

func (s *Store) encodeBot(b *core.Bot) (secrets string, pageID sql.NullString, settings string, err error) {
	sec := botSecrets{CallbackSecret: b.CallbackSecret}
	if m := b.Messenger; m != nil {
		sec.AccessToken, sec.AppSecret, sec.VerifyToken = m.AccessToken, m.AppSecret, m.VerifyToken
		pageID = sql.NullString{String: m.PageID, Valid: m.PageID != ""}
	}
	plain, err := json.Marshal(sec)
	if err != nil {
		return "", pageID, "", err
	}
	set, err := json.Marshal(b.Settings)
	return s.box.Seal(plain, b.ID), pageID, string(set), err
}

type scanner interface{ Scan(dest ...any) error }

func (s *Store) scanBot(row scanner) (*core.Bot, error) {
	var (
		b                              core.Bot
		pageID                         sql.NullString
		sealed, settings               string
		created, updated               int64
		deleted                        sql.NullInt64
		waPhone, waID, waSealed, waLim sql.NullString
		waba                           sql.NullString
		waTier                         sql.NullInt64
	)
	err := row.Scan(&b.ID, &b.Name, &pageID, &sealed, &b.CallbackURL, &b.WebhookURL, &settings, &b.Forwarding, &created, &updated, &deleted,
		&waPhone, &waID, &waSealed, &waLim, &waTier, &waba)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, core.Errorf(core.KindNotFound, "no such bot")
	}
	if err != nil {
		return nil, err
	}
	plain, err := s.box.Open(sealed, b.ID)
	if err != nil {
		return nil, fmt.Errorf("store: bot %s secrets: %w", b.ID, err)
	}
	var sec botSecrets
	if err := json.Unmarshal(plain, &sec); err != nil {
		return nil, fmt.Errorf("store: bot %s secrets: %w", b.ID, err)
	}
	if err := json.Unmarshal([]byte(settings), &b.Settings); err != nil {
		return nil, fmt.Errorf("store: bot %s settings: %w", b.ID, err)
	}
	b.Settings = b.Settings.WithDefaults()
	b.CallbackSecret = sec.CallbackSecret
	if pageID.Valid || sec.AccessToken != "" {
		b.Messenger = &core.MessengerChannel{PageID: pageID.String, AccessToken: sec.AccessToken, AppSecret: sec.AppSecret, VerifyToken: sec.VerifyToken}
	}
	b.CreatedAt, b.UpdatedAt, b.Deleted = fromMS(created), fromMS(updated), deleted.Valid
	if b.WhatsApp, err = s.openWhatsApp(b.ID, waPhone, waID, waSealed, waLim, waTier); err != nil {
		return nil, err
	}
	if b.WhatsApp != nil {
		b.WhatsApp.WABAID = waba.String
	}
	return &b, nil
}

// StopForwarding turns a bot's event forwarding off, after its receiver
// answered 410 Gone.
func (tx *Tx) StopForwarding(botID string) error {
	_, err := tx.Exec(`UPDATE bots SET forwarding = FALSE, updated_at = $2 WHERE id = $1`, botID, ms(tx.Now()))
	tx.AfterCommit(tx.s.bots.clear)
	return err
}

// NewBot creates a bot from an operator's change (admin API, console) with
// its first callback secret (notify.NewSecret); the rules are the core's.
func (s *Store) NewBot(ctx context.Context, c *core.BotChange, callbackSecret string) (*core.Bot, error) {
	if err := c.CheckNew(); err != nil {
		return nil, err
	}
	b := &core.Bot{ID: core.NewID("bot_", s.Now()), CallbackSecret: callbackSecret, Settings: core.Settings{}.WithDefaults(), Forwarding: true}
	if err := c.Apply(b); err != nil {
		return nil, err
	}
	if err := s.CreateBot(ctx, b); err != nil {
		return nil, err
	}
	return b, nil
}

// ChangeBot applies an operator's change to a live bot in one transaction;
// newSecret is the callback secret a rotation installs.
func (s *Store) ChangeBot(ctx context.Context, id string, c *core.BotChange, newSecret string) (*core.Bot, error) {
	return s.UpdateBot(ctx, id, func(b *core.Bot) error {
		if c.RotateCallbackSecret {
			b.CallbackSecret = newSecret
		}
		return c.Apply(b)
	})
}

// ChangeWhatsApp attaches or changes a live bot's WhatsApp number.
func (s *Store) ChangeWhatsApp(ctx context.Context, b *core.Bot, c *core.WhatsAppChange) error {
	ch, err := c.Channel(b.WhatsApp)
	if err != nil {
		return err
	}
	return s.SetWhatsApp(ctx, b.ID, ch)
}
