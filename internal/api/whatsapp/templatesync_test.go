package whatsapp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/fakegraph"
	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/queue"
	"github.com/botgate/botgate/internal/server"
	"github.com/botgate/botgate/internal/store/storetest"
)

func body(text string) map[string]any { return map[string]any{"type": "BODY", "text": text} }

// withTemplates starts botgate with the fake account holding 30 filler
// templates (two pages of Graph's 25) and order_update, promo and
// shipping_update, and the number's waba_id set.
func withTemplates(t *testing.T, db storetest.DB, opts harness.Options) *harness.Env {
	env := start(t, db, opts, nil)
	for i := range 30 {
		env.Fake.AddWATemplate(harness.WANumberID, fakegraph.WATemplate{Name: fmt.Sprintf("filler_%02d", i), Language: "en_US",
			Category: "UTILITY", Components: []map[string]any{body("Hello {{1}}")}})
	}
	env.Fake.AddWATemplate(harness.WANumberID, fakegraph.WATemplate{Name: "order_update", Language: "en_US", Category: "UTILITY",
		Components: []map[string]any{body("Order {{1}} is on its way"),
			{"type": "BUTTONS", "buttons": []map[string]any{{"type": "QUICK_REPLY", "text": "Track it"}}}}})
	env.Fake.AddWATemplate(harness.WANumberID, fakegraph.WATemplate{Name: "promo", Language: "en_US", Category: "MARKETING",
		Components: []map[string]any{body("Our sale starts today")}})
	env.Fake.AddWATemplate(harness.WANumberID, fakegraph.WATemplate{Name: "shipping_update", Language: "en_US", Category: "UTILITY",
		Components: []map[string]any{{"type": "HEADER", "format": "IMAGE"}, body("Your parcel {{1}} left our warehouse")}})
	env.Admin(http.MethodPut, "/admin/v1/bots/"+env.BotID+"/whatsapp", map[string]any{"bot_phone": harness.WAPhone,
		"phone_number_id": harness.WANumberID, "waba_id": fakegraph.WABAID(harness.WANumberID)}, http.StatusOK, nil)
	return env
}

const orderUpdate = `{"name":"order_update","language":{"code":"en_US"},"components":[{"type":"body","parameters":[{"type":"text","text":"#1001"}]}]}`

func refusedWith(t *testing.T, env *harness.Env, what, body string, subcode int, text string) {
	t.Helper()
	before := len(env.Fake.WhatsAppSends())
	status, out := env.WhatsApp(body)
	if e := refusal(t, out); status != http.StatusUnprocessableEntity || e.Error.Code != 41042 || e.Error.Subcode != subcode ||
		!strings.Contains(e.Error.Message, text) {
		t.Fatalf("%s: %d %s\nwant 41042 with error_subcode %d and %q", what, status, out, subcode, text)
	}
	if after := len(env.Fake.WhatsAppSends()); after != before {
		t.Fatalf("%s: a refused send reached WhatsApp", what)
	}
}

