package retention_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/retention"
	"github.com/botgate/botgate/internal/store"
	"github.com/botgate/botgate/internal/store/storetest"
)

// TestTwoProcessesOnePass: two processes run the retention pass on one
// database. The pass is one job: one of them claims it, prunes everything
// due, and schedules the next pass an hour on; neither fails.
func TestTwoProcessesOnePass(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := context.Background()
		day0 := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
		clock := storetest.NewClock(day0)
		a := db.Open(t, store.Options{Now: clock.Now})
		b := db.Open(t, store.Options{Now: clock.Now})
		const n = 25
		err := a.Write(ctx, func(tx *store.Tx) error {
			for i := range n {
				id := core.NewID("msg_", tx.Now().Add(time.Duration(i)*time.Millisecond))
				if _, err := tx.Exec(`INSERT INTO messages (id, bot_id, request_id, channel, face, method, sync, status, request, created_at, updated_at)
					VALUES ($1, 'bot_1', $2, 'messenger', 'bothub', 'send_message', $3, 'sent', '{}', $4, $4)`, id, fmt.Sprint(i), false, tx.Now().UnixMilli()); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		clock.Add(31 * 24 * time.Hour)
		run, stop := context.WithCancel(ctx)
		var wg sync.WaitGroup
		for i, s := range []*store.Store{a, b} {
			p := &retention.Pruner{Store: s, Keep: 30 * 24 * time.Hour, KeepInbound: 7 * 24 * time.Hour, Batch: 10, Pause: 0.01, Owner: fmt.Sprint("p", i)}
			wg.Go(func() { p.Run(run) })
		}
		count := func(q string) (v int64) {
			if err := a.ReadRow(ctx, q).Scan(&v); err != nil {
				t.Fatal(err)
			}
			return v
		}
		harness.WaitFor(t, "the pass done and the next one scheduled", 20*time.Second, func() bool {
			return count(`SELECT COUNT(*) FROM jobs WHERE kind = 'retention' AND state = 'available' AND run_at > `+fmt.Sprint(clock.Now().UnixMilli())) == 1
		})
		stop()
		wg.Wait()
		if got := count(`SELECT COUNT(*) FROM messages`); got != 0 {
			t.Errorf("%d messages left", got)
		}
		if got, want := count(`SELECT run_at FROM jobs WHERE kind = 'retention'`), clock.Now().Add(time.Hour).UnixMilli(); got != want {
			t.Errorf("next pass at %d, want %d (an hour on)", got, want)
		}
		if got := count(`SELECT COUNT(*) FROM jobs`); got != 1 {
			t.Errorf("%d jobs, want the one retention job", got)
		}
	})
}

// TestStopMidPass: a process stopping during a pass stops between two
// batches, at once, and hands the rest of the pass back, due now, for the
// next claimer instead of leaving it to its lease.
func TestStopMidPass(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := context.Background()
		clock := storetest.NewClock(time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC))
		s := db.Open(t, store.Options{Now: clock.Now})
		err := s.Write(ctx, func(tx *store.Tx) error {
			for i := range 5 {
				if _, err := tx.Exec(`INSERT INTO messages (id, bot_id, request_id, channel, face, method, sync, status, request, created_at, updated_at)
					VALUES ($1, 'bot_1', $2, 'messenger', 'bothub', 'send_message', $3, 'sent', '{}', $4, $4)`,
					core.NewID("msg_", tx.Now().Add(time.Duration(i)*time.Millisecond)), fmt.Sprint(i), false, tx.Now().UnixMilli()); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		clock.Add(31 * 24 * time.Hour)
		run, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		// Each batch of one is followed by a rest far longer than the test.
		p := &retention.Pruner{Store: s, Keep: 30 * 24 * time.Hour, KeepInbound: 7 * 24 * time.Hour, Batch: 1, Pause: 1e6, Owner: "p"}
		go func() { p.Run(run); close(done) }()
		count := func(q string) (v int64) {
			if err := s.ReadRow(ctx, q).Scan(&v); err != nil {
				t.Fatal(err)
			}
			return v
		}
		harness.WaitFor(t, "the first batch", 10*time.Second, func() bool { return count(`SELECT COUNT(*) FROM messages`) == 4 })
		stop()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("the pass did not stop between batches")
		}
		if got := count(`SELECT COUNT(*) FROM messages`); got != 4 {
			t.Errorf("%d messages left, want 4", got)
		}
		var state string
		var runAt int64
		if err := s.ReadRow(ctx, `SELECT state, run_at FROM jobs WHERE kind = 'retention'`).Scan(&state, &runAt); err != nil {
			t.Fatal(err)
		}
		if state != "available" || runAt != clock.Now().UnixMilli() {
			t.Errorf("job %s at %d, want available at %d (now)", state, runAt, clock.Now().UnixMilli())
		}
	})
}
