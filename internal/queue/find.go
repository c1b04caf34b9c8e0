package queue

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/botgate/botgate/internal/store"
)

// Pending is a job still in the table: waiting, running, retrying or dead.
type Pending struct {
	State     string
	Attempt   int // attempts made so far
	RunAt     time.Time
	LastError string
}

// Find returns the job of kind working on ref, or nil when there is none
// (never enqueued, or completed). The console shows a message's next
// attempt with it. A record table's job is on the record; the jobs table is
// read without an index on ref: it holds only unfinished jobs, and callers
// ask only for unfinished work.
func Find(ctx context.Context, s *store.Store, kind, ref string) (*Pending, error) {
	var p Pending
	var at int64
	var row *sql.Row
	if t := recordOf(kind); t != nil {
		row = s.ReadRow(ctx, `SELECT `+t.state+`, `+t.attempt+`, run_at, `+t.errCol+` FROM `+t.name+` WHERE `+t.key+` = $1 AND `+t.state+` <> ''`, ref)
	} else {
		row = s.ReadRow(ctx, `SELECT state, attempt, run_at, last_error FROM jobs WHERE kind = $1 AND ref = $2 ORDER BY id DESC LIMIT 1`, kind, ref)
	}
	err := row.Scan(&p.State, &p.Attempt, &at, &p.LastError)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	p.RunAt = time.UnixMilli(at).UTC()
	return &p, nil
}

// NextRetry is when the soonest retrying job of kind runs again; ok is
// false when none is retrying.
func NextRetry(ctx context.Context, s *store.Store, kind string) (at time.Time, ok bool, err error) {
	var next sql.NullInt64
	if t := recordOf(kind); t != nil {
		// In the words of the claim index too, so SQLite reads it rather than every record.
		err = s.ReadRow(ctx, `SELECT MIN(run_at) FROM `+t.name+` WHERE `+t.live+` AND `+t.state+` = 'retryable'`).Scan(&next)
	} else {
		err = s.ReadRow(ctx, `SELECT MIN(run_at) FROM jobs WHERE kind = $1 AND state = 'retryable'`, kind).Scan(&next)
	}
	if err != nil || !next.Valid {
		return time.Time{}, false, err
	}
	return time.UnixMilli(next.Int64).UTC(), true, nil
}
