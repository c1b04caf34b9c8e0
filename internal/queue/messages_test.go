package queue_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/queue"
	"github.com/botgate/botgate/internal/store"
	"github.com/botgate/botgate/internal/store/storetest"
)

// sendRow is a message's status and send-job columns.
type sendRow struct {
	ID, Status, JobState, Owner, Error string
	Attempt, Max                       int
	RunAt, Hold                        int64
}

func sendRows(t *testing.T, s *store.Store) []sendRow {
	t.Helper()
	rows, err := s.Read(context.Background(), `SELECT id, status, job_state, lease_owner, job_error, job_attempt, max_attempts, run_at, hold
		FROM messages ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []sendRow
	for rows.Next() {
		var r sendRow
		if err := rows.Scan(&r.ID, &r.Status, &r.JobState, &r.Owner, &r.Error, &r.Attempt, &r.Max, &r.RunAt, &r.Hold); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

func insertMessage(tx *store.Tx, id string, job []store.Column) error {
	m := &core.MessageRecord{ID: id, BotID: "bot_1", Channel: core.ChannelMessenger,
		Request: core.SendRequest{RequestID: id, Face: "bothub", Method: "send_message"}}
	return tx.InsertMessage(m, []byte(`{}`), job...)
}

func claimSends(t *testing.T, s *store.Store, owner string, lease time.Duration) []queue.Job {
	t.Helper()
	var jobs []queue.Job
	write(t, s, func(tx *store.Tx) error {
		var err error
		jobs, err = queue.ClaimFrom(tx, queue.Messages, "", owner, lease, 10)
		return err
	})
	// RETURNING's order is the database's.
	slices.SortFunc(jobs, func(a, b queue.Job) int { return strings.Compare(a.Ref, b.Ref) })
	return jobs
}

// A message is its own send job: accepting it writes the message alone; a
// claim leases the row; the UPDATE that marks it sent or failed ends the
// job; a claim whose lease ran out still records the message's end (Graph
// did what it did) but leaves the job to the newer claim, which alone may
// finish it.
func TestMessagesAreTheirOwnSendJobs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		t0 := time.Unix(1_700_000_000, 0).UTC()
		clk := storetest.NewClock(t0)
		s := db.Open(t, store.Options{Now: clk.Now})
		ms := t0.UnixMilli()
		write(t, s, func(tx *store.Tx) error {
			for _, id := range []string{"msg_1", "msg_2"} {
				if err := insertMessage(tx, id, queue.Messages.NewJob(5, tx.Now())); err != nil {
					return err
				}
			}
			return insertMessage(tx, "msg_3", queue.Messages.NewJob(5, tx.Now().Add(time.Hour)))
		})
		var jobs int
		if err := s.ReadRow(context.Background(), `SELECT COUNT(*) FROM jobs`).Scan(&jobs); err != nil || jobs != 0 {
			t.Fatalf("jobs rows after accepting: %d, %v; want 0", jobs, err)
		}

		a := claimSends(t, s, "a", time.Second)
		if len(a) != 2 || a[0].Ref != "msg_1" || a[1].Ref != "msg_2" || a[0].Kind != "send" || a[0].Attempt != 1 || a[0].MaxAttempts != 5 ||
			!a[0].CreatedAt.Equal(t0) || !a[0].Hold.IsZero() {
			t.Fatalf("claim = %+v; want msg_1 and msg_2 (msg_3 is not due), attempt 1 of 5", a)
		}
		write(t, s, func(tx *store.Tx) error {
			moved, err := tx.FinishSent("msg_1", "r1", "p1", queue.Ends(a[0]))
			if err == nil && !moved {
				err = errors.New("msg_1 did not move to sent")
			}
			return err
		})

		// a's lease on msg_2 runs out; b claims it (attempt 2). a's late
		// failure is recorded, and the job stays b's.
		clk.Add(2 * time.Second)
		b := claimSends(t, s, "b", time.Minute)
		if len(b) != 1 || b[0].Ref != "msg_2" || b[0].Attempt != 2 {
			t.Fatalf("claim after the lease = %+v; want msg_2, attempt 2", b)
		}
		write(t, s, func(tx *store.Tx) error {
			_, err := tx.FinishFailed("msg_2", core.Errorf(core.KindUpstream, "no"), queue.Ends(a[1]))
			return err
		})
		write(t, s, func(tx *store.Tx) error {
			if err := queue.Retry(tx, a[1], clk.Now(), "late"); !errors.Is(err, queue.ErrLeaseLost) {
				return fmt.Errorf("stale Retry: %v, want ErrLeaseLost", err)
			}
			return nil
		})
		lease := clk.Now().Add(time.Minute).UnixMilli()
		want := []sendRow{
			{"msg_1", "sent", "", "", "", 1, 5, ms + 1000, 0},
			{"msg_2", "failed", "running", b[0].Owner, "", 2, 5, lease, 0},
			{"msg_3", "accepted", "available", "", "", 0, 5, ms + time.Hour.Milliseconds(), 0},
		}
		if got := sendRows(t, s); !slices.Equal(got, want) {
			t.Errorf("after a stale claim's end:\n got %+v\nwant %+v", got, want)
		}
		// b finds the message finished and completes the job.
		write(t, s, func(tx *store.Tx) error { return queue.Complete(tx, b[0]) })
		want[1] = sendRow{"msg_2", "failed", "", "", "", 2, 5, lease, 0}
		if got := sendRows(t, s); !slices.Equal(got, want) {
			t.Errorf("after the newer claim completes:\n got %+v\nwant %+v", got, want)
		}
		st, err := queue.ReadStats(context.Background(), s)
		if err != nil {
			t.Fatal(err)
		}
		if want := []queue.KindStats{{Kind: "send", Scheduled: 1}}; !slices.Equal(st.Kinds, want) {
			t.Errorf("stats %+v, want %+v", st.Kinds, want)
		}
	})
}

// A WhatsApp send that waits for its pacing turn goes back to the queue
// holding the turn, without using up an attempt; its next claim reads the
// turn, and a retry gives it up. A sync send's job is claimed as the
// message is inserted: no worker takes it while its lease holds.
func TestMessagesPostponeWithHoldAndClaimAtInsert(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		t0 := time.Unix(1_700_000_000, 0).UTC()
		clk := storetest.NewClock(t0)
		s := db.Open(t, store.Options{Now: clk.Now})
		ms := t0.UnixMilli()
		var sync queue.Job
		write(t, s, func(tx *store.Tx) error {
			if err := insertMessage(tx, "msg_1", queue.Messages.NewJob(3, tx.Now())); err != nil {
				return err
			}
			var cols []store.Column
			sync, cols = queue.Messages.NewClaimedJob("msg_2", 3, "p", tx.Now(), time.Minute)
			return insertMessage(tx, "msg_2", cols)
		})
		if sync.Ref != "msg_2" || sync.Kind != "send" || sync.Attempt != 1 || sync.MaxAttempts != 3 || !sync.CreatedAt.Equal(t0) {
			t.Fatalf("claimed at insert: %+v", sync)
		}
		a := claimSends(t, s, "a", time.Minute)
		if len(a) != 1 || a[0].Ref != "msg_1" {
			t.Fatalf("claim = %+v; want msg_1 alone (msg_2 is leased)", a)
		}
		turn := t0.Add(1500*time.Millisecond + 250*time.Microsecond)
		write(t, s, func(tx *store.Tx) error {
			if err := queue.Postpone(tx, a[0], turn.Add(-50*time.Millisecond), turn, "waiting for its turn"); err != nil {
				return err
			}
			return queue.Extend(tx, sync, 2*time.Minute)
		})
		want := []sendRow{
			{"msg_1", "accepted", "available", "", "waiting for its turn", 0, 3, ms + 1451, turn.UnixMicro()},
			{"msg_2", "accepted", "running", sync.Owner, "", 1, 3, ms + 2*time.Minute.Milliseconds(), 0},
		}
		if got := sendRows(t, s); !slices.Equal(got, want) {
			t.Errorf("after postponing:\n got %+v\nwant %+v", got, want)
		}
		if got := claimSends(t, s, "a", time.Minute); len(got) != 0 {
			t.Fatalf("claimed %+v before the turn", got)
		}
		clk.Add(1451 * time.Millisecond)
		again := claimSends(t, s, "a", time.Minute)
		if len(again) != 1 || again[0].Attempt != 1 || !again[0].Hold.Equal(turn) {
			t.Fatalf("claim at the turn = %+v; want attempt 1 holding %v", again, turn)
		}
		write(t, s, func(tx *store.Tx) error {
			if err := queue.Retry(tx, again[0], clk.Now().Add(time.Second), "HTTP 500"); err != nil {
				return err
			}
			return queue.Complete(tx, sync)
		})
		now := clk.Now().UnixMilli()
		want = []sendRow{
			{"msg_1", "accepted", "retryable", "", "HTTP 500", 1, 3, now + 1000, 0},
			{"msg_2", "accepted", "", "", "", 1, 3, ms + 2*time.Minute.Milliseconds(), 0},
		}
		if got := sendRows(t, s); !slices.Equal(got, want) {
			t.Errorf("after a retry and the sync send's end:\n got %+v\nwant %+v", got, want)
		}
		// The console reads a message's job, and the next retry, from the messages.
		ctx := context.Background()
		p, err := queue.Find(ctx, s, "send", "msg_1")
		if want := (queue.Pending{State: "retryable", Attempt: 1, RunAt: time.UnixMilli(now + 1000).UTC(), LastError: "HTTP 500"}); err != nil || p == nil || *p != want {
			t.Errorf("Find(msg_1) = %+v, %v; want %+v", p, err, want)
		}
		if p, err := queue.Find(ctx, s, "send", "msg_2"); p != nil || err != nil {
			t.Errorf("Find(msg_2), whose job ended = %+v, %v; want none", p, err)
		}
		if at, ok, err := queue.NextRetry(ctx, s, "send"); err != nil || !ok || !at.Equal(time.UnixMilli(now+1000)) {
			t.Errorf("NextRetry = %v, %v, %v; want %v", at, ok, err, time.UnixMilli(now+1000))
		}
		// Deliveries keep no turn: a postpone holding one is refused.
		write(t, s, func(tx *store.Tx) error {
			d := &core.Delivery{ID: "msg_d", BotID: "bot_1", Kind: "callback", URL: "https://m.example/cb", Body: []byte(`{}`)}
			return tx.InsertDelivery(d, queue.Deliveries.NewJob(3, tx.Now())...)
		})
		var ds []queue.Job
		write(t, s, func(tx *store.Tx) error {
			var err error
			ds, err = queue.ClaimFrom(tx, queue.Deliveries, "", "a", time.Minute, 1)
			return err
		})
		err = s.Write(ctx, func(tx *store.Tx) error { return queue.Postpone(tx, ds[0], clk.Now(), clk.Now(), "x") })
		if err == nil || err.Error() != "queue: deliveries keeps no held turns" {
			t.Errorf("postponing a delivery with a turn: %v", err)
		}
	})
}
