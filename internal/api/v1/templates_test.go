package v1_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/fakegraph"
	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/store/storetest"
)

func tplBody(text string) map[string]any { return map[string]any{"type": "BODY", "text": text} }

// withTemplates gives the bot the test WhatsApp number with its account's
// id, the fake account holding order_update (a body parameter and a
// quick-reply button), promo (marketing), paused_one (PAUSED) and 12
// fillers.
func withTemplates(t *testing.T, db storetest.DB) *env {
	e := start(t, db, harness.Options{})
	for i := range 12 {
		e.Fake.AddWATemplate(harness.WANumberID, fakegraph.WATemplate{Name: fmt.Sprintf("filler_%02d", i), Language: "en_US",
			Category: "UTILITY", Components: []map[string]any{tplBody("Hello {{1}}")}})
	}
	e.Fake.AddWATemplate(harness.WANumberID, fakegraph.WATemplate{Name: "order_update", Language: "en_US", Category: "UTILITY",
		Components: []map[string]any{tplBody("Order {{1}} is on its way"),
			{"type": "BUTTONS", "buttons": []map[string]any{{"type": "QUICK_REPLY", "text": "Track it"}}}}})
	e.Fake.AddWATemplate(harness.WANumberID, fakegraph.WATemplate{Name: "order_update", Language: "pt_BR", Category: "UTILITY",
		Components: []map[string]any{tplBody("Pedido {{1}} a caminho")}})
	e.Fake.AddWATemplate(harness.WANumberID, fakegraph.WATemplate{Name: "paused_one", Language: "en_US", Category: "MARKETING",
		Status: "PAUSED", Components: []map[string]any{tplBody("Sale!")}})
	e.AttachWhatsApp(nil)
	e.Admin(http.MethodPut, "/admin/v1/bots/"+e.BotID+"/whatsapp", map[string]any{"bot_phone": harness.WAPhone,
		"phone_number_id": harness.WANumberID, "waba_id": fakegraph.WABAID(harness.WANumberID)}, http.StatusOK, nil)
	return e
}

// TestTemplatesRoutes: the key's number's templates are listed (filtered,
// paged by cursor), shown, created (validated first, then PENDING and
// reviewed by the fake), synced and deleted; each answer names the account
// and the number; reading needs read, changing manage.
func TestTemplatesRoutes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		e := withTemplates(t, db)
		waba := fakegraph.WABAID(harness.WANumberID)

		status, _, body := e.call(http.MethodPost, "/v1/whatsapp/templates/sync", e.APIKey, nil)
		if s := decode(t, body); status != 200 || s["templates"] != float64(15) || len(s["changed"].([]any)) != 0 {
			t.Fatalf("sync: %d %s", status, body)
		}
		// Pages of 5 by name and language, the cursor going on.
		var names []string
		cursor := ""
		for pages := 0; ; pages++ {
			path := "/v1/whatsapp/templates?limit=5"
			if cursor != "" {
				path += "&cursor=" + url.QueryEscape(cursor)
			}
			status, _, body = e.call(http.MethodGet, path, e.APIKey, nil)
			page := decode(t, body)
			if status != 200 || page["waba_id"] != waba || page["phone_number_id"] != harness.WANumberID {
				t.Fatalf("list: %d %s", status, body)
			}
			for _, it := range page["items"].([]any) {
				m := it.(map[string]any)
				names = append(names, m["name"].(string)+"/"+m["language"].(string))
			}
			next, _ := page["next_cursor"].(string)
			if next == "" {
				break
			}
			cursor = next
			if pages > 5 {
				t.Fatal("the cursor does not end")
			}
		}
		if len(names) != 15 || names[0] != "filler_00/en_US" || names[12] != "order_update/en_US" || names[13] != "order_update/pt_BR" || names[14] != "paused_one/en_US" {
			t.Fatalf("every page: %v", names)
		}
		status, _, body = e.call(http.MethodGet, "/v1/whatsapp/templates?status=PAUSED", e.APIKey, nil)
		if items := decode(t, body)["items"].([]any); status != 200 || len(items) != 1 || items[0].(map[string]any)["name"] != "paused_one" {
			t.Fatalf("status filter: %d %s", status, body)
		}
		status, _, body = e.call(http.MethodGet, "/v1/whatsapp/templates?name=order_update&language=pt_BR", e.APIKey, nil)
		if items := decode(t, body)["items"].([]any); status != 200 || len(items) != 1 || items[0].(map[string]any)["language"] != "pt_BR" {
			t.Fatalf("name and language filter: %d %s", status, body)
		}
		status, h, body := e.call(http.MethodGet, "/v1/whatsapp/templates?cursor=%21", e.APIKey, nil)
		problemOf(t, status, h, body, 400, "invalid")

		status, _, body = e.call(http.MethodGet, "/v1/whatsapp/templates/order_update/en_US", e.APIKey, nil)
		got := decode(t, body)
		if status != 200 || got["status"] != "APPROVED" || got["category"] != "UTILITY" || got["waba_id"] != waba ||
			got["components"].([]any)[0].(map[string]any)["text"] != "Order {{1}} is on its way" {
			t.Fatalf("show: %d %s", status, body)
		}
		status, h, body = e.call(http.MethodGet, "/v1/whatsapp/templates/nope/en_US", e.APIKey, nil)
		problemOf(t, status, h, body, 404, "not_found")

		// A read-only key reads and cannot change.
		var reader struct{ Key string }
		e.Admin("POST", "/admin/v1/bots/"+e.BotID+"/api-keys", map[string]any{"scopes": []string{"read"}}, 201, &reader)
		if status, _, body = e.call(http.MethodGet, "/v1/whatsapp/templates", reader.Key, nil); status != 200 {
			t.Fatalf("read key lists: %d %s", status, body)
		}
		for _, c := range []struct{ method, path string }{{"POST", "/v1/whatsapp/templates"}, {"POST", "/v1/whatsapp/templates/sync"}, {"DELETE", "/v1/whatsapp/templates/promo"}} {
			status, h, body = e.call(c.method, c.path, reader.Key, map[string]any{"name": "x", "language": "en_US", "category": "UTILITY", "components": []any{tplBody("x")}})
			if p := problemOf(t, status, h, body, 403, "forbidden"); p["detail"] != "this API key lacks the manage scope" {
				t.Fatalf("%s %s with a read key: %s", c.method, c.path, body)
			}
		}

		// Create: the core's validation names the field; then PENDING, and
		// the fake's review approves it.
		draft := map[string]any{"name": "welcome_offer", "language": "en_US", "category": "MARKETING",
			"components": []any{map[string]any{"type": "BODY", "text": "Hi {{1}}, 10% off today"}}}
		status, h, body = e.call(http.MethodPost, "/v1/whatsapp/templates", e.APIKey, draft)
		if p := problemOf(t, status, h, body, 400, "missing"); p["errors"].([]any)[0].(map[string]any)["field"] != "components[0].example.body_text" {
			t.Fatalf("no example: %s", body)
		}
		draft["components"].([]any)[0].(map[string]any)["example"] = map[string]any{"body_text": [][]string{{"Ada"}}}
		status, h, body = e.call(http.MethodPost, "/v1/whatsapp/templates", e.APIKey, draft, "Idempotency-Key", "tpl-1")
		created := decode(t, body)
		if status != 201 || created["status"] != "PENDING" || created["id"] == "" || created["waba_id"] != waba ||
			h.Get("Location") != "/v1/whatsapp/templates/welcome_offer/en_US" {
			t.Fatalf("create: %d %v %s", status, h, body)
		}
		harness.WaitFor(t, "the review", 15*time.Second, func() bool {
			_, _, body := e.call(http.MethodGet, "/v1/whatsapp/templates/welcome_offer/en_US", e.APIKey, nil)
			return decode(t, body)["status"] == "APPROVED"
		})

		status, _, body = e.call(http.MethodDelete, "/v1/whatsapp/templates/order_update", e.APIKey, nil)
		if status != 204 {
			t.Fatalf("delete: %d %s", status, body)
		}
		status, _, body = e.call(http.MethodGet, "/v1/whatsapp/templates?name=order_update", e.APIKey, nil)
		if items := decode(t, body)["items"].([]any); status != 200 || len(items) != 0 {
			t.Fatalf("deleted in every language: %s", body)
		}
		status, _, body = e.call(http.MethodPost, "/v1/whatsapp/templates/sync", e.APIKey, nil)
		if s := decode(t, body); status != 200 || s["templates"] != float64(14) {
			t.Fatalf("gone at the fake too: %d %s", status, body)
		}
	})
}

