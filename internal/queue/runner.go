package queue

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/botgate/botgate/internal/logs"
	"github.com/botgate/botgate/internal/store"
)

// Handler does a job's work. Its final write must finish the job (Complete,
// Retry or Discard) in the same transaction as the work's results, so the two
// commit together. An error return means the handler could not get that far
// (the database was down, say); the runner then retries the job later.
type Handler func(ctx context.Context, job Job) error

// Runner claims jobs of one kind and runs them, Concurrency at a time.
type Runner struct {
	Store       *store.Store
	Kind        string
	Table       *Table // where its jobs live; nil: the jobs table
	Handler     Handler
	Owner       string        // this process, e.g. host:pid:random
	Concurrency int           // handlers running at once; with none, Run returns at once
	Lease       time.Duration // how long a claim lasts before others may take the job
	Poll        time.Duration // how often to look for work when not woken
	Grace       time.Duration // how long in-flight handlers may finish after Run's context ends
	Retry       Backoff       // for handlers that return an error
	Log         *slog.Logger

	once   sync.Once
	wake   chan struct{}
	sample logs.Sampler // a database outage fails every claim and job at once

	// local holds jobs this process claimed as it enqueued them (Reserve,
	// then Offer once committed): they run without a claim statement and
	// without another process reading their records back. reserved counts
	// the places taken in it, Offered or not yet.
	local    chan Job
	reserved atomic.Int64
	stopped  atomic.Bool // Run has returned: nothing takes from local any more
}

func (r *Runner) init() {
	r.once.Do(func() {
		r.wake = make(chan struct{}, 1)
		r.local = make(chan Job, max(r.Concurrency, 0))
		if r.Lease <= 0 {
			r.Lease = time.Minute
		}
		if r.Poll <= 0 {
			r.Poll = time.Second
		}
		if r.Grace <= 0 {
			r.Grace = 15 * time.Second
		}
		if r.Retry.Base <= 0 {
			r.Retry = Backoff{Base: time.Second, Max: 5 * time.Minute, Jitter: 0.2}
		}
		if r.Log == nil {
			r.Log = slog.Default()
		}
		if r.Table == nil {
			r.Table = Jobs
		}
	})
}

// Wake makes the runner look for work now, e.g. after a local enqueue commits.
func (r *Runner) Wake() {
	r.init()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Reserve takes a place for a job the caller is about to enqueue already
// claimed for this process (Table.NewClaimedJob, in the transaction that creates
// its work), so that the runner runs it without claiming it. It reports
// false when the runner has no place: the caller enqueues the job for any
// process to claim. A reserved place is given back by Offer once the
// transaction committed, or by Release if it did not.
func (r *Runner) Reserve() bool {
	r.init()
	for !r.stopped.Load() {
		n := r.reserved.Load()
		if n >= int64(cap(r.local)) {
			return false
		}
		if r.reserved.CompareAndSwap(n, n+1) {
			return true
		}
	}
	return false
}

// Release gives back a place Reserve took for a job that was not enqueued.
func (r *Runner) Release() { r.reserved.Add(-1) }

// Offer hands the runner a job claimed in a committed transaction under a
// place Reserve took. It never blocks: the place is the job's room.
func (r *Runner) Offer(j Job) {
	r.local <- j
	r.Wake()
}

// Run claims and runs jobs until ctx ends, then gives in-flight handlers up to
// Grace to finish before cancelling them. Jobs it leaves unfinished keep their
// leases and are taken again when those end.
func (r *Runner) Run(ctx context.Context) {
	r.init()
	if r.Concurrency <= 0 {
		return
	}
	defer r.giveBack()
	work, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()
	slots := make(chan struct{}, r.Concurrency)
	var wg sync.WaitGroup
	timer := time.NewTimer(0)
	defer timer.Stop()
	start := func(j Job) {
		slots <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-slots; wg.Done(); r.Wake() }()
			r.run(work, j)
		}()
	}
	for ctx.Err() == nil {
		// Jobs claimed at their enqueue first: they are this process's
		// already, and their leases are running.
		for len(slots) < r.Concurrency {
			j, ok := r.takeLocal()
			if !ok {
				break
			}
			start(j)
		}
		free := r.Concurrency - len(slots)
		// Claim in batches: a claim per freed slot would put a write per job
		// on the database. An idle runner claims whatever there is at once.
		if busy := len(slots); busy > 0 && free < min(r.Concurrency/8, claimBatch) {
			select {
			case <-ctx.Done():
			case <-r.wake:
			}
			continue
		}
		jobs := r.claim(ctx, free)
		for _, j := range jobs {
			start(j)
		}
		if free > 0 && len(jobs) == min(free, claimBatch) {
			continue // a full claim: there may be more waiting
		}
		timer.Reset(r.idle(ctx))
		select {
		case <-ctx.Done():
		case <-r.wake:
		case <-timer.C:
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
	}
	r.stopped.Store(true) // accepts from now on queue their jobs for anyone
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(r.Grace):
		r.Log.Warn("queue: handlers still running after the grace period; cancelling them", "kind", r.Kind)
		cancelWork()
		<-done
	}
}

