package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/botgate/botgate/internal/core"
)

// ContactRow is a contact as the console lists it.
type ContactRow struct {
	BotID          string
	PSID           string
	Name           string // from the profile, when fetched
	LastInboundAt  *time.Time
	LastOutboundAt *time.Time
	CreatedAt      time.Time
}

// ContactFilter selects contacts; empty fields match all.
type ContactFilter struct {
	BotID string
	// Query is a PSID, a WhatsApp number, or a linked username, email or phone.
	Query string
	After string // the cursor: the last row's "bot_id/psid" of the previous page
	Limit int
}

// ContactPage is one page of contacts, in order of bot and PSID.
type ContactPage struct {
	Contacts []ContactRow
	Next     string
}

// ListContacts returns one page of contacts matching f.
func (s *Store) ListContacts(ctx context.Context, f ContactFilter) (ContactPage, error) {
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	var q sqlWhere
	if f.BotID != "" {
		q.add("bot_id = ?", f.BotID)
	}
	if f.Query != "" {
		psids, err := s.recipientPSIDs(ctx, f.BotID, f.Query)
		if err != nil {
			return ContactPage{}, err
		}
		q.in("psid", psids)
	}
	if bot, psid, ok := cutCursor(f.After); ok {
		q.add("(bot_id > ? OR (bot_id = ? AND psid > ?))", bot, bot, psid)
	}
	rows, err := s.query(ctx, `SELECT bot_id, psid, profile, last_inbound_at, last_outbound_at, created_at FROM contacts`+q.sql()+
		fmt.Sprintf(` ORDER BY bot_id, psid LIMIT %d`, f.Limit+1), q.args...)
	if err != nil {
		return ContactPage{}, err
	}
	defer rows.Close()
	var page ContactPage
	for rows.Next() {
		var c ContactRow
		var profile sql.NullString
		var in, out sql.NullInt64
		var created int64
		if err := rows.Scan(&c.BotID, &c.PSID, &profile, &in, &out, &created); err != nil {
			return page, err
		}
		if profile.Valid {
			var p core.Profile
			if json.Unmarshal([]byte(profile.String), &p) == nil {
				c.Name = strings.TrimSpace(p.FirstName + " " + p.LastName)
			}
		}
		c.LastInboundAt, c.LastOutboundAt, c.CreatedAt = fromNullMS(in), fromNullMS(out), fromMS(created)
		page.Contacts = append(page.Contacts, c)
	}
	if len(page.Contacts) > f.Limit {
		page.Contacts = page.Contacts[:f.Limit]
		last := page.Contacts[f.Limit-1]
		page.Next = last.BotID + "/" + last.PSID
	}
	return page, rows.Err()
}

func cutCursor(c string) (bot, psid string, ok bool) { return strings.Cut(c, "/") }

// ContactSubscriptions returns a user's notification-message subscriptions.
func (s *Store) ContactSubscriptions(ctx context.Context, botID, psid string) ([]Subscription, error) {
	subs, err := s.ListSubscriptions(ctx, botID, "")
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(subs, func(sub Subscription) bool { return sub.PSID != psid }), nil
}
