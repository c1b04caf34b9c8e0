package queue_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/queue"
	"github.com/botgate/botgate/internal/store"
	"github.com/botgate/botgate/internal/store/storetest"
)

func write(t *testing.T, s *store.Store, fn func(tx *store.Tx) error) {
	t.Helper()
	if err := s.Write(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

func claim(t *testing.T, s *store.Store, owner string, limit int) []queue.Job {
	t.Helper()
	var jobs []queue.Job
	write(t, s, func(tx *store.Tx) error {
		var err error
		jobs, err = queue.Claim(tx, "send", owner, time.Minute, limit)
		return err
	})
	return jobs
}

func TestLeasesRetriesAndRescue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		clk := storetest.NewClock(time.Unix(1_700_000_000, 0))
		s := db.Open(t, store.Options{Now: clk.Now})
		write(t, s, func(tx *store.Tx) error {
			for i := range 3 {
				if err := queue.Enqueue(tx, "send", fmt.Sprint("m", i), 5, clk.Now()); err != nil {
					return err
				}
			}
			err := queue.Enqueue(tx, "other", "x", 5, clk.Now())
			return err
		})
		a := claim(t, s, "worker-a", 2)
		if len(a) != 2 || a[0].Ref != "m0" || a[1].Ref != "m1" || a[0].Attempt != 1 {
			t.Fatalf("first claim = %+v", a)
		}
		b := claim(t, s, "worker-b", 10)
		if len(b) != 1 || b[0].Ref != "m2" {
			t.Fatalf("second claim = %+v; leased jobs and other kinds must not be claimed", b)
		}
		write(t, s, func(tx *store.Tx) error { return queue.Complete(tx, a[0]) })
		write(t, s, func(tx *store.Tx) error { return queue.Retry(tx, b[0], clk.Now().Add(30*time.Second), "timeout") })
		if got := claim(t, s, "worker-b", 10); len(got) != 0 {
			t.Fatalf("claimed %+v before the retry time", got)
		}
		// worker-a dies holding m1; after its lease ends m1 is claimable again,
		// and m2 is due for its retry.
		clk.Add(61 * time.Second)
		c := claim(t, s, "worker-c", 10)
		slices.SortFunc(c, func(x, y queue.Job) int { return strings.Compare(x.Ref, y.Ref) })
		if len(c) != 2 || c[0].Ref != "m1" || c[0].Attempt != 2 || c[1].Ref != "m2" || c[1].Attempt != 2 {
			t.Fatalf("rescue claim = %+v", c)
		}
		// The dead worker's late completion must not touch the job it lost.
		err := s.Write(context.Background(), func(tx *store.Tx) error { return queue.Complete(tx, a[1]) })
		if err != queue.ErrLeaseLost {
			t.Fatalf("stale completion: %v, want ErrLeaseLost", err)
		}
		write(t, s, func(tx *store.Tx) error { return queue.Discard(tx, c[0], "gave up") })
		write(t, s, func(tx *store.Tx) error { return queue.Retry(tx, c[1], clk.Now(), "again") })
		clk.Add(time.Hour)
		if got := claim(t, s, "worker-c", 10); len(got) != 1 || got[0].Ref != "m2" {
			t.Fatalf("after discard = %+v; a discarded job must never run again", got)
		}
	})
}

func TestRunnerRunsEveryJobOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		s := db.Open(t, store.Options{})
		const n = 300
		write(t, s, func(tx *store.Tx) error {
			for i := range n {
				if err := queue.Enqueue(tx, "send", fmt.Sprint(i), 3, tx.Now()); err != nil {
					return err
				}
			}
			return nil
		})
		var mu sync.Mutex
		seen := map[string]int{}
		var done atomic.Int64
		finished := make(chan struct{})
		handler := func(ctx context.Context, j queue.Job) error {
			mu.Lock()
			seen[j.Ref]++
			mu.Unlock()
			err := s.Write(ctx, func(tx *store.Tx) error { return queue.Complete(tx, j) })
			if done.Add(1) == n {
				close(finished)
			}
			return err
		}
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		// Two runners share the table as two processes would.
		for _, owner := range []string{"p1", "p2"} {
			r := &queue.Runner{Store: s, Kind: "send", Handler: handler, Owner: owner, Concurrency: 8, Poll: 10 * time.Millisecond}
			wg.Add(1)
			go func() { defer wg.Done(); r.Run(ctx) }()
		}
		select {
		case <-finished:
		case <-time.After(30 * time.Second):
			t.Fatalf("only %d of %d jobs ran", done.Load(), n)
		}
		cancel()
		wg.Wait()
		for i := range n {
			if seen[fmt.Sprint(i)] != 1 {
				t.Fatalf("job %d ran %d times", i, seen[fmt.Sprint(i)])
			}
		}
	})
}

// Two processes on one PostgreSQL database claim disjoint jobs.
func TestPostgresProcessesClaimDisjointJobs(t *testing.T) {
	db := storetest.New(t, "postgres")
	s1 := db.Open(t, store.Options{})
	s2 := db.Open(t, store.Options{})
	const n = 400
	write(t, s1, func(tx *store.Tx) error {
		for i := range n {
			if err := queue.Enqueue(tx, "send", fmt.Sprint(i), 3, tx.Now()); err != nil {
				return err
			}
		}
		return nil
	})
	var mu sync.Mutex
	owner := map[string]string{}
	var wg sync.WaitGroup
	for p, s := range map[string]*store.Store{"p1": s1, "p2": s2} {
		for w := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					var jobs []queue.Job
					err := s.Write(context.Background(), func(tx *store.Tx) error {
						var err error
						jobs, err = queue.Claim(tx, "send", fmt.Sprint(p, w), time.Minute, 7)
						return err
					})
					if err != nil {
						t.Error(err)
						return
					}
					if len(jobs) == 0 {
						return
					}
					mu.Lock()
					for _, j := range jobs {
						if prev, dup := owner[j.Ref]; dup {
							t.Errorf("job %s claimed by %s and %s", j.Ref, prev, j.Owner)
						}
						owner[j.Ref] = j.Owner
					}
					mu.Unlock()
				}
			}()
		}
	}
	wg.Wait()
	if len(owner) != n {
		t.Fatalf("%d of %d jobs claimed", len(owner), n)
	}
}

