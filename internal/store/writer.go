package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// ErrClosed is returned by Write once the store is closing.
var ErrClosed = errors.New("store: closed")

// maxBatch bounds one group commit, so one transaction never grows without end.
const maxBatch = 256

// A batch smaller than minBatch waits up to batchWait for company, unless
// something urgent is in it: every commit writes each page it touched, so
// sixty operations in one commit cost little more than one.
const (
	minBatch  = 32
	batchWait = time.Millisecond
)

// urgentWait is how long an urgent operation's transaction goes on taking
// in queued work after the urgent one joined it. An urgent record (Graph's
// answer to a send) joins the transaction that is running when it arrives,
// instead of waiting for it to commit and then riding in the next one, so
// the time in which a crash would repeat a send is about this long plus one
// commit, however much queued work the writer has.
const urgentWait = time.Millisecond

// Tx is a write transaction shared by the operations of one group commit.
// Its methods use the transaction's own context, so they take none.
type Tx struct {
	ctx   context.Context
	tx    queries
	s     *Store
	now   time.Time
	hooks []func()
	// later holds INSERTs for the operation's next statement (later.go);
	// laterErr is the error of sending them, which is the operation's.
	later    []laterInsert
	laterErr error
}

// Now is the time captured when the operation began to run in the
// transaction; every timestamp the operation records uses it, so one write
// has one time. (Operations join a running transaction as they arrive, so
// each takes its own time rather than the transaction's start.)
func (t *Tx) Now() time.Time { return t.now }

// Exec, Query and QueryRow run SQL in the transaction, for packages that own
// their tables (the queue).
func (t *Tx) Exec(query string, args ...any) (sql.Result, error) {
	query, args, rode, err := t.withLater(query, args)
	if err != nil {
		return nil, err
	}
	res, err := t.exec(query, args...)
	if err != nil && rode != nil {
		t.failedRiding(err, rode)
	}
	return res, err
}

func (t *Tx) exec(query string, args ...any) (sql.Result, error) {
	if st := t.stmt(query); st != nil {
		return st.ExecContext(t.ctx, args...)
	}
	return t.tx.ExecContext(t.ctx, query, args...)
}

// stmt returns query's prepared statement in the transaction, or nil to
// run the text (PostgreSQL: pgx keeps its own prepared statements).
func (t *Tx) stmt(query string) *sql.Stmt {
	tx, ok := t.tx.(*sql.Tx)
	if !ok {
		return nil
	}
	if st := t.s.writeStmts.get(t.ctx, query); st != nil {
		return tx.StmtContext(t.ctx, st)
	}
	return nil
}

func (t *Tx) Query(query string, args ...any) (*sql.Rows, error) {
	if err := t.flushLater(); err != nil {
		return nil, err
	}
	if st := t.stmt(query); st != nil {
		return st.QueryContext(t.ctx, args...)
	}
	return t.tx.QueryContext(t.ctx, query, args...)
}

func (t *Tx) QueryRow(query string, args ...any) *sql.Row {
	_ = t.flushLater() // its error is the operation's (run)
	if st := t.stmt(query); st != nil {
		return st.QueryRowContext(t.ctx, args...)
	}
	return t.tx.QueryRowContext(t.ctx, query, args...)
}

// ReadRow runs a read-only query on the reader pool, for packages that own
// their tables (the queue).
func (s *Store) ReadRow(ctx context.Context, query string, args ...any) *sql.Row {
	return s.queryRow(ctx, query, args...)
}

// Read runs a read-only query returning rows on the reader pool, for
// packages that own their tables (the queue).
func (s *Store) Read(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return s.query(ctx, query, args...)
}

// Dialect names the database, for packages with dialect-specific SQL.
func (t *Tx) Dialect() string { return t.s.dialect.name }

// AfterCommit runs f once the transaction has committed, and never if the
// operation that registered it fails.
func (t *Tx) AfterCommit(f func()) { t.hooks = append(t.hooks, f) }

type op struct {
	ctx    context.Context
	fn     func(*Tx) error
	done   chan error
	urgent bool
	// unsynced: the commit need not wait for the disk (WriteUnsynced).
	unsynced bool
}

type writer struct {
	s      *Store
	urgent chan *op
	ops    chan *op
	stop   chan struct{}
	wg     sync.WaitGroup
	batch  prometheus.Histogram
	txTime prometheus.Histogram
}

