package broadcast_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/broadcast"
	"github.com/botgate/botgate/internal/fakegraph"
	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/store/storetest"
)

// startReal runs botgate on the real clock: the rate pace sleeps real time.
func startReal(t *testing.T, db storetest.DB) *env {
	e := &env{Env: harness.Start(t, db, harness.Options{})}
	e.reloadBot()
	return e
}

func (e *env) paced(n, base int, rate float64) *broadcast.Broadcast {
	e.T.Helper()
	var list []broadcast.ListEntry
	for _, psid := range psids(n, base) {
		e.Fake.AddUser(harness.Page, psid, fakegraph.Profile{FirstName: "U"})
		list = append(list, broadcast.ListEntry{PSID: psid})
	}
	b, err := e.svc().Create(e.T.Context(), e.bot, broadcast.Spec{Name: "paced", Channel: "messenger",
		Content:  broadcast.Content{Message: json.RawMessage(`{"text":"Sale"}`)},
		Audience: broadcast.Audience{List: list}, MessagingType: "MESSAGE_TAG", Tag: "ACCOUNT_UPDATE", RatePerSecond: rate})
	if err != nil {
		e.T.Fatal(err)
	}
	return b
}

func handedOver(b *broadcast.Broadcast) int64 {
	return b.Counts.Queued + b.Counts.Sent + b.Counts.Failed
}

// settled waits until a stopped broadcast hands nobody over for a second
// (bounded generously), and returns how many it had.
func (e *env) settled(id string) int64 {
	e.T.Helper()
	last := int64(-1)
	harness.WaitFor(e.T, "sends to stop", 15*time.Second, func() bool {
		n := handedOver(e.get(id))
		if n == last {
			return true
		}
		last = n
		time.Sleep(time.Second)
		return false
	})
	return last
}

// Pause stops a paced broadcast's sends; resume continues where it
// stopped; cancel stops another for good, skipping the rest as cancelled.
// Every recipient reaches Graph at most once throughout.
//
// A worker records a batch's outcomes when the batch ends, so the counts
// first move a second in (a batch is a second of the rate). The rates leave
// the pause five seconds and the cancel half a minute before everything is
// handed over: a busy CI machine once took over two seconds to cancel.
func TestPauseResumeCancel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		e := startReal(t, db)
		const n = 60
		b := e.paced(n, 0, 10)
		harness.WaitFor(t, "sends under way", wait, func() bool { return handedOver(e.get(b.ID)) > 0 })
		p, err := e.svc().Pause(t.Context(), e.BotID, b.ID)
		if err != nil || p.State != broadcast.StatePaused {
			t.Fatalf("pause: %+v %v", p, err)
		}
		stopped := e.settled(b.ID)
		if stopped >= n {
			t.Fatalf("paused, yet all %d were handed over", stopped)
		}
		if _, err := e.svc().Pause(t.Context(), e.BotID, b.ID); err == nil {
			t.Error("a paused broadcast paused again")
		}
		if r, err := e.svc().Resume(t.Context(), e.BotID, b.ID); err != nil || r.State != broadcast.StateRunning {
			t.Fatalf("resume: %+v %v", r, err)
		}
		done := e.waitState(b.ID, broadcast.StateCompleted)
		if handedOver(done) != n || done.Counts.Skipped != 0 {
			t.Errorf("resumed broadcast: %+v", done.Counts)
		}

		c := e.paced(n, 1000, 2)
		harness.WaitFor(t, "sends under way", wait, func() bool { return handedOver(e.get(c.ID)) > 0 })
		if r, err := e.svc().Cancel(t.Context(), e.BotID, c.ID); err != nil || r.State != broadcast.StateCancelled {
			t.Fatalf("cancel: %+v %v", r, err)
		}
		went := e.settled(c.ID)
		got := e.get(c.ID)
		if went >= n || went+got.Counts.Skipped != n || got.SkippedByReason[broadcast.ReasonCancelled] != got.Counts.Skipped || got.FinishedAt == nil {
			t.Errorf("cancelled: %d handed over, %+v %v", went, got.Counts, got.SkippedByReason)
		}
		if _, err := e.svc().Resume(t.Context(), e.BotID, c.ID); err == nil {
			t.Error("a cancelled broadcast resumed")
		}
		harness.WaitFor(t, "Graph to have every handed-over send", wait, func() bool {
			return int64(e.Fake.SendCount()) == n+went
		})
		for id, k := range sendsTo(e.Fake) {
			if k != 1 {
				t.Errorf("%s reached Graph %d times", id, k)
			}
		}
	})
}

// Two botgate instances on one PostgreSQL database work one broadcast
// together; every recipient reaches Graph exactly once.
func TestTwoInstancesShareABroadcast(t *testing.T) {
	db := storetest.New(t, "postgres")
	e := startReal(t, db)
	e.StartPeer()
	const n = 400
	b := e.paced(n, 5000, 0)
	done := e.waitState(b.ID, broadcast.StateCompleted)
	harness.WaitFor(t, "every send", wait, func() bool { return e.Fake.SendCount() >= n })
	sent := sendsTo(e.Fake)
	for _, psid := range psids(n, 5000) {
		if sent[psid] != 1 {
			t.Errorf("%s reached Graph %d times", psid, sent[psid])
		}
	}
	if done.Counts.Targeted != n || handedOver(done) != n {
		t.Errorf("counts: %+v", done.Counts)
	}
}
