package console_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/botgate/botgate/internal/console/browser"
	"github.com/botgate/botgate/internal/core"
	"github.com/botgate/botgate/internal/harness"
)

// The message list filtered by a recipient's linked email, then a
// message's page with the exact Graph body and the phone's preview; and a
// screenshot of every read page on the way.
func TestBrowserMessages(t *testing.T) {
	e := browser.Start(t, harness.Options{})
	ctx := context.Background()
	if _, err := e.Fake.UserSendsText(harness.Page, harness.User, "Hi, where is my order?"); err != nil {
		t.Fatal(err)
	}
	harness.WaitFor(t, "the user's message kept", 5*time.Second, func() bool {
		turns, err := e.Server.Store.Conversation(ctx, e.BotID, harness.User, time.Time{}, 10)
		return err == nil && len(turns) == 1
	})
	send(t, e.Env, "order-1", `{"text":"Your order #1042 has shipped 📦"}`)
	cardID := send(t, e.Env, "card-1", `{"attachment":{"type":"template","payload":{"template_type":"generic","elements":[{"title":"Blue sneakers",
		"subtitle":"Size 42 · €89","image_url":"https://shop.example/sneakers.png","buttons":[{"type":"web_url","url":"https://shop.example/p/42","title":"View"},
		{"type":"postback","title":"Buy now","payload":"BUY_42"}]}]}},"quick_replies":[{"content_type":"text","title":"More","payload":"MORE"}]}`)
	if status, _ := e.Do(http.MethodPost, "/api", http.Header{"Apikey": {"bgk_wrong"}}, []byte(`{"request":{"id":"x"}}`)); status == http.StatusOK {
		t.Fatal("a wrong key was accepted")
	}
	if err := e.Server.Store.LinkAccount(ctx, e.BotID, harness.User, map[string]string{"email": "ada@example.com"}); err != nil {
		t.Fatal(err)
	}
	send(t, e.Env, "other-1", `{"text":"Thanks for shopping with us"}`)
	// An async send, whose result goes to the bot's callback URL.
	if status, body := e.Bothub(`{"request":{"method":"send_message","id":"async-1","sync":false},"recipient":{"id":"` + harness.OtherUser +
		`"},"messaging_type":"RESPONSE","message":{"text":"Your parcel is out for delivery"}}`); status != http.StatusOK {
		t.Fatalf("async send: %d %s", status, body)
	}
	e.Inbox.Wait(t, 1, 5*time.Second)
	tab := e.Open()
	tab.SignIn("ada", e.User("ada", core.RoleAdmin))

	tab.Go("/console/")
	tab.Run(chromedp.WaitVisible(`#live svg.chart`))
	tab.Screenshot("overview")

	tab.Go("/console/messages")
	tab.Run(
		chromedp.SendKeys(`input[name=recipient]`, "ada@example.com"),
		chromedp.Click(`form.filters button[type=submit]`),
		// The value attribute is written by the server: this is the filtered page.
		chromedp.WaitVisible(`input[name=recipient][value="ada@example.com"]`),
		chromedp.WaitVisible(`table.messages`),
	)
	if url := browser.Get(tab, chromedp.Evaluate[string](`location.search`)); !strings.Contains(url, "recipient=ada%40example.com") {
		t.Fatalf("the filter is not in the URL: %s", url)
	}
	if n := count(tab, `table.messages tbody tr`); n != 3 {
		t.Fatalf("%d messages listed for ada@example.com, want 3", n)
	}
	tab.Screenshot("messages")

	tab.Run(chromedp.Click(`a[href="/console/messages/`+cardID+`"]`), chromedp.WaitVisible(`.pv-screen`))
	if body := tab.Text(`pre.graph-body`); !strings.Contains(body, `"template_type": "generic"`) || !strings.Contains(body, `"BUY_42"`) {
		t.Fatalf("the Graph body shown is %s", body)
	}
	if got := tab.Text(`.phone-col`); !strings.Contains(got, "Blue sneakers") || !strings.Contains(got, "Buy now") {
		t.Fatalf("the preview shows %q", got)
	}
	tab.Screenshot("message")

	tab.Go("/console/contacts?bot=" + e.BotID)
	tab.Run(chromedp.WaitVisible(`table`))
	tab.Screenshot("contacts")
	tab.Go("/console/contacts/" + e.BotID + "/" + harness.User)
	tab.Run(chromedp.WaitVisible(`.conversation .bubble-in`))
	if got := tab.Text(`.conversation`); !strings.Contains(got, "Hi, where is my order?") || !strings.Contains(got, "Blue sneakers") {
		t.Fatalf("the conversation shows %q", got)
	}
	tab.Screenshot("contact")
	tab.Go("/console/deliveries")
	tab.Run(chromedp.WaitVisible(`table`))
	tab.Screenshot("deliveries")
	tab.Go("/console/deliveries/webhooks")
	tab.Run(chromedp.WaitVisible(`table`))
	tab.Screenshot("webhooks")
	tab.Go("/console/requests")
	tab.Run(chromedp.WaitVisible(`table`))
	tab.Screenshot("requests")
}

