// Package retention forgets what botgate no longer needs: finished messages
// with everything recorded about them, deliveries, dead jobs, and received
// webhooks with their redelivery marks, once they are older than their
// retention.
//
// The pass is one periodic job in the durable queue, shared by every process
// on the database: whichever claims it prunes, the others wait for the next
// turn, and a process that dies mid-pass leaves it to another once its lease
// ends. It deletes in small batches, each its own short transaction, and
// rests between them for Pause times as long as the batch took, so a large
// backlog costs sends a bounded share of the database.
package retention

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/botgate/botgate/internal/queue"
	"github.com/botgate/botgate/internal/store"
)

// JobKind is the queue kind of the retention pass.
const JobKind = "retention"

// Pruner runs the retention pass.
type Pruner struct {
	Store *store.Store
	// Keep is how long messages, deliveries and dead jobs are kept; 0 keeps
	// them forever.
	Keep time.Duration
	// KeepInbound is how long received webhooks and the marks that drop
	// Meta's redeliveries are kept.
	KeepInbound time.Duration
	Batch       int           // rows per transaction; default 1,000
	Pause       float64       // rest after a batch, in multiples of its duration; default 9 (a tenth of the time pruning)
	Every       time.Duration // from the end of one pass to the next; default an hour
	Owner       string        // this process
	Lease       time.Duration // the pass's claim, renewed as it goes
	// Also forgets other expired records at the end of each pass (the
	// console's ended sessions, say): small deletes that need no batches.
	Also func(ctx context.Context) error
	Log  *slog.Logger
}

// Counts are the rows a pass removed, by what they were.
type Counts struct {
	Messages, Deliveries, DeadJobs, Conversations, Webhooks, Seen, Reach int
	// DuplicateDays: a bot's count of Meta's redeliveries dropped on a UTC
	// day, kept as long as messages.
	DuplicateDays int
}

// Run takes part in the retention pass until ctx ends: it makes sure the
// periodic job exists, then runs it whenever this process claims it.
func (p *Pruner) Run(ctx context.Context) {
	p.defaults()
	err := p.Store.WriteAlone(ctx, false, func(tx *store.Tx) error {
		return queue.EnqueueOnce(tx, JobKind, JobKind, tx.Now())
	})
	if err != nil && ctx.Err() == nil {
		p.Log.Warn("botgate: could not schedule the retention pass", "err", err)
	}
	r := &queue.Runner{Store: p.Store, Kind: JobKind, Owner: p.Owner, Concurrency: 1, Lease: p.Lease, Poll: time.Minute, Log: p.Log,
		// The pass watches ctx itself, not the runner's grace: it stops between
		// two batches at once and hands the rest to the next claimer.
		Handler: func(_ context.Context, j queue.Job) error { return p.handle(ctx, j) }}
	r.Run(ctx)
}

func (p *Pruner) defaults() {
	if p.Batch <= 0 {
		p.Batch = 1000
	}
	if p.Pause <= 0 {
		p.Pause = 9
	}
	if p.Every <= 0 {
		p.Every = time.Hour
	}
	if p.Lease <= 0 {
		p.Lease = 2 * time.Minute
	}
	if p.Log == nil {
		p.Log = slog.Default()
	}
}

func (p *Pruner) handle(ctx context.Context, j queue.Job) error {
	began := time.Now()
	c, err := p.Pass(ctx, j)
	if errors.Is(err, queue.ErrLeaseLost) {
		return nil // another process took the pass over
	}
	next := p.Store.Now().Add(p.Every)
	if ctx.Err() != nil {
		next, err = p.Store.Now(), nil // stopped mid-pass: the next claimer goes on at once
	}
	if err != nil {
		return err // the runner tries again later
	}
	if c != (Counts{}) {
		p.Log.Info("botgate: retention pass", "messages", c.Messages, "deliveries", c.Deliveries, "dead_jobs", c.DeadJobs,
			"webhooks", c.Webhooks, "seen", c.Seen, "duplicate_days", c.DuplicateDays, "reach", c.Reach, "took", time.Since(began).Round(time.Millisecond))
	}
	return p.Store.WriteAlone(context.WithoutCancel(ctx), false, func(tx *store.Tx) error {
		return queue.Reschedule(tx, j, next)
	})
}