func newWriter(s *Store, n int) *writer {
	w := &writer{s: s, urgent: make(chan *op, 4*maxBatch), ops: make(chan *op, 4*maxBatch), stop: make(chan struct{}),
		batch: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "botgate_store_batch_operations",
			Help:    "Operations committed together in one transaction (group commit).",
			Buckets: prometheus.ExponentialBuckets(1, 2, 9),
		}),
		txTime: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "botgate_store_transaction_seconds",
			Help:    "Time from begin to commit of a committed write transaction (one group commit, fsync included).",
			Buckets: prometheus.ExponentialBuckets(0.0001, 2, 16),
		})}
	for range n {
		w.wg.Add(1)
		go w.loop()
	}
	return w
}

// Write runs fn in a transaction, possibly shared with other callers' work,
// and returns once that transaction committed or fn failed. fn's error undoes
// fn's work only.
//
// fn may run more than once: when another operation in its batch fails, the
// batch is rolled back and run again without it. So fn must touch nothing but
// the transaction and values it overwrites (not appends to); effects meant for
// after the commit go through AfterCommit. fn must not block: other callers
// wait on it.
func (s *Store) Write(ctx context.Context, fn func(*Tx) error) error {
	return diskFull(s.writer.submit(ctx, &op{ctx: ctx, fn: fn, done: make(chan error, 1)}, s.writer.ops))
}

// WriteUrgent is Write for records of what already happened outside the
// database, such as Graph's answer to a send: until they commit, a crash
// would repeat the action, so they go into the next transaction ahead of
// queued work.
func (s *Store) WriteUrgent(ctx context.Context, fn func(*Tx) error) error {
	return diskFull(s.writer.submit(ctx, &op{ctx: ctx, fn: fn, done: make(chan error, 1), urgent: true}, s.writer.urgent))
}

// WriteUnsynced is WriteUrgent for a record that nobody outside learns of
// until a later commit of its caller's: a sync send's accept, whose caller
// is answered only once the send's result has committed. A transaction it
// begins commits without waiting for the disk (SQLite's fsync, PostgreSQL's
// WAL flush) and takes in no other work; joining a running transaction, it
// commits with that one. Any later commit's wait for the disk covers it:
// each database writes one log, in order. A crash of the machine (or of
// PostgreSQL) before then can lose it, as it can lose a send in flight; its
// caller has been answered nothing.
func (s *Store) WriteUnsynced(ctx context.Context, fn func(*Tx) error) error {
	return diskFull(s.writer.submit(ctx, &op{ctx: ctx, fn: fn, done: make(chan error, 1), urgent: true, unsynced: true}, s.writer.urgent))
}

// SyncMessage moves a message's updated_at forward and waits for that
// commit to reach the disk, and with it everything committed before: for
// a caller of WriteUnsynced about to answer without having written a later
// record itself. The value must change: SQLite writes no page for a row
// rewritten as it was, and a commit that wrote nothing syncs nothing.
func (s *Store) SyncMessage(ctx context.Context, messageID string) error {
	return s.WriteUrgent(ctx, func(tx *Tx) error {
		_, err := tx.Exec(`UPDATE messages SET updated_at = CASE WHEN updated_at < $2 THEN $2 ELSE updated_at + 1 END
			WHERE id = $1`, messageID, ms(tx.Now()))
		return err
	})
}

// WriteAlone runs fn in a transaction of its own, for work that locks a row
// many callers contend for, such as a WhatsApp number's pace. In a shared
// batch the lock would be held until the whole batch commits, stalling it,
// and two batches locking two such rows in opposite orders would deadlock
// (PostgreSQL finds that only after a second). SQLite has one writer and
// no lock waits, so there it is Write, or WriteUrgent when urgent.
func (s *Store) WriteAlone(ctx context.Context, urgent bool, fn func(*Tx) error) error {
	return s.writeAlone(ctx, urgent, false, fn)
}

// WriteAloneUnsynced is WriteAlone for a record that a later commit of its
// caller's, waiting for the disk, takes to the disk with it, and whose loss
// before then costs no more than the caller's work in flight at the same
// crash (a WhatsApp turn, and the send that uses it). On PostgreSQL the
// transaction commits without waiting for the WAL flush, so a row it locks
// is released that much sooner; a crash of PostgreSQL, or of its machine,
// before the later commit can lose it. On SQLite it is WriteAlone.
func (s *Store) WriteAloneUnsynced(ctx context.Context, urgent bool, fn func(*Tx) error) error {
	return s.writeAlone(ctx, urgent, true, fn)
}

