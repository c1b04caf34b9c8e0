package store

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache keeps prepared statements by their SQL text. SQLite otherwise
// parses every statement on every call, which was a fifth of botgate's CPU
// under load; database/sql keeps each statement prepared per connection.
//
// The writer's pool has a single SQLite connection, busy inside the open
// transaction whenever a statement is first seen; so the writer's cache only
// notes new statements (deferred) and prepares them after the commit.
type stmtCache struct {
	db       *sql.DB
	off      bool // PostgreSQL: pgx caches prepared statements itself
	deferred bool
	mu       sync.RWMutex
	stmts    map[string]*sql.Stmt
	wanted   map[string]bool
}

// maxStmts bounds the cache: queries built from variable filters have many
// shapes, and past this many the rare ones run unprepared.
const maxStmts = 256

func newStmtCache(db *sql.DB, off, deferred bool) *stmtCache {
	return &stmtCache{db: db, off: off, deferred: deferred, stmts: map[string]*sql.Stmt{}, wanted: map[string]bool{}}
}

// get returns the prepared statement for query, or nil when it cannot be
// cached; callers then run the query text directly.
func (c *stmtCache) get(ctx context.Context, query string) *sql.Stmt {
	if c.off {
		return nil
	}
	c.mu.RLock()
	st, ok := c.stmts[query]
	c.mu.RUnlock()
	if ok {
		return st
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.stmts)+len(c.wanted) >= maxStmts {
		return nil
	}
	if c.deferred {
		c.wanted[query] = true
		return nil
	}
	return c.prepareLocked(ctx, query)
}

// prepareWanted prepares the statements noted since the last call; the
// writer calls it between transactions.
func (c *stmtCache) prepareWanted(ctx context.Context) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for query := range c.wanted {
		c.prepareLocked(ctx, query)
		delete(c.wanted, query)
	}
}

func (c *stmtCache) prepareLocked(ctx context.Context, query string) *sql.Stmt {
	if st, ok := c.stmts[query]; ok {
		return st
	}
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil // the direct call reports the error
	}
	c.stmts[query] = st
	return st
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.stmts {
		st.Close()
	}
	c.stmts = map[string]*sql.Stmt{}
}

// Reads on the reader pool, through the cache.

func (s *Store) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	if st := s.readStmts.get(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return s.read.QueryRowContext(ctx, query, args...)
}

func (s *Store) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := s.readStmts.get(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return s.read.QueryContext(ctx, query, args...)
}
