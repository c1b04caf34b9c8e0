package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/queue"
	"github.com/botgate/botgate/internal/retention"
	"github.com/botgate/botgate/internal/store"
	"github.com/botgate/botgate/internal/store/storetest"
)

// TestPruneKeepsWhatIsStillNeeded: Prune forgets dedupe marks and webhook
// bodies older than the retention, but never a body whose processing is
// still queued (a crash's leftovers), and nothing newer.
func TestPruneKeepsWhatIsStillNeeded(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := context.Background()
		day0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
		clock := storetest.NewClock(day0)
		s := db.Open(t, store.Options{Now: clock.Now})
		if err := s.CreateBot(ctx, newBot("bot_1", "page-1")); err != nil {
			t.Fatal(err)
		}
		write := func(fn func(tx *store.Tx) error) {
			t.Helper()
			if err := s.Write(ctx, fn); err != nil {
				t.Fatal(err)
			}
		}
		write(func(tx *store.Tx) error {
			for _, id := range []string{"wh_done", "wh_queued"} {
				if err := tx.InsertWebhook(&store.Webhook{ID: id, Channel: core.ChannelMessenger, BotID: "bot_1", Body: []byte(`{}`)}); err != nil {
					return err
				}
			}
			if _, err := tx.FirstSeen("bot_1", "mid:old"); err != nil {
				return err
			}
			// The job that still has to process wh_queued.
			_, err := tx.Exec(`INSERT INTO jobs (kind, ref, state, max_attempts, run_at, created_at, updated_at) VALUES ('inbound', 'wh_queued', 'available', 20, 0, 0, 0)`)
			return err
		})
		clock.AtLeast(day0.Add(8 * 24 * time.Hour))
		write(func(tx *store.Tx) error {
			if err := tx.InsertWebhook(&store.Webhook{ID: "wh_new", Channel: core.ChannelMessenger, BotID: "bot_1", Body: []byte(`{}`)}); err != nil {
				return err
			}
			_, err := tx.FirstSeen("bot_1", "mid:new")
			return err
		})
		got, err := (&retention.Pruner{Store: s, KeepInbound: 7 * 24 * time.Hour}).Pass(ctx, queue.Job{})
		if want := (retention.Counts{Webhooks: 1, Seen: 1}); err != nil || got != want {
			t.Fatalf("Pass = %+v, %v; want the old mark and the processed body (%+v)", got, err, want)
		}
		for id, want := range map[string]bool{"wh_done": false, "wh_queued": true, "wh_new": true} {
			_, err := s.GetWebhook(ctx, id)
			if got := err == nil; got != want {
				t.Errorf("webhook %s kept = %v (%v), want %v", id, got, err, want)
			}
		}
		write(func(tx *store.Tx) error {
			for key, wantNew := range map[string]bool{"mid:old": true, "mid:new": false} {
				isNew, err := tx.FirstSeen("bot_1", key)
				if err != nil {
					return err
				}
				if isNew != wantNew {
					t.Errorf("after Prune, %s is new = %v, want %v", key, isNew, wantNew)
				}
			}
			return nil
		})
	})
}