func (s *Store) writeAlone(ctx context.Context, urgent, unsynced bool, fn func(*Tx) error) error {
	if s.dialect.name != postgresDialect.name {
		if urgent {
			return s.WriteUrgent(ctx, fn)
		}
		return s.Write(ctx, fn)
	}
	for try := 0; ; try++ {
		hooks, err := s.runAlone(ctx, unsynced, fn)
		if err == nil {
			for _, h := range hooks {
				h()
			}
			return nil
		}
		if !s.dialect.transient(err) || try == maxTransientRetries {
			return err
		}
		time.Sleep(time.Duration(rand.Int64N(int64(time.Duration(try+1) * 2 * time.Millisecond))))
	}
}

func (s *Store) runAlone(ctx context.Context, unsynced bool, fn func(*Tx) error) ([]func(), error) {
	// One of the write pool's alone slots: without it, a burst of callers
	// (a WhatsApp send each) would take every writing connection and leave
	// the group-commit writers, which every accept waits on, queued behind
	// them for one.
	select {
	case s.alone <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-s.alone }()
	x, err := s.begin(ctx, unsynced)
	if err != nil {
		return nil, fmt.Errorf("store: begin: %w", err)
	}
	defer x.end()
	t := &Tx{ctx: ctx, tx: x.q, s: s, now: s.now().UTC().Truncate(time.Millisecond)}
	if err := run(fn, t); err != nil {
		_ = x.rollback()
		return nil, err
	}
	if err := x.commit(); err != nil {
		return nil, fmt.Errorf("store: commit: %w", err)
	}
	return t.hooks, nil
}

func (w *writer) submit(ctx context.Context, o *op, lane chan *op) error {
	select {
	case lane <- o:
	case <-ctx.Done():
		return ctx.Err()
	case <-w.stop:
		return ErrClosed
	}
	// Wait even if ctx ends now: the caller must learn whether its work committed.
	return <-o.done
}

func (w *writer) close() {
	close(w.stop)
	w.wg.Wait()
}

func (w *writer) loop() {
	defer w.wg.Done()
	for {
		var first *op
		select {
		case first = <-w.urgent:
		case first = <-w.ops:
		case <-w.stop:
			w.drain()
			return
		}
		w.commit(first)
	}
}

// drain finishes what was queued before the store closed. Several writers
// (PostgreSQL) drain at once: a writer that saw an operation waiting must
// not block when another took it first, or closing the store would hang.
func (w *writer) drain() {
	for _, lane := range []chan *op{w.urgent, w.ops} {
		for {
			select {
			case o := <-lane:
				w.commit(o)
				continue
			default:
			}
			break
		}
	}
}

// batch is the operations of one group commit, in the order they joined,
// with each one's result.
type batch struct {
	ops     []*op
	results []error
	// urgentSince is when the first urgent operation joined; zero if none has.
	urgentSince time.Time
	// unsynced: the batch began with an unsynced operation, so it commits
	// without waiting for the disk and takes in nothing else.
	unsynced bool
	// tried: the batch ran once. A batch run again (after a failure or a
	// deadlock) takes in nothing more, so a retry does not grow into a
	// longer transaction that meets the same conflicts.
	tried bool
}

func (b *batch) add(o *op) {
	b.ops = append(b.ops, o)
	// An operation whose caller gave up before it ran is not run.
	b.results = append(b.results, o.ctx.Err())
	if o.urgent && b.urgentSince.IsZero() {
		b.urgentSince = time.Now()
	}
}

// more returns the next operation to join b's transaction, or nil when b
// should commit. Urgent operations join first, whenever they arrive, up to
// maxBatch. Queued ones join until an urgent operation has waited
// urgentWait; while nothing urgent is in the batch, a small one waits up to
// batchWait from began for company.
func (w *writer) more(b *batch, began time.Time) *op {
	if len(b.ops) >= maxBatch || b.unsynced {
		return nil
	}
	select {
	case o := <-w.urgent:
		return o
	default:
	}
	if !b.urgentSince.IsZero() && time.Since(b.urgentSince) >= urgentWait {
		return nil
	}
	select {
	case o := <-w.ops:
		return o
	default:
	}
	if !b.urgentSince.IsZero() || len(b.ops) >= minBatch {
		return nil
	}
	wait := batchWait - time.Since(began)
	if wait <= 0 {
		return nil
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case o := <-w.urgent:
		return o
	case o := <-w.ops:
		return o
	case <-timer.C:
		return nil
	}
}

