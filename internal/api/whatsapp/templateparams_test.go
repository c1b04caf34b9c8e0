package whatsapp_test

import (
	"strings"
	"testing"

	"github.com/botgate/botgate/internal/fakegraph"
	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/store/storetest"
)

// TestTemplateParamsByName: with the template's definition known, Meetbot
// params fill the text header's and the body's named parameters and the
// URL buttons' suffixes by name — a named suffix by its name, a numbered
// one ({{1}}) by button_<index> — exactly as the Cloud API takes them; a
// name the template lacks is refused with 132000 before sending.
func TestTemplateParamsByName(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := withTemplates(t, db, harness.Options{})
		env.Fake.AddWATemplate(harness.WANumberID, fakegraph.WATemplate{Name: "delivery_named", Language: "en_US", Category: "UTILITY",
			ParameterFormat: "NAMED", Components: []map[string]any{
				{"type": "HEADER", "format": "TEXT", "text": "Order {{order_id}}"},
				body("Hi {{first_name}}, order {{order_id}} arrives {{day}}"),
				{"type": "BUTTONS", "buttons": []map[string]any{
					{"type": "QUICK_REPLY", "text": "Thanks"},
					{"type": "URL", "text": "Track", "url": "https://shop.example/track/{{1}}"},
					{"type": "URL", "text": "Invoice", "url": "https://shop.example/invoice/{{invoice}}"}}}}})
		send := func(id, params string) (int, []byte) {
			return env.WhatsApp(strings.Replace(templateBody(id, `{"name":"delivery_named","language":"en_US"}`),
				`"type":"template"`, `"type":"template","params":`+params, 1))
		}
		status, out := send("n1", `{"first_name":"Ada","order_id":"1001","day":"Monday","button_1":"TRK-9","invoice":"INV-7"}`)
		if status != 200 {
			t.Fatalf("params by name: %d %s", status, out)
		}
		sends := env.Fake.WhatsAppSends()
		want := `{"messaging_product":"whatsapp","recipient_type":"individual","to":"447700900123","type":"template",` +
			`"template":{"name":"delivery_named","language":{"code":"en_US"},"components":[` +
			`{"type":"header","parameters":[{"type":"text","parameter_name":"order_id","text":"1001"}]},` +
			`{"type":"body","parameters":[{"type":"text","parameter_name":"first_name","text":"Ada"},` +
			`{"type":"text","parameter_name":"order_id","text":"1001"},{"type":"text","parameter_name":"day","text":"Monday"}]},` +
			`{"type":"button","sub_type":"url","index":"1","parameters":[{"type":"text","text":"TRK-9"}]},` +
			`{"type":"button","sub_type":"url","index":"2","parameters":[{"type":"text","text":"INV-7"}]}]}}`
		if len(sends) != 1 || string(sends[0].Body) != want {
			t.Fatalf("sent %d:\n%s\nwant\n%s", len(sends), sends[len(sends)-1].Body, want)
		}
		refusedWith(t, env, "a name the template lacks", strings.Replace(templateBody("n2", `{"name":"delivery_named","language":"en_US"}`),
			`"type":"template"`, `"type":"template","params":{"first_name":"Ada","order_id":"1","day":"Monday","button_1":"T","invoice":"I","coupon":"X"}`, 1),
			132000, `has no parameter "coupon" in its header, body or URL buttons`)
		refusedWith(t, env, "a URL suffix left out", strings.Replace(templateBody("n3", `{"name":"delivery_named","language":"en_US"}`),
			`"type":"template"`, `"type":"template","params":{"first_name":"Ada","order_id":"1","day":"Monday","invoice":"I"}`, 1),
			132000, "URL button 1 has 1 parameters, 0 are given")
	})
}
