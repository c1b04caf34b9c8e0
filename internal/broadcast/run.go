package broadcast

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/queue"
	"github.com/botgate/botgate/internal/store"
)

const (
	sendBatch  = 100                    // recipients one worker takes at a time
	stateCheck = 200 * time.Millisecond // how often a worker rereads the state: pause takes effect within a second
	retryWait  = 10 * time.Second       // before a recipient whose send met a passing trouble is tried again
	maxPace    = 2 * time.Second        // a rate turn further off than this goes back to the queue
)

// Handle does one step of a broadcast's work — a page of expansion, or a
// batch of sends — and puts its job back for the next, or finishes it.
func (s *Service) Handle(ctx context.Context, job queue.Job) error {
	r, err := s.load(ctx, "", job.Ref)
	if core.ErrorKind(err) == core.KindNotFound {
		return queue.SetAside(ctx, s.Store, nil, job, "broadcast gone")
	}
	if err != nil {
		return err
	}
	if !live(r.state) {
		// Paused, or over: a resume enqueues fresh jobs.
		return s.Store.Write(ctx, func(tx *store.Tx) error { return queue.Complete(tx, job) })
	}
	if exp := r.spec.ExpiresAt; exp != nil && !s.Store.Now().Before(*exp) {
		return s.expire(ctx, r, job)
	}
	if !r.expanded {
		return s.expand(ctx, r, job)
	}
	return s.sendDue(ctx, r, job)
}

// expire ends a broadcast whose expiry came: whoever has not been handed
// over is skipped as expired.
func (s *Service) expire(ctx context.Context, r *record, job queue.Job) error {
	return s.Store.Write(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(`UPDATE broadcasts SET state = 'expired', finished_at = $2, updated_at = $2 WHERE id = $1 AND state IN ('scheduled', 'running')`,
			r.id, tx.Now().UnixMilli())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			if _, err := tx.Exec(`UPDATE broadcast_recipients SET state = 'skipped', reason = $2 WHERE broadcast_id = $1 AND state = 'scheduled'`,
				r.id, ReasonExpired); err != nil {
				return err
			}
		}
		return queue.Complete(tx, job)
	})
}

// expand resolves one page of the audience into recipient rows, each with
// its time, and moves the broadcast's cursor past it. Workers racing on one
// page write it once: the cursor must still be where they read it.
func (s *Service) expand(ctx context.Context, r *record, job queue.Job) error {
	p, err := parsePlan(r.spec.Schedule, r.spec.ExpiresAt)
	if err != nil {
		return queue.SetAside(ctx, s.Store, nil, job, err.Error())
	}
	ts, next, done, err := s.page(ctx, r.botID, &r.spec, r.cursor)
	if err != nil {
		return err
	}
	// Alone: a page's rows do not lengthen a group commit that send
	// results wait on.
	return s.Store.WriteAlone(ctx, false, func(tx *store.Tx) error {
		res, err := tx.Exec(`UPDATE broadcasts SET expand_cursor = $2, expanded = $3, updated_at = $4 WHERE id = $1 AND expand_cursor = $5 AND expanded = $6`,
			r.id, next, done, tx.Now().UnixMilli(), r.cursor, false)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 1 && len(ts) > 0 {
			if err := insertTargets(tx, r, p, ts); err != nil {
				return err
			}
		}
		return queue.Postpone(tx, job, tx.Now(), time.Time{}, "expanding the audience")
	})
}

