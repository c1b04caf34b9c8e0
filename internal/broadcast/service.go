package broadcast

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
	"time"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/gateway"
	"github.com/botgate/botgate/internal/memo"
	"github.com/botgate/botgate/internal/notify"
	"github.com/botgate/botgate/internal/queue"
	"github.com/botgate/botgate/internal/store"
)

// JobKind is the queue's kind of a broadcast's work: each job's ref is a
// broadcast id; it expands the audience a page at a time, then sends the
// recipients whose time has come, a batch at a time.
const JobKind = "broadcast"

// Service creates broadcasts and reports on them; Handle, the queue's
// handler of JobKind, does the expansion and the sending. Its clock is the
// store's.
type Service struct {
	Store   *store.Store
	Gateway *gateway.Service
	Notify  *notify.Notifier
	// Wake tells this process's broadcast runner that work is due now
	// (after a create or a resume); nil: the runner finds it on its own.
	Wake func()
	// Workers is how many jobs work one broadcast at once, in any process
	// (default 2): several instances share a broadcast's recipients.
	Workers int
	// Lease is how long a worker holds the recipients it took before
	// another may take them (default: one minute); the queue's job lease.
	Lease time.Duration

	counts     memo.Cache[counted]                    // dear counts, shared by viewers for a while
	keepCounts func(cost time.Duration) time.Duration // countKeep; tests change it
}

func (s *Service) workers() int {
	if s.Workers <= 0 {
		return 2
	}
	return s.Workers
}

func (s *Service) lease() time.Duration {
	if s.Lease <= 0 {
		return time.Minute
	}
	return s.Lease
}

// Create checks spec and stores the broadcast for bot, scheduled; its jobs
// expand the audience and send. With spec.DryRun it stores nothing and
// returns the audience's size and skips by reason. With spec.Draft it
// stores a draft: checked like any broadcast, but with no jobs, so nothing
// expands or sends until Schedule.
func (s *Service) Create(ctx context.Context, bot *core.Bot, spec Spec) (*Broadcast, error) {
	if _, err := s.check(ctx, bot, &spec); err != nil {
		return nil, err
	}
	if spec.DryRun {
		return s.dryRun(ctx, bot, &spec)
	}
	draft := spec.Draft
	raw, err := storedSpec(spec)
	if err != nil {
		return nil, err
	}
	id := core.NewID("bc_", s.Store.Now())
	err = s.Store.Write(ctx, func(tx *store.Tx) error {
		now := tx.Now().UnixMilli()
		if draft {
			_, err := tx.Exec(`INSERT INTO broadcasts (id, bot_id, name, channel, state, spec, created_at, updated_at)
				VALUES ($1, $2, $3, $4, 'draft', $5, $6, $6)`, id, bot.ID, spec.Name, spec.Channel, raw, now)
			return err
		}
		if _, err := tx.Exec(`INSERT INTO broadcasts (id, bot_id, name, channel, state, spec, created_at, updated_at, scheduled_at)
			VALUES ($1, $2, $3, $4, 'scheduled', $5, $6, $6, $6)`, id, bot.ID, spec.Name, spec.Channel, raw, now); err != nil {
			return err
		}
		return s.enqueue(tx, id)
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, bot.ID, id)
}

// storedSpec is the spec as a broadcast keeps it: what to send, to whom,
// when; whether it is a draft is its state's to say.
func storedSpec(spec Spec) (string, error) {
	spec.DryRun, spec.Draft = false, false
	raw, err := json.Marshal(spec)
	return string(raw), err
}

// Update replaces a draft's spec with spec, checked exactly as Create
// checks one; only a draft may change (KindConflict otherwise), since a
// scheduled broadcast may already have recipients timed by the old spec.
func (s *Service) Update(ctx context.Context, bot *core.Bot, id string, spec Spec) (*Broadcast, error) {
	if r, err := s.load(ctx, bot.ID, id); err != nil {
		return nil, err
	} else if r.state != StateDraft {
		return nil, notDraftErr(r, "edited")
	}
	if _, err := s.check(ctx, bot, &spec); err != nil {
		return nil, err
	}
	raw, err := storedSpec(spec)
	if err != nil {
		return nil, err
	}
	return s.change(ctx, bot.ID, id, func(tx *store.Tx, r *record) error {
		// The state is checked by the update itself: a Schedule racing this
		// one in another transaction leaves nothing to match.
		res, err := tx.Exec(`UPDATE broadcasts SET name = $2, channel = $3, spec = $4, updated_at = $5 WHERE id = $1 AND state = 'draft'`,
			r.id, spec.Name, spec.Channel, raw, tx.Now().UnixMilli())
		if err != nil {
			return err
		}
		return notDraft(res, r, "edited")
	})
}

// Schedule turns a draft into a scheduled broadcast: its spec is checked
// again (its audience, block or upload may have changed since it was
// written), then it gets the jobs Create gives a broadcast; its own
// schedule (now, at, local time) counts from this moment.
func (s *Service) Schedule(ctx context.Context, bot *core.Bot, id string) (*Broadcast, error) {
	r, err := s.load(ctx, bot.ID, id)
	if err != nil {
		return nil, err
	}
	if r.state != StateDraft {
		return nil, notDraftErr(r, "scheduled")
	}
	spec := r.spec
	if _, err := s.check(ctx, bot, &spec); err != nil {
		return nil, err
	}
	return s.change(ctx, bot.ID, id, func(tx *store.Tx, r *record) error {
		now := tx.Now().UnixMilli()
		res, err := tx.Exec(`UPDATE broadcasts SET state = 'scheduled', scheduled_at = $2, updated_at = $2 WHERE id = $1 AND state = 'draft'`, r.id, now)
		if err != nil {
			return err
		}
		if err := notDraft(res, r, "scheduled"); err != nil {
			return err
		}
		return s.enqueue(tx, r.id)
	})
}

// Delete removes a draft with its rows. Only a draft: it never sent
// anything, while any other broadcast's rows are the record of what it
// sent (cancel one to stop it).
func (s *Service) Delete(ctx context.Context, botID, id string) error {
	return s.Store.Write(ctx, func(tx *store.Tx) error {
		r, err := loadTx(tx, id)
		if err == nil && r.botID != botID {
			err = core.Errorf(core.KindNotFound, "no broadcast %s", id)
		}
		if err != nil {
			return err
		}
		res, err := tx.Exec(`DELETE FROM broadcasts WHERE id = $1 AND state = 'draft'`, r.id)
		if err != nil {
			return err
		}
		if err := notDraft(res, r, "deleted"); err != nil {
			return err
		}
		_, err = tx.Exec(`DELETE FROM broadcast_recipients WHERE broadcast_id = $1`, r.id)
		return err
	})
}

// notDraft is the conflict of an update that matched no draft.
func notDraft(res sql.Result, r *record, done string) error {
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err
	}
	return notDraftErr(r, done)
}

