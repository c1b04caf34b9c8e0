package console_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/botgate/botgate/internal/console/browser"
	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/harness"
	"github.com/botgate/botgate/internal/server"
)

// The sandbox's demo users (internal/server/sandbox.go).
const (
	demoPSID     = "2000000000000001"
	demoWAUser   = "447700900001"
	demoWANumber = "100000000000777"
	demoPhone    = "+15550100001"
)

// sandbox starts botgate with --sandbox and returns its demo bot's id and
// a fresh API key for it, with the block view_details saved.
func sandbox(t *testing.T) (*browser.Env, string, string) {
	e := browser.Start(t, harness.Options{Config: func(c *server.Config) { c.Sandbox = true }})
	var bots struct {
		Bots []struct{ ID, Name string }
	}
	e.Admin(http.MethodGet, "/admin/v1/bots", nil, http.StatusOK, &bots)
	botID := ""
	for _, b := range bots.Bots {
		if b.Name == "Sandbox shop" {
			botID = b.ID
		}
	}
	if botID == "" {
		t.Fatalf("no sandbox bot among %+v", bots.Bots)
	}
	var key struct{ Key string }
	e.Admin(http.MethodPost, "/admin/v1/bots/"+botID+"/api-keys", nil, http.StatusCreated, &key)
	e.Admin(http.MethodPut, "/admin/v1/bots/"+botID+"/blocks/view_details",
		map[string]any{"cards": []any{map[string]any{"text": "Here are the details, {{first_name}}: your order ships today."}}},
		http.StatusCreated, nil)
	return e, botID, key.Key
}

// On the sandbox, the phone plays the demo user: it writes, a message with a
// block button arrives through the API, the tap sends the postback webhook,
// and botgate's block reply appears on the phone.
func TestBrowserSandboxPhone(t *testing.T) {
	e, botID, key := sandbox(t)
	pw := e.User("ada", core.RoleAdmin)
	tab := e.Open()
	tab.SignIn("ada", pw)

	tab.Run(chromedp.Click(`a[href="/console/phone"]`), chromedp.WaitVisible(`table.phone-users`))
	tab.Run(chromedp.Click(`a[href="/console/phone/messenger/100000000000001/`+demoPSID+`"]`), chromedp.WaitVisible(`.phone-composer`))
	// The demo user greeted the bot when the sandbox started.
	waitText(tab, "#phone-chat", "Hi!")

	tab.Run(chromedp.SendKeys(`.phone-composer input[name=text]`, "Where is my order?"),
		chromedp.Submit(`.phone-composer`))
	waitText(tab, "#phone-chat .pv-out", "Where is my order?")

	status, body := e.Do(http.MethodPost, "/api", http.Header{"Apikey": {key}, "Content-Type": {"application/json"}}, []byte(
		`{"request":{"method":"send_message","id":"phone-1","sync":true},"recipient":{"id":"`+demoPSID+`"},`+
			`"messaging_type":"RESPONSE","message":{"attachment":{"type":"template","payload":{"template_type":"button",`+
			`"text":"Your order A-17 is packed, {{first_name}}.","buttons":[{"type":"block","block_name":"view_details","title":"Details"},`+
			`{"type":"web_url","url":"https://shop.example/o/A-17","title":"Track"}]}},`+
			`"quick_replies":[{"content_type":"text","title":"Thanks!","payload":"THANKS"}]}}`))
	if status != http.StatusOK || !strings.Contains(string(body), `"message_id":"m_`) {
		t.Fatalf("send answered %d %s", status, body)
	}
	// Polling brings the card without a reload.
	waitText(tab, "#phone-chat", "Your order A-17 is packed, Ada.")

	tab.Run(chromedp.Click(`//button[contains(@class,"pv-btn")][normalize-space(.)="Details"]`))
	waitText(tab, "#phone-chat", "Here are the details, Ada: your order ships today.")
	// The tap is on the phone as the user's own bubble, before the reply.
	text := browser.Get(tab, chromedp.Text(`#phone-chat`, chromedp.NodeVisible))
	if i, j := strings.Index(text, "Details\n"), strings.Index(text, "Here are the details"); i < 0 || j < i {
		t.Errorf("the tap and the reply are not in order:\n%s", text)
	}
	tab.Screenshot("phone-messenger")

	// Reading the conversation sends the delivery and read receipts: the card is read.
	tab.Run(chromedp.Click(`.phone-read button`), chromedp.WaitVisible(`.phone-composer`))
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		var list struct{ Messages []struct{ Status string } }
		e.Admin(http.MethodGet, "/admin/v1/messages?bot_id="+botID+"&request_id=phone-1", nil, http.StatusOK, &list)
		if len(list.Messages) == 1 && list.Messages[0].Status == "read" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after Read the message is %+v", list.Messages)
		}
	}
	tab.Go("/console/phone")
	tab.Screenshot("phone")
}

