package notify_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/notify"
	"github.com/botgate/botgate/internal/queue"
	"github.com/botgate/botgate/internal/store"
	"github.com/botgate/botgate/internal/store/storetest"
)

// receiver counts the POSTs a merchant URL gets, by webhook-id.
type receiver struct {
	mu    sync.Mutex
	posts map[string]int
	got   chan string
}

func newReceiver(t *testing.T) (*receiver, string) {
	r := &receiver{posts: map[string]int{}, got: make(chan string, 16)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		_, _ = io.Copy(io.Discard, req.Body)
		id := req.Header.Get("webhook-id")
		r.mu.Lock()
		r.posts[id]++
		r.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
		r.got <- id
	}))
	t.Cleanup(srv.Close)
	return r, srv.URL
}

func (r *receiver) count(id string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.posts[id]
}

// jobRow is a delivery's row as the queue sees it.
type jobRow struct {
	State, JobState, Owner string
	Attempts, JobAttempt   int
	Logged                 int // rows in delivery_attempts
}

func readJob(t *testing.T, s *store.Store, id string) jobRow {
	t.Helper()
	var r jobRow
	err := s.ReadRow(context.Background(), `SELECT state, job_state, lease_owner, attempts, job_attempt,
		(SELECT COUNT(*) FROM delivery_attempts WHERE delivery_id = $1) FROM deliveries WHERE id = $1`, id).
		Scan(&r.State, &r.JobState, &r.Owner, &r.Attempts, &r.JobAttempt, &r.Logged)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// setup is a store on a simulated clock, a bot, a notifier, and one
// callback delivery enqueued to a receiver.
func setup(t *testing.T, db storetest.DB) (*store.Store, *storetest.Clock, *notify.Notifier, *receiver, string) {
	clock := storetest.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	s := db.Open(t, store.Options{Now: clock.Now})
	name := "lease"
	bot, err := s.NewBot(context.Background(), &core.BotChange{Name: &name}, "whsec_test")
	if err != nil {
		t.Fatal(err)
	}
	rcv, url := newReceiver(t)
	n := &notify.Notifier{Store: s, Client: http.DefaultClient, Timeout: 10 * time.Second,
		Schedule: queue.Schedule{Waits: []time.Duration{time.Minute}}, Enqueued: queue.NewHandoff[*core.Delivery](16)}
	d := &core.Delivery{BotID: bot.ID, Kind: core.DeliveryCallback, URL: url, Body: []byte(`{"request_id":"r1"}`)}
	if err := s.Write(context.Background(), func(tx *store.Tx) error { return n.Enqueue(tx, d) }); err != nil {
		t.Fatal(err)
	}
	return s, clock, n, rcv, d.ID
}

func claim(t *testing.T, s *store.Store, owner string) []queue.Job {
	t.Helper()
	var jobs []queue.Job
	err := s.Write(context.Background(), func(tx *store.Tx) error {
		var err error
		jobs, err = queue.ClaimFrom(tx, notify.Jobs, "", owner, time.Minute, 10)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return jobs
}

// Enqueueing a delivery writes its row alone, queued: the jobs table gets
// nothing.
func TestDeliveryIsItsOwnJob(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		s, _, _, _, id := setup(t, db)
		if got, want := readJob(t, s, id), (jobRow{State: "pending", JobState: "available"}); got != want {
			t.Errorf("enqueued delivery %+v, want %+v", got, want)
		}
		var jobs int
		if err := s.ReadRow(context.Background(), `SELECT COUNT(*) FROM jobs`).Scan(&jobs); err != nil || jobs != 0 {
			t.Errorf("jobs table holds %d rows (%v), want 0", jobs, err)
		}
		st, err := queue.ReadStats(context.Background(), s)
		if err != nil {
			t.Fatal(err)
		}
		if len(st.Kinds) != 1 || st.Kinds[0] != (queue.KindStats{Kind: "deliver", Waiting: 1}) {
			t.Errorf("queue stats %+v, want one waiting deliver", st.Kinds)
		}
	})
}

// A worker that claimed a delivery and died holds it until its lease ends;
// then another runner takes it and delivers it, once.
func TestDeadWorkersDeliveryIsDeliveredAfterItsLease(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		s, clock, n, rcv, id := setup(t, db)
		dead := claim(t, s, "dead")
		if len(dead) != 1 || dead[0].Ref != id || dead[0].Attempt != 1 {
			t.Fatalf("dead worker's claim: %+v", dead)
		}
		if again := claim(t, s, "early"); len(again) != 0 {
			t.Fatalf("claimed during the dead worker's lease: %+v", again)
		}

		runner := &queue.Runner{Store: s, Kind: notify.JobKind, Table: notify.Jobs, Handler: n.Handle, Owner: "live",
			Concurrency: 2, Lease: time.Minute, Poll: 10 * time.Millisecond}
		ctx, stop := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { runner.Run(ctx); close(done) }()
		var once sync.Once
		halt := func() { once.Do(func() { stop(); <-done }) }
		defer halt()

		clock.Add(61 * time.Second) // the dead worker's lease ends
		select {
		case got := <-rcv.got:
			if got != id {
				t.Fatalf("POST of %q, want %q", got, id)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("the delivery was not delivered after the lease ended")
		}
		// The runner's write lands after the receiver answered.
		deadline := time.Now().Add(30 * time.Second)
		for readJob(t, s, id).State != core.DeliveryDelivered && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		got := readJob(t, s, id)
		if want := (jobRow{State: "delivered", JobState: "", Attempts: 1, JobAttempt: 2, Logged: 1}); got != want {
			t.Errorf("delivery %+v, want %+v", got, want)
		}
		// Nothing is left to claim, however long one waits, and nothing more is posted.
		clock.Add(time.Hour)
		runner.Wake()
		if again := claim(t, s, "later"); len(again) != 0 {
			t.Errorf("claimable after delivery: %+v", again)
		}
		halt()
		if c := rcv.count(id); c != 1 {
			t.Errorf("%d POSTs of the delivery, want 1", c)
		}
		// The dead worker, come back, cannot finish what the live one did.
		err := s.Write(context.Background(), func(tx *store.Tx) error { return queue.Complete(tx, dead[0]) })
		if !errors.Is(err, queue.ErrLeaseLost) {
			t.Errorf("dead worker's Complete: %v, want ErrLeaseLost", err)
		}
	})
}

