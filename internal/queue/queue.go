// Package queue is botgate's durable job queue: a table in the same database
// as everything else, so accepting a request and enqueuing its work commit
// together.
//
// A job is available, running, retryable or discarded; a finished job is
// deleted (its outcome lives in the record it worked on). A running job's
// run_at is the end of its lease: when a worker dies, its jobs become
// claimable again once their leases end, with no separate rescuer.
package queue

import (
	"cmp"
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/botgate/botgate/internal/store"
)

// Job is a claimed unit of work.
type Job struct {
	ID          int64
	Kind        string
	Ref         string // what the job works on, e.g. a message id
	Attempt     int    // 1 on the first run
	MaxAttempts int
	Owner       string // the claim's token: its process and a number unique to the claim
	CreatedAt   time.Time
	Hold        time.Time // a turn the job reserved under a rate limit when it was postponed; zero if none
	// Until is when the claim's lease surely still holds, by this process's
	// clock: read before the claim began, plus the lease. A handler that
	// finds too little time left must not start outside work (a send) that
	// a newer claim may be doing too. Zero: not known.
	Until time.Time

	tab *Table // where the job lives; nil: the jobs table
}

// States.
const (
	StateAvailable = "available"
	StateRunning   = "running"
	StateRetryable = "retryable"
	StateDiscarded = "discarded"
)

// ErrLeaseLost means the job was claimed again after this claim's lease
// ended; the newer claim owns it now.
var ErrLeaseLost = errors.New("queue: lease lost")

// Enqueue adds a job that may run from runAt on.
func Enqueue(tx *store.Tx, kind, ref string, maxAttempts int, runAt time.Time) error {
	_, err := tx.Exec(`INSERT INTO jobs (kind, ref, state, max_attempts, run_at, created_at, updated_at)
		VALUES ($1, $2, 'available', $3, $4, $5, $5)`,
		kind, ref, maxAttempts, runAt.UnixMilli(), tx.Now().UnixMilli())
	return err
}

// claimToken marks one claim: the process's owner name and 65 random bits.
// A job's id may be reused once it is deleted (SQLite reuses the highest
// rowid), but a stale claim's token never matches a newer claim of that id.
func claimToken(owner string) string {
	return owner + "#" + rand.Text()[:13]
}

// Claim takes up to limit runnable jobs of one kind for owner (a process),
// leasing them.
func Claim(tx *store.Tx, kind, owner string, lease time.Duration, limit int) ([]Job, error) {
	return ClaimFrom(tx, Jobs, kind, owner, lease, limit)
}