// The WhatsApp demo user's phone shows a text, an interactive message with
// reply buttons, and a tap on one reaches botgate as the inbound reply.
func TestBrowserSandboxPhoneWhatsApp(t *testing.T) {
	e, _, key := sandbox(t)
	pw := e.User("ada", core.RoleAdmin)
	tab := e.Open()
	tab.SignIn("ada", pw)
	tab.Go("/console/phone/whatsapp/" + demoWANumber + "/" + demoWAUser)
	waitText(tab, "#phone-chat", "Hi!")

	status, body := e.Do(http.MethodPost, "/channels/"+demoPhone+"/messages", http.Header{"Apikey": {key}, "Content-Type": {"application/json"}},
		[]byte(fmt.Sprintf(`{"id":"wa-phone-1","to":"%s","timestamp":"%d","source":"botchat","type":"text","text":{"body":"Your order *A-17* ships today."}}`,
			demoWAUser, time.Now().Unix())))
	if status != http.StatusOK {
		t.Fatalf("WhatsApp send answered %d %s", status, body)
	}
	waitText(tab, "#phone-chat", "Your order A-17 ships today.")
	status, body = e.Do(http.MethodPost, "/channels/"+demoPhone+"/messages", http.Header{"Apikey": {key}, "Content-Type": {"application/json"}},
		[]byte(fmt.Sprintf(`{"id":"wa-phone-2","to":"%s","timestamp":"%d","source":"botchat","type":"document",`+
			`"document":{"url":"https://shop.example/invoices/A-17.pdf","caption":"Your invoice","extension":"pdf"}}`,
			demoWAUser, time.Now().Unix())))
	if status != http.StatusOK {
		t.Fatalf("WhatsApp send answered %d %s", status, body)
	}
	waitText(tab, "#phone-chat", "Your invoice")
	tab.Run(chromedp.SendKeys(`.phone-composer input[name=text]`, "Thank you!"), chromedp.Submit(`.phone-composer`))
	waitText(tab, "#phone-chat .pv-out", "Thank you!")
	tab.Screenshot("phone-whatsapp")
}

// waitText waits until the element sel shows want (the phone polls every
// second). A form's submission reloads the page meanwhile, so a poll cut
// short by the navigation is started again.
func waitText(tab *browser.Tab, sel, want string) {
	tab.T.Helper()
	js := fmt.Sprintf(`Array.from(document.querySelectorAll(%q)).some(n => n.innerText.includes(%q))`, sel, want)
	var err error
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); {
		if _, err = chromedp.Run(tab.Ctx, chromedp.Poll[bool](js, chromedp.WithPollingTimeout(2*time.Second))); err == nil {
			return
		}
	}
	text, _ := chromedp.Run(tab.Ctx, chromedp.Evaluate[string](`document.body.innerText`))
	tab.T.Fatalf("%q never appeared in %s: %v\nthe page shows:\n%s", want, sel, err, text)
}