func notDraftErr(r *record, done string) error {
	if r.state == StateDraft {
		// Read as a draft, changed by another request meanwhile.
		return core.Errorf(core.KindConflict, "broadcast %s changed meanwhile; only a draft can be %s", r.id, done)
	}
	return core.Errorf(core.KindConflict, "broadcast %s is %s; only a draft can be %s", r.id, r.state, done)
}

// enqueue adds the broadcast's workers' jobs, in tx, and wakes this
// process's runner once tx commits.
func (s *Service) enqueue(tx *store.Tx, id string) error {
	for range s.workers() {
		if err := queue.Enqueue(tx, JobKind, id, 1000, tx.Now()); err != nil {
			return err
		}
	}
	if s.Wake != nil {
		tx.AfterCommit(s.Wake)
	}
	return nil
}

// Get returns one broadcast of botID with its live counts: for a large
// broadcast, its counts of up to a few seconds ago (countKeep).
func (s *Service) Get(ctx context.Context, botID, id string) (*Broadcast, error) {
	r, err := s.load(ctx, botID, id)
	if err != nil {
		return nil, err
	}
	return s.liveReport(ctx, r)
}

// List returns botID's broadcasts, newest first, a page at a time; the
// returned cursor is empty on the last page.
func (s *Service) List(ctx context.Context, botID, cursor string, limit int) ([]Broadcast, string, error) {
	if limit <= 0 || limit > 100 {
		limit = 50
	}
	q := `SELECT ` + recordColumns + ` FROM broadcasts WHERE bot_id = $1 ORDER BY id DESC LIMIT $2`
	args := []any{botID, limit + 1}
	if cursor != "" {
		q = `SELECT ` + recordColumns + ` FROM broadcasts WHERE bot_id = $1 AND id < $3 ORDER BY id DESC LIMIT $2`
		args = append(args, cursor)
	}
	rows, err := s.Store.Read(ctx, q, args...)
	if err != nil {
		return nil, "", err
	}
	var recs []*record
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			rows.Close()
			return nil, "", err
		}
		recs = append(recs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	next := ""
	if len(recs) > limit {
		recs, next = recs[:limit], recs[limit-1].id
	}
	out := make([]Broadcast, 0, len(recs))
	for _, r := range recs {
		b, err := s.liveReport(ctx, r)
		if err != nil {
			return nil, "", err
		}
		out = append(out, *b)
	}
	return out, next, nil
}

