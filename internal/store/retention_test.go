package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/queue"
	"github.com/botgate/botgate/internal/retention"
	"github.com/botgate/botgate/internal/store"
	"github.com/botgate/botgate/internal/store/storetest"
)

// seedMessage records a message in status with an attempt and an event,
// and, when delivery is a state, its callback delivery with one POST.
func seedMessage(t *testing.T, s *store.Store, requestID string, status core.Status, delivery string) string {
	t.Helper()
	m := &core.MessageRecord{ID: core.NewID("msg_", s.Now()), BotID: "bot_1", Channel: core.ChannelMessenger,
		Request: core.SendRequest{RequestID: requestID, Face: "bothub", Method: "send_message"}}
	err := s.Write(context.Background(), func(tx *store.Tx) error {
		// A message is its own send job: queued until it is sent or fails.
		var job []store.Column
		if status == core.StatusAccepted {
			job = queue.Messages.NewJob(5, tx.Now())
		}
		if err := tx.InsertMessage(m, mustEncode(m), job...); err != nil {
			return err
		}
		if err := tx.AddAttempt(&core.Attempt{MessageID: m.ID, At: tx.Now(), Request: json.RawMessage(`{}`), StatusCode: 200,
			Response: json.RawMessage(`{}`), Outcome: "sent"}); err != nil {
			return err
		}
		if err := tx.AddEvent(m.ID, "warning", "x"); err != nil {
			return err
		}
		var err error
		switch status {
		case core.StatusSent:
			err = tx.MarkSent(m.ID, "r", "p")
		case core.StatusRead:
			if err = tx.MarkSent(m.ID, "r", "p"); err == nil {
				_, err = tx.SetStatus(m.ID, core.StatusRead)
			}
		case core.StatusFailed:
			err = tx.MarkFailed(m.ID, core.Errorf(core.KindInvalid, "no"))
		}
		if err != nil || delivery == "" {
			return err
		}
		return seedDelivery(tx, m.ID, delivery)
	})
	if err != nil {
		t.Fatal(err)
	}
	return m.ID
}

func seedDelivery(tx *store.Tx, messageID, state string) error {
	d := &core.Delivery{ID: core.NewID("msg_", tx.Now()), BotID: "bot_1", Kind: "callback", MessageID: messageID, URL: "https://m.example/cb", Body: json.RawMessage(`{}`)}
	if messageID == "" {
		d.Kind = "event"
	}
	// A pending delivery is queued, as notify.Enqueue queues it: its row is
	// its own job, which pruning must leave alone.
	if state == core.DeliveryPending {
		return tx.InsertDelivery(d, queue.Deliveries.NewJob(8, tx.Now())...)
	}
	if err := tx.InsertDelivery(d); err != nil {
		return err
	}
	if err := tx.RecordDeliveryAttempt(d.ID, core.DeliveryAttempt{N: 1, At: tx.Now(), StatusCode: 200}, state); err != nil {
		return err
	}
	if state == core.DeliveryFailed {
		// Given up on: its dead job stays on the row, for inspection, until
		// the delivery goes.
		_, err := tx.Exec(`UPDATE deliveries SET job_state = 'discarded', job_error = 'HTTP 500' WHERE id = $1`, d.ID)
		return err
	}
	return nil
}

