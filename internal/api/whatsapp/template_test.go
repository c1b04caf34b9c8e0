package whatsapp_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/store/storetest"
)

func templateBody(id, template string) string {
	return fmt.Sprintf(`{"id":%q,"to":%q,"timestamp":"1700000000","source":"botchat","type":"template","template":%s}`, id, to, template)
}

func interactiveBody(id, interactive string) string {
	return fmt.Sprintf(`{"id":%q,"to":%q,"timestamp":"1700000000","source":"botchat","type":"interactive","interactive":%s}`, id, to, interactive)
}

type errorOut struct {
	Error struct {
		Code    int
		Subcode int `json:"error_subcode"`
		Message string
	}
}

func refusal(t *testing.T, body []byte) errorOut {
	t.Helper()
	var out errorOut
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatalf("%s: %v", body, err)
	}
	return out
}

// TestTemplateGoesOutsideTheWindow: under enforce, to a user who never
// wrote, a template goes out (exactly as the Cloud API takes it) while a
// text is refused with the advice to send a template; the fake Graph, which
// keeps the window too, would have refused the text with 131047.
func TestTemplateGoesOutsideTheWindow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := start(t, db, harness.Options{Bot: map[string]any{"settings": map[string]any{"window_policy": "enforce"}}}, nil)
		env.Fake.SetWhatsAppWindow(true)

		status, body := env.WhatsApp(textBody("x1"))
		out := refusal(t, body)
		if status != http.StatusForbidden || out.Error.Code != 10100 || !strings.Contains(out.Error.Message, `send one with "type":"template"`) {
			t.Fatalf("text outside the window: %d %s", status, body)
		}
		status, body = env.WhatsApp(templateBody("t1", `{"name":"order_update","language":{"code":"en_US"},
			"components":[{"type":"body","parameters":[{"type":"text","text":"#1001"}]},
			{"type":"button","sub_type":"quick_reply","index":"0","parameters":[{"type":"payload","payload":"TRACK"}]}]}`))
		if status != 200 || !strings.Contains(string(body), `"status":"sent"`) {
			t.Fatalf("template outside the window: %d %s", status, body)
		}
		sends := env.Fake.WhatsAppSends()
		if len(sends) != 1 {
			t.Fatalf("%d sends reached WhatsApp, want the template only", len(sends))
		}
		want := `{"messaging_product":"whatsapp","recipient_type":"individual","to":"447700900123","type":"template",` +
			`"template":{"name":"order_update","language":{"code":"en_US"},"components":[{"type":"body","parameters":[{"type":"text","text":"#1001"}]},` +
			`{"type":"button","sub_type":"quick_reply","index":"0","parameters":[{"type":"payload","payload":"TRACK"}]}]}}`
		if got := string(sends[0].Body); got != want {
			t.Fatalf("sent body:\n%s\nwant\n%s", got, want)
		}
		m := message(t, env, "t1")
		tpl, _ := m.Request.WhatsApp["template"].(map[string]any)
		if tpl["name"] != "order_update" || fmt.Sprint(tpl["language"]) != "map[code:en_US]" {
			t.Fatalf("the message log's template: %v", m.Request.WhatsApp)
		}

		// With botgate's policy off, the text reaches the fake Graph, which
		// refuses it as the Cloud API does.
		env.Admin(http.MethodPatch, "/admin/v1/bots/"+env.BotID, map[string]any{"settings": map[string]any{"window_policy": "off"}}, http.StatusOK, nil)
		status, body = env.WhatsApp(textBody("x2"))
		if out := refusal(t, body); status != http.StatusUnprocessableEntity || out.Error.Code != 80001 || !strings.Contains(out.Error.Message, "(#131047)") {
			t.Fatalf("text with the policy off: %d %s", status, body)
		}
	})
}

// TestTemplateParams: Meetbot-style params, beside the template or inside
// it, go as named body parameters in the order of their names; a text
// parameter over its limit is refused before sending with WhatsApp's 132005.
func TestTemplateParams(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := start(t, db, harness.Options{}, nil)
		body := strings.Replace(templateBody("p1", `{"name":"order_named","language":"en_US"}`), `"type":"template"`,
			`"type":"template","params":{"order_id":"1001","first_name":"Ada"}`, 1)
		if status, out := env.WhatsApp(body); status != 200 {
			t.Fatalf("params: %d %s", status, out)
		}
		want := `"template":{"name":"order_named","language":{"code":"en_US"},"components":[{"type":"body","parameters":[` +
			`{"type":"text","parameter_name":"first_name","text":"Ada"},{"type":"text","parameter_name":"order_id","text":"1001"}]}]}}`
		if got := string(env.Fake.WhatsAppSends()[0].Body); !strings.HasSuffix(got, want) {
			t.Fatalf("sent %s\nwant …%s", got, want)
		}
		long := strings.Repeat("x", 61)
		status, out := env.WhatsApp(templateBody("p2", `{"name":"order_update","language":{"code":"en_US"},
			"components":[{"type":"header","parameters":[{"type":"text","text":"`+long+`"}]}]}`))
		if e := refusal(t, out); status != http.StatusUnprocessableEntity || e.Error.Code != 41042 || e.Error.Subcode != 132005 ||
			!strings.Contains(e.Error.Message, "(#132005) template.components[0].parameters[0].text: is 61 characters") {
			t.Fatalf("long header parameter: %d %s", status, out)
		}
		if n := len(env.Fake.WhatsAppSends()); n != 1 {
			t.Fatalf("%d sends; the refused one must not leave", n)
		}
	})
}