// Pass prunes everything due, batch by batch, renewing job's lease as it
// goes; it returns early, with what it did so far, when ctx ends.
func (p *Pruner) Pass(ctx context.Context, j queue.Job) (Counts, error) {
	p.defaults()
	t := &turn{p: p, ctx: ctx, job: j, renewed: time.Now()}
	var c Counts
	now := p.Store.Now()
	if p.Keep > 0 {
		before := now.Add(-p.Keep)
		var after string
		if err := t.batches(&c.Messages, func() (store.Pruned, error) {
			r, err := p.Store.PruneMessages(ctx, before, after, p.Batch)
			after = r.Last
			return r, err
		}); err != nil {
			return c, err
		}
		after = ""
		if err := t.batches(&c.Deliveries, func() (store.Pruned, error) {
			r, err := p.Store.PruneDeliveries(ctx, before, after, p.Batch)
			after = r.Last
			return r, err
		}); err != nil {
			return c, err
		}
		if err := t.batches(&c.DeadJobs, func() (store.Pruned, error) { return p.Store.PruneDeadJobs(ctx, before, p.Batch) }); err != nil {
			return c, err
		}
		if err := t.batches(&c.Conversations, func() (store.Pruned, error) { return p.Store.PruneInboundMessages(ctx, before, p.Batch) }); err != nil {
			return c, err
		}
		if err := t.batches(&c.DuplicateDays, func() (store.Pruned, error) { return p.Store.PruneDuplicateCounts(ctx, before, p.Batch) }); err != nil {
			return c, err
		}
	}
	if p.KeepInbound > 0 {
		before := now.Add(-p.KeepInbound)
		if err := t.batches(&c.Webhooks, func() (store.Pruned, error) { return p.Store.PruneWebhooks(ctx, before, p.Batch) }); err != nil {
			return c, err
		}
		if err := t.batches(&c.Seen, func() (store.Pruned, error) { return p.Store.PruneSeen(ctx, before, p.Batch) }); err != nil {
			return c, err
		}
	}
	if ctx.Err() != nil {
		return c, nil
	}
	var err error
	if c.Reach, err = p.Store.PruneReach(ctx); err != nil || p.Also == nil {
		return c, err
	}
	return c, p.Also(ctx)
}

// turn is one pass's progress through its batches.
type turn struct {
	p       *Pruner
	ctx     context.Context
	job     queue.Job
	renewed time.Time
}

// batches runs one batch after another, resting between them, until one
// finds less than a full batch or ctx ends; total counts the rows.
func (t *turn) batches(total *int, one func() (store.Pruned, error)) error {
	for t.ctx.Err() == nil {
		if err := t.renew(); err != nil {
			return err
		}
		r, err := one()
		*total += r.N
		if err != nil {
			if t.ctx.Err() != nil {
				return nil
			}
			return err
		}
		if !r.More {
			return nil
		}
		// The rest is in proportion to the batch's time in the database, not
		// to its wait for the writer, which is long exactly when sends are busy.
		rest := time.NewTimer(time.Duration(float64(r.Took) * t.p.Pause))
		select {
		case <-t.ctx.Done():
			rest.Stop()
		case <-rest.C:
		}
	}
	return nil
}

// renew extends the pass's lease when a third of it has gone, so the pass
// stays this process's however long the backlog.
func (t *turn) renew() error {
	if t.job.ID == 0 || time.Since(t.renewed) < t.p.Lease/3 {
		return nil
	}
	t.renewed = time.Now()
	return t.p.Store.WriteAlone(t.ctx, false, func(tx *store.Tx) error { return queue.Extend(tx, t.job, t.p.Lease) })
}
