package broadcast_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/broadcast"
	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/store/storetest"
)

// A 09:00-local broadcast reaches users at UTC+8, UTC−5, UTC+5:45 and
// UTC+14 at their own 09:00 and not a minute before, on the store's clock.
func TestLocalNineInEveryZone(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		t0 := time.Date(2026, 12, 23, 12, 0, 0, 0, time.UTC)
		e := start(t, db, t0, harness.Options{})
		zones := []struct {
			psid string
			tz   float64
			at   time.Time
		}{
			{"700000000000014", 14, time.Date(2026, 12, 23, 19, 0, 0, 0, time.UTC)},
			{"700000000000008", 8, time.Date(2026, 12, 24, 1, 0, 0, 0, time.UTC)},
			{"700000000000545", 5.75, time.Date(2026, 12, 24, 3, 15, 0, 0, time.UTC)},
			{"700000000000005", -5, time.Date(2026, 12, 24, 14, 0, 0, 0, time.UTC)},
		}
		var list []broadcast.ListEntry
		for _, z := range zones {
			e.user(z.psid, z.tz, time.Time{})
			list = append(list, broadcast.ListEntry{PSID: z.psid})
		}
		b, err := e.svc().Create(context.Background(), e.bot, broadcast.Spec{Name: "Christmas Eve", Channel: "messenger",
			Content:  broadcast.Content{Message: json.RawMessage(`{"text":"Doors open at 09:00"}`)},
			Audience: broadcast.Audience{List: list}, MessagingType: "MESSAGE_TAG", Tag: "ACCOUNT_UPDATE",
			Schedule: broadcast.Schedule{LocalTime: "09:00", Date: "2026-12-24", DefaultTimezone: "UTC"}})
		if err != nil {
			t.Fatal(err)
		}
		harness.WaitFor(t, "the audience expanded", wait, func() bool { return len(e.get(b.ID).Hours) == 4 })
		got := e.get(b.ID)
		for i, h := range got.Hours {
			if want := zones[i].at.Truncate(time.Hour); !h.Hour.Equal(want) || h.Recipients != 1 {
				t.Errorf("hour %d: %v %d, want %v 1", i, h.Hour, h.Recipients, want)
			}
		}
		if got.State != broadcast.StateScheduled || got.Counts.Targeted != 4 || got.Counts.Scheduled != 4 {
			t.Fatalf("before anyone's 09:00: %+v", got)
		}
		for i, z := range zones {
			// A minute before: the runner looks (it polls each second) and sends nothing.
			e.clk.Set(z.at.Add(-time.Minute))
			time.Sleep(1500 * time.Millisecond)
			if n := e.Fake.SendCount(); n != i {
				t.Fatalf("at %v, a minute before UTC%+v's 09:00: %d sends, want %d", e.clk.Now(), z.tz, n, i)
			}
			e.clk.Set(z.at)
			harness.WaitFor(t, "the send at 09:00 UTC"+z.psid, wait, func() bool { return e.Fake.SendCount() == i+1 })
			if s := e.Fake.Sends()[i]; s.Recipient["id"] != z.psid {
				t.Fatalf("send %d went to %v, want %s", i, s.Recipient, z.psid)
			}
			// The send's outcome commits before the clock jumps hours ahead,
			// past its job's lease.
			harness.WaitFor(t, "the send recorded", wait, func() bool { return e.get(b.ID).Counts.Sent == int64(i+1) })
		}
		done := e.waitState(b.ID, broadcast.StateCompleted)
		if done.Counts.Targeted != 4 || done.Counts.Sent != 4 || done.Counts.Scheduled != 0 || done.StartedAt == nil || done.FinishedAt == nil {
			t.Errorf("completed: %+v", done)
		}
	})
}
