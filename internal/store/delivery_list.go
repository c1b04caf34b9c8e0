package store

import (
	"context"
	"fmt"
	"time"

	"github.com/botgate/botgate/internal/core"
)

// DeliveryFilter selects deliveries to merchant URLs; empty fields match all.
type DeliveryFilter struct {
	BotID     string
	State     string // pending, delivered, failed
	Kind      string // callback, event, upload
	MessageID string
	Before    string
	Limit     int
}

// DeliveryPage is one page of deliveries, newest first.
type DeliveryPage struct {
	Deliveries []*core.Delivery
	Next       string
}

// DeliveryPage returns one page of the deliveries matching f.
func (s *Store) DeliveryPage(ctx context.Context, f DeliveryFilter) (DeliveryPage, error) {
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	var q sqlWhere
	for _, c := range []struct{ cond, v string }{{"bot_id = ?", f.BotID}, {"state = ?", f.State}, {"kind = ?", f.Kind},
		{"message_id = ?", f.MessageID}, {"id < ?", f.Before}} {
		if c.v != "" {
			q.add(c.cond, c.v)
		}
	}
	if f.MessageID != "" {
		q.conds = append(q.conds, "message_id <> ''") // lets the partial index on message_id serve it
	}
	rows, err := s.query(ctx, `SELECT `+deliveryColumns+` FROM deliveries`+q.sql()+fmt.Sprintf(` ORDER BY id DESC LIMIT %d`, f.Limit+1), q.args...)
	if err != nil {
		return DeliveryPage{}, err
	}
	defer rows.Close()
	var page DeliveryPage
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return page, err
		}
		page.Deliveries = append(page.Deliveries, d)
	}
	if len(page.Deliveries) > f.Limit {
		page.Deliveries = page.Deliveries[:f.Limit]
		page.Next = page.Deliveries[f.Limit-1].ID
	}
	return page, rows.Err()
}

// WebhookRow is a received webhook as the console lists it.
type WebhookRow struct {
	ID         string
	Channel    string
	BotID      string
	Size       int
	ReceivedAt time.Time
	// Discarded says why processing gave up on it ("" when processed or queued).
	Discarded string
}

// WebhookPage is one page of received webhooks, newest first.
type WebhookPage struct {
	Webhooks []WebhookRow
	Next     string
}

// ListWebhooks returns received webhooks, of one bot when botID is given.
func (s *Store) ListWebhooks(ctx context.Context, botID, before string, limit int) (WebhookPage, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	var q sqlWhere
	if botID != "" {
		q.add("w.bot_id = ?", botID)
	}
	if before != "" {
		q.add("w.id < ?", before)
	}
	rows, err := s.query(ctx, `SELECT w.id, w.channel, w.bot_id, LENGTH(w.body), w.received_at,
		COALESCE((SELECT j.last_error FROM jobs j WHERE j.ref = w.id AND j.state = 'discarded' LIMIT 1), '')
		FROM webhooks w`+q.sql()+fmt.Sprintf(` ORDER BY w.id DESC LIMIT %d`, limit+1), q.args...)
	if err != nil {
		return WebhookPage{}, err
	}
	defer rows.Close()
	var page WebhookPage
	for rows.Next() {
		var w WebhookRow
		var at int64
		if err := rows.Scan(&w.ID, &w.Channel, &w.BotID, &w.Size, &at, &w.Discarded); err != nil {
			return page, err
		}
		w.ReceivedAt = fromMS(at)
		page.Webhooks = append(page.Webhooks, w)
	}
	if len(page.Webhooks) > limit {
		page.Webhooks = page.Webhooks[:limit]
		page.Next = page.Webhooks[limit-1].ID
	}
	return page, rows.Err()
}
