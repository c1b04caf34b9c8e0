package preview

import (
	"strings"
	"testing"

	"github.com/botgate/botgate/internal/core"
)

// TestTemplateWithDefinition: a template send shows the approved texts with
// the send's values in place (positional and named), its footer and its
// buttons, and a value is escaped like any merchant string; without the
// definition the send's values alone are shown, as before.
func TestTemplateWithDefinition(t *testing.T) {
	defs := map[string]*core.WATemplateDef{
		"order_update/en_US": {Name: "order_update", Language: "en_US", Components: []core.WATemplateComponent{
			{Type: "HEADER", Format: "TEXT", Text: "Order {{1}}"},
			{Type: "BODY", Text: "Hi {{1}}, your order *{{2}}* ships today.\nThanks!"},
			{Type: "FOOTER", Text: "Reply STOP to opt out"},
			{Type: "BUTTONS", Buttons: []core.WATemplateButton{
				{Type: "QUICK_REPLY", Text: "Stop updates"},
				{Type: "URL", Text: "Track", URL: "https://shop.example/track/{{1}}"},
				{Type: "PHONE_NUMBER", Text: "Call us", PhoneNumber: "+15550100"},
			}},
		}},
		"points/fr": {Name: "points", Language: "fr", ParameterFormat: "NAMED", Components: []core.WATemplateComponent{
			{Type: "HEADER", Format: "IMAGE"},
			{Type: "BODY", Text: "Bonjour {{first_name}}, vous avez {{points}} points."},
		}},
	}
	lookup := func(name, language string) *core.WATemplateDef { return defs[name+"/"+language] }
	for _, tc := range []struct {
		name, body string
		want       []string
	}{{
		"positional",
		`{"messaging_product":"whatsapp","to":"15550001","type":"template","template":{"name":"order_update","language":{"code":"en_US"},"components":[
			{"type":"header","parameters":[{"type":"text","text":"A-1234"}]},
			{"type":"body","parameters":[{"type":"text","text":"Ana <script>"},{"type":"text","text":"A-1234"}]},
			{"type":"button","sub_type":"quick_reply","index":"0","parameters":[{"type":"payload","payload":"STOP_ORDER"}]},
			{"type":"button","sub_type":"url","index":"1","parameters":[{"type":"text","text":"A-1234"}]}]}}`,
		[]string{
			`<div class="pv-header">Order A-1234</div>`,
			`<div class="pv-text">Hi Ana &lt;script&gt;, your order <strong>A-1234</strong> ships today.` + "\n" + `Thanks!</div>`,
			`<div class="pv-footer">Reply STOP to opt out</div>`,
			`title="button: STOP_ORDER">Stop updates</span>`,
			`<a class="pv-wa-btn" href="https://shop.example/track/A-1234"`,
			`<span class="pv-wa-btn" title="&#43;15550100">✆ Call us</span>`,
		},
	}, {
		"named, media header",
		`{"messaging_product":"whatsapp","to":"15550001","type":"template","template":{"name":"points","language":{"code":"fr"},"components":[
			{"type":"header","parameters":[{"type":"image","image":{"link":"https://cdn.example/p.png"}}]},
			{"type":"body","parameters":[{"type":"text","parameter_name":"points","text":"120"},{"type":"text","parameter_name":"first_name","text":"Léa"}]}]}}`,
		[]string{`src="https://cdn.example/p.png"`, `<div class="pv-text">Bonjour Léa, vous avez 120 points.</div>`},
	}, {
		"unknown template: the values alone",
		`{"messaging_product":"whatsapp","to":"15550001","type":"template","template":{"name":"gone","language":{"code":"en"},"components":[
			{"type":"body","parameters":[{"type":"text","text":"kept"}]}]}}`,
		[]string{`Template <b>gone</b>`, `<ol class="pv-params">`, `kept`},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := WhatsAppWith([]byte(tc.body), Taps{}, lookup)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(string(got), w) {
					t.Errorf("missing %q in\n%s", w, got)
				}
			}
			if strings.Contains(string(got), "<script>") {
				t.Errorf("a value was not escaped:\n%s", got)
			}
		})
	}
}
