package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/store"
	"github.com/botgate/botgate/internal/store/storetest"
)

// TestUrgentJoinsRunningTransaction: a send's result that arrives while
// every writer is inside a transaction joins one of those transactions,
// instead of waiting for it to commit and then riding in the next one. Each
// wait is time in which a crash would repeat the send.
func TestUrgentJoinsRunningTransaction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		s := db.Open(t, store.Options{})
		ctx := context.Background()
		release := make(chan struct{})
		var mu sync.Mutex
		running := map[*store.Tx]bool{}
		var wg sync.WaitGroup
		for range store.Writers(s) {
			started := make(chan struct{})
			var once sync.Once
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := s.Write(ctx, func(tx *store.Tx) error {
					mu.Lock()
					running[tx] = true
					mu.Unlock()
					once.Do(func() { close(started) })
					<-release
					return nil
				})
				if err != nil {
					t.Error(err)
				}
			}()
			<-started // this writer is now inside its transaction
		}
		type result struct {
			tx  *store.Tx
			err error
		}
		urgent := make(chan result, 1)
		go func() {
			var joined *store.Tx
			err := s.WriteUrgent(ctx, func(tx *store.Tx) error { joined = tx; return nil })
			urgent <- result{joined, err}
		}()
		for store.UrgentWaiting(s) == 0 {
			time.Sleep(time.Millisecond)
		}
		close(release)
		got := <-urgent
		wg.Wait()
		if got.err != nil {
			t.Fatal(got.err)
		}
		mu.Lock()
		defer mu.Unlock()
		if !running[got.tx] {
			t.Fatalf("the urgent write ran in a transaction of its own, not in one of the %d running", len(running))
		}
	})
}

// TestUnsyncedWriteCommitsAlone: a transaction begun by WriteUnsynced
// commits without waiting for the disk (SQLite at synchronous=NORMAL,
// PostgreSQL with synchronous_commit off for it alone) and takes in no
// other work, not even urgent work, which must wait for the disk; the next
// transaction waits for the disk again; and an unsynced write that joins a
// running transaction commits with it, waiting for the disk.
func TestUnsyncedWriteCommitsAlone(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		s := db.Open(t, store.Options{})
		ctx := context.Background()
		durability := func(tx *store.Tx) string {
			query := `PRAGMA synchronous` // 1 NORMAL, 2 FULL
			if tx.Dialect() == "postgres" {
				query = `SHOW synchronous_commit`
			}
			var v string
			if err := tx.QueryRow(query).Scan(&v); err != nil {
				t.Error(err)
			}
			return v
		}
		unsynced, synced := "1", "2"
		if db.Kind == "postgres" {
			unsynced, synced = "off", "on"
		}
		type seen struct {
			tx      *store.Tx
			setting string
		}
		type write func(context.Context, func(*store.Tx) error) error
		// run writes with w, reporting the transaction it ran in; with
		// a release channel, it stays inside until that closes.
		run := func(w write, release <-chan struct{}) (<-chan seen, <-chan error) {
			got, errc := make(chan seen, 1), make(chan error, 1)
			go func() {
				errc <- w(ctx, func(tx *store.Tx) error {
					got <- seen{tx, durability(tx)}
					if release != nil {
						<-release
					}
					return nil
				})
			}()
			return got, errc
		}
		// during runs held, keeps it inside its transaction until next
		// waits to run (on one writer: in the urgent lane), then lets it
		// end; it reports where each ran.
		during := func(held, next write) (seen, seen) {
			release := make(chan struct{})
			heldC, heldErr := run(held, release)
			h := <-heldC
			nextC, nextErr := run(next, nil)
			if store.Writers(s) == 1 {
				for store.UrgentWaiting(s) == 0 {
					time.Sleep(time.Millisecond)
				}
			}
			close(release)
			for _, err := range []error{<-heldErr, <-nextErr} {
				if err != nil {
					t.Fatal(err)
				}
			}
			return h, <-nextC
		}

		// Urgent, such as a send's result: urgent work joins a running
		// transaction whenever it arrives, but not this one.
		first, second := during(s.WriteUnsynced, s.WriteUrgent)
		if first.setting != unsynced {
			t.Errorf("the unsynced transaction ran with %q, want %q", first.setting, unsynced)
		}
		if second.tx == first.tx {
			t.Error("an urgent write joined the unsynced transaction")
		}
		if second.setting != synced {
			t.Errorf("the write after it ran with %q, want %q", second.setting, synced)
		}

		// Joining a running transaction, it commits with it, synced.
		host, j := during(s.Write, s.WriteUnsynced)
		switch {
		case j.tx == host.tx:
			if j.setting != synced {
				t.Errorf("the shared transaction ran with %q, want %q", j.setting, synced)
			}
		case store.Writers(s) == 1:
			t.Error("the unsynced write did not join the running transaction")
		case j.setting != unsynced:
			// PostgreSQL: another writer was free and began it.
			t.Errorf("the unsynced write began a transaction that ran with %q, want %q", j.setting, unsynced)
		}
	})
}

