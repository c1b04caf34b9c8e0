package console_test

import (
	"context"
	"html"
	"net/http"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/store"
	"github.com/botgate/botgate/internal/store/storetest"
)

// The overview shows a WhatsApp number's pace beside its tier, and it and
// the bot's page read the tier without writing (or locking the number its
// sends contend for): an upgrade earned shows, and stays unsaved until the
// admin API's tier read (a write) applies it.
func TestOverviewWhatsApp(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		e := harness.Start(t, db, harness.Options{})
		ctx := context.Background()
		admin := signInAs(t, e, "ada", core.RoleAdmin)
		e.AttachWhatsApp(map[string]any{"requests_per_second": 4, "burst": 8, "new_users_per_second": 2,
			"tiers": []int{1, 10}, "upgrade_multiple": 1, "upgrade_window_days": 7})
		if status, body := e.WhatsApp(`{"id":"wa-1","to":"447700900123","timestamp":"1700000000","source":"botchat","type":"text","text":{"body":"Hi"}}`); status != http.StatusOK {
			t.Fatalf("WhatsApp send: %d %s", status, body)
		}
		harness.WaitFor(t, "the WhatsApp message sent", 5*time.Second, func() bool {
			p, err := e.Server.Store.MessagePage(ctx, store.MessageFilter{RequestID: "wa-1", Status: core.StatusSent})
			return err == nil && len(p.Messages) == 1
		})
		row := func() (tier int, checked int64) {
			if err := e.Server.Store.ReadRow(ctx, `SELECT tier, upgrade_checked_at FROM whatsapp_numbers WHERE bot_id = $1`, e.BotID).
				Scan(&tier, &checked); err != nil {
				t.Fatal(err)
			}
			return tier, checked
		}
		tier, checked := row()
		if tier != 1 {
			t.Fatalf("stored tier %d before any tier read, want 1", tier)
		}
		page := html.UnescapeString(admin.get("/console/?bot="+e.BotID, http.StatusOK))
		mustContain(t, page, "overview", "<dt>Tier</dt><dd>2 · 10 users a day</dd>", "<dt>Reached (24 h)</dt><dd>1</dd>",
			`<dd class="wa-pace">4 requests/s (burst 8) · 2 new users/s</dd>`, `<dt>Booked ahead</dt><dd class="wa-booked">`)
		if gotTier, gotChecked := row(); gotTier != tier || gotChecked != checked {
			t.Errorf("the overview wrote the number's row: tier %d→%d, upgrade checked %d→%d", tier, gotTier, checked, gotChecked)
		}
		// The bot's page reads it the same way.
		page = html.UnescapeString(admin.get("/console/bots/"+e.BotID, http.StatusOK))
		mustContain(t, page, "bot page", "<dt>Today</dt><dd>tier 2: 1 reached of 10, 0 held for queued sends</dd>")
		if gotTier, gotChecked := row(); gotTier != tier || gotChecked != checked {
			t.Errorf("the bot page wrote the number's row: tier %d→%d, upgrade checked %d→%d", tier, gotTier, checked, gotChecked)
		}
		e.Admin(http.MethodGet, "/admin/v1/bots/"+e.BotID+"/whatsapp", nil, http.StatusOK, nil)
		if tier, _ := row(); tier != 2 {
			t.Errorf("stored tier %d after the admin API's tier read, want 2", tier)
		}
	})
}
