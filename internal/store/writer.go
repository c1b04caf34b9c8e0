package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"
)

// ErrClosed is returned by Write once the store is closing.
var ErrClosed = errors.New("store: closed")

// maxBatch bounds one group commit, so one transaction never grows without end.
const maxBatch = 256

// Tx is a write transaction shared by the operations of one group commit.
// Its methods use the transaction's own context, so they take none.
type Tx struct {
	ctx   context.Context
	tx    *sql.Tx
	s     *Store
	now   time.Time
	hooks []func()
}

// Now is the time captured when the transaction began; every timestamp a
// write records uses it, so one write has one time.
func (t *Tx) Now() time.Time { return t.now }

// Exec, Query and QueryRow run SQL in the transaction, for packages that own
// their tables (the queue).
func (t *Tx) Exec(query string, args ...any) (sql.Result, error) {
	return t.tx.ExecContext(t.ctx, query, args...)
}

func (t *Tx) Query(query string, args ...any) (*sql.Rows, error) {
	return t.tx.QueryContext(t.ctx, query, args...)
}

func (t *Tx) QueryRow(query string, args ...any) *sql.Row {
	return t.tx.QueryRowContext(t.ctx, query, args...)
}

// ReadRow runs a read-only query on the reader pool, for packages that own
// their tables (the queue).
func (s *Store) ReadRow(ctx context.Context, query string, args ...any) *sql.Row {
	return s.read.QueryRowContext(ctx, query, args...)
}

// Dialect names the database, for packages with dialect-specific SQL.
func (t *Tx) Dialect() string { return t.s.dialect.name }

// AfterCommit runs f once the transaction has committed, and never if the
// operation that registered it fails.
func (t *Tx) AfterCommit(f func()) { t.hooks = append(t.hooks, f) }

type op struct {
	ctx  context.Context
	fn   func(*Tx) error
	done chan error
}

type writer struct {
	s    *Store
	ops  chan *op
	stop chan struct{}
	wg   sync.WaitGroup
}

func newWriter(s *Store, n int) *writer {
	w := &writer{s: s, ops: make(chan *op, 4*maxBatch), stop: make(chan struct{})}
	for range n {
		w.wg.Add(1)
		go w.loop()
	}
	return w
}

// Write runs fn in a transaction, possibly shared with other callers' work,
// and returns once that transaction committed or fn failed. fn's error rolls
// back fn's own work only. fn must not block: other callers wait on it.
func (s *Store) Write(ctx context.Context, fn func(*Tx) error) error {
	o := &op{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case s.writer.ops <- o:
	case <-ctx.Done():
		return ctx.Err()
	case <-s.writer.stop:
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
	batch := make([]*op, 0, maxBatch)
	for {
		select {
		case o := <-w.ops:
			batch = append(batch[:0], o)
		case <-w.stop:
			// Finish what was queued before the store closed.
			for {
				select {
				case o := <-w.ops:
					w.commit([]*op{o})
				default:
					return
				}
			}
		}
	fill:
		for len(batch) < maxBatch {
			select {
			case o := <-w.ops:
				batch = append(batch, o)
			default:
				break fill
			}
		}
		w.commit(batch)
	}
}

func (w *writer) commit(batch []*op) {
	results := make([]error, len(batch))
	var hooks []func()
	var err error
	for try := 0; ; try++ {
		hooks, err = w.try(batch, results)
		if err == nil || !w.s.dialect.transient(err) || try == 3 {
			break
		}
	}
	for i, o := range batch {
		if err != nil && results[i] == nil {
			results[i] = err
		}
		o.done <- results[i]
	}
	if err == nil {
		for _, h := range hooks {
			h()
		}
	}
}

// try runs the batch in one transaction. An operation's own error rolls back
// to a savepoint taken before it, so the others still commit; a batch of one
// needs no savepoint.
func (w *writer) try(batch []*op, results []error) ([]func(), error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sqlTx, err := w.s.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("store: begin: %w", err)
	}
	t := &Tx{ctx: ctx, tx: sqlTx, s: w.s, now: w.s.now()}
	single := len(batch) == 1
	for i, o := range batch {
		results[i] = o.ctx.Err()
		if results[i] != nil {
			continue
		}
		mark := len(t.hooks)
		if single {
			if results[i] = run(o.fn, t); results[i] != nil {
				_ = sqlTx.Rollback()
				return nil, nil
			}
			continue
		}
		if _, err := sqlTx.ExecContext(ctx, "SAVEPOINT op"); err != nil {
			_ = sqlTx.Rollback()
			return nil, fmt.Errorf("store: savepoint: %w", err)
		}
		stmts := []string{"RELEASE SAVEPOINT op"}
		if results[i] = run(o.fn, t); results[i] != nil {
			t.hooks = t.hooks[:mark]
			stmts = []string{"ROLLBACK TO SAVEPOINT op", "RELEASE SAVEPOINT op"}
		}
		for _, stmt := range stmts {
			if _, err := sqlTx.ExecContext(ctx, stmt); err != nil {
				_ = sqlTx.Rollback()
				return nil, fmt.Errorf("store: savepoint: %w", err)
			}
		}
	}
	if err := sqlTx.Commit(); err != nil {
		return nil, fmt.Errorf("store: commit: %w", err)
	}
	return t.hooks, nil
}

// run calls fn, turning a panic into an error so one bad operation cannot
// take down the writer every other caller depends on.
func run(fn func(*Tx) error, t *Tx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("store: write panicked: %v", r)
		}
	}()
	return fn(t)
}