// TestTemplateChecksBeforeSending: the first send of a template the copy
// lacks syncs every page; then what Graph would refuse is refused before
// any request leaves, each with Graph's code.
func TestTemplateChecksBeforeSending(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := withTemplates(t, db, harness.Options{Bot: map[string]any{"settings": map[string]any{"window_policy": "enforce"}}})
		if status, out := env.WhatsApp(templateBody("s1", orderUpdate)); status != 200 {
			t.Fatalf("first send of order_update: %d %s", status, out)
		}
		var list struct {
			WABAID    string `json:"waba_id"`
			Templates []struct{ Name, Language, Category, Status string }
		}
		env.Admin(http.MethodGet, "/admin/v1/bots/"+env.BotID+"/whatsapp/templates", nil, http.StatusOK, &list)
		if len(list.Templates) != 33 || list.WABAID != fakegraph.WABAID(harness.WANumberID) {
			t.Fatalf("the copy after the first send: %d templates of %s, want 33", len(list.Templates), list.WABAID)
		}
		if m := message(t, env, "s1"); fmt.Sprint(m.Request.WhatsApp["template"].(map[string]any)["category"]) != "UTILITY" {
			t.Fatalf("the message log keeps the category: %v", m.Request.WhatsApp)
		}
		refusedWith(t, env, "no parameters", templateBody("s2", `{"name":"order_update","language":"en_US"}`), 132000,
			"the body has 1 parameters (1), 0 are given")
		refusedWith(t, env, "unknown template", templateBody("s3", `{"name":"nope","language":"en_US"}`), 132001,
			`has no template "nope" in en_US`)
		refusedWith(t, env, "unknown language", templateBody("s4", `{"name":"order_update","language":"pt_BR"}`), 132001,
			`has no template "order_update" in pt_BR`)
		refusedWith(t, env, "image header without its image", templateBody("s5", `{"name":"shipping_update","language":"en_US",
			"components":[{"type":"body","parameters":[{"type":"text","text":"P-1"}]}]}`), 132000, "the header is an image")
		long := strings.Repeat("x", 1010)
		refusedWith(t, env, "hydrated body too long", templateBody("s6", `{"name":"order_update","language":"en_US",
			"components":[{"type":"body","parameters":[{"type":"text","text":"`+long+`"}]}]}`), 132005, "the body with its parameters is 1030 characters")
		if status, out := env.WhatsApp(templateBody("s7", `{"name":"shipping_update","language":"en_US","components":[
			{"type":"header","parameters":[{"type":"image","image":{"link":"https://shop.example/p.jpg"}}]},
			{"type":"body","parameters":[{"type":"text","text":"P-1"}]}]}`)); status != 200 {
			t.Fatalf("shipping_update with its image: %d %s", status, out)
		}
		// Outside the window, a text is refused with an approved template named.
		status, out := env.WhatsApp(textBody("s8"))
		if e := refusal(t, out); status != http.StatusForbidden || !strings.HasSuffix(e.Error.Message, `send one with "type":"template" (this number has filler_00 in en_US, for one)`) {
			t.Fatalf("text outside the window: %d %s", status, out)
		}
	})
}

// TestTemplateStatusWebhooks: pausing an approved template (Meta's status
// webhook) makes its sends refused with 132015, and the merchant hears of it
// as a template.status_changed event; approved again, it goes.
func TestTemplateStatusWebhooks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		hooks := harness.NewInbox(t)
		env := withTemplates(t, db, harness.Options{Bot: map[string]any{"webhook_url": hooks.URL}})
		hooks.Secret = env.Secret
		var sync struct{ Templates int }
		env.Admin(http.MethodPost, "/admin/v1/bots/"+env.BotID+"/whatsapp/templates/sync", nil, http.StatusOK, &sync)
		if sync.Templates != 33 {
			t.Fatalf("sync found %d templates, want 33", sync.Templates)
		}
		hook, err := env.Fake.SetWATemplateStatus(harness.WANumberID, "order_update", "en_US", "PAUSED", "LOW_QUALITY")
		if err != nil || hook.Status != 200 {
			t.Fatalf("status webhook: %+v %v", hook, err)
		}
		refusedWith(t, env, "paused", templateBody("p1", orderUpdate), 132015, "is paused for low quality (LOW_QUALITY)")
		got := hooks.Wait(t, 1, 10*time.Second)
		var ev map[string]any
		if err := json.Unmarshal(got[0].Body, &ev); err != nil || !got[0].Verified || ev["event"] != "template.status_changed" ||
			ev["name"] != "order_update" || ev["from"] != "APPROVED" || ev["status"] != "PAUSED" || ev["reason"] != "LOW_QUALITY" {
			t.Fatalf("merchant's event (verified %v): %s", got[0].Verified, got[0].Body)
		}
		// Meta redelivers: told once.
		if again, err := env.Fake.DeliverWhatsApp(hook.Body, harness.AppSecret); err != nil || again.Status != 200 {
			t.Fatalf("redelivery: %+v %v", again, err)
		}
		if _, err := env.Fake.SetWATemplateStatus(harness.WANumberID, "order_update", "en_US", "APPROVED", ""); err != nil {
			t.Fatal(err)
		}
		if status, out := env.WhatsApp(templateBody("p2", orderUpdate)); status != 200 {
			t.Fatalf("approved again: %d %s", status, out)
		}
		hooks.Wait(t, 2, 10*time.Second)
		time.Sleep(200 * time.Millisecond)
		if n := len(hooks.Received()); n != 2 {
			t.Fatalf("%d events for two changes and a redelivery", n)
		}
	})
}

