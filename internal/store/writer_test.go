package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

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
