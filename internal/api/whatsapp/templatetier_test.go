package whatsapp_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/fakegraph"
	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/server"
	"github.com/botgate/botgate/internal/store/storetest"
)

// TestTemplatesCountAgainstTheTier: template sends to new users count
// against the number's daily tier exactly as texts do — a tier of 2 filled
// by a template and a text refuses a third new user's sync template with
// 41041, a template to a user already reached today still goes, and a
// queued template over the tier waits for the next day instead of failing,
// then goes out as the Cloud API takes it.
func TestTemplatesCountAgainstTheTier(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		// A clock that runs, so the pace's turns come due, and jumps a day.
		var ahead atomic.Int64
		now := func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) }
		limits := map[string]any{"tiers": []int{2, 4}}
		env := start(t, db, harness.Options{Config: func(c *server.Config) { c.Now = now }}, limits)
		env.Fake.AddWATemplate(harness.WANumberID, fakegraph.WATemplate{Name: "order_update", Language: "en_US", Category: "UTILITY",
			Components: []map[string]any{body("Order {{1}} is on its way")}})
		env.Admin(http.MethodPut, "/admin/v1/bots/"+env.BotID+"/whatsapp", map[string]any{"bot_phone": harness.WAPhone,
			"phone_number_id": harness.WANumberID, "waba_id": fakegraph.WABAID(harness.WANumberID), "limits": limits}, http.StatusOK, nil)
		tpl := func(id, phone string) string {
			return strings.Replace(templateBody(id, orderUpdate), to, phone, 1)
		}
		if status, out := env.WhatsApp(tpl("g1", "447700900001")); status != 200 {
			t.Fatalf("template to the first new user: %d %s", status, out)
		}
		if status, out := env.WhatsApp(strings.Replace(textBody("g2"), to, "447700900002", 1)); status != 200 {
			t.Fatalf("text to the second new user: %d %s", status, out)
		}
		status, out := env.WhatsApp(tpl("g3", "447700900003"))
		if e := refusal(t, out); status != http.StatusTooManyRequests || e.Error.Code != 41041 || !strings.Contains(e.Error.Message, "tier 1 allows 2") {
			t.Fatalf("template to a third new user, sync: %d %s", status, out)
		}
		if status, out := env.WhatsApp(tpl("g4", "447700900001")); status != 200 {
			t.Fatalf("a second template to a user reached today: %d %s", status, out)
		}
		queued := strings.Replace(tpl("g5", "447700900003"), `"type":"template"`, `"sync":false,"type":"template"`, 1)
		if status, out := env.WhatsApp(queued); status != 200 {
			t.Fatalf("template to a third new user, queued: %d %s", status, out)
		}
		var wa struct {
			Tier struct{ Tier, Limit, Reached, Scheduled, Available int }
		}
		harness.WaitFor(t, "the queued template to hold a place", 10*time.Second, func() bool {
			env.Admin(http.MethodGet, "/admin/v1/bots/"+env.BotID+"/whatsapp", nil, http.StatusOK, &wa)
			return wa.Tier.Scheduled == 1
		})
		if w := wa.Tier; w.Tier != 1 || w.Limit != 2 || w.Reached != 2 || w.Available != 0 {
			t.Fatalf("tier = %+v", w)
		}
		m := message(t, env, "g5")
		if m.Status != "accepted" || !strings.Contains(fmt.Sprint(m.History), "the number's daily tier is full") {
			t.Fatalf("the held template: %+v", m)
		}
		if n := len(env.Fake.WhatsAppSends()); n != 3 {
			t.Fatalf("%d sends; the third new user's template waits for the tier", n)
		}
		ahead.Store(int64(25 * time.Hour))
		harness.WaitFor(t, "the held template to go out the next day", 20*time.Second, func() bool {
			return len(env.Fake.WhatsAppSends()) == 4
		})
		last := env.Fake.WhatsAppSends()[3]
		want := `{"messaging_product":"whatsapp","recipient_type":"individual","to":"447700900003","type":"template",` +
			`"template":{"name":"order_update","language":{"code":"en_US"},"components":[{"type":"body","parameters":[{"type":"text","text":"#1001"}]}]}}`
		if string(last.Body) != want {
			t.Fatalf("sent the next day:\n%s\nwant\n%s", last.Body, want)
		}
		harness.WaitFor(t, "the held template sent", 10*time.Second, func() bool { return message(t, env, "g5").Status == "sent" })
	})
}