// TestTemplateQualityWebhook: Meta's quality rating of a template
// (message_template_quality_update) reaches the copy, leaving its status as
// it is, and a later sync from Graph's listing keeps it.
func TestTemplateQualityWebhook(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := withTemplates(t, db, harness.Options{})
		ctx := context.Background()
		waba := fakegraph.WABAID(harness.WANumberID)
		env.Admin(http.MethodPost, "/admin/v1/bots/"+env.BotID+"/whatsapp/templates/sync", nil, http.StatusOK, nil)
		copyOf := func() (status, quality string) {
			d, err := env.Server.Store.GetTemplate(ctx, waba, "order_update", "en_US")
			if err != nil {
				t.Fatal(err)
			}
			return d.Status, d.Quality
		}
		if status, quality := copyOf(); status != "APPROVED" || quality != "" {
			t.Fatalf("synced copy: %s, quality %q; want APPROVED, none yet", status, quality)
		}
		for _, score := range []string{"YELLOW", "RED"} {
			hook, err := env.Fake.SetWATemplateQuality(harness.WANumberID, "order_update", "en_US", score)
			if err != nil || hook.Status != 200 {
				t.Fatalf("quality webhook %s: %+v %v", score, hook, err)
			}
			if status, quality := copyOf(); status != "APPROVED" || quality != score {
				t.Fatalf("after the %s rating: %s, quality %q", score, status, quality)
			}
		}
		env.Admin(http.MethodPost, "/admin/v1/bots/"+env.BotID+"/whatsapp/templates/sync", nil, http.StatusOK, nil)
		if status, quality := copyOf(); status != "APPROVED" || quality != "RED" {
			t.Fatalf("synced again: %s, quality %q; want APPROVED, RED", status, quality)
		}
	})
}

// TestMarketingStopped: WhatsApp's 131050 fails a marketing send for good,
// with its reason, and marks the user: the next marketing template to them
// is refused before Graph, while a utility template still goes.
func TestMarketingStopped(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := withTemplates(t, db, harness.Options{})
		stopped := fakegraph.GraphError{HTTPStatus: 400, Code: 131050, Type: "OAuthException",
			Message: "(#131050) Unable to deliver message", Details: "The user has stopped marketing messages."}
		env.Fake.WhatsAppFail(to, stopped)
		promo := `{"name":"promo","language":"en_US"}`
		status, out := env.WhatsApp(templateBody("m1", promo))
		if e := refusal(t, out); status != http.StatusUnprocessableEntity || e.Error.Code != 80001 || !strings.Contains(e.Error.Message, "(#131050)") {
			t.Fatalf("marketing send WhatsApp refuses: %d %s", status, out)
		}
		env.Fake.WhatsAppFail(to, fakegraph.GraphError{})
		refusedWith(t, env, "marketing after 131050", templateBody("m2", promo), 131050, "the user stopped marketing messages")
		if status, out := env.WhatsApp(templateBody("m3", orderUpdate)); status != 200 {
			t.Fatalf("utility template after 131050: %d %s", status, out)
		}
	})
}

// TestPeriodicTemplateSync: every --template-sync, the copy follows Graph:
// a template added there appears. The sync is one periodic job in the
// durable queue, shared by the processes on the database: with two
// running there is still one job.
func TestPeriodicTemplateSync(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := withTemplates(t, db, harness.Options{Config: func(c *server.Config) { c.TemplateSync = 200 * time.Millisecond }})
		env.StartPeer()
		env.Fake.AddWATemplate(harness.WANumberID, fakegraph.WATemplate{Name: "late_one", Language: "pt_BR", Category: "UTILITY",
			Components: []map[string]any{body("Olá")}})
		harness.WaitFor(t, "the periodic sync", 15*time.Second, func() bool {
			var list struct{ Templates []struct{ Name string } }
			env.Admin(http.MethodGet, "/admin/v1/bots/"+env.BotID+"/whatsapp/templates", nil, http.StatusOK, &list)
			return len(list.Templates) == 34
		})
		var one struct{ Name, Language, Category, Status string }
		env.Admin(http.MethodGet, "/admin/v1/bots/"+env.BotID+"/whatsapp/templates/late_one/pt_BR", nil, http.StatusOK, &one)
		if one.Status != "APPROVED" || one.Category != "UTILITY" {
			t.Fatalf("late_one: %+v", one)
		}
		stats, err := queue.ReadStats(context.Background(), env.Server.Store)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range stats.Kinds {
			if k.Kind == server.TemplateSyncJob {
				if n := k.Waiting + k.Scheduled + k.Running + k.Retrying + k.Dead; n != 1 || k.Dead != 0 {
					t.Fatalf("template sync jobs with two processes: %+v, want one", k)
				}
				return
			}
		}
		t.Fatalf("no %s job in the queue: %+v", server.TemplateSyncJob, stats.Kinds)
	})
}