// ClaimFrom is Claim on table t; a record table's kind is its own, and kind
// is ignored.
func ClaimFrom(tx *store.Tx, t *Table, kind, owner string, lease time.Duration, limit int) ([]Job, error) {
	token := claimToken(owner)
	// PostgreSQL processes sharing the table skip each other's locked rows;
	// SQLite has one writer, so there is nothing to skip.
	lock := ""
	if tx.Dialect() == "postgres" {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	now := tx.Now().UnixMilli()
	var q string
	args := []any{token, tx.Now().Add(lease).UnixMilli(), now, limit}
	if t.record {
		// A record's own updated_at says when its content changed, not its job.
		q = `UPDATE ` + t.name + ` SET ` + t.state + ` = 'running', ` + t.attempt + ` = ` + t.attempt + ` + 1, lease_owner = $1, run_at = $2
		WHERE ` + t.key + ` IN (SELECT ` + t.key + ` FROM ` + t.name + ` WHERE ` + t.live + ` AND run_at <= $3 ORDER BY run_at LIMIT $4` + lock + `)
		RETURNING ` + t.key + `, ` + t.attempt + `, max_attempts, created_at, ` + cmp.Or(t.hold, "0")
		kind = t.kind
	} else {
		q = `UPDATE jobs SET state = 'running', attempt = attempt + 1, lease_owner = $1, run_at = $2, updated_at = $3
		WHERE id IN (SELECT id FROM jobs WHERE kind = $5 AND state <> 'discarded' AND run_at <= $3 ORDER BY run_at LIMIT $4` + lock + `)
		RETURNING ref, attempt, max_attempts, created_at, hold, id`
		args = append(args, kind)
	}
	rows, err := tx.Query(q, args...)
	if err != nil {
		return nil, fmt.Errorf("queue: claim: %w", err)
	}
	defer rows.Close()
	var jobs []Job
	for rows.Next() {
		j := Job{Owner: token, Kind: kind}
		if t.record {
			j.tab = t
		}
		var created, hold int64
		dest := []any{&j.Ref, &j.Attempt, &j.MaxAttempts, &created, &hold}
		if !t.record {
			dest = append(dest, &j.ID)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		j.CreatedAt = time.UnixMilli(created).UTC()
		if hold != 0 {
			j.Hold = time.UnixMicro(hold).UTC()
		}
		jobs = append(jobs, j)
	}
	return jobs, rows.Err()
}

// nextRunAt returns when the soonest job of kind in t becomes claimable (a
// retry coming due, a lease running out), and false when there is none.
func nextRunAt(ctx context.Context, s *store.Store, t *Table, kind string) (time.Time, bool) {
	var at sql.NullInt64
	var err error
	if t.record {
		err = s.ReadRow(ctx, `SELECT MIN(run_at) FROM `+t.name+` WHERE `+t.live).Scan(&at)
	} else {
		err = s.ReadRow(ctx, `SELECT MIN(run_at) FROM jobs WHERE kind = $1 AND state <> 'discarded'`, kind).Scan(&at)
	}
	if err != nil || !at.Valid {
		return time.Time{}, false
	}
	return time.UnixMilli(at.Int64), true
}

// Complete deletes a finished job (a record's job is cleared).
func Complete(tx *store.Tx, j Job) error {
	t := j.table()
	if t.record {
		return Settle(tx, j, Done, time.Time{}, "")
	}
	cond, args := t.owns(j, nil)
	return owned(tx.Exec(`DELETE FROM jobs WHERE `+cond, args...))
}

// Retry returns a job to the queue, to run again from at.
func Retry(tx *store.Tx, j Job, at time.Time, reason string) error {
	t := j.table()
	return t.update(tx, j, t.ending(Again, at, reason))
}

// Postpone returns a job that has not started its work to the queue, to run
// from at without using up an attempt: it waited for a rate limit, it did
// not fail. hold, when not zero, is a turn reserved for it at at, which its
// next claim reads as Job.Hold.
func Postpone(tx *store.Tx, j Job, at, hold time.Time, reason string) error {
	t := j.table()
	// run_at is in milliseconds: rounding up keeps the job from running
	// before its turn.
	set := []store.Column{{Name: t.state, Value: StateAvailable}, {Name: t.attempt, Value: j.Attempt - 1},
		{Name: "run_at", Value: at.Add(time.Millisecond - time.Nanosecond).UnixMilli()}, {Name: "lease_owner", Value: ""},
		{Name: t.errCol, Value: reason}}
	switch {
	case t.hold != "":
		var h int64
		if !hold.IsZero() {
			h = hold.UnixMicro()
		}
		set = append(set, store.Column{Name: t.hold, Value: h})
	case !hold.IsZero():
		return fmt.Errorf("queue: %s keeps no held turns", t.name)
	}
	return t.update(tx, j, set)
}

// Discard keeps a job that ran out of attempts, for inspection.
func Discard(tx *store.Tx, j Job, reason string) error {
	t := j.table()
	return t.update(tx, j, t.ending(GiveUp, time.Time{}, reason))
}

// Extend lengthens a running job's lease, for work that outlasts it.
func Extend(tx *store.Tx, j Job, lease time.Duration) error {
	return j.table().update(tx, j, []store.Column{{Name: "run_at", Value: tx.Now().Add(lease).UnixMilli()}})
}

func owned(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrLeaseLost
	}
	return nil
}

// EnqueueOnce adds a job unless its kind already has one: for a periodic job
// every process starts, such as the retention pass. The kind needs a unique
// index (see migration 00014); the database then keeps it to one row, even
// when processes start together.
func EnqueueOnce(tx *store.Tx, kind, ref string, runAt time.Time) error {
	_, err := tx.Exec(`INSERT INTO jobs (kind, ref, state, max_attempts, run_at, created_at, updated_at)
		VALUES ($1, $2, 'available', 1, $3, $4, $4) ON CONFLICT DO NOTHING`,
		kind, ref, runAt.UnixMilli(), tx.Now().UnixMilli())
	return err
}

// Reschedule returns a periodic job that did its work to the queue, to run
// again from at, as if new.
func Reschedule(tx *store.Tx, j Job, at time.Time) error {
	t := j.table()
	if t.record {
		return errors.New("queue: Reschedule on a record table")
	}
	return t.update(tx, j, []store.Column{{Name: t.state, Value: StateAvailable}, {Name: t.attempt, Value: 0}, {Name: "run_at", Value: at.UnixMilli()},
		{Name: "lease_owner", Value: ""}, {Name: t.errCol, Value: ""}, {Name: t.hold, Value: int64(0)}})
}

// SetAside discards a job that cannot be worked on — its record is gone or
// unreadable — and logs why, once: nothing retrying it could help, and an
// operator finds it among the dead jobs.
func SetAside(ctx context.Context, s *store.Store, log *slog.Logger, j Job, reason string) error {
	if log == nil {
		log = slog.Default()
	}
	log.Warn("job set aside", "kind", j.Kind, "job", j.ID, "ref", j.Ref, "attempt", j.Attempt, "reason", reason)
	return s.Write(ctx, func(tx *store.Tx) error { return Discard(tx, j, reason) })
}
