package store

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/botgate/botgate/internal/core"
)

// InboundMessage is what a user sent: text, a tap, an opt-in.
type InboundMessage struct {
	ID      string
	BotID   string
	PSID    string
	Channel string
	Kind    string // core.Event*
	At      time.Time
	Body    json.RawMessage // the event as Graph sent it
}

// InsertInboundMessage keeps a user's event for their conversation.
func (tx *Tx) InsertInboundMessage(m *InboundMessage) error {
	m.ID = core.NewID("in_", tx.Now())
	_, err := tx.Exec(`INSERT INTO inbound_messages (id, bot_id, psid, channel, kind, at, body) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		m.ID, m.BotID, m.PSID, m.Channel, m.Kind, ms(m.At), string(m.Body))
	return err
}

// Turn is one side of a conversation: a user's event or a bot's message.
type Turn struct {
	At       time.Time
	Inbound  *InboundMessage
	Outbound *core.MessageRecord // with its parts: the bodies Graph accepted
}

// conversationSQL reads a user's newest messages; its condition that psid
// is not empty lets the partial index on psid serve it (see advanceUpToSQL).
const conversationSQL = `SELECT ` + messageColumns + ` FROM messages WHERE bot_id = $1 AND psid = $2 AND psid <> '' AND id < $3
	ORDER BY id DESC LIMIT $4`

// Conversation returns the newest turns between a bot and a user before
// before (zero: now), oldest first, at most limit of them.
func (s *Store) Conversation(ctx context.Context, botID, psid string, before time.Time, limit int) ([]Turn, error) {
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	if before.IsZero() {
		before = s.now().Add(time.Hour) // clocks of other processes may run ahead
	}
	out, err := s.scanMessages(ctx, conversationSQL, botID, psid, idAt("msg_", before), limit)
	if err != nil {
		return nil, err
	}
	if err := s.attachParts(ctx, out); err != nil {
		return nil, err
	}
	turns := make([]Turn, 0, 2*limit)
	for _, m := range out {
		turns = append(turns, Turn{At: m.CreatedAt, Outbound: m})
	}
	rows, err := s.query(ctx, `SELECT id, channel, kind, at, body FROM inbound_messages WHERE bot_id = $1 AND psid = $2 AND at < $3
		ORDER BY at DESC LIMIT $4`, botID, psid, ms(before), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		m := &InboundMessage{BotID: botID, PSID: psid}
		var at int64
		var body string
		if err := rows.Scan(&m.ID, &m.Channel, &m.Kind, &at, &body); err != nil {
			return nil, err
		}
		m.At, m.Body = fromMS(at), json.RawMessage(body)
		turns = append(turns, Turn{At: m.At, Inbound: m})
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	slices.SortStableFunc(turns, func(a, b Turn) int { return b.At.Compare(a.At) })
	turns = turns[:min(limit, len(turns))]
	slices.Reverse(turns)
	return turns, nil
}
