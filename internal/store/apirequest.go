package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/botgate/botgate/internal/core"
)

// APIRequest is one request a face received, as the console shows it.
type APIRequest struct {
	ID       string
	BotID    string // "" when the caller was not recognised
	Face     string
	Method   string
	Path     string // with the query, secrets removed
	Status   int
	Request  string // the body, secrets removed, truncated
	Response string // the body answered, truncated
	Remote   string
	Duration time.Duration
	At       time.Time
}

// APIRequestsKept is how many requests are kept per bot (and for callers
// not recognised): the newest, the older ones pruned as new ones come (by
// the request log, at most once a second per bot).
const APIRequestsKept = 1000

// pruneAPIRequests deletes a bot's requests older than its newest
// APIRequestsKept, by dialect. Several instances on one PostgreSQL prune the
// same bot's oldest rows at once: a plain DELETE would wait for the other
// instance's transaction to commit, and with it every accept in this
// group commit (a lock convoy the scale-out bench measured). Rows another
// transaction has locked are rows it is deleting, so they are skipped.
// SQLite has one writer and nothing to skip.
var pruneAPIRequests = map[string]string{
	"sqlite": fmt.Sprintf(`DELETE FROM api_requests WHERE bot_id = $1 AND id <= (SELECT id FROM api_requests
		WHERE bot_id = $1 ORDER BY id DESC LIMIT 1 OFFSET %d)`, APIRequestsKept),
	"postgres": fmt.Sprintf(`DELETE FROM api_requests WHERE id IN (SELECT id FROM api_requests WHERE bot_id = $1 AND id <= (SELECT id FROM api_requests
		WHERE bot_id = $1 ORDER BY id DESC LIMIT 1 OFFSET %d) FOR UPDATE SKIP LOCKED)`, APIRequestsKept),
}

// InsertAPIRequests records requests and prunes the older ones of the bots
// in prune. The rows go in as multi-row INSERTs: one statement (on
// PostgreSQL, one round trip) for many requests, where a flush of busy
// seconds holds hundreds.
func (s *Store) InsertAPIRequests(ctx context.Context, reqs []*APIRequest, prune []string) error {
	return s.Write(ctx, func(tx *Tx) error {
		rows := make([][]any, len(reqs))
		for i, r := range reqs {
			rows[i] = []any{r.ID, r.BotID, r.Face, r.Method, r.Path, r.Status, r.Request, r.Response, r.Remote, r.Duration.Microseconds(), ms(r.At)}
		}
		if err := tx.insertRows("api_requests", apiRequestColumns, rows); err != nil {
			return err
		}
		for _, bot := range prune {
			if _, err := tx.Exec(pruneAPIRequests[tx.Dialect()], bot); err != nil {
				return err
			}
		}
		return nil
	})
}

// APIRequestFilter selects recorded requests; empty fields match all.
type APIRequestFilter struct {
	BotID   string
	Face    string
	Refused bool // only the ones answered 4xx or 5xx
	Before  string
	Limit   int
}

// APIRequestPage is one page of recorded requests, newest first.
type APIRequestPage struct {
	Requests []*APIRequest
	Next     string
}

const apiRequestColumns = `id, bot_id, face, method, path, status, request, response, remote, duration_us, at`

// ListAPIRequests returns one page of the requests matching f.
func (s *Store) ListAPIRequests(ctx context.Context, f APIRequestFilter) (APIRequestPage, error) {
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	var q sqlWhere
	if f.BotID != "" {
		q.add("bot_id = ?", f.BotID)
	}
	if f.Face != "" {
		q.add("face = ?", f.Face)
	}
	if f.Refused {
		q.conds = append(q.conds, "status >= 400")
	}
	if f.Before != "" {
		q.add("id < ?", f.Before)
	}
	rows, err := s.query(ctx, `SELECT `+apiRequestColumns+` FROM api_requests`+q.sql()+fmt.Sprintf(` ORDER BY id DESC LIMIT %d`, f.Limit+1), q.args...)
	if err != nil {
		return APIRequestPage{}, err
	}
	defer rows.Close()
	var page APIRequestPage
	for rows.Next() {
		r, err := scanAPIRequest(rows)
		if err != nil {
			return page, err
		}
		page.Requests = append(page.Requests, r)
	}
	if len(page.Requests) > f.Limit {
		page.Requests = page.Requests[:f.Limit]
		page.Next = page.Requests[f.Limit-1].ID
	}
	return page, rows.Err()
}

// GetAPIRequest returns one recorded request.
func (s *Store) GetAPIRequest(ctx context.Context, id string) (*APIRequest, error) {
	r, err := scanAPIRequest(s.queryRow(ctx, `SELECT `+apiRequestColumns+` FROM api_requests WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, core.Errorf(core.KindNotFound, "no recorded request %s (only the newest %d per bot are kept)", id, APIRequestsKept)
	}
	return r, err
}

func scanAPIRequest(row scanner) (*APIRequest, error) {
	var r APIRequest
	var us, at int64
	if err := row.Scan(&r.ID, &r.BotID, &r.Face, &r.Method, &r.Path, &r.Status, &r.Request, &r.Response, &r.Remote, &us, &at); err != nil {
		return nil, err
	}
	r.Duration, r.At = microseconds(us), fromMS(at)
	return &r, nil
}
