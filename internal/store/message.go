package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/botgate/botgate/internal/core"
)

const messageColumns = `id, bot_id, request_id, channel, face, method, sync, status, psid, request, recipient_id, error,
	created_at, updated_at, sent_at, delivered_at, read_at, failed_at, request_hash`

// EncodeRequest encodes a message's request for InsertMessage. Callers do it
// before Write: the writer serves every caller, so it should not encode.
func EncodeRequest(r *core.SendRequest) ([]byte, error) { return json.Marshal(r) }

// InsertMessage records an accepted message, its request encoded by
// EncodeRequest; job is its send job's columns (queue.Messages.NewJob or
// NewClaimedJob): the row is its own job, and nothing else is written to
// queue it. A request id the bot used before is KindDuplicate, and nothing
// is written.
func (tx *Tx) InsertMessage(m *core.MessageRecord, req []byte, job ...Column) error {
	m.CreatedAt, m.UpdatedAt, m.Status = tx.Now(), tx.Now(), core.StatusAccepted
	cols := "id, bot_id, request_id, channel, face, method, sync, status, psid, request, created_at, updated_at, request_hash"
	marks := "$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $12"
	args := []any{m.ID, m.BotID, m.Request.RequestID, m.Channel, m.Request.Face, m.Request.Method, m.Request.Sync, m.Status, m.PSID, string(req),
		ms(tx.Now()), m.Request.RequestHash}
	cols, marks, args = withColumns(cols, marks, args, job)
	res, err := tx.Exec(`INSERT INTO messages (`+cols+`) VALUES (`+marks+`) ON CONFLICT (bot_id, request_id) DO NOTHING`, args...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return core.Errorf(core.KindDuplicate, "request id %q was already used for this bot", m.Request.RequestID)
	}
	return nil
}

// AddEvent appends to a message's history what its statuses and deliveries
// do not already tell: warnings, callback timeouts and failures.
func (tx *Tx) AddEvent(messageID, kind, detail string) error {
	_, err := tx.Exec(`INSERT INTO message_events (message_id, at, kind, detail) VALUES ($1, $2, $3, $4)`,
		messageID, ms(tx.Now()), kind, detail)
	return err
}