// A claim whose lease ended and was claimed again cannot record its result
// or finish the job: the delivery keeps the newer claim's work.
func TestStaleDeliveryClaimCannotComplete(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		s, clock, n, rcv, id := setup(t, db)
		stale := claim(t, s, "stale")
		clock.Add(61 * time.Second)
		fresh := claim(t, s, "fresh")
		if len(stale) != 1 || len(fresh) != 1 || fresh[0].Attempt != 2 {
			t.Fatalf("claims: stale %+v, fresh %+v", stale, fresh)
		}
		// The stale claim posts (it cannot know), but its result does not commit.
		if err := n.Handle(context.Background(), stale[0]); !errors.Is(err, queue.ErrLeaseLost) {
			t.Fatalf("stale claim's Handle: %v, want ErrLeaseLost", err)
		}
		if got, want := readJob(t, s, id), (jobRow{State: "pending", JobState: "running", Owner: fresh[0].Owner, JobAttempt: 2}); got != want {
			t.Errorf("after the stale claim: %+v, want %+v", got, want)
		}
		for name, finish := range map[string]func(tx *store.Tx) error{
			"Complete": func(tx *store.Tx) error { return queue.Complete(tx, stale[0]) },
			"Retry":    func(tx *store.Tx) error { return queue.Retry(tx, stale[0], tx.Now(), "x") },
			"Discard":  func(tx *store.Tx) error { return queue.Discard(tx, stale[0], "x") },
		} {
			if err := s.Write(context.Background(), finish); !errors.Is(err, queue.ErrLeaseLost) {
				t.Errorf("stale %s: %v, want ErrLeaseLost", name, err)
			}
		}
		if err := n.Handle(context.Background(), fresh[0]); err != nil {
			t.Fatalf("fresh claim's Handle: %v", err)
		}
		if got, want := readJob(t, s, id), (jobRow{State: "delivered", Attempts: 1, JobAttempt: 2, Logged: 1}); got != want {
			t.Errorf("after the fresh claim: %+v, want %+v", got, want)
		}
		if c := rcv.count(id); c != 2 {
			t.Errorf("%d POSTs, want 2 (the stale claim's, unrecorded, and the fresh one's)", c)
		}
	})
}

