package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/notify"
	"github.com/botgate/botgate/internal/queue"
	"github.com/botgate/botgate/internal/store"
	"github.com/botgate/botgate/internal/store/storetest"
)

// Upgrading to 00025 moves every deliver job onto its delivery and out of
// jobs, so no delivery is lost or sent twice: a waiting one is claimable at
// once, a running one keeps its lease, a dead one stays dead; other kinds'
// jobs stay. Downgrading moves them back.
func TestDeliveryJobsMigration(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := context.Background()
		s, exec := openAt(t, db, 21)
		now := time.Now().UnixMilli()
		lease := now + time.Hour.Milliseconds()
		for _, d := range []struct{ id, state string }{{"msg_a", "pending"}, {"msg_b", "pending"}, {"msg_c", "failed"}, {"msg_d", "delivered"}} {
			exec(`INSERT INTO deliveries (id, bot_id, kind, url, body, state, created_at, updated_at) VALUES ($1, 'bot', 'callback', 'http://x', '{}', $2, 1, 1)`,
				d.id, d.state)
		}
		job := `INSERT INTO jobs (kind, ref, state, attempt, max_attempts, run_at, lease_owner, last_error, created_at, updated_at)
			VALUES ($1, $2, $3, $4, 8, $5, $6, $7, 1, 1)`
		exec(job, "deliver", "msg_a", "retryable", 1, now-1000, "", "HTTP 500")
		exec(job, "deliver", "msg_b", "running", 3, lease, "old#1", "")
		exec(job, "deliver", "msg_c", "discarded", 8, 1, "", "gave up")
		exec(job, "send", "msg_s", "available", 0, now, "", "")

		if err := s.MigrateTo(ctx, 25); err != nil {
			t.Fatal(err)
		}
		type row struct {
			ID, JobState, Owner, Error string
			Attempt, Max               int
			RunAt                      int64
		}
		read := func() []row {
			rows, err := s.Read(ctx, `SELECT id, job_state, lease_owner, job_error, job_attempt, max_attempts, run_at FROM deliveries ORDER BY id`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var out []row
			for rows.Next() {
				var r row
				if err := rows.Scan(&r.ID, &r.JobState, &r.Owner, &r.Error, &r.Attempt, &r.Max, &r.RunAt); err != nil {
					t.Fatal(err)
				}
				out = append(out, r)
			}
			return out
		}
		want := []row{
			{"msg_a", "retryable", "", "HTTP 500", 1, 8, now - 1000},
			{"msg_b", "running", "old#1", "", 3, 8, lease},
			{"msg_c", "discarded", "", "gave up", 8, 8, 1},
			{"msg_d", "", "", "", 0, 0, 0},
		}
		if got := read(); !slices.Equal(got, want) {
			t.Errorf("deliveries after the upgrade:\n got %+v\nwant %+v", got, want)
		}
		jobs := func() []string {
			rows, err := s.Read(ctx, `SELECT kind, ref, state FROM jobs ORDER BY kind, ref`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var out []string
			for rows.Next() {
				var k, r, st string
				if err := rows.Scan(&k, &r, &st); err != nil {
					t.Fatal(err)
				}
				out = append(out, fmt.Sprintf("%s %s %s", k, r, st))
			}
			return out
		}
		if got := jobs(); !slices.Equal(got, []string{"send msg_s available"}) {
			t.Errorf("jobs after the upgrade: %v, want only the send", got)
		}
		// The waiting delivery is claimable; the running one keeps its lease.
		var claimed []queue.Job
		err := s.Write(ctx, func(tx *store.Tx) error {
			var err error
			claimed, err = queue.ClaimFrom(tx, notify.Jobs, "", "new", time.Minute, 10)
			return err
		})
		if err != nil || len(claimed) != 1 || claimed[0].Ref != "msg_a" || claimed[0].Attempt != 2 || claimed[0].MaxAttempts != 8 {
			t.Fatalf("claim after the upgrade: %+v, %v; want msg_a, attempt 2 of 8", claimed, err)
		}
		// The queue's statistics read the messages' send jobs too (00026);
		// the orphan send job is set aside there.
		if err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		st, err := queue.ReadStats(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(st.Kinds, func(k queue.KindStats) bool { return k.Kind == notify.JobKind })
		if i < 0 || st.Kinds[i] != (queue.KindStats{Kind: notify.JobKind, Running: 2, Dead: 1}) {
			t.Errorf("queue stats %+v, want 2 running and 1 dead deliver", st.Kinds)
		}

		if err := s.MigrateDownTo(ctx, 21); err != nil {
			t.Fatal(err)
		}
		if got, want := jobs(), []string{"deliver msg_a running", "deliver msg_b running", "deliver msg_c discarded", "send msg_s discarded"}; !slices.Equal(got, want) {
			t.Errorf("jobs after the downgrade: %v, want %v", got, want)
		}
	})
}
