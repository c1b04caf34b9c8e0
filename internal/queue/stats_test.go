package queue_test

import (
	"context"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/queue"
	"github.com/botgate/botgate/internal/store"
	"github.com/botgate/botgate/internal/store/storetest"
)

func TestStatsCountsEveryState(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		clk := storetest.NewClock(time.Unix(1_700_000_000, 0))
		s := db.Open(t, store.Options{Now: clk.Now})
		st, err := queue.ReadStats(context.Background(), s)
		if err != nil || len(st.Kinds) != 0 {
			t.Fatalf("empty queue: %+v, %v", st, err)
		}
		write(t, s, func(tx *store.Tx) error {
			for _, ref := range []string{"a", "b", "c", "d", "e"} {
				if err := queue.Enqueue(tx, "send", ref, 1, clk.Now()); err != nil {
					return err
				}
			}
			if err := queue.Enqueue(tx, "send", "later", 1, clk.Now().Add(time.Hour)); err != nil {
				return err
			}
			return queue.Enqueue(tx, "callback", "cb", 1, clk.Now().Add(-time.Minute))
		})
		jobs := claim(t, s, "w", 3) // a, b, c
		write(t, s, func(tx *store.Tx) error { return queue.Retry(tx, jobs[0], clk.Now().Add(10*time.Second), "timeout") })
		write(t, s, func(tx *store.Tx) error { return queue.Discard(tx, jobs[1], "gave up") })
		clk.Add(20 * time.Second)

		st, err = queue.ReadStats(context.Background(), s)
		if err != nil {
			t.Fatal(err)
		}
		want := []queue.KindStats{
			{Kind: "callback", Waiting: 1, OldestWaiting: 80 * time.Second},
			// d and e have been due for 20 s; a's retry for 10 s.
			{Kind: "send", Waiting: 2, Scheduled: 1, Running: 1, Retrying: 1, Dead: 1, OldestWaiting: 20 * time.Second},
		}
		if len(st.Kinds) != 2 || st.Kinds[0] != want[0] || st.Kinds[1] != want[1] || !st.At.Equal(clk.Now()) {
			t.Fatalf("stats = %+v, want %+v", st, want)
		}
		if tot := st.Total(); tot.Waiting != 3 || tot.Dead != 1 || tot.OldestWaiting != 80*time.Second {
			t.Fatalf("total = %+v", tot)
		}
	})
}