func TestBackoffGrowsAndStaysBounded(t *testing.T) {
	b := queue.Backoff{Base: time.Second, Max: time.Minute}
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 32 * time.Second, time.Minute, time.Minute}
	for i, w := range want {
		if got := b.Delay(i + 1); got != w {
			t.Errorf("Delay(%d) = %v, want %v", i+1, got, w)
		}
	}
	j := queue.Backoff{Base: 10 * time.Second, Max: time.Minute, Jitter: 0.2}
	for range 100 {
		if d := j.Delay(1); d < 8*time.Second || d > 12*time.Second {
			t.Fatalf("jittered delay %v outside ±20%% of 10s", d)
		}
	}
	s := queue.Schedule{Waits: []time.Duration{time.Second, time.Minute}}
	if s.Delay(1) != time.Second || s.Delay(2) != time.Minute || s.Delay(9) != time.Minute {
		t.Fatalf("schedule delays %v %v %v", s.Delay(1), s.Delay(2), s.Delay(9))
	}
}

// TestRunnerRunsOfferedJobsWithoutClaiming: a send claimed for this
// process as it was accepted (Reserve, NewClaimedJob, Offer) runs as
// claimed — the same token and attempt, so its handler's completion holds —
// while sends queued for anyone are claimed as before; places are bounded by
// the runner's concurrency and given back by Release, and none is given once
// Run has returned.
func TestRunnerRunsOfferedJobsWithoutClaiming(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		s := db.Open(t, store.Options{})
		ran := make(chan queue.Job, 4)
		handler := func(ctx context.Context, j queue.Job) error {
			ran <- j
			return s.Write(ctx, func(tx *store.Tx) error { return queue.Complete(tx, j) })
		}
		r := &queue.Runner{Store: s, Kind: "send", Table: queue.Messages, Handler: handler, Owner: "p1", Concurrency: 2, Poll: 10 * time.Millisecond}
		if !r.Reserve() || !r.Reserve() {
			t.Fatal("a runner of two workers refused its first two places")
		}
		if r.Reserve() {
			t.Fatal("a third place was given to a runner of two workers")
		}
		r.Release()
		var offered queue.Job
		write(t, s, func(tx *store.Tx) error {
			var cols []store.Column
			offered, cols = queue.Messages.NewClaimedJob("msg_local", 3, "p1", tx.Now(), time.Minute)
			if err := insertMessage(tx, "msg_local", cols); err != nil {
				return err
			}
			return insertMessage(tx, "msg_anyone", queue.Messages.NewJob(3, tx.Now()))
		})
		r.Offer(offered)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); r.Run(ctx) }()
		got := map[string]queue.Job{}
		for range 2 {
			select {
			case j := <-ran:
				got[j.Ref] = j
			case <-time.After(30 * time.Second):
				t.Fatalf("ran %v, want both jobs", got)
			}
		}
		if j := got["msg_local"]; j.Owner != offered.Owner || j.Attempt != 1 {
			t.Fatalf("offered job ran as %+v, want %+v", j, offered)
		}
		if j := got["msg_anyone"]; j.Owner == offered.Owner || !strings.HasPrefix(j.Owner, "p1#") || j.Attempt != 1 {
			t.Fatalf("queued job ran as %+v: it should have been claimed on its own", j)
		}
		waitNoJobs(t, s)
		cancel()
		<-done
		if r.Reserve() {
			t.Fatal("a place was given after Run returned")
		}
	})
}

// waitNoJobs waits until every send job has completed.
func waitNoJobs(t *testing.T, s *store.Store) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var n int
		if err := s.ReadRow(context.Background(), `SELECT COUNT(*) FROM messages WHERE job_state <> ''`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d jobs left", n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestRunnerGivesBackOfferedJobs: jobs offered to a runner that stops
// before starting them go back to the queue, claimable at once by the next
// process instead of when their leases end, with no attempt used.
func TestRunnerGivesBackOfferedJobs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		s := db.Open(t, store.Options{})
		r := &queue.Runner{Store: s, Kind: "send", Table: queue.Messages, Owner: "p1", Concurrency: 2,
			Handler: func(context.Context, queue.Job) error { t.Error("a job ran after Run's context ended"); return nil }}
		if !r.Reserve() {
			t.Fatal("no place")
		}
		var offered queue.Job
		write(t, s, func(tx *store.Tx) error {
			var cols []store.Column
			offered, cols = queue.Messages.NewClaimedJob("msg_local", 3, "p1", tx.Now(), time.Minute)
			return insertMessage(tx, "msg_local", cols)
		})
		r.Offer(offered)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		r.Run(ctx)
		jobs := claimSends(t, s, "p2", time.Minute)
		if len(jobs) != 1 || jobs[0].Ref != "msg_local" || jobs[0].Attempt != 1 {
			t.Fatalf("after the runner stopped, the next process claimed %+v; want the offered job, attempt 1", jobs)
		}
	})
}
