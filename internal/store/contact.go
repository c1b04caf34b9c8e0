package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/botgate/botgate/internal/core"
)

const contactColumns = `psid, profile, profile_fetched_at, last_inbound_at, params, tags, created_at, updated_at`

// GetContact returns a bot's contact, or nil when the user is not known yet.
func (s *Store) GetContact(ctx context.Context, botID, psid string) (*core.Contact, error) {
	c, err := scanContact(s.queryRow(ctx, `SELECT `+contactColumns+` FROM contacts WHERE bot_id = $1 AND psid = $2`, botID, psid), botID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return c, err
}

// SetTags replaces an existing contact's tags; KindNotFound when the user
// is not a contact.
func (s *Store) SetTags(ctx context.Context, botID, psid string, tags []string) error {
	data, err := json.Marshal(tags)
	if err != nil {
		return err
	}
	return s.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(`UPDATE contacts SET tags = $3, updated_at = $4 WHERE bot_id = $1 AND psid = $2`, botID, psid, string(data), ms(tx.Now()))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return core.Errorf(core.KindNotFound, "no contact %s", psid)
		}
		return nil
	})
}

func scanContact(row scanner, botID string) (*core.Contact, error) {
	var (
		c                = core.Contact{BotID: botID}
		profile          sql.NullString
		fetched, inbound sql.NullInt64
		params, tags     string
		created, updated int64
	)
	if err := row.Scan(&c.PSID, &profile, &fetched, &inbound, &params, &tags, &created, &updated); err != nil {
		return nil, err
	}
	if profile.Valid {
		c.Profile = &core.Profile{}
		if err := json.Unmarshal([]byte(profile.String), c.Profile); err != nil {
			return nil, fmt.Errorf("store: contact %s profile: %w", c.PSID, err)
		}
	}
	if err := json.Unmarshal([]byte(params), &c.Params); err != nil {
		return nil, fmt.Errorf("store: contact %s params: %w", c.PSID, err)
	}
	if tags != "[]" { // no tags stay nil, as before tags existed
		if err := json.Unmarshal([]byte(tags), &c.Tags); err != nil {
			return nil, fmt.Errorf("store: contact %s tags: %w", c.PSID, err)
		}
	}
	c.ProfileFetchedAt, c.LastInboundAt = fromNullMS(fetched), fromNullMS(inbound)
	c.CreatedAt, c.UpdatedAt = fromMS(created), fromMS(updated)
	return &c, nil
}

// SaveProfile stores a user's profile, creating the contact if needed.
func (tx *Tx) SaveProfile(botID, psid string, p *core.Profile) error {
	data, err := json.Marshal(p)
	if err != nil {
		return err
	}
	now := ms(tx.Now())
	_, err = tx.Exec(`INSERT INTO contacts (bot_id, psid, profile, profile_fetched_at, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $4, $4)
		ON CONFLICT (bot_id, psid) DO UPDATE SET profile = excluded.profile,
			profile_fetched_at = excluded.profile_fetched_at, updated_at = excluded.updated_at`,
		botID, psid, string(data), now)
	return err
}

// SetParams stores parameters on a contact, creating it if needed. With
// replace, the given parameters become all of them; otherwise they are
// merged into the stored ones, by the database in one statement, so
// concurrent calls never drop each other's keys.
func (s *Store) SetParams(ctx context.Context, botID, psid string, params map[string]string, replace bool) (map[string]string, error) {
	data, err := json.Marshal(params)
	if err != nil {
		return nil, err
	}
	set := "excluded.params"
	if !replace {
		set = s.dialect.mergeJSON("contacts.params", "excluded.params")
	}
	var stored string
	err = s.Write(ctx, func(tx *Tx) error {
		now := ms(tx.Now())
		return tx.QueryRow(`INSERT INTO contacts (bot_id, psid, params, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)
			ON CONFLICT (bot_id, psid) DO UPDATE SET params = `+set+`, updated_at = excluded.updated_at
			RETURNING params`, botID, psid, string(data), now).Scan(&stored)
	})
	if err != nil {
		return nil, err
	}
	merged := map[string]string{}
	return merged, json.Unmarshal([]byte(stored), &merged)
}
