package console_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/fakegraph"
	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/store"
	"github.com/botgate/botgate/internal/store/storetest"
)

// person is a signed-in person's HTTP client, with their CSRF token.
type person struct {
	t     testing.TB
	base  string
	http  *http.Client
	token string
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func signInAs(t *testing.T, e *harness.Env, username string, role core.Role) *person {
	t.Helper()
	password := "pw-" + username + "-0123456789"
	if _, err := e.Server.Store.CreateUser(context.Background(), username, password, role); err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	c := &person{t: t, base: e.Server.URL(), http: &http.Client{Jar: jar}}
	c.get("/console/signin", http.StatusOK)
	status, body := c.post("/console/signin", url.Values{"username": {username}, "password": {password}})
	if status != http.StatusOK || !strings.Contains(body, `class="who"`) {
		t.Fatalf("sign in as %s: %d", username, status)
	}
	return c
}

func (c *person) get(path string, want int) string {
	c.t.Helper()
	resp, err := c.http.Get(c.base + path)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		c.t.Fatalf("GET %s = %d, want %d: %s", path, resp.StatusCode, want, data)
	}
	if m := csrfField.FindSubmatch(data); m != nil {
		c.token = string(m[1])
	}
	return string(data)
}

// post submits a form with the CSRF token, following the redirect.
func (c *person) post(path string, form url.Values) (int, string) {
	c.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf", c.token)
	resp, err := c.http.PostForm(c.base+path, form)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if m := csrfField.FindSubmatch(data); m != nil {
		c.token = string(m[1])
	}
	return resp.StatusCode, string(data)
}

func mustContain(t *testing.T, page, what string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(page, w) {
			t.Errorf("%s does not show %q", what, w)
		}
	}
}

func send(t *testing.T, e *harness.Env, id, body string) string {
	t.Helper()
	status, resp := e.Bothub(`{"request":{"method":"send_message","id":"` + id + `","sync":true},"recipient":{"id":"` + harness.User +
		`"},"messaging_type":"RESPONSE","message":` + body + `}`)
	if status != http.StatusOK {
		t.Fatalf("send %s: %d %s", id, status, resp)
	}
	p, err := e.Server.Store.MessagePage(context.Background(), store.MessageFilter{RequestID: id})
	if err != nil || len(p.Messages) != 1 {
		t.Fatalf("message %s: %v %v", id, p, err)
	}
	return p.Messages[0].ID
}

