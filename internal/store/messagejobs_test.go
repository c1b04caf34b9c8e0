package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/queue"
	"github.com/botgate/botgate/internal/store"
	"github.com/botgate/botgate/internal/store/storetest"
)

// Upgrading to 00026 moves every send job onto its message and out of jobs,
// so no message is lost or sent twice: a waiting one is claimable at once
// (its pacing turn kept), a running one keeps its lease, a dead one stays
// dead; a send job whose message is gone is set aside; other kinds' jobs
// stay. Downgrading moves them back.
func TestMessageJobsMigration(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := context.Background()
		s, exec := openAt(t, db, 25)
		now := time.Now().UnixMilli()
		lease := now + time.Hour.Milliseconds()
		for _, m := range []struct{ id, status string }{{"msg_a", "accepted"}, {"msg_b", "accepted"}, {"msg_c", "accepted"}, {"msg_d", "sent"}} {
			exec(`INSERT INTO messages (id, bot_id, request_id, channel, face, method, sync, status, request, created_at, updated_at)
				VALUES ($1, 'bot', $1, 'messenger', 'bothub', 'send_message', FALSE, $2, '{}', 1, 1)`, m.id, m.status)
		}
		job := `INSERT INTO jobs (kind, ref, state, attempt, max_attempts, run_at, lease_owner, last_error, hold, created_at, updated_at)
			VALUES ($1, $2, $3, $4, 10, $5, $6, $7, $8, 1, 1)`
		exec(job, "send", "msg_a", "available", 0, now-1000, "", "waiting for its turn", now*1000)
		exec(job, "send", "msg_b", "running", 3, lease, "old#1", "", 0)
		exec(job, "send", "msg_c", "discarded", 10, 1, "", "gave up", 0)
		exec(job, "send", "msg_gone", "available", 0, now, "", "", 0)
		exec(job, "inbound", "wh_1", "available", 0, now, "", "", 0)

		if err := s.MigrateTo(ctx, 26); err != nil {
			t.Fatal(err)
		}
		type row struct {
			ID, JobState, Owner, Error string
			Attempt, Max               int
			RunAt, Hold                int64
		}
		read := func() []row {
			rows, err := s.Read(ctx, `SELECT id, job_state, lease_owner, job_error, job_attempt, max_attempts, run_at, hold FROM messages ORDER BY id`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var out []row
			for rows.Next() {
				var r row
				if err := rows.Scan(&r.ID, &r.JobState, &r.Owner, &r.Error, &r.Attempt, &r.Max, &r.RunAt, &r.Hold); err != nil {
					t.Fatal(err)
				}
				out = append(out, r)
			}
			return out
		}
		want := []row{
			{"msg_a", "available", "", "waiting for its turn", 0, 10, now - 1000, now * 1000},
			{"msg_b", "running", "old#1", "", 3, 10, lease, 0},
			{"msg_c", "discarded", "", "gave up", 10, 10, 1, 0},
			{"msg_d", "", "", "", 0, 0, 0, 0},
		}
		if got := read(); !slices.Equal(got, want) {
			t.Errorf("messages after the upgrade:\n got %+v\nwant %+v", got, want)
		}
		jobs := func() []string {
			rows, err := s.Read(ctx, `SELECT kind, ref, state, last_error FROM jobs ORDER BY kind, ref`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var out []string
			for rows.Next() {
				var k, r, st, e string
				if err := rows.Scan(&k, &r, &st, &e); err != nil {
					t.Fatal(err)
				}
				out = append(out, fmt.Sprintf("%s %s %s %s", k, r, st, e))
			}
			return out
		}
		if got, want := jobs(), []string{"inbound wh_1 available ", "send msg_gone discarded message not found"}; !slices.Equal(got, want) {
			t.Errorf("jobs after the upgrade: %q, want %q", got, want)
		}
		// The waiting send is claimable, holding its turn; the running one
		// keeps its lease.
		var claimed []queue.Job
		err := s.Write(ctx, func(tx *store.Tx) error {
			var err error
			claimed, err = queue.ClaimFrom(tx, queue.Messages, "", "new", time.Minute, 10)
			return err
		})
		if err != nil || len(claimed) != 1 || claimed[0].Ref != "msg_a" || claimed[0].Attempt != 1 || claimed[0].MaxAttempts != 10 ||
			claimed[0].Hold.UnixMicro() != now*1000 {
			t.Fatalf("claim after the upgrade: %+v, %v; want msg_a, attempt 1 of 10, holding its turn", claimed, err)
		}
		st, err := queue.ReadStats(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(st.Kinds, func(k queue.KindStats) bool { return k.Kind == "send" })
		if i < 0 || st.Kinds[i] != (queue.KindStats{Kind: "send", Running: 2, Dead: 2}) {
			t.Errorf("queue stats %+v, want 2 running and 2 dead sends (one on its message, one set aside in jobs)", st.Kinds)
		}

		if err := s.MigrateDownTo(ctx, 25); err != nil {
			t.Fatal(err)
		}
		want2 := []string{"inbound wh_1 available ", "send msg_a running waiting for its turn", "send msg_b running ", "send msg_c discarded gave up",
			"send msg_gone discarded message not found"}
		if got := jobs(); !slices.Equal(got, want2) {
			t.Errorf("jobs after the downgrade: %q, want %q", got, want2)
		}
	})
}
