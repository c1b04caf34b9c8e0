package faults

import (
	"net/http"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/server"
	"github.com/botgate/botgate/internal/store/storetest"
)

// The merchant's callback endpoint hangs (connections open, nothing
// answers), then recovers. Meanwhile sends are not held up: every async
// request accepted during the hang reaches Graph while the endpoint still
// hangs, and sync requests answer 200. Callbacks time out, back off, and
// all arrive, once each, after the endpoint recovers.
func TestMerchantHangDelaysOnlyCallbacks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := harness.Start(t, db, harness.Options{Config: func(c *server.Config) {
			c.CallbackTimeout, c.GraphTimeout, c.JobLease, c.DeliveryWorkers = 300*time.Millisecond, time.Second, 12*time.Second, 4
			// Long enough to outlast the hang: 8 POSTs over about 12 s.
			c.CallbackSchedule = []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond,
				800 * time.Millisecond, 1600 * time.Millisecond, 3 * time.Second, 3 * time.Second, 3 * time.Second}
		}})
		px, url := proxyURL(t, env.Inbox.URL)
		env.Admin(http.MethodPatch, "/admin/v1/bots/"+env.BotID, map[string]any{"callback_url": url}, http.StatusOK, nil)
		px.add("hang", "timeout", "upstream", map[string]int64{"timeout": 0})

		l := &ids{prefix: "m"}
		refused := map[int]int{}
		stop := steadyLoad(t, env.Server.URL(), env.APIKey, l, 50*time.Millisecond, refused)
		time.Sleep(time.Second)
		// Four delivery workers are all stuck on the merchant now; sends go on.
		syncOK := 0
		for i := range 3 {
			status, body, err := send(env.Server.URL(), env.APIKey, "sync-"+string(rune('0'+i)), true)
			if err != nil || status != http.StatusOK {
				t.Errorf("sync send during the hang: %d %s %v", status, body, err)
				continue
			}
			syncOK++
		}
		stop()
		accepted := l.list()
		if len(accepted) < 10 {
			t.Fatalf("only %d async requests accepted (refused: %s)", len(accepted), fmtCounts(refused))
		}
		harness.WaitFor(t, "every accepted request sent while the merchant hangs", 60*time.Second, func() bool {
			sent := sentByID(env.Fake)
			for _, id := range accepted {
				if len(sent[id]) == 0 {
					return false
				}
			}
			return true
		})
		if got := len(env.Inbox.Received()); got != 0 {
			t.Fatalf("%d callbacks got through a hung endpoint", got)
		}
		px.remove("hang")
		// A POST the hang swallowed reaches the merchant late, when the proxy
		// lets it through, beside botgate's retry of it: the same delivery
		// (one webhook-id) twice, which the merchant dedupes.
		dups, repeated := accountForRepeats(t, env.Fake, env.Inbox, accepted, true)
		if dups != 0 {
			t.Errorf("%d requests reached Graph twice; the merchant's hang must not repeat sends", dups)
		}
		t.Logf("%s: %d async accepted (refused: %s) and sent while the merchant hung, %d of 3 sync sends answered 200; all callbacks arrived after it recovered (%d repeated as the same delivery)",
			db.Kind, len(accepted), fmtCounts(refused), syncOK, repeated)
	})
}
