package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"

	"github.com/jackc/pgx/v5/stdlib"
)

// queries is what a write transaction's statements run on: a *sql.Tx, or,
// for an unsynced transaction on PostgreSQL, the connection whose
// transaction the store began itself (begin).
type queries interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// txn is a write transaction (a group commit's, or one alone); end runs
// once it has committed or rolled back.
type txn struct {
	q        queries
	commit   func() error
	rollback func() error
	end      func()
}

// skipsDisk reports whether an unsynced batch commits without waiting for
// the disk: on PostgreSQL, and on SQLite at FULL (at NORMAL no commit
// waits, so an unsynced batch would gain nothing by running alone).
func (s *Store) skipsDisk() bool {
	return s.sqliteFull || s.dialect.name == postgresDialect.name
}

// begin starts a write transaction. An unsynced one (WriteUnsynced where
// skipsDisk, WriteAloneUnsynced) commits without waiting for the disk; any
// other commit does.
func (s *Store) begin(ctx context.Context, unsynced bool) (*txn, error) {
	if unsynced {
		if s.dialect.name == postgresDialect.name {
			return s.beginUnsyncedPostgres(ctx)
		}
		return s.beginUnsyncedSQLite(ctx)
	}
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	return &txn{q: tx, commit: tx.Commit, rollback: tx.Rollback, end: func() {}}, nil
}

// beginUnsyncedSQLite: the synchronous setting may not change inside a
// transaction, so the writer's connection runs this one at NORMAL, and end
// puts FULL back.
func (s *Store) beginUnsyncedSQLite(ctx context.Context) (*txn, error) {
	conn, err := s.write.Conn(ctx)
	if err != nil {
		return nil, err
	}
	end := func() {
		if _, err := conn.ExecContext(context.Background(), `PRAGMA synchronous = FULL`); err != nil {
			discard(conn) // never left at NORMAL: the pool opens a new one
		}
		_ = conn.Close()
	}
	if _, err := conn.ExecContext(ctx, `PRAGMA synchronous = NORMAL`); err != nil {
		end()
		return nil, err
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		end()
		return nil, err
	}
	return &txn{q: tx, commit: tx.Commit, rollback: tx.Rollback, end: end}, nil
}

// beginUnsyncedPostgres says "do not wait for the WAL flush" for this
// transaction alone, in the round trip that begins it: a statement without
// arguments goes by the simple protocol, which takes both at once. A
// *sql.Tx would send BEGIN by itself, and one more round trip costs more
// than the flush saves once the database is a millisecond away. So the
// transaction runs on the connection, and ends itself.
func (s *Store) beginUnsyncedPostgres(ctx context.Context) (*txn, error) {
	conn, err := s.write.Conn(ctx)
	if err != nil {
		return nil, err
	}
	end := func() {
		// A connection left inside a transaction would run its next
		// user's statements in it.
		_ = conn.Raw(func(dc any) error {
			if dc.(*stdlib.Conn).Conn().PgConn().TxStatus() != 'I' {
				return driver.ErrBadConn
			}
			return nil
		})
		_ = conn.Close()
	}
	if _, err := conn.ExecContext(ctx, `BEGIN; SET LOCAL synchronous_commit = off`); err != nil {
		end()
		return nil, err
	}
	finish := func(statement, want string) error {
		return conn.Raw(func(dc any) error {
			tag, err := dc.(*stdlib.Conn).Conn().Exec(ctx, statement)
			if err == nil && tag.String() != want {
				// COMMIT of a transaction a statement failed in answers ROLLBACK.
				err = errors.New("store: " + statement + " answered " + tag.String())
			}
			return err
		})
	}
	return &txn{q: conn, end: end,
		commit:   func() error { return finish("COMMIT", "COMMIT") },
		rollback: func() error { return finish("ROLLBACK", "ROLLBACK") },
	}, nil
}

// discard closes conn's connection for good rather than return it to the pool.
func discard(conn *sql.Conn) {
	_ = conn.Raw(func(any) error { return driver.ErrBadConn })
}
