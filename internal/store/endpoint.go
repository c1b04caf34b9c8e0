package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/botgate/botgate/internal/core"
)

const endpointColumns = `id, bot_id, url, description, events, secret, old_secret, old_secret_until, disabled, disabled_reason,
	failing_since, created_at, updated_at`

// CreateEndpoint stores a new webhook endpoint (its secret sealed).
func (s *Store) CreateEndpoint(ctx context.Context, e *core.WebhookEndpoint) error {
	err := s.Write(ctx, func(tx *Tx) error {
		e.ID = core.NewID("whe_", tx.Now())
		e.CreatedAt, e.UpdatedAt = tx.Now(), tx.Now()
		_, err := tx.Exec(`INSERT INTO webhook_endpoints (id, bot_id, url, description, events, secret, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $7)`, e.ID, e.BotID, e.URL, e.Description, strings.Join(e.Events, " "),
			s.box.Seal([]byte(e.Secret), e.ID), ms(tx.Now()))
		return err
	})
	s.bots.clear()
	return err
}

// GetEndpoint returns one of a bot's endpoints.
func (s *Store) GetEndpoint(ctx context.Context, botID, id string) (*core.WebhookEndpoint, error) {
	e, err := s.scanEndpoint(s.queryRow(ctx, `SELECT `+endpointColumns+` FROM webhook_endpoints WHERE id = $1 AND bot_id = $2`, id, botID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, core.Errorf(core.KindNotFound, "no webhook endpoint %s", id)
	}
	return e, err
}

// ListEndpoints returns a bot's endpoints, oldest first.
func (s *Store) ListEndpoints(ctx context.Context, botID string) ([]*core.WebhookEndpoint, error) {
	rows, err := s.query(ctx, `SELECT `+endpointColumns+` FROM webhook_endpoints WHERE bot_id = $1 ORDER BY id`, botID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*core.WebhookEndpoint{}
	for rows.Next() {
		e, err := s.scanEndpoint(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// UpdateEndpoint stores an endpoint's url, description, events and
// disabled state; enabling it again clears its failure record.
func (s *Store) UpdateEndpoint(ctx context.Context, e *core.WebhookEndpoint) error {
	err := s.Write(ctx, func(tx *Tx) error {
		e.UpdatedAt = tx.Now()
		if !e.Disabled {
			e.DisabledReason, e.FailingSince = "", nil
		}
		_, err := tx.Exec(`UPDATE webhook_endpoints SET url = $3, description = $4, events = $5, disabled = $6, disabled_reason = $7,
			failing_since = $8, updated_at = $9 WHERE id = $1 AND bot_id = $2`, e.ID, e.BotID, e.URL, e.Description,
			strings.Join(e.Events, " "), e.Disabled, e.DisabledReason, nullMS(e.FailingSince), ms(tx.Now()))
		return err
	})
	s.bots.clear()
	return err
}

// RotateEndpointSecret makes secret the endpoint's secret; the old one
// keeps signing beside it until overlap has passed.
func (s *Store) RotateEndpointSecret(ctx context.Context, e *core.WebhookEndpoint, secret string, overlap time.Duration) error {
	err := s.Write(ctx, func(tx *Tx) error {
		until := tx.Now().Add(overlap)
		e.OldSecret, e.OldSecretUntil, e.Secret, e.UpdatedAt = e.Secret, &until, secret, tx.Now()
		_, err := tx.Exec(`UPDATE webhook_endpoints SET secret = $3, old_secret = $4, old_secret_until = $5, updated_at = $6
			WHERE id = $1 AND bot_id = $2`, e.ID, e.BotID, s.box.Seal([]byte(secret), e.ID), s.box.Seal([]byte(e.OldSecret), e.ID),
			ms(until), ms(tx.Now()))
		return err
	})
	s.bots.clear()
	return err
}

// DeleteEndpoint removes an endpoint; its pending deliveries fail, without
// a POST, when they come up.
func (s *Store) DeleteEndpoint(ctx context.Context, botID, id string) error {
	err := s.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(`DELETE FROM webhook_endpoints WHERE id = $1 AND bot_id = $2`, id, botID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return core.Errorf(core.KindNotFound, "no webhook endpoint %s", id)
		}
		return nil
	})
	s.bots.clear()
	return err
}

// Endpoints returns a bot's endpoints for emitting an event in tx, from the
// cache when it has them: every accepted message asks.
func (tx *Tx) Endpoints(botID string) ([]*core.WebhookEndpoint, error) {
	if v, ok := tx.s.bots.get("endpoints:" + botID); ok {
		return v.([]*core.WebhookEndpoint), nil
	}
	rows, err := tx.Query(`SELECT `+endpointColumns+` FROM webhook_endpoints WHERE bot_id = $1 ORDER BY id`, botID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*core.WebhookEndpoint
	for rows.Next() {
		e, err := tx.s.scanEndpoint(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	tx.s.bots.put("endpoints:"+botID, out)
	return out, nil
}

// RecordEndpointResult keeps an endpoint's run of failures: a success ends
// it; a failure starts it, and one that has lasted limit disables the
// endpoint, saying why. It reports whether this call disabled it.
func (tx *Tx) RecordEndpointResult(id string, ok bool, limit time.Duration) (bool, error) {
	now := ms(tx.Now())
	if ok {
		_, err := tx.Exec(`UPDATE webhook_endpoints SET failing_since = NULL WHERE id = $1 AND failing_since IS NOT NULL`, id)
		return false, err
	}
	if _, err := tx.Exec(`UPDATE webhook_endpoints SET failing_since = $2 WHERE id = $1 AND failing_since IS NULL`, id, now); err != nil {
		return false, err
	}
	reason := fmt.Sprintf("every delivery failed for %v", limit)
	res, err := tx.Exec(`UPDATE webhook_endpoints SET disabled = TRUE, disabled_reason = $3, updated_at = $2
		WHERE id = $1 AND NOT disabled AND failing_since <= $4`, id, now, reason, now-limit.Milliseconds())
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	if n > 0 {
		tx.AfterCommit(tx.s.bots.clear)
	}
	return n > 0, nil
}

// EndpointDeliveries returns an endpoint's newest deliveries, older than before when set.
func (s *Store) EndpointDeliveries(ctx context.Context, endpointID, before string, limit int) ([]*core.Delivery, error) {
	if before == "" {
		before = "~"
	}
	rows, err := s.query(ctx, `SELECT `+deliveryColumns+` FROM deliveries WHERE endpoint_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3`,
		endpointID, before, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*core.Delivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

func (s *Store) scanEndpoint(row scanner) (*core.WebhookEndpoint, error) {
	var (
		e                   core.WebhookEndpoint
		events, secret, old string
		oldUntil, failing   sql.NullInt64
		created, updated    int64
	)
	if err := row.Scan(&e.ID, &e.BotID, &e.URL, &e.Description, &events, &secret, &old, &oldUntil, &e.Disabled, &e.DisabledReason,
		&failing, &created, &updated); err != nil {
		return nil, err
	}
	plain, err := s.box.Open(secret, e.ID)
	if err != nil {
		return nil, fmt.Errorf("store: endpoint %s secret: %w", e.ID, err)
	}
	e.Secret = string(plain)
	if old != "" {
		if plain, err = s.box.Open(old, e.ID); err != nil {
			return nil, fmt.Errorf("store: endpoint %s old secret: %w", e.ID, err)
		}
		e.OldSecret = string(plain)
	}
	e.Events = strings.Fields(events)
	e.OldSecretUntil, e.FailingSince = fromNullMS(oldUntil), fromNullMS(failing)
	e.CreatedAt, e.UpdatedAt = fromMS(created), fromMS(updated)
	return &e, nil
}

func nullMS(t *time.Time) sql.NullInt64 {
	if t == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: ms(*t), Valid: true}
}

// LastInbound is when the user last wrote to the bot, nil if never.
func (tx *Tx) LastInbound(botID, psid string) (*time.Time, error) {
	var at sql.NullInt64
	err := tx.QueryRow(`SELECT last_inbound_at FROM contacts WHERE bot_id = $1 AND psid = $2`, botID, psid).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return fromNullMS(at), err
}