// TestUnsyncedWriteAlone: on PostgreSQL WriteAloneUnsynced's transaction
// commits without waiting for the WAL flush, and the setting ends with it;
// its work commits, or rolls back when fn fails. On SQLite it is WriteAlone,
// synced. WriteAlone waits for the disk on both.
func TestUnsyncedWriteAlone(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		s := db.Open(t, store.Options{})
		ctx := context.Background()
		id := seedMessage(t, s, "alone-1", core.StatusAccepted, "")
		query, unsynced, synced := `PRAGMA synchronous`, "2", "2" // 2: FULL
		if db.Kind == "postgres" {
			query, unsynced, synced = `SHOW synchronous_commit`, "off", "on"
		}
		// write runs a status change with write, reporting the setting it
		// ran with; fail makes fn fail after the change.
		write := func(write func(context.Context, bool, func(*store.Tx) error) error, status core.Status, fail error) (string, error) {
			var setting string
			err := write(ctx, false, func(tx *store.Tx) error {
				if err := tx.QueryRow(query).Scan(&setting); err != nil {
					return err
				}
				if _, err := tx.Exec(`UPDATE messages SET status = $2 WHERE id = $1`, id, string(status)); err != nil {
					return err
				}
				return fail
			})
			return setting, err
		}
		status := func() core.Status {
			m, err := s.GetMessage(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			return m.Status
		}
		failed := errors.New("fn failed")
		for range 2 { // twice: the connection goes back to the pool and comes out again
			got, err := write(s.WriteAloneUnsynced, core.StatusSent, nil)
			if err != nil || got != unsynced {
				t.Fatalf("WriteAloneUnsynced ran with %q (%v), want %q", got, err, unsynced)
			}
			if st := status(); st != core.StatusSent {
				t.Fatalf("status after WriteAloneUnsynced: %q, want %q", st, core.StatusSent)
			}
			if _, err := write(s.WriteAloneUnsynced, core.StatusFailed, failed); !errors.Is(err, failed) {
				t.Fatalf("WriteAloneUnsynced with a failing fn: %v, want %v", err, failed)
			}
			if st := status(); st != core.StatusSent {
				t.Fatalf("status after a failed WriteAloneUnsynced: %q, want it rolled back to %q", st, core.StatusSent)
			}
			got, err = write(s.WriteAlone, core.StatusAccepted, nil)
			if err != nil || got != synced {
				t.Fatalf("WriteAlone after it ran with %q (%v), want %q", got, err, synced)
			}
		}
	})
}

// TestSyncMessageWrites: SyncMessage changes the message's row each time,
// even within one millisecond, so its commit has a page to write and an
// fsync to wait for (a row rewritten as it was writes nothing on SQLite).
func TestSyncMessageWrites(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		clock := storetest.NewClock(time.Date(2026, 12, 5, 11, 0, 0, 0, time.UTC))
		s := db.Open(t, store.Options{Now: clock.Now})
		ctx := context.Background()
		id := seedMessage(t, s, "sync-1", core.StatusAccepted, "")
		m, err := s.GetMessage(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		last := m.UpdatedAt
		for range 2 { // the clock stands still: the second must still move it
			if err := s.SyncMessage(ctx, id); err != nil {
				t.Fatal(err)
			}
			m, err := s.GetMessage(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if !m.UpdatedAt.After(last) {
				t.Fatalf("updated_at %v after SyncMessage, not after %v", m.UpdatedAt, last)
			}
			last = m.UpdatedAt
		}
	})
}

// TestUnsyncedWriteCostsNoRoundTrip: on PostgreSQL the unsynced setting
// rides in the round trip that begins the transaction, so an unsynced
// write sends as many statements as an urgent one. A failed unsynced write
// is rolled back and leaves no connection inside its transaction: the
// writes after it, on every writer's connection, succeed.
func TestUnsyncedWriteCostsNoRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		s := db.Open(t, store.Options{})
		ctx := context.Background()
		one := func(tx *store.Tx) error { _, err := tx.Exec(`SELECT 1`); return err }
		statements := func(write func(context.Context, func(*store.Tx) error) error) float64 {
			before := store.WriteStatements()
			if err := write(ctx, one); err != nil {
				t.Fatal(err)
			}
			return store.WriteStatements() - before
		}
		if urgent, unsynced := statements(s.WriteUrgent), statements(s.WriteUnsynced); unsynced != urgent {
			t.Errorf("an unsynced write sent %v statements, an urgent one %v", unsynced, urgent)
		}
		if err := s.WriteUnsynced(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(`SELECT * FROM no_such_table`)
			return err
		}); err == nil {
			t.Fatal("a write with a failing statement succeeded")
		}
		for i := range 4 * store.Writers(s) {
			write := s.Write
			if i%2 == 0 {
				write = s.WriteUnsynced
			}
			if err := write(ctx, one); err != nil {
				t.Fatalf("write %d after the failed one: %v", i, err)
			}
		}
	})
}