// A replay queues the delivery again on its own row, from attempt 1 of a
// fresh job, and it is delivered again.
func TestReplayRequeuesTheRow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		s, _, n, rcv, id := setup(t, db)
		first := claim(t, s, "w")
		if err := n.Handle(context.Background(), first[0]); err != nil {
			t.Fatal(err)
		}
		if _, err := n.Replay(context.Background(), id); err != nil {
			t.Fatal(err)
		}
		if got, want := readJob(t, s, id), (jobRow{State: "pending", JobState: "available", Attempts: 1, Logged: 1}); got != want {
			t.Errorf("replayed delivery %+v, want %+v", got, want)
		}
		again := claim(t, s, "w")
		if len(again) != 1 || again[0].Attempt != 1 {
			t.Fatalf("claim after replay: %+v", again)
		}
		if err := n.Handle(context.Background(), again[0]); err != nil {
			t.Fatal(err)
		}
		if got, want := readJob(t, s, id), (jobRow{State: "delivered", Attempts: 2, JobAttempt: 1, Logged: 2}); got != want {
			t.Errorf("delivered again %+v, want %+v", got, want)
		}
		if c := rcv.count(id); c != 2 {
			t.Errorf("%d POSTs, want 2", c)
		}
	})
}

// A failed POST retries the delivery on its row, at the schedule's wait:
// the admin API's next_attempt_at reads it there.
func TestFailedDeliveryRetriesOnItsRow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		s, clock, n, _, id := setup(t, db)
		failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "down", http.StatusInternalServerError)
		}))
		defer failing.Close()
		if err := s.Write(context.Background(), func(tx *store.Tx) error {
			_, err := tx.Exec(`UPDATE deliveries SET url = $2 WHERE id = $1`, id, failing.URL)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		n.Enqueued = queue.NewHandoff[*core.Delivery](16) // forget the enqueued copy and its old URL
		jobs := claim(t, s, "w")
		if err := n.Handle(context.Background(), jobs[0]); err != nil {
			t.Fatal(err)
		}
		if got, want := readJob(t, s, id), (jobRow{State: "pending", JobState: "retryable", Attempts: 1, JobAttempt: 1, Logged: 1}); got != want {
			t.Errorf("after a 500: %+v, want %+v", got, want)
		}
		next, err := s.NextDeliveryAttempts(context.Background(), id, "msg_unknown")
		if want := clock.Now().Add(time.Minute).Truncate(time.Millisecond); err != nil || len(next) != 1 || !next[id].Equal(want) {
			t.Errorf("next attempts %v, %v; want %s at %v", next, err, id, want)
		}
		if again := claim(t, s, "w"); len(again) != 0 {
			t.Errorf("claimed before its retry is due: %+v", again)
		}
		clock.Add(time.Minute)
		if again := claim(t, s, "w"); len(again) != 1 || again[0].Attempt != 2 {
			t.Errorf("claim when due: %+v, want attempt 2", again)
		}
	})
}

// A delivery whose endpoint was deleted before it came up fails without a
// POST, its job ended: left pending, retention would never prune it.
func TestDeliveryToDeletedEndpointFails(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		clock := storetest.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		s := db.Open(t, store.Options{Now: clock.Now})
		ctx := context.Background()
		name := "gone"
		bot, err := s.NewBot(ctx, &core.BotChange{Name: &name}, "whsec_test")
		if err != nil {
			t.Fatal(err)
		}
		rcv, url := newReceiver(t)
		e := &core.WebhookEndpoint{ID: "we_1", BotID: bot.ID, URL: url, Events: []string{core.EventMessageSent}, Secret: notify.NewSecret()}
		if err := s.CreateEndpoint(ctx, e); err != nil {
			t.Fatal(err)
		}
		n := &notify.Notifier{Store: s, Client: http.DefaultClient, Timeout: 10 * time.Second,
			Schedule: queue.Schedule{Waits: []time.Duration{time.Minute}}, Enqueued: queue.NewHandoff[*core.Delivery](16)}
		d := &core.Delivery{BotID: bot.ID, Kind: core.DeliveryEndpoint, EndpointID: e.ID, URL: url, Body: []byte(`{"type":"message.sent"}`)}
		if err := s.Write(ctx, func(tx *store.Tx) error { return n.Enqueue(tx, d) }); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteEndpoint(ctx, bot.ID, e.ID); err != nil {
			t.Fatal(err)
		}
		jobs := claim(t, s, "w")
		if len(jobs) != 1 {
			t.Fatalf("claimed %d", len(jobs))
		}
		if err := n.Handle(ctx, jobs[0]); err != nil {
			t.Fatal(err)
		}
		if got, want := readJob(t, s, d.ID), (jobRow{State: "failed", JobState: "discarded", JobAttempt: 1}); got != want {
			t.Errorf("delivery %+v, want %+v", got, want)
		}
		if c := rcv.count(d.ID); c != 0 {
			t.Errorf("%d POSTs to a deleted endpoint", c)
		}
	})
}
