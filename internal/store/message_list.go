package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/botgate/botgate/internal/core"
)

// MessageFilter selects messages; empty fields match all.
type MessageFilter struct {
	BotID     string
	RequestID string
	Status    core.Status
	Face      string
	Channel   string
	// Recipient matches the user a message went to: a PSID, a phone number
	// (a WhatsApp user, or a Messenger user linked by user_phone_number), or a
	// linked username or email.
	Recipient string
	Since     time.Time // created at or after (zero: no bound)
	Until     time.Time // created before (zero: no bound)
	Text      string    // appears in the request, case-insensitively (ASCII)
	Before    string    // a message id: list older messages (pagination)
	Limit     int
}

// MessagePage is one page of a message list, newest first.
type MessagePage struct {
	Messages []*core.MessageRecord
	// Next is the cursor (a Before) of the following page, "" at the end.
	Next string
}

// scanWindow bounds how many rows a filter no index serves (face, channel,
// text) reads for one page: a page then costs the same on a table of any
// size, and may come back short with a Next cursor to read on from.
const scanWindow = 5000

// ListMessages returns the newest messages matching f, with their parts.
func (s *Store) ListMessages(ctx context.Context, f MessageFilter) ([]*core.MessageRecord, error) {
	p, err := s.MessagePage(ctx, f)
	if err != nil {
		return nil, err
	}
	return p.Messages, s.attachParts(ctx, p.Messages)
}

// MessagePage returns one page of the messages matching f, without parts.
func (s *Store) MessagePage(ctx context.Context, f MessageFilter) (MessagePage, error) {
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	// A recipient is the most selective filter: its index must serve the
	// query. Other columns are then compared as expressions ("col || ''"),
	// which no index serves, so neither planner walks a bot's or a status's
	// index looking for one user's messages.
	col := func(c string) string { return c }
	if f.Recipient != "" {
		col = func(c string) string { return c + " || ''" }
	}
	var q sqlWhere
	if f.BotID != "" {
		q.add(col("bot_id")+" = ?", f.BotID)
	}
	if f.RequestID != "" {
		q.add("request_id = ?", f.RequestID)
	}
	if f.Status != "" {
		q.add(col("status")+" = ?", string(f.Status))
	}
	if f.Recipient != "" {
		psids, err := s.recipientPSIDs(ctx, f.BotID, f.Recipient)
		if err != nil {
			return MessagePage{}, err
		}
		q.in("psid", psids)
		q.conds = append(q.conds, "psid <> ''") // lets the partial index on psid serve it
	}
	// Ids begin with their creation time, so a time range is an id range.
	if !f.Since.IsZero() {
		q.bound(col("id"), ">=", idAt("msg_", f.Since))
	}
	if !f.Until.IsZero() {
		q.bound(col("id"), "<", idAt("msg_", f.Until))
	}
	if f.Before != "" {
		q.add(col("id")+" < ?", f.Before)
	}
	var scan sqlWhere
	scan.n = len(q.args)
	if f.Face != "" {
		scan.add("face = ?", f.Face)
	}
	if f.Channel != "" {
		scan.add("channel = ?", f.Channel)
	}
	if f.Text != "" {
		scan.add(`LOWER(request) LIKE ? ESCAPE '\'`, "%"+likeEscape(strings.ToLower(f.Text))+"%")
	}
	if len(scan.conds) == 0 {
		msgs, err := s.scanMessages(ctx, `SELECT `+messageColumns+` FROM messages`+q.sql()+
			fmt.Sprintf(` ORDER BY id DESC LIMIT %d`, f.Limit+1), q.args...)
		return pageOf(msgs, f.Limit), err
	}
	// Read at most scanWindow rows the index gives, and filter those.
	window := `SELECT ` + messageColumns + ` FROM messages` + q.sql() + fmt.Sprintf(` ORDER BY id DESC LIMIT %d`, scanWindow)
	msgs, err := s.scanMessages(ctx, `SELECT * FROM (`+window+`) w`+scan.sql()+fmt.Sprintf(` ORDER BY id DESC LIMIT %d`, f.Limit+1),
		append(q.args, scan.args...)...)
	if err != nil || len(msgs) > f.Limit {
		return pageOf(msgs, f.Limit), err
	}
	page := MessagePage{Messages: msgs}
	var last string
	var n int
	err = s.queryRow(ctx, `SELECT COALESCE(MIN(id), ''), COUNT(*) FROM (SELECT id FROM messages`+q.sql()+
		fmt.Sprintf(` ORDER BY id DESC LIMIT %d) w`, scanWindow), q.args...).Scan(&last, &n)
	if n == scanWindow {
		page.Next = last // more rows to read beyond the window
	}
	return page, err
}