// TestTemplatesNeedAnAccount: a bot without a WhatsApp number, or whose
// number has no waba_id, answers a problem saying so.
func TestTemplatesNeedAnAccount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		e := start(t, db, harness.Options{})
		status, h, body := e.call(http.MethodGet, "/v1/whatsapp/templates", e.APIKey, nil)
		if p := problemOf(t, status, h, body, 404, "not_found"); !strings.Contains(p["detail"].(string), "has no WhatsApp number") {
			t.Fatalf("no number: %s", body)
		}
		e.AttachWhatsApp(nil)
		status, h, body = e.call(http.MethodPost, "/v1/whatsapp/templates/sync", e.APIKey, nil)
		if p := problemOf(t, status, h, body, 400, "invalid"); !strings.Contains(p["detail"].(string), "has no waba_id") {
			t.Fatalf("no waba_id: %s", body)
		}
	})
}

// TestTemplateStatusEvent: a template paused by Meta reaches the bot's
// webhook endpoints that subscribed as template.status_changed, signed and
// and in the contract's shape.
func TestTemplateStatusEvent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		e := withTemplates(t, db)
		in := harness.NewInbox(t)
		create := map[string]any{"url": in.URL, "events": []string{"template.status_changed"}}
		status, _, body := e.call(http.MethodPost, "/v1/webhook-endpoints", e.APIKey, create)
		if status != 201 {
			t.Fatalf("create endpoint: %d %s", status, body)
		}
		secret, _ := decode(t, body)["secret"].(string)
		if status, _, body = e.call(http.MethodPost, "/v1/whatsapp/templates/sync", e.APIKey, nil); status != 200 {
			t.Fatalf("sync: %d %s", status, body)
		}
		if _, err := e.Fake.SetWATemplateStatus(harness.WANumberID, "order_update", "en_US", "PAUSED", "Low quality"); err != nil {
			t.Fatal(err)
		}
		got := in.Wait(t, 1, 10*time.Second)
		ev := eventsOf(t, got)[0]
		want := map[string]any{"waba_id": fakegraph.WABAID(harness.WANumberID), "name": "order_update", "language": "en_US",
			"from": "APPROVED", "status": "PAUSED", "reason": "Low quality"}
		for k, v := range want {
			if ev.Data[k] != v {
				t.Errorf("data[%s] = %v, want %v (event %+v)", k, ev.Data[k], v, ev)
			}
		}
		if ev.Type != "template.status_changed" || !verifies(secret, got[0]) {
			t.Fatalf("event %+v, signature verified %v", ev, verifies(secret, got[0]))
		}
	})
}