// Collectors are the store's Prometheus series.
func (s *Store) Collectors() []prometheus.Collector {
	return []prometheus.Collector{s.writer.batch, s.writer.txTime, roundTrips}
}

// maxTransientRetries bounds how often a batch is tried again after a
// deadlock or serialization failure.
const maxTransientRetries = 8

// commit runs first and whatever joins it in one transaction, and tells
// each caller its operation's result.
func (w *writer) commit(first *op) {
	b := &batch{unsynced: first.unsynced && w.s.skipsDisk()}
	b.add(first)
	var hooks []func()
	var err error
	for try := 0; ; try++ {
		hooks, err = w.try(b)
		if err == nil || !w.s.dialect.transient(err) || try == maxTransientRetries {
			break
		}
		// Apart for a moment, so the transactions that deadlocked do not
		// meet again in the same order.
		time.Sleep(time.Duration(rand.Int64N(int64(time.Duration(try+1) * 2 * time.Millisecond))))
	}
	w.batch.Observe(float64(len(b.ops)))
	// Hooks run before callers are released, so a caller sees their effects.
	if err == nil {
		for _, h := range hooks {
			h()
		}
	}
	for i, o := range b.ops {
		if err != nil && b.results[i] == nil {
			b.results[i] = err
		}
		o.done <- b.results[i]
	}
	w.s.writeStmts.prepareWanted(context.Background())
}

// try commits the batch's operations in one transaction. Operations run
// without savepoints, which would double the statements a batch executes:
// when one fails, the transaction is rolled back and the rest run again
// without it. Failures are rare (a duplicate request id), so a batch usually
// runs once.
func (w *writer) try(b *batch) ([]func(), error) {
	for {
		hooks, failed, err := w.runOnce(b)
		if err != nil || failed < 0 {
			return hooks, err
		}
	}
}

// runOnce runs the batch's operations that have not failed in a
// transaction, taking in more as more returns them. It commits and returns
// their hooks, or stops at the first operation that fails (its result set),
// rolls back, and returns that operation's index.
func (w *writer) runOnce(b *batch) ([]func(), int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	began := time.Now()
	txn, err := w.s.begin(ctx, b.unsynced)
	if err != nil {
		return nil, -1, fmt.Errorf("store: begin: %w", err)
	}
	defer txn.end()
	// Times are kept to the millisecond, so a write's values equal what a read returns.
	t := &Tx{ctx: ctx, tx: txn.q, s: w.s, now: w.s.now().UTC().Truncate(time.Millisecond)}
	// Which operations this run tries: those that have not failed (nor
	// been given up by their callers), decided before any of them runs.
	pending := make([]int, 0, len(b.ops))
	for i := range b.ops {
		if b.results[i] == nil {
			pending = append(pending, i)
		}
	}
	pull := !b.tried
	b.tried = true
	for k := 0; ; k++ {
		if k == len(pending) {
			if !pull {
				break
			}
			o := w.more(b, began)
			if o == nil {
				break
			}
			b.add(o)
			if b.results[len(b.ops)-1] != nil {
				k--
				continue
			}
			pending = append(pending, len(b.ops)-1)
		}
		i := pending[k]
		t.now = w.s.now().UTC().Truncate(time.Millisecond)
		if b.results[i] = run(b.ops[i].fn, t); b.results[i] != nil {
			_ = txn.rollback()
			// A deadlock or serialization failure is the database's, not the
			// operation's: the whole batch is tried again, this one included.
			if w.s.dialect.transient(b.results[i]) {
				err := b.results[i]
				b.results[i] = nil
				return nil, -1, err
			}
			return nil, i, nil
		}
	}
	if len(pending) == 0 {
		// Every operation failed or was given up: nothing to commit.
		_ = txn.rollback()
		return nil, -1, nil
	}
	if err := txn.commit(); err != nil {
		return nil, -1, fmt.Errorf("store: commit: %w", err)
	}
	w.txTime.Observe(time.Since(began).Seconds())
	return t.hooks, -1, nil
}

// run calls fn, turning a panic into an error so one bad operation cannot
// take down the writer every other caller depends on.
func run(fn func(*Tx) error, t *Tx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("store: write panicked: %v", r)
		}
	}()
	err = fn(t)
	if err == nil {
		// What the operation held back goes now, so its failure is this
		// operation's and no other's.
		err = t.flushLater()
	}
	if t.laterErr != nil {
		err = t.laterErr
	}
	t.later, t.laterErr = nil, nil
	return err
}
