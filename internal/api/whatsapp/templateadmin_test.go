package whatsapp_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/store/storetest"
)

// TestTemplateCreateAndDelete: a template is validated before it is
// submitted, created PENDING, approved (or rejected by name) by the fake's
// review, whose webhook updates the copy and reaches the merchant; a
// deleted template is gone from Graph and from the copy.
func TestTemplateCreateAndDelete(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		hooks := harness.NewInbox(t)
		env := withTemplates(t, db, harness.Options{Bot: map[string]any{"webhook_url": hooks.URL}})
		hooks.Secret = env.Secret
		path := "/admin/v1/bots/" + env.BotID + "/whatsapp/templates"
		draft := func(name, body string, example any) map[string]any {
			c := map[string]any{"type": "BODY", "text": body}
			if example != nil {
				c["example"] = example
			}
			return map[string]any{"name": name, "language": "en_US", "category": "MARKETING", "components": []any{c,
				map[string]any{"type": "BUTTONS", "buttons": []any{map[string]any{"type": "QUICK_REPLY", "text": "Tell me more"}}}}}
		}
		bad := []struct {
			in   map[string]any
			want string
		}{
			{draft("Welcome", "Hi", nil), `name: must be lowercase letters, digits and underscores`},
			{draft("welcome", "Hi {{2}} and {{1}}", map[string]any{"body_text": [][]string{{"a", "b"}}}), `parameters are numbered in order from {{1}}; the 1. is {{2}}`},
			{draft("welcome", "Hi {{1}}", nil), `components[0].example.body_text is required`},
			{draft("welcome", strings.Repeat("x", 1025), nil), `components[0].text: is 1025 characters; at most 1024`},
		}
		for _, c := range bad {
			out := env.Admin(http.MethodPost, path, c.in, http.StatusBadRequest, nil)
			if !strings.Contains(string(out), c.want) {
				t.Errorf("%v: %s\nwant %q", c.in, out, c.want)
			}
		}
		var created struct{ ID, Name, Status, Category string }
		env.Admin(http.MethodPost, path, draft("welcome_offer", "Hi {{1}}, 10% off today", map[string]any{"body_text": [][]string{{"Ada"}}}),
			http.StatusCreated, &created)
		if created.Status != "PENDING" || created.ID == "" || created.Category != "MARKETING" {
			t.Fatalf("created: %+v", created)
		}
		env.Admin(http.MethodPost, path, draft("please_reject_me", "Hi", nil), http.StatusCreated, nil)
		status := func(name string) (s struct{ Status, Reason string }) {
			env.Admin(http.MethodGet, path+"/"+name+"/en_US", nil, http.StatusOK, &s)
			return s
		}
		// Generous: the review arrives as a webhook, handled by a queue worker,
		// and a loaded CI machine once took over 10 s (no timing is asserted).
		harness.WaitFor(t, "the reviews", 60*time.Second, func() bool {
			return status("welcome_offer").Status == "APPROVED" && status("please_reject_me").Status == "REJECTED"
		})
		if s := status("please_reject_me"); s.Reason != "INVALID_FORMAT" {
			t.Fatalf("rejected: %+v", s)
		}
		events := map[string]string{}
		for _, got := range hooks.Wait(t, 2, 10*time.Second) {
			var ev struct{ Event, Name, From, Status string }
			if err := json.Unmarshal(got.Body, &ev); err != nil || ev.Event != "template.status_changed" || !got.Verified {
				t.Fatalf("event: %s", got.Body)
			}
			events[ev.Name] = ev.Status
			// From is PENDING, or empty when the review's webhook came
			// before the creation was recorded (the fake reviews at once).
			if ev.From != "PENDING" && ev.From != "" {
				t.Errorf("event from %q", ev.From)
			}
		}
		if events["welcome_offer"] != "APPROVED" || events["please_reject_me"] != "REJECTED" {
			t.Fatalf("events: %v", events)
		}
		if status, out := env.WhatsApp(templateBody("w1", `{"name":"welcome_offer","language":"en_US","params":{}}`)); status != http.StatusUnprocessableEntity ||
			!strings.Contains(string(out), "the body has 1 parameters") {
			t.Fatalf("approved template without its parameter: %d %s", status, out)
		}
		env.Admin(http.MethodDelete, path+"/welcome_offer", nil, http.StatusNoContent, nil)
		env.Admin(http.MethodGet, path+"/welcome_offer/en_US", nil, http.StatusNotFound, nil)
		var sync struct{ Templates int }
		env.Admin(http.MethodPost, path+"/sync", nil, http.StatusOK, &sync)
		if sync.Templates != 34 { // 33, the rejected one, not the deleted one
			t.Fatalf("after delete, Graph lists %d templates, want 34", sync.Templates)
		}
		out := env.Admin(http.MethodDelete, path+"/welcome_offer", nil, http.StatusUnprocessableEntity, nil)
		if !strings.Contains(string(out), "132001") {
			t.Fatalf("deleting it again: %s", out)
		}
	})
}
