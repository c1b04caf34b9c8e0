package v1_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/botgate/botgate/internal/fakegraph"
	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/store/storetest"
)

func waSend(message string) map[string]any {
	var m map[string]any
	if err := json.Unmarshal([]byte(message), &m); err != nil {
		panic(err)
	}
	return map[string]any{"channel": "whatsapp", "to": map[string]any{"wa_id": "447700900123"}, "message": m}
}

const waPrefix = `{"messaging_product":"whatsapp","recipient_type":"individual","to":"447700900123",`

// TestWhatsAppTemplateAndInteractive: v1 takes a template in the Cloud
// API's shape (positional, or Meetbot params by name) and interactive
// messages, and the fake Graph receives exactly that.
func TestWhatsAppTemplateAndInteractive(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		e := withTemplates(t, db)
		e.Fake.AddWATemplate(harness.WANumberID, fakegraph.WATemplate{Name: "order_named", Language: "en_US", Category: "UTILITY",
			ParameterFormat: "NAMED", Components: []map[string]any{{"type": "HEADER", "format": "TEXT", "text": "Order {{order_id}}"},
				tplBody("Hi {{first_name}}, order {{order_id}} shipped"),
				{"type": "BUTTONS", "buttons": []map[string]any{{"type": "URL", "text": "Track", "url": "https://shop.example/t/{{1}}"}}}}})
		cases := []struct{ name, message, sent string }{
			{"positional", `{"type":"template","template":{"name":"order_update","language":{"code":"en_US"},
				"components":[{"type":"body","parameters":[{"type":"text","text":"#1001"}]}]}}`,
				`"type":"template","template":{"name":"order_update","language":{"code":"en_US"},"components":[{"type":"body","parameters":[{"type":"text","text":"#1001"}]}]}}`},
			{"params", `{"type":"template","template":{"name":"order_named","language":"en_US",
				"params":{"first_name":"Ada","order_id":"1001","button_0":"TRK-1"}}}`,
				`"type":"template","template":{"name":"order_named","language":{"code":"en_US"},"components":[` +
					`{"type":"header","parameters":[{"type":"text","parameter_name":"order_id","text":"1001"}]},` +
					`{"type":"body","parameters":[{"type":"text","parameter_name":"first_name","text":"Ada"},{"type":"text","parameter_name":"order_id","text":"1001"}]},` +
					`{"type":"button","sub_type":"url","index":"0","parameters":[{"type":"text","text":"TRK-1"}]}]}}`},
			{"buttons", `{"type":"interactive","interactive":{"type":"button","body":{"text":"Track your order?"},
				"action":{"buttons":[{"type":"reply","reply":{"id":"yes","title":"Yes"}},{"type":"reply","reply":{"id":"no","title":"No"}}]}}}`,
				`"type":"interactive","interactive":{"type":"button","body":{"text":"Track your order?"},"action":{"buttons":[{"type":"reply","reply":{"id":"yes","title":"Yes"}},{"type":"reply","reply":{"id":"no","title":"No"}}]}}}`},
			{"list", `{"type":"interactive","interactive":{"type":"list","body":{"text":"Pick a size"},
				"action":{"button":"Sizes","sections":[{"rows":[{"id":"s","title":"Small"},{"id":"m","title":"Medium","description":"Most popular"}]}]}}}`,
				`"type":"interactive","interactive":{"type":"list","body":{"text":"Pick a size"},"action":{"button":"Sizes","sections":[{"rows":[{"id":"s","title":"Small"},{"id":"m","title":"Medium","description":"Most popular"}]}]}}}`},
			{"cta_url", `{"type":"interactive","interactive":{"type":"cta_url","body":{"text":"Your invoice"},
				"action":{"name":"cta_url","parameters":{"display_text":"Open","url":"https://shop.example/i/7"}}}}`,
				`"type":"interactive","interactive":{"type":"cta_url","body":{"text":"Your invoice"},"action":{"name":"cta_url","parameters":{"display_text":"Open","url":"https://shop.example/i/7"}}}}`},
		}
		for i, c := range cases {
			status, _, body := e.call(http.MethodPost, "/v1/messages", e.APIKey, waSend(c.message), "Prefer", "wait=10")
			if m := decode(t, body); status != 200 || m["status"] != "sent" {
				t.Fatalf("%s: %d %s", c.name, status, body)
			}
			sends := e.Fake.WhatsAppSends()
			if len(sends) != i+1 || string(sends[i].Body) != waPrefix+c.sent {
				t.Fatalf("%s: sent\n%s\nwant\n%s", c.name, sends[len(sends)-1].Body, waPrefix+c.sent)
			}
		}
	})
}

