package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/server"
	"github.com/botgate/botgate/internal/store/storetest"
)

// Accepting a message writes no jobs row: the message is its own send job.
// An async one waits on its row for a worker, and the admin API shows its
// next attempt from there; a sync one is claimed as it is inserted and
// ends its job in the UPDATE that marks it sent.
func TestAcceptWritesNoJobsRow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := harness.Start(t, db, harness.Options{Config: func(c *server.Config) {
			c.SendWorkers = 0 // the async message stays queued
			c.SendAttempts = 7
		}})
		send := func(id string, sync bool) string {
			t.Helper()
			body, _ := json.Marshal(map[string]any{"request": map[string]any{"method": "send_message", "id": id, "sync": sync},
				"recipient": map[string]any{"id": harness.User}, "messaging_type": "RESPONSE", "message": map[string]any{"text": "Hi"}})
			status, out := env.Bothub(string(body))
			if status != http.StatusOK {
				t.Fatalf("%s: %d %s", id, status, out)
			}
			var list struct{ Messages []struct{ ID string } }
			env.Admin(http.MethodGet, "/admin/v1/messages?request_id="+id, nil, http.StatusOK, &list)
			if len(list.Messages) != 1 {
				t.Fatalf("%s: %d messages", id, len(list.Messages))
			}
			return list.Messages[0].ID
		}
		async := send("async-1", false)
		sync := send("sync-1", true)

		type row struct {
			Status, JobState, Owner string
			Attempt, Max            int
		}
		read := func(id string) row {
			t.Helper()
			var r row
			err := env.Server.Store.ReadRow(context.Background(), `SELECT status, job_state, lease_owner, job_attempt, max_attempts FROM messages WHERE id = $1`,
				id).Scan(&r.Status, &r.JobState, &r.Owner, &r.Attempt, &r.Max)
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		if got, want := read(async), (row{"accepted", "available", "", 0, 7}); got != want {
			t.Errorf("async message: %+v, want %+v", got, want)
		}
		if got, want := read(sync), (row{"sent", "", "", 1, 7}); got != want {
			t.Errorf("sync message: %+v, want %+v", got, want)
		}
		var jobs int
		if err := env.Server.Store.ReadRow(context.Background(), `SELECT COUNT(*) FROM jobs WHERE kind = 'send'`).Scan(&jobs); err != nil || jobs != 0 {
			t.Errorf("send jobs in jobs: %d, %v; want 0", jobs, err)
		}
		var detail struct {
			NextAttemptAt *time.Time `json:"next_attempt_at"`
		}
		env.Admin(http.MethodGet, "/admin/v1/messages/"+async, nil, http.StatusOK, &detail)
		if detail.NextAttemptAt == nil {
			t.Errorf("the queued message shows no next attempt")
		}
		detail.NextAttemptAt = nil
		env.Admin(http.MethodGet, "/admin/v1/messages/"+sync, nil, http.StatusOK, &detail)
		if detail.NextAttemptAt != nil {
			t.Errorf("the sent message shows a next attempt: %v", detail.NextAttemptAt)
		}
	})
}

// An async message accepted while this process's send workers have room is
// claimed for the process in its accept transaction and handed to them;
// once they have none, the next waits for any process to claim it. With one
// worker held by a slow Graph, three accepts leave two messages claimed by
// this process (the one being sent, and one claimed at accept, waiting for
// the worker: a worker that claimed for itself would hold one) and one
// queued; all three are then sent, once each.
func TestAsyncAcceptClaimsWhileWorkersHaveRoom(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := harness.Start(t, db, harness.Options{Config: func(c *server.Config) { c.SendWorkers = 1 }})
		env.Fake.SetLatency(3 * time.Second) // the states are checked while the first send waits
		for _, id := range []string{"a1", "a2", "a3"} {
			body, _ := json.Marshal(map[string]any{"request": map[string]any{"method": "send_message", "id": id, "sync": false},
				"recipient": map[string]any{"id": harness.User}, "messaging_type": "RESPONSE", "message": map[string]any{"text": id}})
			if status, out := env.Bothub(string(body)); status != http.StatusOK {
				t.Fatalf("%s: %d %s", id, status, out)
			}
			if id == "a1" {
				// The worker has a1 (its place among those claimed at
				// accept is free again) once a1 is at Graph. On a busy
				// machine a2 could otherwise be accepted before the worker
				// took a1, find no place, and be queued: right, but not
				// what this test is about.
				harness.WaitFor(t, "a1 at Graph", 10*time.Second, func() bool { return env.Fake.InFlight() == 1 })
			}
		}
		states := func() map[string]int {
			rows, err := env.Server.Store.Read(context.Background(), `SELECT job_state, lease_owner FROM messages`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			out := map[string]int{}
			owners := map[string]bool{}
			for rows.Next() {
				var state, owner string
				if err := rows.Scan(&state, &owner); err != nil {
					t.Fatal(err)
				}
				out[state]++
				if owner != "" {
					owners[strings.SplitN(owner, "#", 2)[0]] = true
				}
			}
			out["owners"] = len(owners)
			return out
		}
		var got map[string]int
		deadline := time.Now().Add(5 * time.Second)
		for got = states(); !(got["running"] == 2 && got["available"] == 1 && got["owners"] == 1); got = states() {
			if time.Now().After(deadline) {
				t.Fatalf("job states %v; want two claimed by this process (running), one queued (available)", got)
			}
			time.Sleep(10 * time.Millisecond)
		}
		harness.WaitFor(t, "all three sent", 30*time.Second, func() bool {
			got = states()
			return got[""] == 3
		})
		sent := map[string]int{}
		for _, s := range env.Fake.Sends() {
			msg, _ := s.Parsed["message"].(map[string]any)
			text, _ := msg["text"].(string)
			sent[text]++
		}
		if sent["a1"] != 1 || sent["a2"] != 1 || sent["a3"] != 1 {
			t.Fatalf("Graph received %v, want each message once", sent)
		}
	})
}
