package store

import (
	"context"
	"database/sql"

	"github.com/botgate/botgate/internal/core"
)

type importedSubscription struct {
	token, timezone string
	status          int
	expires         sql.NullInt64
	eventAt         int64
	queued          bool
}

// ImportSubscriptions upserts notification-messages subscriptions on (bot,
// PSID, topic) and reports what each row did. A subscription that an opt-in,
// stop or resume webhook set after the row's updated_at (or at all, when the
// row has none) stays as it is: botgate knows better than the export. A
// blank timezone or expiry keeps the stored one.
func (s *Store) ImportSubscriptions(ctx context.Context, botID string, rows []core.ImportedSubscription, dryRun bool) ([]core.ImportOutcome, error) {
	out := make([]core.ImportOutcome, len(rows))
	err := s.importBatch(ctx, dryRun, func(q querier, tx *Tx) error {
		psids := make([]string, len(rows))
		for i, r := range rows {
			psids[i] = r.PSID
		}
		keys := distinct(psids)
		res, err := q.Query(`SELECT psid, title, token, status, timezone, expires_at, event_at FROM subscriptions
			WHERE bot_id = $1 AND psid IN (`+placeholders(2, len(keys))+`)`, append([]any{botID}, keys...)...)
		if err != nil {
			return err
		}
		stored := map[[2]string]*importedSubscription{}
		for res.Next() {
			var psid, title string
			sub := &importedSubscription{}
			if err := res.Scan(&psid, &title, &sub.token, &sub.status, &sub.timezone, &sub.expires, &sub.eventAt); err != nil {
				res.Close()
				return err
			}
			stored[[2]string{psid, title}] = sub
		}
		res.Close()
		if err := res.Err(); err != nil {
			return err
		}
		var order [][2]string
		for i, r := range rows {
			key := [2]string{r.PSID, r.Title}
			sub, ok := stored[key]
			if out[i] = applySubscription(&sub, r); out[i] == core.ImportUnchanged {
				continue
			}
			if !ok {
				stored[key] = sub
			}
			if !sub.queued {
				sub.queued = true
				order = append(order, key)
			}
		}
		if tx == nil || len(order) == 0 {
			return nil
		}
		args := []any{botID, ms(tx.Now())}
		for _, key := range order {
			sub := stored[key]
			args = append(args, key[0], key[1], sub.token, sub.status, sub.timezone, sub.expires, sub.eventAt)
		}
		// A webhook processed since the batch read wins all the same.
		return tx.execOnce(`INSERT INTO subscriptions (bot_id, created_at, updated_at, psid, title, token, status, timezone, expires_at, event_at)
			VALUES `+values(3, len(order), 7, "$1, $2, $2, ")+`
			ON CONFLICT (bot_id, psid, title) DO UPDATE SET token = excluded.token, status = excluded.status,
				timezone = excluded.timezone, expires_at = excluded.expires_at, event_at = excluded.event_at,
				updated_at = excluded.updated_at
			WHERE excluded.event_at >= subscriptions.event_at`, args...)
	})
	return out, err
}

// applySubscription puts row r onto *sub (nil: not stored) and says what that did.
func applySubscription(sub **importedSubscription, r core.ImportedSubscription) core.ImportOutcome {
	eventAt := int64(0) // an export's row without a time is older than any webhook
	if !r.UpdatedAt.IsZero() {
		eventAt = ms(r.UpdatedAt)
	}
	next := importedSubscription{token: r.Token, status: r.Status, timezone: r.Timezone, eventAt: eventAt}
	if r.ExpiresAt != nil {
		next.expires = sql.NullInt64{Int64: ms(*r.ExpiresAt), Valid: true}
	}
	old := *sub
	if old == nil {
		*sub = &next
		return core.ImportCreated
	}
	if old.eventAt > eventAt {
		return core.ImportUnchanged
	}
	if next.timezone == "" {
		next.timezone = old.timezone
	}
	if !next.expires.Valid {
		next.expires = old.expires
	}
	next.queued = old.queued
	if next == *old {
		return core.ImportUnchanged
	}
	*old = next
	return core.ImportUpdated
}