// recipientPSIDs is every user id a recipient filter may mean.
func (s *Store) recipientPSIDs(ctx context.Context, botID, r string) ([]any, error) {
	r = strings.TrimSpace(r)
	out := []any{r}
	if digits := strings.TrimPrefix(r, "+"); digits != "" && strings.Trim(digits, "0123456789") == "" {
		out = append(out, core.WAContact(digits))
	}
	q := `SELECT DISTINCT psid FROM links WHERE value IN ($1, $2)`
	args := []any{r, "+" + strings.TrimPrefix(r, "+")}
	if botID != "" {
		q += ` AND bot_id = $3`
		args = append(args, botID)
	}
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var psid string
		if err := rows.Scan(&psid); err != nil {
			return nil, err
		}
		out = append(out, psid)
	}
	return out, rows.Err()
}

func (s *Store) scanMessages(ctx context.Context, query string, args ...any) ([]*core.MessageRecord, error) {
	rows, err := s.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*core.MessageRecord
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// pageOf cuts a page read with one row more than limit, the extra row
// telling that a next page exists.
func pageOf(msgs []*core.MessageRecord, limit int) MessagePage {
	if len(msgs) <= limit {
		return MessagePage{Messages: msgs}
	}
	return MessagePage{Messages: msgs[:limit], Next: msgs[limit-1].ID}
}

// sqlWhere builds a WHERE clause with numbered placeholders; n counts the
// arguments placed before its own.
type sqlWhere struct {
	conds []string
	args  []any
	n     int
}

// add appends a condition whose "?"s stand for vs, in order.
func (w *sqlWhere) add(cond string, vs ...any) {
	for _, v := range vs {
		w.args = append(w.args, v)
		cond = strings.Replace(cond, "?", fmt.Sprintf("$%d", w.n+len(w.args)), 1)
	}
	w.conds = append(w.conds, cond)
}

// bound appends "column op 'id'" with the id written into the SQL: an id
// bound computed from a time (never a visitor's text) is a literal, so
// PostgreSQL plans for the range it is rather than a generic plan that
// guesses it and walks a whole index.
func (w *sqlWhere) bound(column, op, id string) {
	if strings.Trim(id, "0123456789ABCDEFGHJKMNPQRSTVWXYZabcdefghijklmnopqrstuvwxyz_") != "" {
		w.add(column+" "+op+" ?", id) // not an id: leave it to a parameter
		return
	}
	w.conds = append(w.conds, column+" "+op+" '"+id+"'")
}

// in appends "column IN (values)".
func (w *sqlWhere) in(column string, values []any) {
	marks := make([]string, len(values))
	for i, v := range values {
		w.args = append(w.args, v)
		marks[i] = fmt.Sprintf("$%d", w.n+len(w.args))
	}
	w.conds = append(w.conds, column+" IN ("+strings.Join(marks, ", ")+")")
}

func (w *sqlWhere) sql() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// idAt is the smallest id with prefix created at t: ids begin with their
// creation time in milliseconds (10 characters), then randomness.
func idAt(prefix string, t time.Time) string {
	return core.NewID(prefix, t)[:len(prefix)+10] + "0000000000000000"
}

// MessagePageWithParts is MessagePage with each message's parts, for lists
// that show Graph's ids.
func (s *Store) MessagePageWithParts(ctx context.Context, f MessageFilter) (MessagePage, error) {
	p, err := s.MessagePage(ctx, f)
	if err != nil {
		return p, err
	}
	return p, s.attachParts(ctx, p.Messages)
}
