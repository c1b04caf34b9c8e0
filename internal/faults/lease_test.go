package faults

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/dispatch"
	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/queue"
	"github.com/botgate/botgate/internal/server"
	"github.com/botgate/botgate/internal/store"
	"github.com/botgate/botgate/internal/store/storetest"
)

// A worker held up past its lease (here: its profile fetch outlasts a short
// lease, as a paused process or a stalled database would) must not send
// once another worker has claimed the job: the stale claim checks the time
// its lease surely holds before calling Graph, and leaves the job. Without
// that fence both claims send, and the message reaches the user twice.
func TestStaleClaimDoesNotSend(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := harness.Start(t, db, harness.Options{Config: func(c *server.Config) {
			c.SendWorkers = 0 // this test claims and runs the job itself
			c.GraphTimeout, c.JobLease = 3*time.Second, 10*time.Second
		}})
		status, body, err := sendText(env, "stale", "Hi {{first_name}}")
		if err != nil || status != http.StatusOK {
			t.Fatalf("accept: %d %s %v", status, body, err)
		}
		env.Fake.SetLatency(time.Second) // every Graph call, the profile fetch first

		claim := func(owner string, lease time.Duration) queue.Job {
			var jobs []queue.Job
			until := time.Now().Add(lease)
			harness.WaitFor(t, owner+" claims the send", 60*time.Second, func() bool {
				err := env.Server.Store.Write(context.Background(), func(tx *store.Tx) error {
					var err error
					jobs, err = queue.ClaimFrom(tx, queue.Messages, dispatch.JobKind, owner, lease, 1)
					return err
				})
				return err == nil && len(jobs) == 1
			})
			jobs[0].Until = until
			return jobs[0]
		}
		stale := claim("stale", 200*time.Millisecond)
		staleDone := make(chan error, 1)
		go func() { staleDone <- env.Server.Dispatch.Handle(context.Background(), stale) }()
		// The stale claim's lease ends while it waits on the profile; the job is
		// claimable again, and a second worker takes it and sends.
		fresh := claim("fresh", time.Minute)
		if fresh.Attempt != 2 {
			t.Fatalf("second claim is attempt %d, want 2", fresh.Attempt)
		}
		if err := env.Server.Dispatch.Handle(context.Background(), fresh); err != nil {
			t.Fatalf("fresh claim: %v", err)
		}
		if err := <-staleDone; err != nil {
			t.Logf("stale claim returned %v", err)
		}
		sends := 0
		for _, s := range env.Fake.Sends() {
			if s.Err == nil {
				sends++
			}
		}
		if sends != 1 {
			t.Errorf("Graph received %d sends of one request, want 1", sends)
		}
		cbs := env.Inbox.Wait(t, 1, 60*time.Second)
		time.Sleep(200 * time.Millisecond) // a second callback would be queued by now
		if n := len(env.Inbox.Received()); n != 1 {
			t.Errorf("%d callbacks, want 1: %s", n, cbs[0].Body)
		}
		t.Logf("%s: stale claim (attempt %d) fenced; fresh claim (attempt %d) sent once", db.Kind, stale.Attempt, fresh.Attempt)
	})
}

func sendText(env *harness.Env, id, text string) (int, []byte, error) {
	return post(env.Server.URL(), env.APIKey, map[string]any{
		"request":        map[string]any{"method": "send_message", "id": id, "sync": false},
		"recipient":      map[string]any{"id": harness.User},
		"messaging_type": "RESPONSE",
		"message":        map[string]any{"text": text},
	})
}