// Every page of the pages helper, on a botgate that sent, received and
// refused something, as an admin and as a viewer.
func TestPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		e := harness.Start(t, db, harness.Options{})
		ctx := context.Background()
		admin := signInAs(t, e, "ada", core.RoleAdmin)
		viewer := signInAs(t, e, "vic", core.RoleViewer)

		if _, err := e.Fake.UserSendsText(harness.Page, harness.User, "Where is my order?"); err != nil {
			t.Fatal(err)
		}
		harness.WaitFor(t, "the user's message kept", 5*time.Second, func() bool {
			turns, err := e.Server.Store.Conversation(ctx, e.BotID, harness.User, time.Time{}, 10)
			return err == nil && len(turns) == 1
		})
		textID := send(t, e, "order-1", `{"text":"Your order has shipped"}`)
		cardID := send(t, e, "card-1", `{"attachment":{"type":"template","payload":{"template_type":"button","text":"Track it",
			"buttons":[{"type":"web_url","url":"https://shop.example/track","title":"Track"}]}}}`)
		e.Do(http.MethodPost, "/api", http.Header{"Apikey": {"bgk_wrong"}}, []byte(`{"request":{"id":"x"}}`))
		if err := e.Server.Store.LinkAccount(ctx, e.BotID, harness.User, map[string]string{"email": "ada@example.com"}); err != nil {
			t.Fatal(err)
		}

		// Messages: filtered by a linked email, the list links to the detail
		// showing the Graph body and the phone's preview.
		list := admin.get("/console/messages?recipient=ada%40example.com", http.StatusOK)
		mustContain(t, list, "message list", "/console/messages/"+textID, "/console/messages/"+cardID, "Your order has shipped", `value="ada@example.com"`)
		if other := admin.get("/console/messages?recipient=nobody%40example.com", http.StatusOK); strings.Contains(other, textID) {
			t.Error("a recipient filter for someone else shows the message")
		}
		admin.get("/console/messages?status=lost", http.StatusBadRequest)
		admin.get("/console/messages?since=yesterday", http.StatusBadRequest)
		page := admin.get("/console/messages?limit=1", http.StatusOK)
		mustContain(t, page, "first page of one", cardID, `rel="next"`)
		mustContain(t, admin.get("/console/messages?limit=1&cursor="+cardID, http.StatusOK), "second page", textID)

		detail := admin.get("/console/messages/"+cardID, http.StatusOK)
		mustContain(t, detail, "message detail", `class="pv-screen pv-messenger"`, "Track it", "graph-body", "&#34;template_type&#34;: &#34;button&#34;",
			"Send again as a new request", "sent")
		if strings.Contains(viewer.get("/console/messages/"+cardID, http.StatusOK), "Send again") {
			t.Error("a viewer sees the send-again button")
		}
		if status, _ := viewer.post("/console/messages/"+cardID+"/resend", nil); status != http.StatusForbidden {
			t.Errorf("a viewer's resend answered %d, want 403", status)
		}
		status, again := admin.post("/console/messages/"+textID+"/resend", nil)
		if status != http.StatusOK || !strings.Contains(again, "Sent again as a new request") {
			t.Fatalf("resend: %d", status)
		}
		harness.WaitFor(t, "the message sent again", 10*time.Second, func() bool { return len(e.Fake.SentTo(harness.User)) == 3 })
		admin.get("/console/messages/msg_nope", http.StatusNotFound)

		// A WhatsApp message shows as WhatsApp does, from the Cloud API body sent.
		e.AttachWhatsApp(nil)
		if status, body := e.WhatsApp(`{"id":"wa-1","to":"447700900123","timestamp":"1700000000","source":"botchat","type":"text","text":{"body":"Your table is ready"}}`); status != http.StatusOK {
			t.Fatalf("WhatsApp send: %d %s", status, body)
		}
		var waID string
		harness.WaitFor(t, "the WhatsApp message sent", 5*time.Second, func() bool {
			p, err := e.Server.Store.MessagePage(ctx, store.MessageFilter{RequestID: "wa-1", Status: core.StatusSent})
			if err == nil && len(p.Messages) == 1 {
				waID = p.Messages[0].ID
			}
			return waID != ""
		})
		mustContain(t, admin.get("/console/messages?channel=whatsapp&recipient=%2B447700900123", http.StatusOK), "WhatsApp list", waID)
		mustContain(t, admin.get("/console/messages/"+waID, http.StatusOK), "WhatsApp message", `class="pv-screen pv-whatsapp"`, "Your table is ready",
			"&#34;messaging_product&#34;: &#34;whatsapp&#34;")

		// A template send shows the approved text with the values sent in
		// place, read from the synced copy of the account's templates.
		e.Fake.AddWATemplate(harness.WANumberID, fakegraph.WATemplate{Name: "table_ready", Language: "en_US", Category: "UTILITY",
			Components: []map[string]any{{"type": "BODY", "text": "Table {{1}} is ready, {{2}}."}}})
		e.Admin(http.MethodPut, "/admin/v1/bots/"+e.BotID+"/whatsapp", map[string]any{"bot_phone": harness.WAPhone,
			"phone_number_id": harness.WANumberID, "waba_id": fakegraph.WABAID(harness.WANumberID)}, http.StatusOK, nil)
		e.Admin(http.MethodPost, "/admin/v1/bots/"+e.BotID+"/whatsapp/templates/sync", nil, http.StatusOK, nil)
		if status, body := e.WhatsApp(`{"id":"wa-2","to":"447700900123","timestamp":"1700000000","source":"botchat","type":"template",
			"template":{"name":"table_ready","language":{"code":"en_US"},"components":[{"type":"body","parameters":[{"type":"text","text":"12"},{"type":"text","text":"Ana"}]}]}}`); status != http.StatusOK {
			t.Fatalf("WhatsApp template send: %d %s", status, body)
		}
		var tplID string
		harness.WaitFor(t, "the template sent", 5*time.Second, func() bool {
			p, err := e.Server.Store.MessagePage(ctx, store.MessageFilter{RequestID: "wa-2", Status: core.StatusSent})
			if err == nil && len(p.Messages) == 1 {
				tplID = p.Messages[0].ID
			}
			return tplID != ""
		})
		mustContain(t, admin.get("/console/messages/"+tplID, http.StatusOK), "WhatsApp template message", `<div class="pv-text">Table 12 is ready, Ana.</div>`)

		// Contacts: the window, parameters (editable by an admin only) and the conversation.
		contacts := admin.get("/console/contacts?bot="+e.BotID, http.StatusOK)
		mustContain(t, contacts, "contact list", "/console/contacts/"+e.BotID+"/"+harness.User, "open until")
		contact := admin.get("/console/contacts/"+e.BotID+"/"+harness.User, http.StatusOK)
		mustContain(t, contact, "contact", "Where is my order?", "Your order has shipped", "ada@example.com", "Save parameters")
		if strings.Index(contact, "Where is my order?") > strings.Index(contact, "Your order has shipped") {
			t.Error("the conversation is not in order")
		}
		status, saved := admin.post("/console/contacts/"+e.BotID+"/"+harness.User+"/params", url.Values{"params": {"points=12\ntier=gold"}})
		if status != http.StatusOK || !strings.Contains(saved, "points=12") {
			t.Fatalf("params: %d", status)
		}
		if c, _ := e.Server.Store.GetContact(ctx, e.BotID, harness.User); c.Params["tier"] != "gold" {
			t.Errorf("params stored: %v", c.Params)
		}
		if status, body := admin.post("/console/contacts/"+e.BotID+"/"+harness.User+"/params", url.Values{"params": {"no equals sign"}}); status != http.StatusBadRequest ||
			!strings.Contains(body, "line 1: write name=value") {
			t.Errorf("bad params: %d", status)
		}
		if strings.Contains(viewer.get("/console/contacts/"+e.BotID+"/"+harness.User, http.StatusOK), "Save parameters") {
			t.Error("a viewer sees the parameter editor")
		}

		// Deliveries and the received webhook; replay by an admin only.
		harness.WaitFor(t, "the resent message's callback delivered", 5*time.Second, func() bool {
			p, err := e.Server.Store.DeliveryPage(ctx, store.DeliveryFilter{BotID: e.BotID, State: core.DeliveryDelivered})
			return err == nil && len(p.Deliveries) == 1
		})
		deliveries := admin.get("/console/deliveries?bot="+e.BotID+"&kind=callback", http.StatusOK)
		mustContain(t, deliveries, "deliveries", "delivered", e.Inbox.URL, "Replay")
		dl := regexp.MustCompile(`/console/deliveries/(msg_[0-9A-Z]+)`).FindStringSubmatch(deliveries)[1]
		mustContain(t, admin.get("/console/deliveries/"+dl, http.StatusOK), "delivery", "HTTP 204", "webhook-id")
		if strings.Contains(viewer.get("/console/deliveries", http.StatusOK), "Replay") {
			t.Error("a viewer sees the replay button")
		}
		if status, body := admin.post("/console/deliveries/"+dl+"/replay", url.Values{"back": {"/console/deliveries"}}); status != http.StatusOK ||
			!strings.Contains(body, "queued again") {
			t.Errorf("replay: %d", status)
		}
		e.Inbox.Wait(t, 2, 5*time.Second)
		hooks := admin.get("/console/deliveries/webhooks", http.StatusOK)
		mustContain(t, hooks, "webhooks", "/console/deliveries/webhooks/wh_", "processed or queued")
		id := regexp.MustCompile(`/console/deliveries/webhooks/(wh_[0-9A-Z]+)`).FindStringSubmatch(hooks)[1]
		mustContain(t, admin.get("/console/deliveries/webhooks/"+id, http.StatusOK), "webhook", "Where is my order?")

		// Recent requests, the refused one with the error answered.
		requests := admin.get("/console/requests?refused=1", http.StatusOK)
		mustContain(t, requests, "refused requests", "invalid or disabled API key", "401")
		if strings.Contains(requests, "order-1") {
			t.Error("the refused filter shows an accepted request")
		}
		reqID := regexp.MustCompile(`/console/requests/(req_[0-9A-Z]+)`).FindStringSubmatch(requests)[1]
		mustContain(t, admin.get("/console/requests/"+reqID, http.StatusOK), "request", "&#34;id&#34;: &#34;x&#34;", "not recognised")

		// Blocks: saved from YAML (the format blocks push reads), previewed, versioned.
		yamlBlock := "name: welcome_back\ncards:\n  - text: \"Welcome back, {{first_name}}! Tier: {{tier}}\"\n"
		status, body := admin.post("/console/blocks/"+e.BotID, url.Values{"text": {yamlBlock}})
		if status != http.StatusOK || !strings.Contains(body, "Saved welcome_back as version 1") {
			t.Fatalf("save a YAML block: %d %s", status, body)
		}
		editor := admin.get("/console/blocks/"+e.BotID+"/welcome_back", http.StatusOK)
		mustContain(t, editor, "block editor", "Welcome back, Ada! Tier: gold", `&#34;name&#34;: &#34;welcome_back&#34;`)
		if status, body := admin.post("/console/blocks/"+e.BotID, url.Values{"text": {"name: welcome_back\ncards: []\n"}, "original": {"welcome_back"}}); status != http.StatusBadRequest ||
			!strings.Contains(body, "a block holds 1 to") {
			t.Errorf("an empty block: %d", status)
		}
		if b, _ := e.Server.Store.GetBlock(ctx, e.BotID, "welcome_back", 0); b.Version != 1 {
			t.Errorf("a refused block was saved: version %d", b.Version)
		}
		if strings.Contains(viewer.get("/console/blocks/"+e.BotID+"/welcome_back", http.StatusOK), "Save as a new version") {
			t.Error("a viewer sees the save button")
		}
		if status, _ := viewer.post("/console/blocks/"+e.BotID, url.Values{"text": {yamlBlock}}); status != http.StatusForbidden {
			t.Errorf("a viewer's save answered %d", status)
		}
		mustContain(t, admin.get("/console/blocks?bot="+e.BotID, http.StatusOK), "block list", "welcome_back")
		mustContain(t, admin.get("/console/blocks/"+e.BotID+"/welcome_back/versions", http.StatusOK), "versions", "Only one version")

		// Overview, whole and as its polled part.
		overview := admin.get("/console/", http.StatusOK)
		mustContain(t, overview, "overview", `hx-trigger="every 5s"`, "Messages per minute", "<rect")
		req, _ := http.NewRequest(http.MethodGet, admin.base+"/console/?bot="+e.BotID, nil)
		req.Header.Set("HX-Request", "true")
		req.Header.Set("HX-Target", "live")
		resp, err := admin.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		part, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.HasPrefix(strings.TrimSpace(string(part)), `<div id="live"`) {
			t.Errorf("the polled overview is not its part alone: %.80s", part)
		}
	})
}