// Pause stops new sends of a scheduled or running broadcast: its workers
// see it before their next send, within a second.
func (s *Service) Pause(ctx context.Context, botID, id string) (*Broadcast, error) {
	return s.change(ctx, botID, id, func(tx *store.Tx, r *record) error {
		if r.state == StateDraft {
			return core.Errorf(core.KindConflict, "broadcast %s is a draft: it sends nothing until it is scheduled, so there is nothing to pause", id)
		}
		if !live(r.state) {
			return core.Errorf(core.KindConflict, "broadcast %s is %s; only a scheduled or running one can be paused", id, r.state)
		}
		return setState(tx, r, StatePaused)
	})
}

// Resume continues a paused broadcast where it stopped.
func (s *Service) Resume(ctx context.Context, botID, id string) (*Broadcast, error) {
	return s.change(ctx, botID, id, func(tx *store.Tx, r *record) error {
		if r.state == StateDraft {
			return core.Errorf(core.KindConflict, "broadcast %s is a draft: schedule it to start it", id)
		}
		if r.state != StatePaused {
			return core.Errorf(core.KindConflict, "broadcast %s is %s; only a paused one can be resumed", id, r.state)
		}
		next := StateRunning
		if r.started == nil {
			next = StateScheduled
		}
		if err := setState(tx, r, next); err != nil {
			return err
		}
		return s.enqueue(tx, r.id)
	})
}

// Cancel stops a broadcast for good: recipients not yet handed over are
// skipped as cancelled; what went out stays in its counts. A cancelled
// draft is kept, cancelled (Delete removes a draft instead).
func (s *Service) Cancel(ctx context.Context, botID, id string) (*Broadcast, error) {
	return s.change(ctx, botID, id, func(tx *store.Tx, r *record) error {
		if final(r.state) {
			return core.Errorf(core.KindConflict, "broadcast %s is already %s", id, r.state)
		}
		if err := setState(tx, r, StateCancelled); err != nil {
			return err
		}
		_, err := tx.Exec(`UPDATE broadcast_recipients SET state = 'skipped', reason = $2 WHERE broadcast_id = $1 AND state = 'scheduled'`, r.id, ReasonCancelled)
		return err
	})
}

// change runs fn on the broadcast in one write, then reports it.
func (s *Service) change(ctx context.Context, botID, id string, fn func(*store.Tx, *record) error) (*Broadcast, error) {
	err := s.Store.Write(ctx, func(tx *store.Tx) error {
		r, err := loadTx(tx, id)
		if err == nil && r.botID != botID {
			err = core.Errorf(core.KindNotFound, "no broadcast %s", id)
		}
		if err != nil {
			return err
		}
		return fn(tx, r)
	})
	if err != nil {
		return nil, err
	}
	s.counts.Forget(id) // the change shows at once
	return s.Get(ctx, botID, id)
}

// setState moves a broadcast to state, stamping its finish when final.
func setState(tx *store.Tx, r *record, state string) error {
	now := tx.Now().UnixMilli()
	q := `UPDATE broadcasts SET state = $2, updated_at = $3 WHERE id = $1`
	if final(state) {
		q = `UPDATE broadcasts SET state = $2, updated_at = $3, finished_at = $3 WHERE id = $1`
	}
	_, err := tx.Exec(q, r.id, state, now)
	r.state = state
	return err
}

// Recipients lists a broadcast's recipients in the order they were
// resolved, a page at a time, filtered by state (scheduled, queued, sent,
// delivered, read, failed, skipped) and by a skip's reason.
func (s *Service) Recipients(ctx context.Context, botID, id string, f RecipientFilter, cursor string, limit int) ([]Recipient, string, error) {
	if _, err := s.load(ctx, botID, id); err != nil {
		return nil, "", err
	}
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	after := int64(0)
	if cursor != "" {
		var err error
		if after, err = strconv.ParseInt(cursor, 10, 64); err != nil {
			return nil, "", core.Invalid("cursor", "is not a cursor this list gave")
		}
	}
	return s.recipients(ctx, id, f, after, limit)
}
