package store_test

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/seal"
	"github.com/botgate/botgate/internal/store"
	"github.com/botgate/botgate/internal/store/storetest"
)

// TestPGMaxConnsBoundsConnections: a store given 12 PostgreSQL connections
// holds at most 12, counted by the server (pg_stat_activity, by the store's
// application_name), while more readers, batched writes and transactions
// alone than it has connections for all wait on it at once. Twelve split
// into 7 readers, 2 group-commit writers, 2 transactions alone and a spare.
// And the writers are not starved: with every alone slot held and more
// callers queued for one, a plain Write still commits.
func TestPGMaxConnsBoundsConnections(t *testing.T) {
	const budget, reads, writers, alone = 12, 7, 2, 2
	db := storetest.New(t, "postgres")
	app := "t_budget_" + strings.ToLower(core.NewID("", time.Now()))
	u, err := url.Parse(db.DSN)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("application_name", app)
	u.RawQuery = q.Encode()
	db.DSN = u.String()
	s := db.Open(t, store.Options{PGMaxConns: budget})

	admin, err := sql.Open("pgx", os.Getenv(storetest.EnvPostgres))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	held := func() int {
		t.Helper()
		var n int
		if err := admin.QueryRow(`SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = $1`, app).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	release := make(chan struct{})
	var releaseOnce sync.Once
	// A failing test still lets the held operations end, or closing the
	// store would wait on its writers for ever.
	releaseAll := func() { releaseOnce.Do(func() { close(release) }) }
	defer releaseAll()
	var (
		mu      sync.Mutex
		pids    = map[int]bool{} // every backend any operation ran on
		running atomic.Int32     // operations holding a connection now
		wg      sync.WaitGroup
		errs    = make(chan error, 100)
	)
	// hold notes the backend q ran on, then keeps the connection until release.
	hold := func(scan func(dst ...any) error) error {
		var pid int
		if err := scan(&pid); err != nil {
			return err
		}
		mu.Lock()
		pids[pid] = true
		mu.Unlock()
		running.Add(1)
		<-release
		return nil
	}
	start := func(n int, op func() error) {
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := op(); err != nil {
					errs <- err
				}
			}()
		}
	}
	// waitRunning waits until want operations hold a connection; failing
	// that (the store would be deadlocked) ctx's minute ends the test.
	waitRunning := func(want int32) {
		t.Helper()
		for running.Load() < want {
			select {
			case <-ctx.Done():
				t.Fatalf("%d operations got a connection, want %d", running.Load(), want)
			case <-time.After(5 * time.Millisecond):
			}
		}
	}

	// Readers: three times the read pool, each keeping its rows open.
	start(3*reads, func() error {
		rows, err := s.Read(ctx, `SELECT pg_backend_pid()`)
		if err != nil {
			return err
		}
		defer rows.Close()
		rows.Next()
		return hold(rows.Scan)
	})
	// Transactions alone: ten times the slots.
	start(10*alone, func() error {
		return s.WriteAlone(ctx, false, func(tx *store.Tx) error {
			return hold(tx.QueryRow(`SELECT pg_backend_pid()`).Scan)
		})
	})
	waitRunning(reads + alone)
	if n := held(); n > budget {
		t.Fatalf("readers and transactions alone waiting: PostgreSQL counts %d connections of the store, budget %d", n, budget)
	}

	// The writers still commit, the alone callers queued notwithstanding.
	if err := s.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(`CREATE TABLE budget_probe (id INTEGER)`)
		return err
	}); err != nil {
		t.Fatalf("a batched write with every alone slot taken: %v", err)
	}

	// Batched writes: each writer's batch stops at its first operation.
	start(10*writers, func() error {
		return s.Write(ctx, func(tx *store.Tx) error {
			return hold(tx.QueryRow(`SELECT pg_backend_pid()`).Scan)
		})
	})
	waitRunning(reads + alone + writers)
	if n := held(); n > budget || n < reads+alone+writers {
		t.Fatalf("every pool busy: PostgreSQL counts %d connections of the store, want %d to %d", n, reads+alone+writers, budget)
	}
	if got := running.Load(); got != reads+alone+writers {
		t.Fatalf("%d operations hold a connection, want %d (the budget's readers, alone slots and writers)", got, reads+alone+writers)
	}

	releaseAll()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("operation: %v", err)
	}
	if got, want := running.Load(), int32(3*reads+10*alone+10*writers); got != want {
		t.Errorf("%d operations ran, want %d", got, want)
	}
	if len(pids) > budget {
		t.Errorf("operations ran on %d backends, budget %d", len(pids), budget)
	}
	if n := held(); n > budget {
		t.Errorf("after the load: PostgreSQL counts %d connections of the store, budget %d", n, budget)
	}
}

// TestPGMaxConnsTooFew: a budget too small to give each kind of work a
// connection is refused before any is opened; SQLite ignores the option.
func TestPGMaxConnsTooFew(t *testing.T) {
	box, err := seal.New(storetest.Key)
	if err != nil {
		t.Fatal(err)
	}
	// Nothing listens on port 1: the refusal comes before any connection.
	_, err = store.Open(context.Background(), "postgres://postgres@127.0.0.1:1/none", store.Options{Box: box, PGMaxConns: 5})
	if want := "store: PostgreSQL connection budget 5: at least 6 are needed (a writer, a transaction alone, a spare, three readers)"; err == nil || err.Error() != want {
		t.Errorf("budget 5: %v, want %q", err, want)
	}
	s := storetest.New(t, "sqlite").Open(t, store.Options{PGMaxConns: 5})
	if err := s.Ready(context.Background()); err != nil {
		t.Errorf("SQLite with a PostgreSQL budget of 5: %v", err)
	}
}

// TestPGWritersRun: --pg-writers sets how many group-commit writers run,
// out of the same budget.
func TestPGWritersRun(t *testing.T) {
	s := storetest.New(t, "postgres").Open(t, store.Options{PGMaxConns: store.DefaultPGMaxConns, PGWriters: 8})
	if got := store.Writers(s); got != 8 {
		t.Errorf("writers = %d, want 8", got)
	}
	s = storetest.New(t, "postgres").Open(t, store.Options{})
	if got := store.Writers(s); got != 4 {
		t.Errorf("writers by default = %d, want 4", got)
	}
}
