package store

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/botgate/botgate/internal/core"
)

// Webhook is a body Graph POSTed, kept exactly as received until processed.
type Webhook struct {
	ID         string
	Channel    string // messenger or whatsapp
	BotID      string // the bot whose app secret verified it
	Body       []byte
	ReceivedAt time.Time
	// Unreadable says why a signed body was set aside unprocessed (invalid
	// UTF-8, a NUL character); "" for a body botgate processes.
	Unreadable string
}

// InsertWebhook keeps a received body. A body that is not valid UTF-8 is
// stored base64-encoded, as PostgreSQL's text cannot hold it.
func (tx *Tx) InsertWebhook(w *Webhook) error {
	w.ReceivedAt = tx.Now()
	body, encoding := string(w.Body), ""
	if !utf8.Valid(w.Body) || bytes.IndexByte(w.Body, 0) >= 0 {
		body, encoding = base64.StdEncoding.EncodeToString(w.Body), "base64"
	}
	_, err := tx.Exec(`INSERT INTO webhooks (id, channel, bot_id, body, received_at, unreadable, encoding) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		w.ID, w.Channel, w.BotID, body, ms(w.ReceivedAt), w.Unreadable, encoding)
	return err
}

// GetWebhook returns a received body, as received.
func (s *Store) GetWebhook(ctx context.Context, id string) (*Webhook, error) {
	w := &Webhook{ID: id}
	var body, encoding string
	var at int64
	err := s.queryRow(ctx, `SELECT channel, bot_id, body, received_at, unreadable, encoding FROM webhooks WHERE id = $1`, id).
		Scan(&w.Channel, &w.BotID, &body, &at, &w.Unreadable, &encoding)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, core.Errorf(core.KindNotFound, "no webhook %s", id)
	}
	if err != nil {
		return nil, err
	}
	w.Body, w.ReceivedAt = []byte(body), fromMS(at)
	if encoding == "base64" {
		w.Body, err = base64.StdEncoding.DecodeString(body)
	}
	return w, err
}

// RecordSource notes the first signed webhook about a page or WhatsApp
// number (source), once: the window policy's "unknown" rule counts from it.
func (tx *Tx) RecordSource(channel, source string, at time.Time) error {
	_, err := tx.Exec(`INSERT INTO webhook_sources (channel, source, first_at) VALUES ($1, $2, $3) ON CONFLICT (channel, source) DO NOTHING`,
		channel, source, ms(at))
	return err
}

// SourceSince returns when botgate first received a webhook about a page or
// number, or nil if it never has.
func (s *Store) SourceSince(ctx context.Context, channel, source string) (*time.Time, error) {
	var at int64
	err := s.queryRow(ctx, `SELECT first_at FROM webhook_sources WHERE channel = $1 AND source = $2`, channel, source).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	t := fromMS(at)
	return &t, nil
}

// FirstSeen records an inbound event's key and reports whether it is new:
// Meta redelivers events, sometimes for hours, and each must act once.
func (tx *Tx) FirstSeen(botID, key string) (bool, error) {
	res, err := tx.Exec(`INSERT INTO inbound_seen (bot_id, key, seen_at) VALUES ($1, $2, $3) ON CONFLICT (bot_id, key) DO NOTHING`,
		botID, key, ms(tx.Now()))
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	if n == 1 {
		return true, nil
	}
	// Counted here, in the transaction that drops it, so the count is exact.
	_, err = tx.Exec(`INSERT INTO inbound_duplicates (bot_id, day, dropped) VALUES ($1, $2, 1)
		ON CONFLICT (bot_id, day) DO UPDATE SET dropped = inbound_duplicates.dropped + 1`, botID, dayOf(tx.Now()))
	return false, err
}

func dayOf(t time.Time) int64 { return t.UnixMilli() / (24 * 3600 * 1000) }

// DuplicateDay is how many redelivered events were dropped on a UTC day.
type DuplicateDay struct {
	Day     time.Time
	Dropped int64
}

// DuplicatesDropped counts the events dropped as duplicates over the last
// days UTC days (today included), newest first, for a bot or all ("").
func (s *Store) DuplicatesDropped(ctx context.Context, botID string, days int) ([]DuplicateDay, error) {
	rows, err := s.query(ctx, `SELECT day, SUM(dropped) FROM inbound_duplicates WHERE day > $1 AND ($2 = '' OR bot_id = $2)
		GROUP BY day ORDER BY day DESC`, dayOf(s.Now())-int64(days), botID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []DuplicateDay
	for rows.Next() {
		var day, n int64
		if err := rows.Scan(&day, &n); err != nil {
			return nil, err
		}
		out = append(out, DuplicateDay{Day: time.UnixMilli(day * 24 * 3600 * 1000).UTC(), Dropped: n})
	}
	return out, rows.Err()
}

// TouchContact creates a user on their first event and moves their last
// inbound time forward (never back: events arrive out of order).
func (tx *Tx) TouchContact(botID, psid string, inbound *time.Time) error {
	var at sql.NullInt64
	if inbound != nil {
		at = sql.NullInt64{Int64: ms(*inbound), Valid: true}
	}
	now := ms(tx.Now())
	_, err := tx.Exec(`INSERT INTO contacts (bot_id, psid, last_inbound_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)
		ON CONFLICT (bot_id, psid) DO UPDATE SET
			last_inbound_at = CASE WHEN excluded.last_inbound_at IS NULL THEN contacts.last_inbound_at
				WHEN contacts.last_inbound_at IS NULL OR excluded.last_inbound_at > contacts.last_inbound_at THEN excluded.last_inbound_at
				ELSE contacts.last_inbound_at END,
			updated_at = excluded.updated_at`, botID, psid, at, now)
	return err
}

// FailByGraphID marks failed the bot's message whose part Graph knows by
// graphID, if it is not delivered or read already: WhatsApp reports some
// failures after it accepted the message. It returns the message's id when
// the message moved to failed, "" otherwise (unknown, or failed already).
func (tx *Tx) FailByGraphID(botID, graphID string, e *core.Error) (string, error) {
	messageID, err := tx.messageByGraphID(botID, graphID)
	if err != nil || messageID == "" {
		return "", err
	}
	var contact string
	if err := tx.QueryRow(`SELECT psid FROM messages WHERE id = $1`, messageID).Scan(&contact); err != nil {
		return "", err
	}
	if err := tx.NoteMarketingRefusal(botID, contact, e); err != nil {
		return "", err
	}
	moved, err := tx.FinishFailed(messageID, e, nil)
	if err != nil || !moved {
		return "", err
	}
	return messageID, nil
}

// AdvanceByGraphIDs moves the bot's messages whose parts Graph knows by
// these ids to status (delivered or read), where the status order allows,
// and returns the ids of the messages that moved: a status a message has
// already reached (or passed) moves nothing, so it is reported once.
func (tx *Tx) AdvanceByGraphIDs(botID string, graphIDs []string, status core.Status) ([]string, error) {
	var moved []string
	for _, id := range graphIDs {
		messageID, err := tx.messageByGraphID(botID, id)
		if err != nil {
			return moved, err
		}
		if messageID == "" || slices.Contains(moved, messageID) {
			continue
		}
		ok, err := tx.SetStatus(messageID, status)
		if err != nil {
			return moved, err
		}
		if ok {
			moved = append(moved, messageID)
		}
	}
	return moved, nil
}

// messageByGraphID is the bot's message with a part Graph knows by
// graphID, or "" when there is none: sent by the page or number another way,
// or not the bot's, since a webhook speaks only for its own page or number.
func (tx *Tx) messageByGraphID(botID, graphID string) (string, error) {
	var messageID string
	err := tx.QueryRow(`SELECT a.message_id FROM attempts a JOIN messages m ON m.id = a.message_id
		WHERE a.graph_id = $1 AND m.bot_id = $2`, graphID, botID).Scan(&messageID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return messageID, err
}

// AdvanceUpTo moves every message sent to a user at or before watermark to
// status (delivered or read), where the status order allows: Messenger's
// delivery and read events cover all earlier messages. It returns the ids of
// the messages that moved, in the order they were sent.
func (tx *Tx) AdvanceUpTo(botID, psid string, watermark time.Time, status core.Status) ([]string, error) {
	rows, err := tx.Query(advanceUpToSQL(status), botID, psid, ms(watermark), string(status), ms(tx.Now()))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	type row struct {
		id     string
		sentAt int64
	}
	var moved []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.sentAt); err != nil {
			return nil, err
		}
		moved = append(moved, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	slices.SortFunc(moved, func(a, b row) int { return cmp.Or(cmp.Compare(a.sentAt, b.sentAt), strings.Compare(a.id, b.id)) })
	ids := make([]string, len(moved))
	for i, r := range moved {
		ids[i] = r.id
	}
	return ids, nil
}

// advanceUpToSQL is AdvanceUpTo's statement. Its condition that psid is
// not empty is what lets the user's index serve it: the index on psid is
// partial, and a planner that does not know $2's value (SQLite's every
// plan, PostgreSQL's generic one) cannot tell from "psid = $2" that the row
// is in it. Without it SQLite walked the bot's every sent or delivered
// message for each delivery or read event (BenchmarkWatermark: 390 times as
// long with 100,000 sent), and PostgreSQL had to plan each call for its
// values (1.5 times as long).
func advanceUpToSQL(status core.Status) string {
	return `UPDATE messages SET status = $4, updated_at = $5, ` + statusColumn[status] + ` = $5
		WHERE bot_id = $1 AND psid = $2 AND psid <> '' AND sent_at <= $3 AND status IN (` + fromStatuses(status) + `)
		RETURNING id, sent_at`
}

// Subscription is a user's notification-messages opt-in for one topic.
type Subscription struct {
	BotID           string     `json:"bot_id"`
	PSID            string     `json:"psid"`
	Title           string     `json:"title"`
	Token           string     `json:"token"`
	Status          int        `json:"status"` // 1 subscribed, 0 stopped
	Timezone        string     `json:"timezone,omitempty"`
	Payload         string     `json:"payload,omitempty"`
	UserTokenStatus string     `json:"user_token_status,omitempty"`
	ExpiresAt       *time.Time `json:"expires_at,omitempty"`
	EventAt         time.Time  `json:"-"` // when the user acted, by the event; zero: now
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
}

// SaveSubscription records an opt-in, stop or resume for a user and topic.
// A stop or resume that names no token keeps the stored one. An event older
// than the one that set the subscription (webhooks are processed
// concurrently, so they come in any order) only fills a token or timezone
// still blank.
func (tx *Tx) SaveSubscription(sub *Subscription) error {
	var expires sql.NullInt64
	if sub.ExpiresAt != nil {
		expires = sql.NullInt64{Int64: ms(*sub.ExpiresAt), Valid: true}
	}
	now := ms(tx.Now())
	eventAt := now
	if !sub.EventAt.IsZero() {
		eventAt = ms(sub.EventAt)
	}
	// The newer event decides; an older one only fills what is still blank.
	const newer = `excluded.event_at >= subscriptions.event_at`
	_, err := tx.Exec(`INSERT INTO subscriptions (bot_id, psid, title, token, status, timezone, payload, user_token_status, expires_at, event_at, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)
		ON CONFLICT (bot_id, psid, title) DO UPDATE SET
			token = CASE WHEN excluded.token <> '' AND (`+newer+` OR subscriptions.token = '') THEN excluded.token ELSE subscriptions.token END,
			status = CASE WHEN `+newer+` THEN excluded.status ELSE subscriptions.status END,
			timezone = CASE WHEN excluded.timezone <> '' AND (`+newer+` OR subscriptions.timezone = '') THEN excluded.timezone ELSE subscriptions.timezone END,
			payload = CASE WHEN `+newer+` THEN excluded.payload ELSE subscriptions.payload END,
			user_token_status = CASE WHEN `+newer+` THEN excluded.user_token_status ELSE subscriptions.user_token_status END,
			expires_at = CASE WHEN `+newer+` THEN COALESCE(excluded.expires_at, subscriptions.expires_at)
				ELSE COALESCE(subscriptions.expires_at, excluded.expires_at) END,
			event_at = CASE WHEN `+newer+` THEN excluded.event_at ELSE subscriptions.event_at END,
			updated_at = excluded.updated_at`,
		sub.BotID, sub.PSID, sub.Title, sub.Token, sub.Status, sub.Timezone, sub.Payload, sub.UserTokenStatus, expires, eventAt, now)
	return err
}

// TokenSubscription returns the subscription a notification-messages token
// belongs to among a bot's, or nil when botgate has not seen the token.
func (s *Store) TokenSubscription(ctx context.Context, botID, token string) (*Subscription, error) {
	sub := Subscription{BotID: botID, Token: token}
	var expires sql.NullInt64
	err := s.queryRow(ctx, `SELECT psid, title, status, expires_at FROM subscriptions WHERE bot_id = $1 AND token = $2 ORDER BY event_at DESC LIMIT 1`,
		botID, token).Scan(&sub.PSID, &sub.Title, &sub.Status, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	sub.ExpiresAt = fromNullMS(expires)
	return &sub, nil
}

// ListSubscriptions returns a bot's subscriptions, for one topic when title is given.
func (s *Store) ListSubscriptions(ctx context.Context, botID, title string) ([]Subscription, error) {
	return s.listSubscriptions(ctx, botID, "title", title)
}

func (s *Store) listSubscriptions(ctx context.Context, botID, column, value string) ([]Subscription, error) {
	q := `SELECT psid, title, token, status, timezone, payload, user_token_status, expires_at, created_at, updated_at
		FROM subscriptions WHERE bot_id = $1`
	args := []any{botID}
	if value != "" {
		q += ` AND ` + column + ` = $2`
		args = append(args, value)
	}
	rows, err := s.query(ctx, q+` ORDER BY created_at, psid`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Subscription{}
	for rows.Next() {
		sub := Subscription{BotID: botID}
		var expires sql.NullInt64
		var created, updated int64
		if err := rows.Scan(&sub.PSID, &sub.Title, &sub.Token, &sub.Status, &sub.Timezone, &sub.Payload, &sub.UserTokenStatus,
			&expires, &created, &updated); err != nil {
			return nil, err
		}
		sub.ExpiresAt, sub.CreatedAt, sub.UpdatedAt = fromNullMS(expires), fromMS(created), fromMS(updated)
		out = append(out, sub)
	}
	return out, rows.Err()
}