// rows counts each table's rows.
func rows(t *testing.T, s *store.Store) string {
	t.Helper()
	out := ""
	for _, table := range []string{"messages", "attempts", "message_events", "deliveries", "delivery_attempts", "jobs", "inbound_messages", "inbound_duplicates"} {
		var n int
		if err := s.ReadRow(context.Background(), `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		out += fmt.Sprintf("%s=%d ", table, n)
	}
	return out
}

// redelivered has Meta deliver the event key twice: the second is dropped
// and counted on the day.
func redelivered(tx *store.Tx, key string) error {
	for range 2 {
		if _, err := tx.FirstSeen("bot_1", key); err != nil {
			return err
		}
	}
	return nil
}

// TestRetentionKeepsUnfinishedWork: a pass forgets old finished messages
// with every row hanging off them, old finished deliveries and dead jobs,
// and keeps what is recent or still has work to do: a send still queued, a
// callback still pending (and its message), an event delivery pending.
func TestRetentionKeepsUnfinishedWork(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := context.Background()
		day0 := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
		clock := storetest.NewClock(day0)
		s := db.Open(t, store.Options{Now: clock.Now})
		if err := s.CreateBot(ctx, newBot("bot_1", "page-1")); err != nil {
			t.Fatal(err)
		}
		var gone []string
		for i := range 3 {
			gone = append(gone, seedMessage(t, s, fmt.Sprintf("sent-%d", i), core.StatusSent, core.DeliveryDelivered))
			clock.Add(time.Millisecond)
		}
		gone = append(gone, seedMessage(t, s, "failed", core.StatusFailed, core.DeliveryFailed))
		queued := seedMessage(t, s, "queued", core.StatusAccepted, "")
		calling := seedMessage(t, s, "calling", core.StatusSent, core.DeliveryPending)
		// Given up on: its send job dead on the row, it goes with its message.
		gone = append(gone, seedMessage(t, s, "given-up", core.StatusAccepted, ""))
		// Sent, but its job still running: a claim whose lease ran out
		// recorded the send, and the newer claim has yet to complete the job.
		racing := seedMessage(t, s, "racing", core.StatusSent, "")
		err := s.Write(ctx, func(tx *store.Tx) error {
			if _, err := tx.Exec(`UPDATE messages SET job_state = 'discarded', job_error = 'gave up' WHERE id = $1`, gone[4]); err != nil {
				return err
			}
			if _, err := tx.Exec(`UPDATE messages SET job_state = 'running', lease_owner = 'newer#1', job_attempt = 2 WHERE id = $1`, racing); err != nil {
				return err
			}
			if err := seedDelivery(tx, "", core.DeliveryDelivered); err != nil {
				return err
			}
			if err := seedDelivery(tx, "", core.DeliveryPending); err != nil {
				return err
			}
			for range 3 {
				if err := tx.InsertInboundMessage(&store.InboundMessage{BotID: "bot_1", PSID: "user-1", Channel: "messenger", Kind: "message", At: day0, Body: []byte(`{}`)}); err != nil {
					return err
				}
			}
			if err := redelivered(tx, "event-1"); err != nil { // counted on day0
				return err
			}
			_, err := tx.Exec(`INSERT INTO jobs (kind, ref, state, max_attempts, run_at, created_at, updated_at) VALUES ('reply', 'x', 'discarded', 1, 0, $1, $1)`,
				day0.UnixMilli())
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		clock.Add(29 * 24 * time.Hour)
		recent := seedMessage(t, s, "recent", core.StatusRead, core.DeliveryDelivered)
		if err := s.Write(ctx, func(tx *store.Tx) error {
			if err := redelivered(tx, "event-2"); err != nil { // counted 29 days later
				return err
			}
			return tx.InsertInboundMessage(&store.InboundMessage{BotID: "bot_1", PSID: "user-1", Channel: "messenger", Kind: "message", At: clock.Now(), Body: []byte(`{}`)})
		}); err != nil {
			t.Fatal(err)
		}
		clock.Add(2 * 24 * time.Hour)

		// Batches of 2: a full batch is followed by another, until a short one.
		got, err := (&retention.Pruner{Store: s, Keep: 30 * 24 * time.Hour, Batch: 2, Pause: 0.01}).Pass(ctx, queue.Job{})
		if want := (retention.Counts{Messages: 5, Deliveries: 1, DeadJobs: 1, Conversations: 3, DuplicateDays: 1}); err != nil || got != want {
			t.Fatalf("pass = %+v, %v; want %+v", got, err, want)
		}
		for _, id := range gone {
			if _, err := s.GetMessage(ctx, id); core.ErrorKind(err) != core.KindNotFound {
				t.Errorf("message %s: %v, want not found", id, err)
			}
		}
		for _, id := range []string{queued, calling, racing, recent} {
			if _, err := s.GetMessage(ctx, id); err != nil {
				t.Errorf("message %s: %v, want kept", id, err)
			}
		}
		// Kept: queued (attempt, event), calling (attempt, event, its pending
		// delivery), racing (attempt, event), recent (attempt, event, delivery
		// and its POST), the pending event delivery.
		if got, want := rows(t, s), "messages=4 attempts=4 message_events=4 deliveries=3 delivery_attempts=1 jobs=0 inbound_messages=1 inbound_duplicates=1 "; got != want {
			t.Errorf("rows after the pass:\n got %s\nwant %s", got, want)
		}
	})
}

// TestRetentionBatchIsBounded: one batch deletes at most its limit, and the
// next one goes on from where it stopped, past messages that must stay.
func TestRetentionBatchIsBounded(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := context.Background()
		clock := storetest.NewClock(time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC))
		s := db.Open(t, store.Options{Now: clock.Now})
		if err := s.CreateBot(ctx, newBot("bot_1", "page-1")); err != nil {
			t.Fatal(err)
		}
		first := seedMessage(t, s, "a", core.StatusSent, "")
		clock.Add(time.Millisecond)
		seedMessage(t, s, "queued", core.StatusAccepted, "") // not even read: its send is queued
		clock.Add(time.Millisecond)
		calling := seedMessage(t, s, "calling", core.StatusSent, core.DeliveryPending)
		clock.Add(time.Millisecond)
		third := seedMessage(t, s, "c", core.StatusFailed, "")
		before := clock.Now().Add(time.Hour)
		after := ""
		for i, want := range []store.Pruned{
			{N: 1, More: true, Last: first},
			{N: 0, More: true, Last: calling}, // a full batch, all waiting for its callback: the next goes on past it
			{N: 1, More: true, Last: third},
			{N: 0, More: false, Last: third},
		} {
			r, err := s.PruneMessages(ctx, before, after, 1)
			r.Took = 0
			if err != nil || r != want {
				t.Fatalf("batch %d = %+v, %v; want %+v", i, r, err, want)
			}
			after = r.Last
		}
		if got, want := rows(t, s), "messages=2 attempts=2 message_events=2 deliveries=1 delivery_attempts=0 jobs=0 inbound_messages=0 inbound_duplicates=0 "; got != want {
			t.Errorf("rows: got %s, want %s", got, want)
		}
	})
}

// TestRetentionTwoStores: two processes pruning the same database at once
// each delete a share, together everything due, without errors; and however
// many processes start, the pass is one job.
func TestRetentionTwoStores(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := context.Background()
		clock := storetest.NewClock(time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC))
		a := db.Open(t, store.Options{Now: clock.Now})
		b := db.Open(t, store.Options{Now: clock.Now})
		if err := a.CreateBot(ctx, newBot("bot_1", "page-1")); err != nil {
			t.Fatal(err)
		}
		const n = 60
		for i := range n {
			seedMessage(t, a, fmt.Sprintf("m-%d", i), core.StatusSent, core.DeliveryDelivered)
			clock.Add(time.Millisecond)
		}
		clock.Add(31 * 24 * time.Hour)
		var wg sync.WaitGroup
		counts := make([]retention.Counts, 2)
		errs := make([]error, 2)
		for i, s := range []*store.Store{a, b} {
			wg.Go(func() {
				counts[i], errs[i] = (&retention.Pruner{Store: s, Keep: 30 * 24 * time.Hour, Batch: 5, Pause: 0.01}).Pass(ctx, queue.Job{})
			})
		}
		wg.Wait()
		if errs[0] != nil || errs[1] != nil || counts[0].Messages+counts[1].Messages != n {
			t.Fatalf("passes = %+v, %v; want %d messages between them", counts, errs, n)
		}
		if got, want := rows(t, a), "messages=0 attempts=0 message_events=0 deliveries=0 delivery_attempts=0 jobs=0 inbound_messages=0 inbound_duplicates=0 "; got != want {
			t.Errorf("rows: got %s, want %s", got, want)
		}
		for range 2 {
			for _, s := range []*store.Store{a, b} {
				if err := s.Write(ctx, func(tx *store.Tx) error { return queue.EnqueueOnce(tx, retention.JobKind, retention.JobKind, tx.Now()) }); err != nil {
					t.Fatal(err)
				}
			}
		}
		var jobs int
		if err := a.ReadRow(ctx, `SELECT COUNT(*) FROM jobs WHERE kind = 'retention'`).Scan(&jobs); err != nil || jobs != 1 {
			t.Errorf("retention jobs = %d, %v; want 1", jobs, err)
		}
	})
}