// insertTargets writes a page of recipients. One already listed under the
// same name is not listed again; a user an earlier recipient already
// reaches under another name (a PSID, and a username linked to it) is
// listed, skipped as a duplicate, so nobody is sent the broadcast twice.
func insertTargets(tx *store.Tx, r *record, p *plan, ts []target) error {
	var seq int64
	if err := tx.QueryRow(`SELECT COALESCE(MAX(seq), 0) FROM broadcast_recipients WHERE broadcast_id = $1`, r.id).Scan(&seq); err != nil {
		return err
	}
	// The page's users that recipients written before it reach, and those
	// recipients' names; the page's own recipients join both as they go.
	reached, seen, err := written(tx, r.id, ts)
	if err != nil {
		return err
	}
	var inserted int64
	for chunk := range slices.Chunk(ts, insertChunk) {
		var sb strings.Builder
		sb.WriteString(`INSERT INTO broadcast_recipients (broadcast_id, seq, recipient, way, contact, zone, params, state, scheduled_at, due_at, reason) VALUES `)
		args := make([]any, 0, 11*len(chunk))
		for _, t := range chunk {
			if seen[t.recipient] {
				continue
			}
			seen[t.recipient] = true
			at, reason := p.when(t.zone, r.start())
			if t.skip != "" {
				reason = t.skip
			}
			if t.contact != "" {
				if reached[t.contact] {
					reason = ReasonDuplicate
				}
				reached[t.contact] = true
			}
			state := RecipientScheduled
			if reason != "" {
				state = RecipientSkipped
			}
			params := ""
			if len(t.params) > 0 {
				params = mustJSON(t.params)
			}
			if len(args) > 0 {
				sb.WriteString(", ")
			}
			n := len(args)
			fmt.Fprintf(&sb, "($%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d)", n+1, n+2, n+3, n+4, n+5, n+6, n+7, n+8, n+9, n+10, n+11)
			seq++
			args = append(args, r.id, seq, t.recipient, t.way, t.contact, t.zone, params, state, at.UnixMilli(), at.UnixMilli(), reason)
		}
		if len(args) == 0 {
			continue
		}
		sb.WriteString(` ON CONFLICT (broadcast_id, recipient) DO NOTHING`)
		res, err := tx.Exec(sb.String(), args...)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		inserted += n
	}
	_, err = tx.Exec(`UPDATE broadcasts SET targeted = targeted + $2 WHERE id = $1`, r.id, inserted)
	return err
}

// written returns which of the page's contacts the recipients already
// written for the broadcast reach, and those recipients' names. The
// contacts go as one parameter (tx.In), so the statement is one whatever
// their number.
func written(tx *store.Tx, broadcastID string, ts []target) (reached, names map[string]bool, err error) {
	reached, names = map[string]bool{}, make(map[string]bool, len(ts))
	var contacts []string
	for _, t := range ts {
		if t.contact != "" {
			contacts = append(contacts, t.contact)
		}
	}
	if len(contacts) == 0 {
		return reached, names, nil
	}
	rows, err := tx.Query(`SELECT contact, recipient FROM broadcast_recipients WHERE broadcast_id = $1 AND contact <> '' AND `+tx.In("contact", 2),
		broadcastID, mustJSON(contacts))
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var contact, recipient string
		if err := rows.Scan(&contact, &recipient); err != nil {
			return nil, nil, err
		}
		reached[contact], names[recipient] = true, true
	}
	return reached, names, rows.Err()
}

// insertChunk bounds one INSERT's rows: SQLite's driver looks each
// parameter up by name, so a statement's cost grows with the square of its
// parameters.
const insertChunk = 100

