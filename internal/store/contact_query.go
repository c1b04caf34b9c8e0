package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/botgate/botgate/internal/core"
)

// ContactQuery selects a bot's contacts for botgate's own API; empty fields
// match all.
type ContactQuery struct {
	BotID string
	After string // the cursor: the last PSID of the previous page
	Limit int

	Channel string // messenger or whatsapp
	// Window is "open" (the user wrote within the standard window, as of
	// Now) or "closed" (never wrote, or longer ago).
	Window string
	Now    time.Time
	Tag    string
	// ParamName and ParamValue: the parameter is set to exactly this value.
	ParamName, ParamValue string
	Topic                 string // subscribed to this notification-messages topic
	// Since and Until bound the user's last interaction (their last message,
	// tap or opt-in): Since inclusive, Until exclusive.
	Since, Until time.Time
	Name         string // in the profile's "first last", any case
}

// ContactsAfter returns up to q.Limit of a bot's contacts matching q,
// whole, after the PSID q.After ("" from the first), in PSID order: the
// filters narrow an ordered walk, so paging over a filtered set neither
// skips nor repeats a contact.
func (s *Store) ContactsAfter(ctx context.Context, q ContactQuery) ([]*core.Contact, error) {
	pg := s.dialect.name == postgresDialect.name
	var w sqlWhere
	w.add("bot_id = ?", q.BotID)
	w.add("psid > ?", q.After)
	switch q.Channel {
	case core.ChannelWhatsApp:
		w.add("psid LIKE 'wa:%'")
	case core.ChannelMessenger:
		w.add("psid NOT LIKE 'wa:%'")
	}
	opened := ms(q.Now.Add(-core.StandardWindow))
	switch q.Window {
	case "open":
		w.add("last_inbound_at > ?", opened)
	case "closed":
		w.add("(last_inbound_at IS NULL OR last_inbound_at <= ?)", opened)
	}
	if q.Tag != "" {
		if pg {
			w.add("tags::jsonb @> jsonb_build_array(?::text)", q.Tag)
		} else {
			w.add("EXISTS (SELECT 1 FROM json_each(contacts.tags) WHERE value = ?)", q.Tag)
		}
	}
	if q.ParamName != "" {
		if pg {
			w.add("params::jsonb ->> ?::text = ?", q.ParamName, q.ParamValue)
		} else {
			w.add("EXISTS (SELECT 1 FROM json_each(contacts.params) WHERE key = ? AND value = ?)", q.ParamName, q.ParamValue)
		}
	}
	if q.Topic != "" {
		w.add(`EXISTS (SELECT 1 FROM subscriptions sub WHERE sub.bot_id = contacts.bot_id AND sub.psid = contacts.psid
			AND sub.title = ? AND sub.status = 1)`, q.Topic)
	}
	if !q.Since.IsZero() {
		w.add("last_inbound_at >= ?", ms(q.Since))
	}
	if !q.Until.IsZero() {
		w.add("last_inbound_at < ?", ms(q.Until))
	}
	if q.Name != "" {
		name := `COALESCE(json_extract(profile, '$.first_name'), '') || ' ' || COALESCE(json_extract(profile, '$.last_name'), '')`
		if pg {
			name = `COALESCE(profile::jsonb ->> 'first_name', '') || ' ' || COALESCE(profile::jsonb ->> 'last_name', '')`
		}
		w.add("LOWER("+name+") LIKE ? ESCAPE '\\'", "%"+likeEscape(strings.ToLower(q.Name))+"%")
	}
	rows, err := s.query(ctx, `SELECT `+contactColumns+` FROM contacts`+w.sql()+fmt.Sprintf(` ORDER BY psid LIMIT %d`, q.Limit), w.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*core.Contact
	for rows.Next() {
		c, err := scanContact(rows, q.BotID)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
