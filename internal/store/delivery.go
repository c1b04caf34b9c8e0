package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/botgate/botgate/internal/core"
)

const deliveryColumns = `id, bot_id, kind, message_id, endpoint_id, url, body, state, attempts, last_status, last_error, created_at, updated_at, delivered_at`

// InsertDelivery records a delivery owed to a merchant URL; job, when
// given, is the delivery's job columns (queue.Deliveries.NewJob): the row is
// its own job, and nothing else is written to queue it.
func (tx *Tx) InsertDelivery(d *core.Delivery, job ...Column) error {
	d.State, d.CreatedAt, d.UpdatedAt = core.DeliveryPending, tx.Now(), tx.Now()
	cols := "id, bot_id, kind, message_id, endpoint_id, url, body, state, created_at, updated_at"
	marks := "$1, $2, $3, $4, $5, $6, $7, $8, $9, $9"
	args := []any{d.ID, d.BotID, d.Kind, d.MessageID, d.EndpointID, d.URL, string(d.Body), d.State, ms(tx.Now())}
	cols, marks, args = withColumns(cols, marks, args, job)
	return tx.execLater("deliveries", `INSERT INTO deliveries (`+cols+`) VALUES (`+marks+`)`, args...)
}

// InsertDeliveryAttempt adds one POST to a delivery's log.
func (tx *Tx) InsertDeliveryAttempt(id string, a core.DeliveryAttempt) error {
	return tx.execLater("delivery_attempts", `INSERT INTO delivery_attempts (delivery_id, n, at, duration_us, status_code, error, request_headers, response_headers, response_body)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		id, a.N, ms(a.At), a.Duration.Microseconds(), a.StatusCode, a.Error, headerText(a.RequestHeaders), headerText(a.ResponseHeaders),
		a.ResponseBody)
}

// DeliveryResult is the columns of a delivery that an attempt changes, for
// the UPDATE that also finishes its job (queue.Settle).
func (tx *Tx) DeliveryResult(a core.DeliveryAttempt, state string) []Column {
	cols := []Column{{"state", state}, {"attempts", a.N}, {"last_status", a.StatusCode}, {"last_error", a.Error},
		{"updated_at", ms(tx.Now())}}
	if state == core.DeliveryDelivered {
		cols = append(cols, Column{"delivered_at", ms(tx.Now())})
	}
	return cols
}

// DeliveryDropped is the columns of a delivery given up without a POST
// (its endpoint deleted or disabled), for the UPDATE that ends its job.
func (tx *Tx) DeliveryDropped(reason string) []Column {
	return []Column{{"state", core.DeliveryFailed}, {"last_error", reason}, {"updated_at", ms(tx.Now())}}
}

// GetDelivery returns one delivery.
func (s *Store) GetDelivery(ctx context.Context, id string) (*core.Delivery, error) {
	return scanDelivery(s.queryRow(ctx, `SELECT `+deliveryColumns+` FROM deliveries WHERE id = $1`, id))
}

// ListDeliveries returns a bot's newest deliveries, older than before when set.
func (s *Store) ListDeliveries(ctx context.Context, botID, before string, limit int) ([]*core.Delivery, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	if before == "" {
		before = "~" // sorts after every id
	}
	rows, err := s.query(ctx, `SELECT `+deliveryColumns+` FROM deliveries WHERE bot_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3`,
		botID, before, limit)
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

// DeliveryAttempts returns every POST of a delivery, in order.
func (s *Store) DeliveryAttempts(ctx context.Context, id string) ([]core.DeliveryAttempt, error) {
	rows, err := s.query(ctx, `SELECT n, at, duration_us, status_code, error, request_headers, response_headers, response_body
		FROM delivery_attempts WHERE delivery_id = $1 ORDER BY n`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []core.DeliveryAttempt
	for rows.Next() {
		var a core.DeliveryAttempt
		var at, us int64
		var reqHeaders, respHeaders string
		if err := rows.Scan(&a.N, &at, &us, &a.StatusCode, &a.Error, &reqHeaders, &respHeaders, &a.ResponseBody); err != nil {
			return nil, err
		}
		a.RequestHeaders, a.ResponseHeaders = parseHeaders(reqHeaders), parseHeaders(respHeaders)
		a.At, a.Duration = fromMS(at), microseconds(us)
		out = append(out, a)
	}
	return out, rows.Err()
}

// headerText is headers as stored: JSON, or "" for none (attempts made
// before migration 00018 kept none).
func headerText(h http.Header) string {
	if len(h) == 0 {
		return ""
	}
	data, _ := json.Marshal(h) // replaces invalid UTF-8, which PostgreSQL refuses
	return string(data)
}

func parseHeaders(s string) http.Header {
	var h http.Header
	if s != "" {
		_ = json.Unmarshal([]byte(s), &h)
	}
	return h
}

func scanDelivery(row scanner) (*core.Delivery, error) {
	var d core.Delivery
	var body string
	var created, updated int64
	var delivered sql.NullInt64
	err := row.Scan(&d.ID, &d.BotID, &d.Kind, &d.MessageID, &d.EndpointID, &d.URL, &body, &d.State, &d.Attempts, &d.LastStatus, &d.LastError,
		&created, &updated, &delivered)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, core.Errorf(core.KindNotFound, "no such delivery")
	}
	if err != nil {
		return nil, err
	}
	d.Body = rawOrString(body)
	d.CreatedAt, d.UpdatedAt, d.DeliveredAt = fromMS(created), fromMS(updated), fromNullMS(delivered)
	return &d, nil
}

// ReopenDelivery makes a delivery pending again, for a replay, to the URL
// currentURL gives (the bot's URL for it now; "" keeps the recorded one),
// setting job (queue.Deliveries.NewJob) as its job: a claim still running
// on it can no longer finish it.
func (tx *Tx) ReopenDelivery(id string, currentURL func(d *core.Delivery) string, job ...Column) (*core.Delivery, error) {
	d, err := scanDelivery(tx.QueryRow(`SELECT `+deliveryColumns+` FROM deliveries WHERE id = $1`, id))
	if core.ErrorKind(err) == core.KindNotFound {
		return nil, core.Errorf(core.KindNotFound, "no delivery %s", id)
	}
	if err != nil {
		return nil, err
	}
	if u := currentURL(d); u != "" {
		d.URL = u
	}
	d.State, d.UpdatedAt = core.DeliveryPending, tx.Now()
	set, args := Assignments(append([]Column{{"state", d.State}, {"url", d.URL}, {"updated_at", ms(d.UpdatedAt)}}, job...), []any{id})
	_, err = tx.Exec(`UPDATE deliveries SET `+set+` WHERE id = $1`, args...)
	return d, err
}

// Column is a column's new value, for writes whose columns another package
// chooses (a record's job columns: see queue.Table).
type Column struct {
	Name  string
	Value any
}

// Assignments is set as an UPDATE's "name = $n, …" list, its values
// appended to args after the parameters args already numbers.
func Assignments(set []Column, args []any) (string, []any) {
	parts := make([]string, len(set))
	for i, c := range set {
		args = append(args, c.Value)
		parts[i] = fmt.Sprintf("%s = $%d", c.Name, len(args))
	}
	return strings.Join(parts, ", "), args
}

// withColumns adds more columns to an INSERT's column list and its
// "$n, …" list, their values appended to args after the parameters args
// already numbers.
func withColumns(cols, marks string, args []any, more []Column) (string, string, []any) {
	for _, c := range more {
		args = append(args, c.Value)
		cols += ", " + c.Name
		marks += ", $" + strconv.Itoa(len(args))
	}
	return cols, marks, args
}