// TestWhatsAppRefusalsShowGraphCode: what Graph would refuse is refused
// before sending as a problem with Graph's code in graph_code and the
// field in errors[]; nothing reaches the fake Graph.
func TestWhatsAppRefusalsShowGraphCode(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		e := withTemplates(t, db)
		e.Fake.AddWATemplate(harness.WANumberID, fakegraph.WATemplate{Name: "gone_bad", Language: "en_US", Category: "UTILITY",
			Status: "DISABLED", Components: []map[string]any{tplBody("x")}})
		e.Fake.AddWATemplate(harness.WANumberID, fakegraph.WATemplate{Name: "in_review", Language: "en_US", Category: "UTILITY",
			Status: "PENDING", Components: []map[string]any{tplBody("x")}})
		long := strings.Repeat("x", 1025)
		cases := []struct {
			name, template string
			code           int
			field, detail  string
		}{
			{"missing", `{"name":"nope","language":"en_US"}`, 132001, "message.template.name", `has no template "nope" in en_US`},
			{"params", `{"name":"order_update","language":"en_US"}`, 132000, "message.template.components(body).parameters", "the body has 1 parameters (1), 0 are given"},
			{"too long", `{"name":"order_update","language":"en_US","components":[{"type":"body","parameters":[{"type":"text","text":"` + long + `"}]}]}`,
				132005, "message.template.components[0].parameters[0].text", "is 1025 characters"},
			{"paused", `{"name":"paused_one","language":"en_US"}`, 132015, "", "is paused for low quality"},
			{"disabled", `{"name":"gone_bad","language":"en_US"}`, 132016, "", "is disabled"},
			{"pending", `{"name":"in_review","language":"en_US"}`, 132001, "", "is PENDING, not approved"},
		}
		for _, c := range cases {
			status, h, body := e.call(http.MethodPost, "/v1/messages", e.APIKey, waSend(`{"type":"template","template":`+c.template+`}`))
			p := problemOf(t, status, h, body, 422, "policy")
			if p["graph_code"] != float64(c.code) || !strings.Contains(p["detail"].(string), c.detail) {
				t.Errorf("%s: %s\nwant graph_code %d and %q", c.name, body, c.code, c.detail)
			}
			errs, _ := p["errors"].([]any)
			if c.field != "" && (len(errs) != 1 || errs[0].(map[string]any)["field"] != c.field) {
				t.Errorf("%s: errors %v, want the field %s", c.name, errs, c.field)
			}
		}
		status, h, body := e.call(http.MethodPost, "/v1/messages", e.APIKey, waSend(`{"type":"interactive","interactive":{"type":"button",
			"body":{"text":"Pick"},"action":{"buttons":[{"type":"reply","reply":{"id":"a","title":"`+strings.Repeat("t", 21)+`"}}]}}}`))
		if p := problemOf(t, status, h, body, 400, "invalid"); p["errors"].([]any)[0].(map[string]any)["field"] != "message.interactive.action.buttons[0].reply.title" {
			t.Errorf("long button title: %s", body)
		}
		if n := len(e.Fake.WhatsAppSends()); n != 0 {
			t.Fatalf("%d refused sends reached WhatsApp", n)
		}
	})
}