// AddAttempt records one upstream call; an attempt Graph accepted carries
// Graph's message id and is one of the message's parts.
func (tx *Tx) AddAttempt(a *core.Attempt) error {
	graphID := sql.NullString{String: a.GraphID, Valid: a.GraphID != ""}
	return tx.execLater("attempts", `INSERT INTO attempts (message_id, seq, at, duration_us, request, status_code, response, outcome, error, graph_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		a.MessageID, a.Seq, ms(a.At), a.Duration.Microseconds(), string(a.Request), a.StatusCode, string(a.Response), a.Outcome, a.Error, graphID)
}

// statusColumn is the column holding when a message reached each status.
var statusColumn = map[core.Status]string{
	core.StatusSent: "sent_at", core.StatusDelivered: "delivered_at", core.StatusRead: "read_at", core.StatusFailed: "failed_at",
}

// fromStatuses is the SQL list of the statuses a message may move to next from.
func fromStatuses(next core.Status) string {
	var from []string
	for _, s := range core.Statuses {
		if s.CanBecome(next) {
			from = append(from, "'"+string(s)+"'")
		}
	}
	return strings.Join(from, ", ")
}

// SetStatus moves a message forward to next. A move the status order
// forbids (a late delivery after read) is skipped, and SetStatus reports false.
func (tx *Tx) SetStatus(id string, next core.Status) (bool, error) {
	return tx.setStatus(id, next, "", nil, nil)
}

// More adds assignments to an UPDATE's SET list, numbering its values after
// args: columns another package chooses in a record's write (queue.Ends).
type More func(args []any) (set string, _ []any)

// setStatus updates the status, its time column, extra columns and more in
// one statement.
func (tx *Tx) setStatus(id string, next core.Status, extra string, args []any, more More) (bool, error) {
	from := fromStatuses(next)
	column := statusColumn[next]
	if from == "" || column == "" {
		return false, nil
	}
	args = append([]any{id, string(next), ms(tx.Now())}, args...)
	if more != nil {
		var set string
		set, args = more(args)
		extra += ", " + set
	}
	res, err := tx.Exec(`UPDATE messages SET status = $2, updated_at = $3, `+column+` = $3`+extra+
		` WHERE id = $1 AND status IN (`+from+`)`, args...)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// MarkSent records that Graph accepted every part of a message.
func (tx *Tx) MarkSent(id, recipientID, psid string) error {
	_, err := tx.FinishSent(id, recipientID, psid, nil)
	return err
}

// FinishSent is MarkSent that also ends the message's send job (job, from
// queue.Ends) in the same UPDATE; it reports whether the message moved to
// sent (when it did not, the job is left as it was).
func (tx *Tx) FinishSent(id, recipientID, psid string, job More) (bool, error) {
	return tx.setStatus(id, core.StatusSent, `, recipient_id = $4, psid = CASE WHEN psid = '' THEN $5 ELSE psid END`,
		[]any{recipientID, psid}, job)
}

// MarkFailed records why a message failed.
func (tx *Tx) MarkFailed(id string, e *core.Error) error {
	_, err := tx.FinishFailed(id, e, nil)
	return err
}

// FinishFailed is MarkFailed that also ends the message's send job, as
// FinishSent; it reports whether the message moved to failed.
func (tx *Tx) FinishFailed(id string, e *core.Error, job More) (bool, error) {
	data, err := json.Marshal(e)
	if err != nil {
		return false, err
	}
	return tx.setStatus(id, core.StatusFailed, `, error = $4`, []any{string(data)}, job)
}

// GetMessage returns a message with its parts.
func (s *Store) GetMessage(ctx context.Context, id string) (*core.MessageRecord, error) {
	m, err := scanMessage(s.queryRow(ctx, `SELECT `+messageColumns+` FROM messages WHERE id = $1`, id))
	if err != nil {
		return nil, err
	}
	return m, s.attachParts(ctx, []*core.MessageRecord{m})
}

// GetMessage returns a message with its parts, as the transaction sees it:
// for an event describing a change the transaction made.
func (tx *Tx) GetMessage(id string) (*core.MessageRecord, error) {
	m, err := scanMessage(tx.QueryRow(`SELECT `+messageColumns+` FROM messages WHERE id = $1`, id))
	if err != nil {
		return nil, err
	}
	return m, attachParts(tx.Query, []*core.MessageRecord{m})
}

// MessageByRequestID returns the bot's message with a request id, whole,
// or nil when there is none.
func (s *Store) MessageByRequestID(ctx context.Context, botID, requestID string) (*core.MessageRecord, error) {
	m, err := scanMessage(s.queryRow(ctx, `SELECT `+messageColumns+` FROM messages WHERE bot_id = $1 AND request_id = $2`, botID, requestID))
	if core.ErrorKind(err) == core.KindNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return m, s.attachParts(ctx, []*core.MessageRecord{m})
}

// attachParts loads the parts of a page of messages in one query.
func (s *Store) attachParts(ctx context.Context, msgs []*core.MessageRecord) error {
	return attachParts(func(q string, args ...any) (*sql.Rows, error) { return s.query(ctx, q, args...) }, msgs)
}

func attachParts(query func(string, ...any) (*sql.Rows, error), msgs []*core.MessageRecord) error {
	if len(msgs) == 0 {
		return nil
	}
	byID := make(map[string]*core.MessageRecord, len(msgs))
	marks := make([]string, len(msgs))
	args := make([]any, len(msgs))
	for i, m := range msgs {
		byID[m.ID] = m
		marks[i] = fmt.Sprintf("$%d", i+1)
		args[i] = m.ID
	}
	rows, err := query(`SELECT message_id, seq, graph_id, request, at FROM attempts
		WHERE message_id IN (`+strings.Join(marks, ", ")+`) AND graph_id IS NOT NULL ORDER BY message_id, seq`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, body string
		var p core.Part
		var sent int64
		if err := rows.Scan(&id, &p.Seq, &p.GraphID, &body, &sent); err != nil {
			return err
		}
		p.Body, p.SentAt = json.RawMessage(body), fromMS(sent)
		byID[id].Parts = append(byID[id].Parts, p)
	}
	return rows.Err()
}

// Attempts returns every upstream call made for a message, in order.
func (s *Store) Attempts(ctx context.Context, messageID string) ([]core.Attempt, error) {
	rows, err := s.query(ctx, `SELECT id, seq, at, duration_us, request, status_code, response, outcome, error, COALESCE(graph_id, '')
		FROM attempts WHERE message_id = $1 ORDER BY id`, messageID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []core.Attempt
	for rows.Next() {
		a := core.Attempt{MessageID: messageID}
		var at, us int64
		var req, resp string
		if err := rows.Scan(&a.ID, &a.Seq, &at, &us, &req, &a.StatusCode, &resp, &a.Outcome, &a.Error, &a.GraphID); err != nil {
			return nil, err
		}
		a.At, a.Request, a.Response = fromMS(at), rawOrString(req), rawOrString(resp)
		a.Duration = microseconds(us)
		out = append(out, a)
	}
	return out, rows.Err()
}

// Events returns a message's history, oldest first: its statuses (from
// their time columns), its callback's delivery, and recorded events.
func (s *Store) Events(ctx context.Context, m *core.MessageRecord) ([]core.Event, error) {
	events := []core.Event{{At: m.CreatedAt, Kind: string(core.StatusAccepted)}}
	for _, st := range []struct {
		status core.Status
		at     *time.Time
	}{{core.StatusSent, m.SentAt}, {core.StatusDelivered, m.DeliveredAt}, {core.StatusRead, m.ReadAt}, {core.StatusFailed, m.FailedAt}} {
		if st.at != nil {
			e := core.Event{At: *st.at, Kind: string(st.status)}
			if st.status == core.StatusFailed && m.Error != nil {
				e.Detail = m.Error.Message
			}
			events = append(events, e)
		}
	}
	// message_id <> '' states the condition of the partial index deliveries_message, so both databases use it.
	rows, err := s.query(ctx, `SELECT at, kind, detail FROM message_events WHERE message_id = $1
		UNION ALL SELECT delivered_at, 'callback_delivered', 'webhook-id ' || id FROM deliveries
			WHERE message_id = $1 AND message_id <> '' AND kind = 'callback' AND delivered_at IS NOT NULL`, m.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var e core.Event
		var at int64
		if err := rows.Scan(&at, &e.Kind, &e.Detail); err != nil {
			return nil, err
		}
		e.At = fromMS(at)
		events = append(events, e)
	}
	// Statuses first among events of the same millisecond, in their order.
	slices.SortStableFunc(events, func(a, b core.Event) int { return a.At.Compare(b.At) })
	return events, rows.Err()
}

func scanMessage(row scanner) (*core.MessageRecord, error) {
	var (
		m                       core.MessageRecord
		face, method, req       string
		sync                    bool
		status                  string
		errJSON                 sql.NullString
		created, updated        int64
		sent, delivered, readAt sql.NullInt64
		failed                  sql.NullInt64
		hash                    string
	)
	err := row.Scan(&m.ID, &m.BotID, &m.Request.RequestID, &m.Channel, &face, &method, &sync, &status, &m.PSID, &req,
		&m.RecipientID, &errJSON, &created, &updated, &sent, &delivered, &readAt, &failed, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, core.Errorf(core.KindNotFound, "no such message")
	}
	if err != nil {
		return nil, err
	}
	requestID := m.Request.RequestID
	if err := json.Unmarshal([]byte(req), &m.Request); err != nil {
		return nil, fmt.Errorf("store: message %s request: %w", m.ID, err)
	}
	m.Request.RequestID, m.Request.Face, m.Request.Method, m.Request.Sync, m.Request.RequestHash = requestID, face, method, sync, hash
	if errJSON.Valid {
		m.Error = &core.Error{}
		if err := json.Unmarshal([]byte(errJSON.String), m.Error); err != nil {
			return nil, fmt.Errorf("store: message %s error: %w", m.ID, err)
		}
	}
	m.Status = core.Status(status)
	m.CreatedAt, m.UpdatedAt = fromMS(created), fromMS(updated)
	m.SentAt, m.DeliveredAt, m.ReadAt, m.FailedAt = fromNullMS(sent), fromNullMS(delivered), fromNullMS(readAt), fromNullMS(failed)
	return &m, nil
}

// rawOrString keeps a stored body as JSON when it is JSON, and as a JSON
// string otherwise (an HTML error page from a proxy, say).
func rawOrString(s string) json.RawMessage {
	if json.Valid([]byte(s)) {
		return json.RawMessage(s)
	}
	b, _ := json.Marshal(s)
	return b
}