// takeLocal takes an offered job, if one waits, freeing its place.
func (r *Runner) takeLocal() (Job, bool) {
	select {
	case j := <-r.local:
		r.reserved.Add(-1)
		return j, true
	default:
		return Job{}, false
	}
}

// giveBack ends the runner's offered jobs: those that never started go back
// to the queue, so that the next process (a restart, another instance)
// takes them at once rather than when their leases end. A job offered as
// this runs, or whose giving back fails, keeps its lease and is taken
// when that ends, like a job Run leaves running.
func (r *Runner) giveBack() {
	var jobs []Job
	for j, ok := r.takeLocal(); ok; j, ok = r.takeLocal() {
		jobs = append(jobs, j)
	}
	if len(jobs) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := r.Store.Write(ctx, func(tx *store.Tx) error {
		for _, j := range jobs {
			if err := Postpone(tx, j, tx.Now(), time.Time{}, ""); err != nil && !errors.Is(err, ErrLeaseLost) {
				return err
			}
		}
		return nil
	})
	if err != nil {
		r.Log.Warn("queue: offered jobs not given back; they run when their leases end", "kind", r.Kind, "jobs", len(jobs), "err", err)
	}
}

// idle returns how long to wait before looking again: until the soonest
// job comes due, but no longer than Poll, so work another process adds
// is found too.
func (r *Runner) idle(ctx context.Context) time.Duration {
	next, ok := nextRunAt(ctx, r.Store, r.Table, r.Kind)
	if !ok {
		return r.Poll
	}
	return min(max(next.Sub(r.Store.Now()), time.Millisecond), r.Poll)
}

// claimBatch bounds one claim, keeping its transaction short.
const claimBatch = 128

func (r *Runner) claim(ctx context.Context, free int) []Job {
	if free <= 0 {
		return nil
	}
	var jobs []Job
	// The lease ends no sooner than this by our clock, however long the
	// claim waits for the writer or the database's clock differs.
	until := time.Now().Add(r.Lease)
	err := r.Store.Write(ctx, func(tx *store.Tx) error {
		var err error
		jobs, err = ClaimFrom(tx, r.Table, r.Kind, r.Owner, r.Lease, min(free, claimBatch))
		return err
	})
	if err != nil {
		// The claim did not commit (a full disk, a lost connection), though
		// its UPDATE returned rows: the jobs are still claimable by anyone,
		// so running them would send them twice.
		if ctx.Err() == nil {
			r.sample.Log(r.Log, slog.LevelError, "claim", "queue: claim failed", "kind", r.Kind, "err", err)
		}
		return nil
	}
	for i := range jobs {
		jobs[i].Until = until
	}
	return jobs
}

func (r *Runner) run(ctx context.Context, j Job) {
	err := r.Handler(ctx, j)
	if err == nil {
		return
	}
	r.sample.Log(r.Log, slog.LevelError, "job", "queue: job failed; retrying later", "kind", j.Kind, "job", j.ID, "ref", j.Ref, "attempt", j.Attempt, "err", err)
	at := r.Store.Now().Add(r.Retry.Delay(j.Attempt))
	werr := r.Store.Write(context.WithoutCancel(ctx), func(tx *store.Tx) error {
		return Retry(tx, j, at, err.Error())
	})
	if werr != nil && werr != ErrLeaseLost {
		r.Log.Error("queue: could not reschedule job; its lease will expire", "job", j.ID, "err", werr)
	}
}
