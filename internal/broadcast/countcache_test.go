package broadcast

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/seal"
	"github.com/botgate/botgate/internal/store"
	"github.com/botgate/botgate/internal/store/storetest"
)

func TestCountKeep(t *testing.T) {
	for _, c := range []struct{ cost, keep time.Duration }{
		{time.Millisecond, 0}, {99 * time.Millisecond, 0}, {100 * time.Millisecond, 500 * time.Millisecond},
		{2 * time.Second, 10 * time.Second}, {10 * time.Second, 30 * time.Second},
	} {
		if got := countKeep(c.cost); got != c.keep {
			t.Errorf("counts that took %v are kept %v, want %v", c.cost, got, c.keep)
		}
	}
}

// countingEnv is a Service over a running broadcast bc_x of bot "bot",
// whose recipients a test adds with add (every third one queued with a
// read message, the rest scheduled).
type countingEnv struct {
	svc  *Service
	next int
}

func newCountingEnv(t testing.TB, db storetest.DB) *countingEnv {
	box, _ := seal.New(storetest.Key)
	st := db.Open(t, store.Options{Box: box})
	raw, err := storedSpec(Spec{Name: "x", Channel: "messenger"})
	if err != nil {
		t.Fatal(err)
	}
	e := &countingEnv{svc: &Service{Store: st}}
	e.exec(t, `INSERT INTO broadcasts (id, bot_id, name, channel, state, spec, created_at, updated_at, scheduled_at)
		VALUES ('bc_x', 'bot', 'x', 'messenger', 'running', $1, 1, 1, 1)`, raw)
	return e
}

func (e *countingEnv) exec(t testing.TB, q string, args ...any) {
	t.Helper()
	if err := e.svc.Store.Write(context.Background(), func(tx *store.Tx) error { _, err := tx.Exec(q, args...); return err }); err != nil {
		t.Fatal(err)
	}
}

// add stores n more recipients, a thousand to a statement.
func (e *countingEnv) add(t testing.TB, n int) {
	t.Helper()
	for end := e.next + n; e.next < end; {
		var rb, mb strings.Builder
		rb.WriteString(`INSERT INTO broadcast_recipients (broadcast_id, seq, recipient, way, state, scheduled_at, due_at, reason, message_id) VALUES `)
		mb.WriteString(`INSERT INTO messages (id, bot_id, request_id, channel, face, method, sync, status, request, created_at, updated_at) VALUES `)
		messages := 0
		for j := e.next; j < min(e.next+1000, end); j++ {
			if j > e.next {
				rb.WriteString(", ")
			}
			state, msg := "scheduled", ""
			if j%3 == 0 {
				state, msg = "queued", fmt.Sprintf("msg_%09d", j)
				if messages > 0 {
					mb.WriteString(", ")
				}
				messages++
				fmt.Fprintf(&mb, "('%s', 'bot', 'r%d', 'messenger', 'broadcast', 'send', FALSE, 'read', '{}', 1, 1)", msg, j)
			}
			fmt.Fprintf(&rb, "('bc_x', %d, 'r%d', 'psid', '%s', 1, 1, '', '%s')", j+1, j, state, msg)
		}
		e.exec(t, rb.String())
		if messages > 0 {
			e.exec(t, mb.String())
		}
		e.next = min(e.next+1000, end)
	}
}

func (e *countingEnv) get(t testing.TB) *Broadcast {
	t.Helper()
	b, err := e.svc.Get(context.Background(), "bot", "bc_x")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Counts that were dear to make are kept and shared; a change through the
// service shows at once; cheap counts are always live.
func TestDearCountsAreShared(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		e := newCountingEnv(t, db)
		e.add(t, 30)
		if b := e.get(t); b.Counts.Targeted != 30 || b.Counts.Read != 10 || b.Counts.Scheduled != 20 {
			t.Fatalf("counts: %+v", b.Counts)
		}
		e.add(t, 3)
		if b := e.get(t); b.Counts.Targeted != 33 {
			t.Fatalf("cheap counts were kept: %+v", b.Counts)
		}

		e.svc.keepCounts = func(time.Duration) time.Duration { return time.Hour } // every count is dear
		kept := e.get(t)
		e.add(t, 3)
		b := e.get(t)
		if b.Counts != kept.Counts {
			t.Fatalf("kept counts %+v, then %+v", kept.Counts, b.Counts)
		}
		// Completed by the runner (in this process or another, which
		// forgets nothing here): counts kept while it ran do not stand.
		e.exec(t, `UPDATE broadcasts SET state = 'completed' WHERE id = 'bc_x'`)
		if b := e.get(t); b.State != StateCompleted || b.Counts.Targeted != 36 {
			t.Fatalf("after completing: %s %+v, want the counts made since", b.State, b.Counts)
		}
		e.exec(t, `UPDATE broadcasts SET state = 'running' WHERE id = 'bc_x'`)
		b.SkippedByReason["mine"] = 1 // a caller's map is its own
		if _, err := e.svc.Cancel(context.Background(), "bot", "bc_x"); err != nil {
			t.Fatal(err)
		}
		b = e.get(t)
		if b.Counts.Targeted != 36 || b.Counts.Skipped != 24 || b.SkippedByReason[ReasonCancelled] != 24 || b.SkippedByReason["mine"] != 0 || b.State != StateCancelled {
			t.Fatalf("after the cancel: %s %+v %v", b.State, b.Counts, b.SkippedByReason)
		}
	})
}

// TestCountsAtAMillion logs what one count of a broadcast of a million
// recipients takes, and a kept one (BOTGATE_BROADCAST_COUNTS=1; a minute
// per database to load).
func TestCountsAtAMillion(t *testing.T) {
	if os.Getenv("BOTGATE_BROADCAST_COUNTS") != "1" {
		t.Skip("set BOTGATE_BROADCAST_COUNTS=1 to time the counts of a million recipients")
	}
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		e := newCountingEnv(t, db)
		e.add(t, 1_000_000)
		if db.Kind == "postgres" {
			e.exec(t, `ANALYZE`)
		}
		for i := range 3 {
			start := time.Now()
			b := e.get(t)
			t.Logf("%s: Get %d took %v (%+v)", db.Kind, i+1, time.Since(start), b.Counts)
		}
	})
}