// sendDue takes a batch of recipients whose time has come and sends them,
// paced; with none due, it sleeps the job until the next one is, or
// completes the broadcast when nobody is left.
func (s *Service) sendDue(ctx context.Context, r *record, job queue.Job) error {
	batch, interval := sendBatch, time.Duration(0)
	if rate := r.spec.RatePerSecond; rate > 0 {
		interval = time.Duration(float64(time.Second) / rate)
		batch = max(1, min(sendBatch, int(math.Ceil(rate))))
	}
	// One time for the tier's check and, should it be full, for when it
	// frees (tierFrees).
	now := s.Store.Now()
	available, err := s.tierAvailable(ctx, r)
	if err != nil {
		return err
	}
	taken, first, tierFull, err := s.take(ctx, r, batch, interval, available)
	if err != nil {
		return err
	}
	if tierFull {
		// A full tier holds back only recipients still waiting: with none
		// left, the broadcast is done now, not when a place frees (a day,
		// when its last message's place is counted as on its way).
		if _, waiting, err := s.nextDue(ctx, r); err != nil {
			return err
		} else if !waiting {
			return s.idle(ctx, r, job)
		}
		free, err := s.tierFrees(ctx, r, now)
		if err != nil {
			return err
		}
		return s.Store.Write(ctx, func(tx *store.Tx) error {
			return queue.Postpone(tx, job, free, time.Time{}, "waiting for the WhatsApp number's daily tier to free a place")
		})
	}
	if len(taken) == 0 {
		return s.idle(ctx, r, job)
	}
	bot, err := s.Store.GetBot(ctx, r.botID)
	if err != nil {
		return err
	}
	p, err := parsePlan(r.spec.Schedule, r.spec.ExpiresAt)
	if err != nil {
		return err
	}
	outcomes := make([]outcome, 0, len(taken))
	checked := time.Now()
	stop := false
	for i, d := range taken {
		if !stop && interval > 0 {
			turn := first.Add(time.Duration(i) * interval)
			if wait := turn.Sub(s.Store.Now()); wait > maxPace {
				outcomes = append(outcomes, outcome{seq: d.seq, state: RecipientScheduled, dueAt: turn.UnixMilli()})
				continue
			} else if wait > 0 {
				stop = s.sleep(ctx, r.id, wait, &checked)
			}
		}
		if !stop && time.Since(checked) > stateCheck {
			stop = !s.stillLive(ctx, r.id, &checked)
		}
		if !stop && !job.Until.IsZero() && time.Until(job.Until) < s.lease()/4 {
			stop = true // too little of the lease left: another worker may take these
		}
		now := s.Store.Now()
		if stop {
			outcomes = append(outcomes, outcome{seq: d.seq, state: RecipientScheduled, dueAt: now.UnixMilli()})
			continue
		}
		if later := p.afterQuiet(now, p.zoneOf(d.zone)); later.After(now) {
			outcomes = append(outcomes, outcome{seq: d.seq, state: RecipientScheduled, dueAt: later.UnixMilli()})
			continue
		}
		outcomes = append(outcomes, s.sendOne(ctx, bot, r, d))
	}
	err = s.Store.Write(context.WithoutCancel(ctx), func(tx *store.Tx) error {
		for _, o := range outcomes {
			var err error
			if o.state == RecipientScheduled {
				_, err = tx.Exec(`UPDATE broadcast_recipients SET due_at = $3 WHERE broadcast_id = $1 AND seq = $2 AND state = 'scheduled'`, r.id, o.seq, o.dueAt)
			} else {
				_, err = tx.Exec(`UPDATE broadcast_recipients SET state = $3, message_id = $4, reason = $5 WHERE broadcast_id = $1 AND seq = $2`,
					r.id, o.seq, o.state, o.messageID, o.reason)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	// Apart from the outcomes: a claim whose lease ended meanwhile (the
	// clock jumped, the database stalled) must not take them back with it.
	err = s.Store.Write(ctx, func(tx *store.Tx) error {
		return queue.Postpone(tx, job, tx.Now(), time.Time{}, "next batch")
	})
	if errors.Is(err, queue.ErrLeaseLost) {
		return nil // the newer claim carries on
	}
	return err
}

// take claims up to n due recipients: their due_at moves to the end of a
// lease, so a worker that dies leaves them to others once it ends.
// PostgreSQL workers skip rows another is claiming. With a rate, it also
// reserves the batch's turns on the broadcast's shared pace; with a
// WhatsApp tier (available ≥ 0) it takes no more than the tier has room
// for, and reports a full tier.
func (s *Service) take(ctx context.Context, r *record, n int, interval time.Duration, available int) ([]due, time.Time, bool, error) {
	var taken []due
	var first time.Time
	var full bool
	err := s.Store.Write(ctx, func(tx *store.Tx) error {
		taken, first, full = taken[:0], time.Time{}, false
		limit := n
		if available >= 0 {
			// Takes of one broadcast wait on its row here, so each counts
			// what the others took.
			if _, err := tx.Exec(`UPDATE broadcasts SET updated_at = $2 WHERE id = $1`, r.id, tx.Now().UnixMilli()); err != nil {
				return err
			}
			room, err := tierRoom(tx, r, available)
			if err != nil {
				return err
			}
			if room == 0 {
				full = true
				return nil
			}
			limit = min(n, room)
		}
		lock := ""
		if tx.Dialect() == "postgres" {
			lock = " FOR UPDATE SKIP LOCKED"
		}
		now := tx.Now()
		rows, err := tx.Query(`SELECT seq, recipient, way, contact, zone, params FROM broadcast_recipients
			WHERE broadcast_id = $1 AND state = 'scheduled' AND due_at <= $2 ORDER BY due_at LIMIT $3`+lock, r.id, now.UnixMilli(), limit)
		if err != nil {
			return err
		}
		for rows.Next() {
			var d due
			var params string
			if err := rows.Scan(&d.seq, &d.recipient, &d.way, &d.contact, &d.zone, &params); err != nil {
				rows.Close()
				return err
			}
			if params != "" {
				d.params = parseParams(params)
			}
			taken = append(taken, d)
		}
		rows.Close()
		if err := rows.Err(); err != nil || len(taken) == 0 {
			return err
		}
		until := now.Add(s.lease()).UnixMilli()
		for _, d := range taken {
			if _, err := tx.Exec(`UPDATE broadcast_recipients SET due_at = $3 WHERE broadcast_id = $1 AND seq = $2`, r.id, d.seq, until); err != nil {
				return err
			}
		}
		if interval > 0 {
			var tat int64
			if err := tx.QueryRow(`SELECT rate_tat FROM broadcasts WHERE id = $1`, r.id).Scan(&tat); err != nil {
				return err
			}
			start := max(tat, now.UnixMicro())
			first = time.UnixMicro(start)
			if _, err := tx.Exec(`UPDATE broadcasts SET rate_tat = $2 WHERE id = $1`, r.id, start+int64(len(taken))*interval.Microseconds()); err != nil {
				return err
			}
		}
		return s.markStarted(tx, r)
	})
	return taken, first, full, err
}

// markStarted moves a scheduled broadcast to running as its first
// recipients are taken, telling the merchant.
func (s *Service) markStarted(tx *store.Tx, r *record) error {
	if r.state != StateScheduled {
		return nil
	}
	res, err := tx.Exec(`UPDATE broadcasts SET state = 'running', started_at = $2, updated_at = $2 WHERE id = $1 AND state = 'scheduled'`, r.id, tx.Now().UnixMilli())
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 || s.Notify == nil {
		return nil
	}
	started := tx.Now()
	return s.Notify.Emit(tx, r.botID, core.EventBroadcastStarted, eventData{ID: r.id, Name: r.name, Channel: r.channel,
		State: StateRunning, Targeted: r.targeted, StartedAt: &started})
}

// idle: nothing is due. The job sleeps until the next recipient is, or
// completes the broadcast when none is left.
func (s *Service) idle(ctx context.Context, r *record, job queue.Job) error {
	at, waiting, err := s.nextDue(ctx, r)
	if err != nil {
		return err
	}
	if waiting {
		if exp := r.spec.ExpiresAt; exp != nil && exp.Before(at) {
			at = *exp
		}
		return s.Store.Write(ctx, func(tx *store.Tx) error {
			return queue.Postpone(tx, job, at, time.Time{}, "waiting for the next recipient's time")
		})
	}
	b, err := s.report(ctx, r)
	if err != nil {
		return err
	}
	return s.Store.Write(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(`UPDATE broadcasts SET state = 'completed', finished_at = $2, updated_at = $2 WHERE id = $1 AND state IN ('scheduled', 'running')`,
			r.id, tx.Now().UnixMilli())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 1 && s.Notify != nil {
			finished := tx.Now()
			if err := s.Notify.Emit(tx, r.botID, core.EventBroadcastCompleted, eventData{ID: r.id, Name: r.name, Channel: r.channel,
				State: StateCompleted, Targeted: b.Counts.Targeted, Counts: &b.Counts, SkippedByReason: b.SkippedByReason,
				FailedByReason: b.FailedByReason, StartedAt: b.StartedAt, FinishedAt: &finished}); err != nil {
				return err
			}
		}
		return queue.Complete(tx, job)
	})
}

// nextDue is when the broadcast's next recipient still waiting is due, and
// false when none is waiting.
func (s *Service) nextDue(ctx context.Context, r *record) (time.Time, bool, error) {
	var next sql.NullInt64
	err := s.Store.ReadRow(ctx, `SELECT MIN(due_at) FROM broadcast_recipients WHERE broadcast_id = $1 AND state = 'scheduled'`, r.id).Scan(&next)
	return time.UnixMilli(next.Int64), next.Valid, err
}

// eventData is a broadcast.* event's data.
type eventData struct {
	ID              string           `json:"id"`
	Name            string           `json:"name"`
	Channel         string           `json:"channel"`
	State           string           `json:"state"`
	Targeted        int64            `json:"targeted"`
	Counts          *Counts          `json:"counts,omitempty"`
	SkippedByReason map[string]int64 `json:"skipped_by_reason,omitempty"`
	FailedByReason  map[string]int64 `json:"failed_by_reason,omitempty"`
	StartedAt       *time.Time       `json:"started_at,omitempty"`
	FinishedAt      *time.Time       `json:"finished_at,omitempty"`
}

// stillLive rereads the broadcast's state: a pause or cancel stops the
// worker before its next send.
func (s *Service) stillLive(ctx context.Context, id string, checked *time.Time) bool {
	var state string
	*checked = time.Now()
	if err := s.Store.ReadRow(ctx, `SELECT state FROM broadcasts WHERE id = $1`, id).Scan(&state); err != nil {
		return false // released, tried again later
	}
	return live(state)
}

// sleep waits for a rate turn, watching the state; true when the
// broadcast stopped meanwhile.
func (s *Service) sleep(ctx context.Context, id string, wait time.Duration, checked *time.Time) bool {
	end := time.Now().Add(wait)
	for {
		left := time.Until(end)
		if left <= 0 {
			return false
		}
		select {
		case <-ctx.Done():
			return true
		case <-time.After(min(left, stateCheck)):
		}
		if time.Since(*checked) > stateCheck && !s.stillLive(ctx, id, checked) {
			return true
		}
	}
}