// A block edited with an error shown beside the text, then saved, then
// restored from a version.
func TestBrowserBlockEditor(t *testing.T) {
	e := browser.Start(t, harness.Options{})
	original := map[string]any{"cards": []any{map[string]any{"text": "Hello {{first_name}}, you have {{points}} points"}}}
	e.Admin(http.MethodPut, "/admin/v1/bots/"+e.BotID+"/blocks/points_info", original, http.StatusCreated, nil)
	if _, err := e.Server.Store.SetParams(context.Background(), e.BotID, harness.User, map[string]string{"points": "120"}, true); err != nil {
		t.Fatal(err)
	}
	tab := e.Open()
	tab.SignIn("ada", e.User("ada", core.RoleAdmin))

	tab.Go("/console/blocks?bot=" + e.BotID)
	tab.Run(chromedp.WaitVisible(`a[href="/console/blocks/` + e.BotID + `/points_info"]`))
	tab.Screenshot("blocks")
	tab.Run(chromedp.Click(`a[href="/console/blocks/`+e.BotID+`/points_info"]`), chromedp.WaitVisible(`#preview .pv-screen`))
	if got := tab.Text(`#preview`); !strings.Contains(got, "Hello Ada, you have 120 points") {
		t.Fatalf("the preview for Ada shows %q", got)
	}

	setText := func(text string) {
		js, _ := json.Marshal(text)
		browser.Get(tab, chromedp.Evaluate[bool](`(() => { const t = document.querySelector("#block-text"); t.value = `+string(js)+
			`; return t.dispatchEvent(new Event("input", {bubbles: true})) })()`))
	}
	// An error: shown live in the preview, then beside the text on save, nothing saved.
	setText(`{"name": "points_info", "cards": [
  {"text": "Hello {{first_name}}"},
  {"attachment": {"type": "template", "payload": {"template_type": "button", "text": "Your points",
    "buttons": [{"type": "postback", "title": "", "payload": "MORE"}]}}}
]}`)
	tab.Run(chromedp.WaitVisible(`#preview #block-error`))
	// The live error goes first, so the one waited for is the saved page's.
	browser.Get(tab, chromedp.Evaluate[bool](`document.querySelector("#block-error").remove() === undefined`))
	tab.Run(chromedp.Click(`button[name=save]`), chromedp.WaitVisible(`#block-error`))
	if got := tab.Text(`#block-error`); !strings.Contains(got, "line 4") || !strings.Contains(got, "cards[1].attachment.payload.buttons[0].title") || !strings.Contains(got, "is required") {
		t.Fatalf("the error beside the text says %q", got)
	}
	tab.Screenshot("block_error")

	setText(`{
  "name": "points_info",
  "cards": [
    {"text": "Hi {{first_name}}! {{points}} points are waiting."},
    {"attachment": {"type": "template", "payload": {"template_type": "button", "text": "Spend them?",
      "buttons": [{"type": "web_url", "url": "https://shop.example/rewards", "title": "See rewards"}]}}}
  ]
}`)
	tab.Run(chromedp.WaitVisible(`#preview .pv-screen`))
	harness.WaitFor(t, "the preview of the new text", 5*time.Second, func() bool {
		return strings.Contains(tab.Text(`#preview`), "Hi Ada! 120 points are waiting.")
	})
	tab.Screenshot("block_edit")
	tab.Run(chromedp.Click(`button[name=save]`), chromedp.WaitVisible(`p.flash`))
	if got := tab.Text(`p.flash`); got != "Saved points_info as version 2" {
		t.Fatalf("after saving: %q", got)
	}

	tab.Go("/console/blocks/" + e.BotID + "/points_info/versions")
	tab.Run(chromedp.WaitVisible(`pre.diff`))
	if got := tab.Text(`pre.diff`); !strings.Contains(got, "- ") || !strings.Contains(got, "+ ") || !strings.Contains(got, "points are waiting") {
		t.Fatalf("the diff shows %q", got)
	}
	tab.Screenshot("block_versions")
	tab.Run(chromedp.Click(`form[action$="/restore"] button`), chromedp.WaitVisible(`p.flash`))
	if got := tab.Text(`p.flash`); got != "Version 1 restored as version 3" {
		t.Fatalf("after restoring: %q", got)
	}
	b, err := e.Server.Store.GetBlock(context.Background(), e.BotID, "points_info", 0)
	if err != nil || b.Version != 3 || b.Cards[0].Text != "Hello {{first_name}}, you have {{points}} points" {
		t.Fatalf("the block after restoring: %+v, %v", b, err)
	}
}
