package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/store"
	"github.com/botgate/botgate/internal/store/storetest"
)

// TestIdempotencyKeyLifecycle: a claimed key is reported to a second
// request while its first runs, its answer replays once finished, an
// abandoned claim (its process died) is taken over, and a key is forgotten
// after its time to live.
func TestIdempotencyKeyLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := context.Background()
		clock := storetest.NewClock(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
		s := db.Open(t, store.Options{Now: clock.Now})
		const ttl = 24 * time.Hour
		begin := func(key string) *store.Idempotent {
			t.Helper()
			got, err := s.BeginIdempotent(ctx, "bot_1", key, "POST /v1/messages", "hash-1", ttl)
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		if got := begin("k1"); got != nil {
			t.Fatalf("a new key: %+v, want nil (claimed)", got)
		}
		if got := begin("k1"); got == nil || got.Status != 0 {
			t.Fatalf("while the first runs: %+v, want the running claim", got)
		}
		clock.Add(store.AbandonedAfter - time.Second)
		if got := begin("k1"); got == nil || got.Status != 0 {
			t.Fatalf("just before the claim counts as abandoned: %+v, want the running claim", got)
		}
		clock.Add(2 * time.Second)
		if got := begin("k1"); got != nil {
			t.Fatalf("an abandoned claim: %+v, want it taken over (nil)", got)
		}
		if err := s.FinishIdempotent(ctx, "bot_1", "k1", 202, `{}`, `{"id":"msg_1"}`); err != nil {
			t.Fatal(err)
		}
		clock.Add(time.Hour)
		if got := begin("k1"); got == nil || got.Status != 202 || got.Body != `{"id":"msg_1"}` {
			t.Fatalf("a finished key an hour on: %+v, want its answer", got)
		}
		clock.Add(ttl)
		if got := begin("k1"); got != nil {
			t.Fatalf("after the time to live: %+v, want the key forgotten and claimed again", got)
		}
	})
}
