package admin_test

import (
	"testing"
	"time"

	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/queue"
	"github.com/botgate/botgate/internal/retention"
	"github.com/botgate/botgate/internal/server"
	"github.com/botgate/botgate/internal/store/storetest"
)

// A message the retention pass forgot answers 404 like any unknown message,
// and so does its callback's delivery; the list no longer shows it.
func TestPrunedMessageIsNotFound(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		t0 := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
		clk := storetest.NewClock(t0)
		// The server's own pruner keeps messages forever: once the clock
		// jumps, its hourly pass comes due and would race this test's.
		env := harness.Start(t, db, harness.Options{Config: func(c *server.Config) { c.Now, c.Retention = clk.Now, 0 }})
		c := newClient(t, env)
		status, body := env.Bothub(`{"request":{"method":"send_message","id":"old","sync":false},"recipient":{"id":"524807506000000"},
			"messaging_type":"RESPONSE","message":{"text":"Your order shipped"}}`)
		if status != 200 {
			t.Fatalf("async send: %d %s", status, body)
		}
		deliveryID := env.Inbox.Wait(t, 1, 10*time.Second)[0].Header.Get("webhook-id")
		id := messageByRequest(c, env.BotID, "old")
		harness.WaitFor(t, "the callback recorded as delivered", 5*time.Second, func() bool {
			d, err := env.Server.Store.GetDelivery(t.Context(), deliveryID)
			return err == nil && d.State == "delivered"
		})

		clk.Set(t0.Add(31 * 24 * time.Hour))
		got, err := (&retention.Pruner{Store: env.Server.Store, Keep: 30 * 24 * time.Hour}).Pass(t.Context(), queue.Job{})
		if err != nil {
			t.Fatal(err)
		}
		// Whatever else the harness sent goes too; ours at least.
		if got.Messages < 1 {
			t.Fatalf("pass = %+v, want the message pruned", got)
		}
		c.wantError("GET", "/admin/v1/messages/"+id, "", 404, "not_found", "no such message", "")
		c.wantError("GET", "/admin/v1/deliveries/"+deliveryID, "", 404, "not_found", "no such delivery", "")
		if got := c.want("GET", "/admin/v1/messages?bot_id="+env.BotID+"&request_id=old", "", 200); got != `{"messages":[]}` {
			t.Errorf("list after pruning: %s", got)
		}
	})
}