// TestInteractiveLimits: reply buttons, a list and a CTA URL go inside the
// window exactly as given; each Cloud API limit is refused before sending,
// naming the field.
func TestInteractiveLimits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		env := start(t, db, harness.Options{Bot: map[string]any{"settings": map[string]any{"window_policy": "enforce"}}}, nil)
		env.Fake.SetWhatsAppWindow(true)
		if hook, err := env.Fake.WAUserSendsText(harness.WANumberID, to, "Ada", "hi"); err != nil || hook.Status != 200 {
			t.Fatalf("user writes: %+v %v", hook, err)
		}
		buttons := `{"type":"button","body":{"text":"Track your order?"},"action":{"buttons":[{"type":"reply","reply":{"id":"track","title":"Track"}}]}}`
		harness.WaitFor(t, "the window to open", 5*time.Second, func() bool {
			status, _ := env.WhatsApp(interactiveBody(fmt.Sprint("b", time.Now().UnixNano()), buttons))
			return status == 200
		})
		if got := string(env.Fake.WhatsAppSends()[0].Body); !strings.HasSuffix(got, `"type":"interactive","interactive":`+buttons+`}`) {
			t.Fatalf("sent %s", got)
		}
		okay := []string{
			`{"type":"list","body":{"text":"Pick"},"action":{"button":"Options","sections":[{"rows":[{"id":"a","title":"A","description":"first"}]}]}}`,
			`{"type":"cta_url","header":{"type":"text","text":"Order"},"body":{"text":"See it"},"footer":{"text":"Shop"},"action":{"name":"cta_url","parameters":{"display_text":"Open","url":"https://shop.example/o/1"}}}`,
		}
		for i, in := range okay {
			if status, out := env.WhatsApp(interactiveBody(fmt.Sprint("ok", i), in)); status != 200 {
				t.Fatalf("%s: %d %s", in, status, out)
			}
		}
		button := func(id, title string) string {
			return fmt.Sprintf(`{"type":"reply","reply":{"id":%q,"title":%q}}`, id, title)
		}
		row := func(id string) string { return fmt.Sprintf(`{"id":%q,"title":"t"}`, id) }
		rows := func(n int, prefix string) string {
			var r []string
			for i := range n {
				r = append(r, row(fmt.Sprint(prefix, i)))
			}
			return strings.Join(r, ",")
		}
		cases := []struct{ in, want string }{
			{`{"type":"button","body":{"text":"x"},"action":{"buttons":[` + strings.Join([]string{button("a", "A"), button("b", "B"), button("c", "C"), button("d", "D")}, ",") + `]}}`,
				"interactive.action.buttons: has 4 buttons; at most 3"},
			{`{"type":"button","body":{"text":"x"},"action":{"buttons":[` + button("a", strings.Repeat("t", 21)) + `]}}`,
				"interactive.action.buttons[0].reply.title: is 21 characters; at most 20"},
			{`{"type":"button","body":{"text":"x"},"action":{"buttons":[` + button("a", "A") + `,` + button("a", "B") + `]}}`,
				`interactive.action.buttons[1].reply.id: "a" is another button's id too`},
			{`{"type":"button","body":{"text":"` + strings.Repeat("b", 1025) + `"},"action":{"buttons":[` + button("a", "A") + `]}}`,
				"interactive.body.text: is 1025 characters; at most 1024"},
			{`{"type":"list","body":{"text":"x"},"action":{"button":"Options","sections":[{"title":"one","rows":[` + rows(6, "a") + `]},{"title":"two","rows":[` + rows(5, "b") + `]}]}}`,
				"interactive.action.sections: have more than 10 rows in all"},
			{`{"type":"list","body":{"text":"x"},"action":{"button":"Options","sections":[{"rows":[` + row("a") + `]},{"title":"two","rows":[` + row("b") + `]}]}}`,
				"interactive.action.sections[0].title is required"},
			{`{"type":"list","body":{"text":"x"},"action":{"button":"Options","sections":[{"rows":[{"id":"a","title":"t","description":"` + strings.Repeat("d", 73) + `"}]}]}}`,
				"interactive.action.sections[0].rows[0].description: is 73 characters; at most 72"},
			{`{"type":"cta_url","body":{"text":"x"},"action":{"name":"cta_url","parameters":{"display_text":"Open","url":"ftp://x"}}}`,
				"interactive.action.parameters.url"},
			{`{"type":"product","body":{"text":"x"},"action":{}}`, `interactive.type: must be button, list or cta_url, not "product"`},
		}
		for _, c := range cases {
			status, out := env.WhatsApp(interactiveBody("bad", c.in))
			if e := refusal(t, out); status != http.StatusBadRequest || e.Error.Code != 10100 || !strings.Contains(e.Error.Message, c.want) {
				t.Errorf("%s:\n%d %s\nwant 10100 with %q", c.in, status, out, c.want)
			}
		}
		if n := len(env.Fake.WhatsAppSends()); n != 3 {
			t.Fatalf("%d sends reached WhatsApp, want the 3 valid ones", n)
		}
	})
}
